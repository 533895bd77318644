# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The differential numerics suite of wn.weight_norm_backward: run it with
`python3 -m wn.testing.differential --op backward` (scripts/differential.sh
--op backward). The driver, case generation, compilation, calling, ulp
measurement, --asan and --plant are the forward's (wn.testing.differential);
this module adds what is the backward's own.

Cases: the forward's cases (every element type, rank 1 to 4, every dim
spelled both ways plus the whole tensor, every g layout, static and dynamic
shapes, both calling styles, eps, zero slices, zero elements, 7-element and
more than 10^6-element slices), without the infinities and NaN; `with_norm`
passes the saved norm operand (the exact norm rounded to the accumulation
type, what the forward's norm result holds), and grad_w is randn like v. On
top: grad_w (nearly) parallel to v, where grad_v cancels, and per type
magnitudes whose sums of squares rescale (bf16 near 1e19 and 1e-20, f64 near
1e154 and 1e-160, ...). The op does not rescale s = sum(grad_w * v) (WNOps.td):
grad_w's magnitude is chosen so that the products grad_w * v stay normal in
the compute type, and grad_v and grad_g within range of the element type.

Exact reference, per slice: S = sum v^2 and s = sum grad_w * v exactly
(differential.exact_row_dots), n = sqrt(S [+ eps]) (or the saved norm as
given), then in 50-digit decimal a = g / n, c = s / n (grad_g) and
b = a c / n; grad_v = a grad_w - b v with a and b as pairs of doubles, every
product split exactly and the parts summed error-free in double
(cascaded TwoSum) and long double, so that grad_v is exact far below an ulp
even where it cancels.

Errors, in ulps of the result type: grad_g in plain ulps; grad_v in plain
ulps (meaningless where grad_v cancels: an exact grad_v of 0 has the ulp of
the smallest subnormal), in ulps of the larger term, max(|a grad_w|, |b v|)
per element, and in ulps of max(|a grad_w|, |b v|, |grad_v|) (where the terms
have opposite signs grad_v exceeds both, and its own rounding is half an ulp
of grad_v, up to one ulp of the larger term). The op's documented bounds
(WNOps.td) are checked on the last: GV_BOUND, 0.5 + 2^-9 ulps for f16 and
bf16 (one fused multiply-add in f32, rounded once to the element type) and
1 + 2^-9 for f32 and f64 (measured up to 0.998: the difference of the
exact products and the sum of their errors are each rounded); grad_g (c
rounded once) within GG_BOUND, 0.5 + 2^-9 ulps (measured: 0.500).

PyTorch (CPU), on the same inputs as users run it: autograd through
torch._weight_norm(v, g, dim) (dim -1 for the whole tensor) with
w.backward(grad_w); with eps the Flax form written with torch ops
(differential.torch_result). With a saved norm at dim 0 or the last dim,
torch.ops.aten._weight_norm_interface_backward(grad_w, v, g, norm, dim) gets
the same norm (not for f16, which has no such CPU kernel). PyTorch cannot run
cases without elements: there only the bound applies.

A case passes when the NaN pattern of grad_v and grad_g is the reference's
(without eps a zero slice gives NaN everywhere in it), each error is at most
PyTorch's plus SLACK_ULPS and within the bound, every output element is
written and the inputs are unchanged.
"""

import dataclasses
import decimal
import math
import re

import numpy as np
import torch

from wn.testing import differential as fwd
from wn.testing.differential import (DTYPES, MAGNITUDE_LAYOUTS, Case,
                                     Operation, call_function, check_unchanged,
                                     exact_reference, exact_row_dots, max_ulps,
                                     row_exponents, slice_rows, to_numpy,
                                     torch_result, ulp, ulp_errors,
                                     unslice_rows)
from wn.testing.weight_norm import (ELEMENT_TYPES, accumulation_type, g_shape,
                                    weight_norm_backward_func)

# grad_v: |err| <= GV_BOUND ulps of max(|a grad_w|, |b v|, |grad_v|);
# grad_g: |err| <= GG_BOUND ulps. See the module's docstring.
GV_BOUND = {"f16": 0.5 + 2**-9, "bf16": 0.5 + 2**-9, "f32": 1.0 + 2**-9,
            "f64": 1.0 + 2**-9}
GG_BOUND = {t: 0.5 + 2**-9 for t in ELEMENT_TYPES}
SLACK_ULPS = fwd.SLACK_ULPS


@dataclasses.dataclass
class BackwardCase(Case):
    # grad_w is randn * grad_scale, or with `parallel` set,
    # parallel_factor * v + randn * parallel * |v| (0: exactly parallel).
    grad_scale: float = 1.0
    parallel: float | None = None

    @property
    def name(self) -> str:
        # "bw_": distinct from the forward's names when both suites' cases
        # share a module (the GPU checks).
        name = "bw_" + super().name
        if self.parallel is not None:
            name += "_par"
        if self.extreme:
            name += "_x"
        return name


# Per type: (v's scale, g's scale, grad_w's scale) of magnitudes whose sums
# of squares overflow or underflow the compute type or sit next to the
# limits, subnormals, and (scale, tiny scale) of slices mixing huge and tiny
# values (grad_w's scale 1). grad_w's scale keeps the products grad_w * v
# normal in the compute type (s is not rescaled) and grad_v, about
# g grad_w / n, in range.
MAGNITUDES = {
    "f16": ([(1e4, 1.0, 1e2), (1e-6, 1.0, 1e-3), (2e-7, 1.0, 1e-3)],
            [(1e4, 1e-7)]),
    "bf16": ([(1e19, 1.0, 1.0), (3e19, 1.0, 1.0), (1e30, 1.0, 1.0),
              (1e-19, 1.0, 1.0), (1e-20, 1.0, 1.0), (1e-30, 1.0, 1.0),
              (1e-39, 1e-6, 1.0)],
             [(1e19, 1e-19), (1e-18, 1e-38)]),
    "f32": ([(1e30, 1.0, 1.0), (1e-30, 1.0, 1.0), (1e-40, 1e-10, 1.0)],
            [(1e30, 1e-30)]),
    "f64": ([(1e154, 1.0, 1.0), (1e160, 1.0, 1.0), (1e300, 1.0, 1.0),
             (1e-154, 1.0, 1.0), (1e-160, 1.0, 1.0), (1e-300, 1.0, 1.0),
             (1e-310, 1e-30, 1e20)],
            [(1e154, 1e-100), (1e-150, 1e-300)]),
}

# Layouts of the cases with grad_w (nearly) parallel to v: rows, columns,
# the whole tensor, runs; relative noise 2^-12 and 0 (exactly parallel, an
# exact grad_v of 0).
PARALLEL_CASES = (
    dict(shape=[16, 257], dim=0, layout="keepdim", parallel=2**-12),
    dict(shape=[257, 16], dim=-1, layout="flat", parallel=2**-12,
         dynamic=True, style="tensor", with_norm=True),
    dict(shape=[9, 11, 13], dim=None, layout="scalar", parallel=2**-12),
    dict(shape=[5, 6, 70], dim=1, layout="flat", parallel=0.0,
         with_norm=True),
    dict(shape=[64, 33], dim=0, layout="flat", parallel=0.0, eps=1e-5),
)


def generate_cases(seed: int, types=ELEMENT_TYPES) -> list[BackwardCase]:
    """The forward's cases (fwd.generate_cases, the same seed) without
    infinities and NaN and without the forward's magnitude cases, then per
    type the parallel cases and the backward's magnitudes."""
    cases: list[BackwardCase] = []

    def add(**kwargs):
        cases.append(BackwardCase(index=len(cases), **kwargs))

    for case in fwd.generate_cases(seed, types):
        if case.extreme:
            continue
        fields = {f.name: getattr(case, f.name)
                  for f in dataclasses.fields(Case) if f.name != "index"}
        add(**fields)
    for elem in types:
        for kwargs in PARALLEL_CASES:
            add(elem=elem, **kwargs)
        plain, mixed = MAGNITUDES[elem]
        layouts = iter(MAGNITUDE_LAYOUTS * 4)
        for scale, g_scale, grad_scale in plain:
            add(elem=elem, extreme=True, scale=scale, g_scale=g_scale,
                grad_scale=grad_scale, **next(layouts))
        for scale, tiny_scale in mixed:
            add(elem=elem, extreme=True, scale=scale, tiny_scale=tiny_scale,
                **next(layouts))
    return cases


def gpu_cases(seed: int) -> list[BackwardCase]:
    """The cases the GPU checks (ptx_check, gpu_differential) compile: the
    memref-style ones (the device's results come back in the caller's
    buffers), at most 16 per element type, taken evenly from the suite so
    that every kind (layouts, long and 7-element slices, eps, the saved
    norm, zero slices, parallel and extreme magnitudes) stays represented."""
    chosen = []
    for elem in ELEMENT_TYPES:
        mine = [c for c in generate_cases(seed, (elem,))
                if c.style == "memref"]
        step = max(1, -(-len(mine) // 16))
        chosen += mine[::step]
    return chosen


def func_text(c: BackwardCase) -> str:
    return weight_norm_backward_func(c.name, c.shape, c.dim, c.layout, c.elem,
                                     c.dynamic, c.style, c.eps, c.with_norm)


# ----------------------------------------------------------------------------
# Inputs and references
# ----------------------------------------------------------------------------


def make_inputs(case: BackwardCase, seed: int) -> list[torch.Tensor]:
    """grad_w, v, g (v and g the forward's make_inputs) and, with_norm, the
    saved norm: the exact norm rounded to the accumulation type (g's
    shape), what the forward's norm result holds."""
    v, g = fwd.make_inputs(case, seed)
    gen = torch.Generator().manual_seed((seed * 1000003 + case.index) ^ 0x5eed)
    noise = torch.randn(case.shape, generator=gen, dtype=torch.float64)
    if case.parallel is None:
        gw = noise * case.grad_scale
    else:
        v64 = v.double()
        gw = 3.0 * v64 + noise * case.parallel * v64.abs()
    inputs = [gw.to(v.dtype).contiguous(), v, g]
    if case.with_norm:
        norm = exact_reference(case, v, g).norm
        acc = DTYPES[accumulation_type(case.elem)]
        inputs.append(torch.from_numpy(norm.astype(np.float64)).to(acc)
                      .reshape(g.shape).contiguous())
    return inputs


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """a + b as s + e exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _accurate_sum(parts: list[np.ndarray]) -> np.ndarray:
    """The element-wise sum of float64 arrays as long doubles, as accurate
    as if computed in about 3 times double precision (Ogita, Rump and
    Oishi's SumK with K = 3: two passes of cascaded TwoSum, then the parts
    added in long double, largest last)."""
    parts = list(parts)
    for _ in range(2):
        for i in range(1, len(parts)):
            parts[i], parts[i - 1] = _two_sum(parts[i], parts[i - 1])
    total = np.zeros(parts[0].shape, dtype=np.longdouble)
    for p in parts[:-1]:
        total += p.astype(np.longdouble)
    return total + parts[-1].astype(np.longdouble)


def _to_pair(x: decimal.Decimal) -> tuple[float, float]:
    hi = float(x)
    return hi, float(x - decimal.Decimal(hi))


@dataclasses.dataclass
class BackwardReference:
    grad_v: np.ndarray   # long double, v's shape; NaN in NaN slices
    grad_g: np.ndarray   # long double, [slices]
    term: np.ndarray     # float64, v's shape: max(|a grad_w|, |b v|)
    # float64, v's shape: max(|a grad_w|, |b v|, |grad_v|)
    magnitude: np.ndarray


def exact_backward(case: BackwardCase, gw: torch.Tensor, v: torch.Tensor,
                   g: torch.Tensor,
                   norm: torch.Tensor | None) -> BackwardReference:
    """grad_v and grad_g far below an ulp of f64 (see the docstring)."""
    x = slice_rows(case, v.double().numpy())
    y = slice_rows(case, gw.double().numpy())
    gs = g.double().numpy().reshape(-1)
    eps = fwd._eps_in_accumulation_type(case)
    count = x.shape[0]
    grad_g = np.zeros(count, dtype=np.longdouble)
    # a 2^ey and b 2^ex as pairs: the factors of the rows scaled by 2^-ey
    # (grad_w) and 2^-ex (v), so that every product stays in range.
    ex, ey = row_exponents(x), row_exponents(y)
    pairs = np.zeros((4, count))
    nan_rows = np.zeros(count, dtype=bool)
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        dots = exact_row_dots(y, x)
        squares = exact_row_dots(x, x) if norm is None else None
        saved = None if norm is None else to_numpy(norm).reshape(-1)
        two = decimal.Decimal(2)
        for i in range(count):
            if saved is not None:
                n = decimal.Decimal(float(saved[i]))
            else:
                total = squares[i]
                if eps is not None:
                    total += decimal.Decimal(eps)
                n = total.sqrt()
            if n == 0:
                nan_rows[i] = True  # g / 0 and 0 / 0
                continue
            a = decimal.Decimal(float(gs[0 if gs.size == 1 else i])) / n
            c = dots[i] / n
            b = a * c / n
            hi, lo = _to_pair(c)
            grad_g[i] = np.longdouble(hi) + np.longdouble(lo)
            pairs[0:2, i] = _to_pair(a * two ** int(ey[i]))
            pairs[2:4, i] = _to_pair(b * two ** int(ex[i]))
    grad_g[nan_rows] = np.nan
    xs = np.ldexp(x, -ex[:, None])
    ys = np.ldexp(y, -ey[:, None])
    parts = []
    for factor, rows, sign in ((pairs[0], ys, 1.0), (pairs[1], ys, 1.0),
                               (pairs[2], xs, -1.0), (pairs[3], xs, -1.0)):
        hi, lo = fwd.two_product(factor[:, None], rows)
        parts += [sign * hi, sign * lo]
    grad_v = _accurate_sum(parts)
    grad_v[nan_rows, :] = np.nan
    term = np.maximum(np.abs(parts[0]), np.abs(parts[4]))
    magnitude = np.maximum(term, np.abs(grad_v).astype(np.float64))
    return BackwardReference(unslice_rows(case, grad_v), grad_g,
                             unslice_rows(case, term),
                             unslice_rows(case, magnitude))


def torch_backward(case: BackwardCase, gw: torch.Tensor, v: torch.Tensor,
                   g: torch.Tensor, norm: torch.Tensor | None):
    """PyTorch's (grad_v, grad_g in g's shape, how) for the same inputs, or
    None where PyTorch cannot run the case (no elements)."""
    if v.numel() == 0:
        return None
    d = case.norm_dim
    rank = v.dim()
    if (norm is not None and case.eps is None and d is not None and
            d in (0, rank - 1) and case.elem != "f16"):
        keep = g_shape(case.shape, d, "keepdim")
        grad_v, grad_g = torch.ops.aten._weight_norm_interface_backward(
            gw, v, g.reshape(keep), norm.reshape(keep), d)
        return grad_v, grad_g.reshape(g.shape), "interface"
    vr = v.clone().requires_grad_()
    gr = g.clone().requires_grad_()
    w = torch_result(case, vr, gr)[0]
    w.backward(gw)
    return vr.grad, gr.grad, "autograd"


# ----------------------------------------------------------------------------
# Checking
# ----------------------------------------------------------------------------


def term_ulps(got: np.ndarray, ref: np.ndarray, term: np.ndarray,
              elem: str) -> float:
    """The largest |got - ref| in ulps of `term` (element-wise, where ref
    is finite)."""
    finite = np.isfinite(ref)
    if not finite.any():
        return 0.0
    err = ulp_errors(got[finite], ref[finite], elem) * (
        ulp(ref[finite], elem) / ulp(term[finite], elem)).astype(np.float64)
    return float(err.max())


@dataclasses.dataclass
class BackwardOutcome:
    case: BackwardCase
    errors: list[str]
    gv_ulps: float = 0.0       # plain ulps
    gv_term: float = 0.0       # ulps of the larger term
    gv_mag: float = 0.0        # ulps of max(term, |grad_v|)
    gg_ulps: float = 0.0
    torch_gv_ulps: float = math.inf
    torch_gv_term: float = math.inf
    torch_gv_mag: float = math.inf
    torch_gg_ulps: float = math.inf
    torch_how: str = "n/a"
    nan_count: int = 0
    torch_nan_differs: bool = False

    def detail(self) -> str:
        return (f"grad_v {self.gv_ulps:.2f} ulps ({self.gv_term:.3f} of the "
                f"larger term), grad_g {self.gg_ulps:.3f}; PyTorch "
                f"({self.torch_how}) {self.torch_gv_ulps:.2f} "
                f"({self.torch_gv_term:.3f}), {self.torch_gg_ulps:.3f}")


def check_case(case: BackwardCase, inputs: list[torch.Tensor],
               grad_v: torch.Tensor, grad_g: torch.Tensor) -> BackwardOutcome:
    out = BackwardOutcome(case, [])
    gw, v, g = inputs[:3]
    norm = inputs[3] if case.with_norm else None
    ref = exact_backward(case, gw, v, g, norm)
    elem = case.elem
    for name, got, want in (("grad_v", grad_v, v), ("grad_g", grad_g, g)):
        if list(got.shape) != list(want.shape) or got.dtype != want.dtype:
            out.errors.append(f"{name} is {got.dtype}{list(got.shape)}, "
                              f"expected {want.dtype}{list(want.shape)}")
    if out.errors:
        return out
    gv = to_numpy(grad_v)
    gg = to_numpy(grad_g).reshape(-1)
    ref_gg = ref.grad_g
    out.nan_count = int(np.isnan(ref.grad_v).sum() + np.isnan(ref_gg).sum())
    for name, got, want in (("grad_v", gv, ref.grad_v),
                            ("grad_g", gg, ref_gg)):
        if not np.array_equal(np.isnan(got), np.isnan(want)):
            wrong = np.argwhere(np.isnan(got) != np.isnan(want))
            first = tuple(wrong[0])
            out.errors.append(
                f"{name} NaN pattern differs at {len(wrong)} elements, first "
                f"at {list(map(int, first))}: got {got[first]!r}, reference "
                f"{'NaN' if np.isnan(want[first]) else 'finite'}")
    out.gv_ulps = max_ulps(gv, ref.grad_v, elem)
    out.gv_term = term_ulps(gv, ref.grad_v, ref.term, elem)
    out.gv_mag = term_ulps(gv, ref.grad_v, ref.magnitude, elem)
    out.gg_ulps = max_ulps(gg, ref_gg, elem)

    theirs = torch_backward(case, gw, v, g, norm)
    if theirs is not None:
        tv, tg, out.torch_how = theirs
        tv, tg = to_numpy(tv), to_numpy(tg).reshape(-1)
        out.torch_gv_ulps = max_ulps(tv, ref.grad_v, elem)
        out.torch_gv_term = term_ulps(tv, ref.grad_v, ref.term, elem)
        out.torch_gv_mag = term_ulps(tv, ref.grad_v, ref.magnitude, elem)
        out.torch_gg_ulps = max_ulps(tg, ref_gg, elem)
        out.torch_nan_differs = not (
            np.array_equal(np.isnan(tv), np.isnan(ref.grad_v)) and
            np.array_equal(np.isnan(tg), np.isnan(ref_gg)))
    for what, mine, torch_error in (
            ("grad_v error", out.gv_ulps, out.torch_gv_ulps),
            ("grad_v error in ulps of the larger term", out.gv_term,
             out.torch_gv_term),
            ("grad_g error", out.gg_ulps, out.torch_gg_ulps)):
        if mine > torch_error + SLACK_ULPS:
            out.errors.append(f"{what} {mine:.3f} ulps > PyTorch's "
                              f"{torch_error:.3f} + {SLACK_ULPS:g}")
    if out.gv_mag > GV_BOUND[elem]:
        out.errors.append(
            f"grad_v error {out.gv_mag:.4f} ulps of max(|a grad_w|, |b v|, "
            f"|grad_v|) > the bound {GV_BOUND[elem]:.4f}")
    if out.gg_ulps > GG_BOUND[elem]:
        out.errors.append(f"grad_g error {out.gg_ulps:.3f} ulps > the bound "
                          f"{GG_BOUND[elem]:.3f}")
    return out


def run_case(lib, case: BackwardCase, seed: int, exact_buffers: bool,
             short: bool) -> BackwardOutcome:
    """One case: inputs, call, checks."""
    inputs = make_inputs(case, seed)
    copies = [t.clone() for t in inputs]
    v, g = inputs[1], inputs[2]
    grad_v, grad_g = call_function(
        lib, case, inputs, [(list(v.shape), v.dtype), (list(g.shape), g.dtype)],
        exact_buffers, short)
    outcome = check_case(case, inputs, grad_v, grad_g)
    check_unchanged(outcome, inputs, copies)
    return outcome


def summary_table(outcomes: list[BackwardOutcome]) -> str:
    """A Markdown table per element type: cases, the worst and median
    per-case maximum errors of wn and PyTorch in ulps of the result type
    (grad_v also in ulps of the larger term, and beyond correct rounding).
    PyTorch's columns leave out the extreme cases and the cases PyTorch
    cannot run (counted apart)."""
    lines = [
        "| type | cases | failed | longest slice | NaN cases | "
        "grad_v wn: ulps | PyTorch | grad_v wn: ulps of larger term | "
        "PyTorch | wn: ulps of max(terms, grad_v) | grad_g wn: ulps | PyTorch | "
        "extreme cases | PyTorch n/a |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def fmt(x):
        return "inf" if x == math.inf else f"{x:.3f}"

    def worst_median(values):
        if not values:
            return "-"
        return f"{fmt(max(values))} ({fmt(float(np.median(values)))})"

    for elem in ELEMENT_TYPES:
        rows = [o for o in outcomes if o.case.elem == elem]
        if not rows:
            continue
        theirs = [o for o in rows if o.torch_how != "n/a" and
                  not o.case.extreme]
        longest = max(math.prod(o.case.shape) // max(o.case.num_slices, 1)
                      for o in rows)
        lines.append(
            f"| {elem} | {len(rows)} | {sum(bool(o.errors) for o in rows)} | "
            f"{longest} | {sum(o.nan_count > 0 for o in rows)} | "
            f"{worst_median([o.gv_ulps for o in rows])} | "
            f"{worst_median([o.torch_gv_ulps for o in theirs])} | "
            f"{worst_median([o.gv_term for o in rows])} | "
            f"{worst_median([o.torch_gv_term for o in theirs])} | "
            f"{worst_median([o.gv_mag for o in rows])} | "
            f"{worst_median([o.gg_ulps for o in rows])} | "
            f"{worst_median([o.torch_gg_ulps for o in theirs])} | "
            f"{sum(o.case.extreme for o in rows)} | "
            f"{sum(o.torch_how == 'n/a' for o in rows)} |")
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# Planted errors
# ----------------------------------------------------------------------------


def _plant_rounded_factors(text: str) -> str:
    """Rounds the factors a and b' to the element type before grad_v: f32
    and f64 lose the low parts of their pairs, f16 and bf16 their f32
    factors (the per-slice generic's yield: a, b', the scale of v, grad_g)."""
    def drop_low(m):
        indent, a_hi, _, b_hi, _, v_scale, grad_g, ty = m.groups()
        zero = fwd._fresh("zero")
        return (f"{indent}{zero} = arith.constant 0.0 : {ty}\n"
                f"{indent}linalg.yield {a_hi}, {zero}, {b_hi}, {zero}, "
                f"{v_scale}, {grad_g} : {ty}, {ty}, {ty}, {ty}, {ty}, {ty}\n")
    text = re.sub(r"( *)linalg\.yield (%\w+), (%\w+), (%\w+), (%\w+), "
                  r"(%\w+), (%\w+) : (f32|f64), \8, \8, \8, \8, \8\n",
                  drop_low, text)

    def narrow(m):
        indent, a, b_factor, v_scale, grad_g, elem = m.groups()
        lines, values = [], []
        for x in (a, b_factor):
            rounded, back = fwd._fresh("rounded"), fwd._fresh("back")
            lines += [f"{indent}{rounded} = arith.truncf {x} : f32 to {elem}",
                      f"{indent}{back} = arith.extf {rounded} : {elem} to "
                      "f32"]
            values.append(back)
        return "\n".join(lines) + (
            f"\n{indent}linalg.yield {values[0]}, {values[1]}, {v_scale}, "
            f"{grad_g} : f32, f32, f32, {elem}\n")
    return re.sub(r"( *)linalg\.yield (%\w+), (%\w+), (%\w+), (%\w+) : "
                  r"f32, f32, f32, (f16|bf16)\n", narrow, text)


PLANTS = {
    "rounded-factors": _plant_rounded_factors,
    "nan-to-zero": fwd._plant_nan_to_zero,
}

BACKWARD = Operation("wn.weight_norm_backward", generate_cases, func_text,
                     run_case, summary_table, PLANTS)
