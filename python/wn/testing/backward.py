# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The backward cases: wn.weight_norm_backward against PyTorch's autograd
and an exact reference.

Cases (generate_backward_cases) cover every element type, each strategy of
the GPU lowering as its automatic choice picks it (7-element slices: one
thread per slice; many slices of a static row kept in registers and of a
dynamic row: one block per slice; few long slices and the whole tensor:
chunks over the grid; the last dim and a middle dim: columns), with and
without eps and the saved norm (every combination), static and dynamic
shapes, all-zero slices (NaN without eps) and zero elements. The functions
are memref style (weight_norm_backward_func): grad_w, v, g (and the saved
norm) in, grad_v and grad_g written into the caller's buffers.

The reference (backward_reference) takes v, grad_w and g in f64 (exact for
every element type), sums the exact squares and products of each slice with
math.fsum (twice: the rounded sum and its residual), and forms n, a = g / n,
b = g s / n^3, grad_g = s / n and grad_v = a grad_w - b v in long double.
A saved norm is taken as given (the forward's norm rounded to the
accumulation type, as the op reads it). Errors are in ulps of the element
type: for grad_g at the reference, for grad_v at the larger of |a grad_w|
and |b v| (the op's contract: grad_v cancels where grad_w is nearly parallel
to v). PyTorch's gradients (autograd through torch._weight_norm, or through
the eps form written with torch ops, in the element type on the same
device) are measured the same way and reported.

A case passes when NaN appears exactly where the reference has it, grad_v
and grad_g are within the bounds below, the inputs are unchanged and every
output element is written.

    python -m wn.testing.backward [--seed N] [-v]

runs the cases on the CPU (--wn-cpu-pipeline, PyTorch on the CPU
alongside); wn.testing.gpu_differential runs them on a GPU.
"""

import argparse
import ctypes
import math
import sys
import tempfile
from dataclasses import dataclass

import numpy as np
import torch

from wn import aot, memref
from wn.testing.differential import DTYPES, SENTINEL, ulp
from wn.testing.weight_norm import (ELEMENT_TYPES, accumulation_type,
                                    g_shape, normalize_dim,
                                    weight_norm_backward_func)

# grad_v within this many ulps of the larger term (WNOps.td: "within about
# one ulp ... relative to the larger of the two terms' magnitudes"), grad_g
# of its reference. Measured on the CPU kernels (the same numerics): f16 and
# bf16 reach 1.0 ulp of the larger term; f32 and f64 grad_v is faithfully
# rounded (within 1 ulp of the result, which can be twice the larger term),
# 2.0 ulps of the larger term. grad_g is within 0.5 ulp.
GRAD_V_BOUND_ULPS = 2.0
GRAD_G_BOUND_ULPS = 1.0

# (shape, dim, g layout, dynamic) per strategy of the GPU lowering's
# automatic choice; the CPU kernels' rows, chunks, columns and runs too.
LAYOUTS = (
    ([1000, 7], 0, "flat", False),          # thread: 7-element slices
    ([300, 256], 0, "keepdim", False),      # block: rows in registers
    ([200, 1000], 0, "flat", True),         # block: dynamic rows
    ([3, 40000], 0, "keepdim", False),      # grid: few long slices
    ([1031, 1031], None, "scalar", False),  # grid: the whole tensor
    ([513, 37], -1, "flat", False),         # columns: the last dim
    ([4, 9, 70], 1, "keepdim", True),       # columns: a middle dim
    ([3, 4, 5], None, "ones", True),        # whole tensor, dynamic
)


@dataclass
class BackwardCase:
    index: int
    shape: list[int]
    dim: int | None
    layout: str
    elem: str
    dynamic: bool = False
    eps: float | None = None
    saved_norm: bool = False
    # Index along dim of a slice of v set to zero; -1 for none (>= 0 zeroes
    # all of v under the whole-tensor norm).
    zero_slice: int = -1

    @property
    def name(self) -> str:
        dim = ("whole" if self.dim is None
               else f"d{self.dim}".replace("-", "m"))
        shape = "x".join(map(str, self.shape))
        parts = [f"b{self.index}", self.elem, shape, dim, self.layout,
                 "dyn" if self.dynamic else "st"]
        if self.eps is not None:
            parts.append("eps")
        if self.saved_norm:
            parts.append("norm")
        if self.zero_slice >= 0:
            parts.append("zero")
        return "_".join(parts)

    @property
    def norm_dim(self) -> int | None:
        return normalize_dim(self.dim, len(self.shape))

    @property
    def num_slices(self) -> int:
        d = self.norm_dim
        return 1 if d is None else self.shape[d]

    def func(self) -> str:
        """The case's MLIR function."""
        return weight_norm_backward_func(self.name, self.shape, self.dim,
                                         self.layout, self.elem, self.dynamic,
                                         self.eps, self.saved_norm)


def generate_backward_cases(types=ELEMENT_TYPES) -> list[BackwardCase]:
    """The backward cases: per element type, every layout of LAYOUTS with
    the four combinations of eps and the saved norm in turn, all-zero
    slices and zero elements. The inputs depend on the seed (make_inputs),
    the cases do not."""
    cases: list[BackwardCase] = []

    def add(**kwargs):
        cases.append(BackwardCase(index=len(cases), **kwargs))

    for elem in types:
        for i, (shape, dim, layout, dynamic) in enumerate(LAYOUTS):
            add(shape=shape, dim=dim, layout=layout, elem=elem,
                dynamic=dynamic, saved_norm=i % 2 == 1,
                eps=1e-5 if i % 4 >= 2 else None)
        # An all-zero slice: NaN gradients without eps, finite with it.
        add(shape=[9, 13], dim=1, layout="keepdim", elem=elem, zero_slice=4)
        add(shape=[6, 50], dim=0, layout="flat", elem=elem, zero_slice=2,
            eps=1e-5, saved_norm=True)
        # Zero elements: no slices, and empty slices.
        add(shape=[0, 5], dim=0, layout="keepdim", elem=elem, dynamic=True)
        add(shape=[5, 0, 3], dim=-3, layout="flat", elem=elem, eps=1e-5)
    return cases


# ----------------------------------------------------------------------------
# Inputs and references
# ----------------------------------------------------------------------------


def _rows(case: BackwardCase, x: np.ndarray) -> np.ndarray:
    """x (v's shape) as [slices, slice elements], dim moved to the front."""
    d = case.norm_dim
    count = case.num_slices
    return (x.reshape(1, x.size) if d is None else
            np.moveaxis(x, d, 0).reshape(count, x.size // max(count, 1)))


def _unrows(case: BackwardCase, rows: np.ndarray) -> np.ndarray:
    d = case.norm_dim
    if d is None:
        return rows.reshape(case.shape)
    moved = [case.shape[d]] + [s for i, s in enumerate(case.shape) if i != d]
    return np.moveaxis(rows.reshape(moved), 0, d)


def _exact_product_parts(x: np.ndarray,
                         y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x * y as hi + lo, both float64, exactly (Dekker's product; the
    inputs' magnitudes keep every part finite and normal)."""
    def split(z):
        c = z * 134217729.0  # 2^27 + 1
        zh = c - (c - z)
        return zh, z - zh
    hi = x * y
    xh, xl = split(x)
    yh, yl = split(y)
    lo = ((xh * yh - hi) + xh * yl + xl * yh) + xl * yl
    return hi, lo


def _exact_sums(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row, sum(x * y) as a long double (two fsums: the sum rounded to
    f64 and its residual)."""
    hi, lo = _exact_product_parts(x, y)
    sums = np.zeros(x.shape[0], dtype=np.longdouble)
    for i in range(x.shape[0]):
        parts = hi[i].tolist() + lo[i].tolist()
        s1 = math.fsum(parts)
        s2 = math.fsum(parts + [-s1])
        sums[i] = np.longdouble(s1) + np.longdouble(s2)
    return sums


def _eps_in_accumulation_type(case: BackwardCase) -> float:
    if case.eps is None:
        return 0.0
    if accumulation_type(case.elem) == "f32":
        return float(np.float32(case.eps))
    return float(case.eps)


def exact_norms(case: BackwardCase, v: torch.Tensor) -> np.ndarray:
    """sqrt(sum(v * v) [+ eps]) per slice, as long doubles."""
    rows = _rows(case, v.double().numpy())
    return np.sqrt(_exact_sums(rows, rows) +
                   np.longdouble(_eps_in_accumulation_type(case)))


def make_inputs(case: BackwardCase, seed: int):
    """Random grad_w, v and g rounded to the element type, and the saved
    norm (the forward's, rounded to the accumulation type) or None."""
    gen = torch.Generator().manual_seed(seed * 1000033 + case.index)
    v = torch.randn(case.shape, generator=gen, dtype=torch.float64)
    grad_w = torch.randn(case.shape, generator=gen, dtype=torch.float64)
    if case.zero_slice >= 0:
        d = case.norm_dim
        if d is None:
            v.zero_()
        else:
            v.select(d, case.zero_slice).zero_()
    g = torch.randn(g_shape(case.shape, case.dim, case.layout), generator=gen,
                    dtype=torch.float64)
    dtype = DTYPES[case.elem]
    grad_w, v, g = (t.to(dtype).contiguous() for t in (grad_w, v, g))
    norm = None
    if case.saved_norm:
        norm = torch.from_numpy(
            exact_norms(case, v).astype(np.float64)).to(
                DTYPES[accumulation_type(case.elem)]).reshape(g.shape)
    return grad_w, v, g, norm


@dataclass
class BackwardReference:
    grad_v: np.ndarray  # long double, v's shape; NaN in slices with n = 0
    terms: np.ndarray   # max(|a grad_w|, |b v|), v's shape
    grad_g: np.ndarray  # long double, [slices]


def backward_reference(case: BackwardCase, grad_w: torch.Tensor,
                       v: torch.Tensor, g: torch.Tensor,
                       norm: torch.Tensor | None) -> BackwardReference:
    rows = _rows(case, v.double().numpy())
    gw_rows = _rows(case, grad_w.double().numpy())
    gs = g.double().numpy().reshape(-1).astype(np.longdouble)
    gs = np.broadcast_to(gs, (rows.shape[0],))
    n = (norm.double().numpy().reshape(-1).astype(np.longdouble)
         if norm is not None else exact_norms(case, v))
    s = _exact_sums(gw_rows, rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = gs / n
        c = s / n
        b = a * c / n
        first = a[:, None] * gw_rows.astype(np.longdouble)
        second = b[:, None] * rows.astype(np.longdouble)
    grad_v = first - second
    terms = np.maximum(np.abs(first), np.abs(second))
    zero = n == 0
    grad_v[zero, :] = np.nan
    c = np.where(zero, np.nan, c)
    return BackwardReference(_unrows(case, grad_v), _unrows(case, terms), c)


def torch_gradients(case: BackwardCase, grad_w: torch.Tensor,
                    v: torch.Tensor, g: torch.Tensor, device: str):
    """PyTorch's (grad_v, grad_g) by autograd in the element type on
    `device`, as users compute them; None where PyTorch cannot (no
    elements, f16 on the CPU)."""
    if v.numel() == 0 or (device == "cpu" and case.elem == "f16"):
        return None
    d = case.norm_dim
    vt = v.to(device).requires_grad_()
    gt = g.to(device).requires_grad_()
    gk = (gt.reshape(()) if d is None
          else gt.reshape(g_shape(case.shape, d, "keepdim")))
    if case.eps is not None:
        dims = [i for i in range(v.dim()) if i != d]
        sq = (vt * vt).sum(dim=dims, keepdim=True) if dims else vt * vt
        w = gk * vt / torch.sqrt(sq + case.eps)
    else:
        w = torch._weight_norm(vt, gk, -1 if d is None else d)
    w.backward(grad_w.to(device))
    return vt.grad.detach().cpu(), gt.grad.detach().cpu()


# ----------------------------------------------------------------------------
# Checking
# ----------------------------------------------------------------------------


@dataclass
class BackwardOutcome:
    case: BackwardCase
    errors: list[str]
    grad_v_ulps: float = 0.0
    grad_g_ulps: float = 0.0
    torch_grad_v_ulps: float | None = None
    torch_grad_g_ulps: float | None = None


def _max_ulps(got: np.ndarray, ref: np.ndarray, at: np.ndarray,
              elem: str) -> float:
    """The largest |got - ref| in ulps of `elem` at `at`, where ref is
    finite (NaN or infinite results there count as infinite)."""
    finite = np.isfinite(ref)
    if not finite.any():
        return 0.0
    err = (np.abs(got[finite].astype(np.longdouble) - ref[finite]) /
           ulp(at[finite], elem))
    return float(np.where(np.isnan(err), np.inf, err).max())


def _errors(case, ref: BackwardReference, grad_v: np.ndarray,
            grad_g: np.ndarray):
    return (_max_ulps(grad_v, ref.grad_v, ref.terms, case.elem),
            _max_ulps(grad_g, ref.grad_g, ref.grad_g, case.elem))


def check_backward_case(case: BackwardCase, grad_w: torch.Tensor,
                        v: torch.Tensor, g: torch.Tensor,
                        norm: torch.Tensor | None, grad_v: torch.Tensor,
                        grad_g: torch.Tensor,
                        device: str = "cuda") -> BackwardOutcome:
    """Checks wn's grad_v and grad_g for one case (PyTorch run on
    `device`)."""
    out = BackwardOutcome(case, [])
    for label, got, expected in (("grad_v", grad_v, v), ("grad_g", grad_g,
                                                         g)):
        if got.shape != expected.shape or got.dtype != expected.dtype:
            out.errors.append(f"{label} is {got.dtype}{list(got.shape)}, "
                              f"expected {expected.dtype}"
                              f"{list(expected.shape)}")
    if out.errors:
        return out
    ref = backward_reference(case, grad_w, v, g, norm)
    gv = grad_v.double().numpy()
    gg = grad_g.double().numpy().reshape(-1)
    for label, got, expected in (("grad_v", gv, ref.grad_v),
                                 ("grad_g", gg, ref.grad_g)):
        if (got == SENTINEL).any() and not (expected == SENTINEL).any():
            out.errors.append(f"{label} has unwritten elements")
        if not np.array_equal(np.isnan(got), np.isnan(expected)):
            wrong = np.argwhere(np.isnan(got) != np.isnan(expected))
            out.errors.append(
                f"{label} NaN pattern differs at {len(wrong)} elements, "
                f"first at {wrong[0].tolist()}")
    out.grad_v_ulps, out.grad_g_ulps = _errors(case, ref, gv, gg)
    if out.grad_v_ulps > GRAD_V_BOUND_ULPS:
        out.errors.append(f"grad_v error {out.grad_v_ulps:.3f} ulps > "
                          f"{GRAD_V_BOUND_ULPS:g}")
    if out.grad_g_ulps > GRAD_G_BOUND_ULPS:
        out.errors.append(f"grad_g error {out.grad_g_ulps:.3f} ulps > "
                          f"{GRAD_G_BOUND_ULPS:g}")
    theirs = torch_gradients(case, grad_w, v, g, device)
    if theirs is not None:
        out.torch_grad_v_ulps, out.torch_grad_g_ulps = _errors(
            case, ref, theirs[0].double().numpy(),
            theirs[1].double().numpy().reshape(-1))
    return out


def backward_summary_table(outcomes: list[BackwardOutcome]) -> str:
    """A Markdown table per element type: cases, failures, and the worst
    per-case errors of wn and PyTorch in ulps of the element type."""
    lines = ["| type | cases | failed | wn grad_v | PyTorch grad_v | "
             "wn grad_g | PyTorch grad_g |",
             "|---|---|---|---|---|---|---|"]

    def worst(values):
        values = [x for x in values if x is not None]
        if not values:
            return "-"
        x = max(values)
        return "inf" if x == math.inf else f"{x:.2f}"

    for elem in ELEMENT_TYPES:
        rows = [o for o in outcomes if o.case.elem == elem]
        if not rows:
            continue
        lines.append(
            f"| {elem} | {len(rows)} | {sum(bool(o.errors) for o in rows)} "
            f"| {worst(o.grad_v_ulps for o in rows)} "
            f"| {worst(o.torch_grad_v_ulps for o in rows)} "
            f"| {worst(o.grad_g_ulps for o in rows)} "
            f"| {worst(o.torch_grad_g_ulps for o in rows)} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="backward",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    cases = generate_backward_cases()
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="wn-backward-") as tmp:
        lib = aot.compile_module("".join(c.func() for c in cases), tmp,
                                 "emit-c-interface=1")
        for case in cases:
            grad_w, v, g, norm = make_inputs(case, args.seed)
            inputs = [grad_w, v, g] + ([norm] if norm is not None else [])
            originals = [t.clone() for t in inputs]
            outputs = [torch.full_like(v, SENTINEL),
                       torch.full_like(g, SENTINEL)]
            fn = getattr(lib, f"_mlir_ciface_{case.name}")
            fn.restype = None
            descriptors = [memref.descriptor(t) for t in inputs + outputs]
            fn(*(ctypes.byref(d) for d in descriptors))
            outcome = check_backward_case(case, grad_w, v, g, norm,
                                          outputs[0], outputs[1],
                                          device="cpu")
            if not all(torch.equal(a.reshape(-1).view(torch.uint8),
                                   b.reshape(-1).view(torch.uint8))
                       for a, b in zip(inputs, originals)):
                outcome.errors.append("the inputs were modified")
            outcomes.append(outcome)
            if outcome.errors or args.verbose:
                detail = "; ".join(outcome.errors) or (
                    f"grad_v {outcome.grad_v_ulps:.2f} ulps, grad_g "
                    f"{outcome.grad_g_ulps:.2f}")
                print(f"{'FAIL' if outcome.errors else 'PASS'} {case.name}: "
                      f"{detail}")
    failed = sum(bool(o.errors) for o in outcomes)
    print(f"\nwn.weight_norm_backward on the CPU vs an exact reference, "
          f"PyTorch {torch.__version__}'s autograd alongside (seed "
          f"{args.seed}):")
    print(backward_summary_table(outcomes))
    print(f"backward: {len(outcomes) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
