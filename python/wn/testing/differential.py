# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The differential numerics suite: wn.weight_norm against PyTorch and an
exact reference.

Cases are generated from a seed: every element type (f16, bf16, f32, f64),
ranks 1 to 4, every dim spelled both ways plus the whole-tensor norm, both g
layouts, static and dynamic shapes, memref (in place) and tensor (returned)
calling styles, sizes 1, odd and prime, slices of 7 elements and slices of
more than 10^6 elements (a few cases), all-zero slices, zero elements, the eps
attribute and the norm result; and per type, magnitudes whose squares
overflow or underflow the compute type (bf16 near 1e19 and 1e-20, f64 near
1e154 and 1e-160, subnormals, huge and tiny values in one slice), infinities
and NaN. All cases are compiled into one library with
wn-opt --wn-cpu-pipeline, wn-translate and clang, and called through the C
interface on torch-owned buffers.

Each result is compared with an exact reference: sums of squares are exact
(each slice scaled by a power of two to below 1, squares split into two
doubles, summed with math.fsum, scaled back in `decimal`), scales g / norm are
taken to 40 digits with `decimal`, and w = v * scale is formed in long double.
Errors are measured in ulps of the result type at the reference value. PyTorch
(CPU) is run on the same inputs as users call it: torch._weight_norm with
PyTorch's dim spelling (-1 is the whole tensor there), and for eps the Flax
form written with torch ops.

A case passes when
- NaN appears exactly where the reference has it (an all-zero slice without
  eps, a slice with a NaN, the infinities of a slice with infinities), and
  nowhere else; the same for the norm result, and infinite norms (a slice
  with an infinity) must be infinite;
- wn's maximum error is at most PyTorch's maximum error plus 1 ulp, and at
  most the op's documented bound (WNOps.td): correct rounding (0.5 ulp) plus
  2^-9 ulp (where PyTorch overflows or underflows, its error is infinite and
  only the bound applies);
- with a norm result: the same two rules for the norm, in ulps of the
  accumulation type, with the documented bound (0.5 + 2^-9 ulp for f32 and
  f64, 1.5 ulps for the f32 norm of f16 and bf16);
- inputs are unchanged and (memref style) every output element is written.

`--asan` compiles the same cases with AddressSanitizer (aot.compile_module's
sanitize_address), reruns this process with ASan's runtime preloaded, and
passes every case exact-size copies of v and g and exact-size outputs from
ASan's malloc, so that a read or write out of any buffer ends the run with
ASan's report; the numerical checks apply as usual.

`--plant KIND` compiles a deliberately wrong op to show that the suite fails:
the IR is decomposed with --wn-decompose, mutated, then lowered as usual.

`--op backward` runs the same driver on wn.weight_norm_backward, with the
cases, reference, checks and plants of wn.testing.differential_backward.

Run it with scripts/differential.sh (or `python3 -m wn.testing.differential`
with python/ on PYTHONPATH); --help lists the options.
"""

import argparse
import ctypes
import decimal
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from wn import aot, memref
from wn.testing.weight_norm import (ELEMENT_TYPES, accumulation_type,
                                    g_shape, normalize_dim, weight_norm_func)

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16,
          "f32": torch.float32, "f64": torch.float64}
# Significand bits (with the implicit bit) and minimum normal exponent.
FORMATS = {"f16": (11, -14), "bf16": (8, -126), "f32": (24, -126),
           "f64": (53, -1022)}
# The op's documented bounds (WNOps.td): w is correctly rounded up to 2^-9
# ulp of the result type (for slices up to 2^20 elements); the norm, in ulps
# of the accumulation type, too for f32 and f64, within 1.5 ulps for f16 and
# bf16 (an f32 norm of an f32 sum).
W_BOUND_ULPS = {t: 0.5 + 2**-9 for t in ("f16", "bf16", "f32", "f64")}
NORM_BOUND_ULPS = {"f16": 1.5, "bf16": 1.5, "f32": 0.5 + 2**-9,
                   "f64": 0.5 + 2**-9}
# wn may exceed PyTorch's maximum error by this much.
SLACK_ULPS = 1.0
# Written into memref-style outputs first, so that unwritten elements show.
SENTINEL = 77.0

# Sizes the random shapes draw from: 1, small, odd, primes, powers of two.
SIZES = (1, 2, 3, 4, 5, 7, 8, 11, 13, 16, 17, 31, 32, 37, 64, 97, 128, 131)
RANDOM_SHAPE_BUDGET = 40000


@dataclass
class Case:
    index: int
    shape: list[int]
    dim: int | None
    layout: str
    elem: str
    dynamic: bool = False
    style: str = "memref"
    eps: float | None = None
    with_norm: bool = False
    # Index along dim of a slice of v set to zero; -1 for none. For the
    # whole-tensor norm any value >= 0 zeroes all of v.
    zero_slice: int = -1
    # v is randn * scale; with tiny_scale, every other element (in memory
    # order) is randn * tiny_scale instead.
    scale: float = 1.0
    tiny_scale: float | None = None
    # g is randn * g_scale.
    g_scale: float = 1.0
    # "inf": infinities and NaN placed in v (see make_inputs).
    special: str | None = None
    # One of add_magnitude_cases' cases (the summary counts them apart).
    extreme: bool = False

    @property
    def name(self) -> str:
        dim = ("whole" if self.dim is None
               else f"d{self.dim}".replace("-", "m"))
        shape = "x".join(map(str, self.shape))
        parts = [f"c{self.index}", self.elem, shape, dim, self.layout,
                 "dyn" if self.dynamic else "st", self.style]
        if self.eps is not None:
            parts.append("eps")
        if self.with_norm:
            parts.append("norm")
        if self.zero_slice >= 0:
            parts.append("zero")
        if self.special:
            parts.append(self.special)
        elif self.scale != 1.0 or self.tiny_scale is not None:
            parts.append("mag")
        return "_".join(parts)

    @property
    def norm_dim(self) -> int | None:
        return normalize_dim(self.dim, len(self.shape))

    @property
    def num_slices(self) -> int:
        d = self.norm_dim
        return 1 if d is None else self.shape[d]


def _random_shape(rng: random.Random, rank: int) -> list[int]:
    while True:
        shape = [rng.choice(SIZES) for _ in range(rank)]
        if math.prod(shape) <= RANDOM_SHAPE_BUDGET:
            return shape


def generate_cases(seed: int, types=ELEMENT_TYPES) -> list[Case]:
    """The suite's cases for `seed`: a random case for every element type,
    rank 1 to 4 and dim spelling (non-negative, negative, whole tensor), and
    fixed cases for the shapes that matter: 7-element slices, slices of more
    than 10^6 elements, zero slices and zero elements."""
    rng = random.Random(seed)
    cases: list[Case] = []

    def add(**kwargs):
        cases.append(Case(index=len(cases), **kwargs))

    for elem in types:
        big_scale = elem in ("f32", "f64", "bf16")
        for rank in range(1, 5):
            spellings = [*range(rank), *range(-rank, 0), None]
            for dim in spellings:
                shape = _random_shape(rng, rank)
                if dim is None:
                    layout = rng.choice(("scalar", "ones"))
                else:
                    layout = rng.choice(("keepdim", "flat"))
                slices = 1 if dim is None else shape[dim]
                add(shape=shape, dim=dim, layout=layout, elem=elem,
                    dynamic=rng.random() < 0.5,
                    style=rng.choice(("memref", "tensor")),
                    eps=(rng.choice((1e-12, 1e-5, 0.5))
                         if rng.random() < 0.15 else None),
                    with_norm=rng.random() < 0.3,
                    zero_slice=(rng.randrange(slices)
                                if rng.random() < 0.2 else -1),
                    scale=(rng.choice((1.0, 1e-3, 1e3)) if big_scale
                           else 1.0))
        # 7-element slices: contiguous (dim 0) and strided (last dim).
        add(shape=[2053, 7], dim=0, layout="flat", elem=elem)
        add(shape=[7, 1031], dim=-1, layout="keepdim", elem=elem,
            dynamic=True, style="tensor", with_norm=True)
        # Slices of more than 10^6 elements: contiguous rows, strided
        # columns, the whole tensor.
        add(shape=[2, 1048583], dim=0, layout="keepdim", elem=elem,
            with_norm=True)
        add(shape=[1000003, 3], dim=1, layout="flat", elem=elem,
            dynamic=True)
        add(shape=[1031, 1031], dim=None, layout="scalar", elem=elem,
            style="tensor")
        # All-zero slices: one slice, and all of v under the whole norm.
        add(shape=[9, 13], dim=1, layout="keepdim", elem=elem, zero_slice=4,
            with_norm=True)
        add(shape=[3, 4, 5], dim=None, layout="ones", elem=elem,
            dynamic=True, zero_slice=0)
        add(shape=[6, 5], dim=0, layout="flat", elem=elem, zero_slice=2,
            eps=1e-5)
        # Zero elements: no slices, and empty slices.
        add(shape=[0, 5], dim=0, layout="keepdim", elem=elem, dynamic=True,
            with_norm=True)
        add(shape=[5, 0, 3], dim=-3, layout="flat", elem=elem)
        add(shape=[4, 0], dim=None, layout="scalar", elem=elem,
            style="tensor")
    # Magnitudes beyond the fast sums, after every random case (so that the
    # cases above keep their inputs).
    for elem in types:
        add_magnitude_cases(add, elem)
    return cases


# Per type: (scale, g_scale) of v's magnitudes whose squares overflow or
# underflow the compute type (f32 for f16 and bf16, f64 for f32 and f64) or
# sit next to the limits, subnormals of the element type (with a small g so
# that g / norm stays in range), and (scale, tiny_scale) of slices mixing
# huge and tiny values (whose w stays normal: f32 and f64 results in the
# subnormal range are only within 1 ulp, see README).
MAGNITUDES = {
    "f16": ([(1e4, 1.0), (1e-6, 1.0), (2e-7, 1.0)], [(1e4, 1e-7)]),
    "bf16": ([(1e19, 1.0), (3e19, 1.0), (1e30, 1.0), (1e-19, 1.0),
              (1e-20, 1.0), (1e-30, 1.0), (1e-39, 1e-6)],
             [(1e19, 1e-19), (1e-18, 1e-38)]),
    "f32": ([(1e30, 1.0), (1e-30, 1.0), (1e-40, 1e-10)], [(1e30, 1e-30)]),
    "f64": ([(1e154, 1.0), (1e160, 1.0), (1e300, 1.0), (1e-154, 1.0),
             (1e-160, 1.0), (1e-300, 1.0), (1e-310, 1e-10)],
            [(1e154, 1e-100), (1e-150, 1e-300)]),
}
# The layouts the magnitude cases rotate through: each fused kernel (rows,
# columns, the whole tensor in chunks, runs), static and dynamic, both
# calling styles.
MAGNITUDE_LAYOUTS = (
    dict(shape=[17, 33], dim=0, layout="keepdim", with_norm=True),
    dict(shape=[33, 17], dim=-1, layout="flat", dynamic=True),
    dict(shape=[5, 7, 3], dim=None, layout="scalar", style="tensor",
         with_norm=True),
    dict(shape=[3, 5, 70], dim=1, layout="flat", style="tensor"),
)


def add_magnitude_cases(add, elem: str):
    """Huge, tiny and mixed magnitudes, eps next to a tiny sum, infinities
    and NaN, for one element type."""
    plain, mixed = MAGNITUDES[elem]
    layouts = iter(MAGNITUDE_LAYOUTS * 4)
    def add_extreme(**kwargs):
        add(elem=elem, extreme=True, **kwargs)

    for scale, g_scale in plain:
        add_extreme(scale=scale, g_scale=g_scale, **next(layouts))
    for scale, tiny_scale in mixed:
        add_extreme(scale=scale, tiny_scale=tiny_scale, **next(layouts))
    # eps of the size of a sum of tiny squares (normal in the accumulation
    # type).
    tiny, eps = {"f16": (1e-6, 1e-12), "bf16": (1e-19, 1e-37),
                 "f32": (1e-30, 1e-37), "f64": (1e-155, 1e-307)}[elem]
    add_extreme(shape=[9, 40], dim=0, layout="flat", scale=tiny, eps=eps,
                with_norm=True)
    # Rows shorter than a vector, finished 16 at a time (batch-short-rows),
    # with sums that need rescaling (bf16, f64) and, below, per-slice
    # infinities and NaN: the batches fall back to one row at a time.
    add_extreme(shape=[37, 5], dim=0, layout="keepdim", scale=tiny,
                with_norm=True)
    # Infinities and NaN: per slice, none, +inf, +inf and -inf, NaN, inf and
    # NaN (rows, short rows in batches, and columns kernels, one with eps); a
    # whole tensor with one.
    add_extreme(shape=[21, 9], dim=0, layout="keepdim", special="inf",
                with_norm=True)
    add_extreme(shape=[11, 6], dim=1, layout="flat", special="inf", eps=1e-5,
                dynamic=True, with_norm=True)
    add_extreme(shape=[4, 5], dim=None, layout="ones", special="inf",
                style="tensor")


# ----------------------------------------------------------------------------
# Inputs and references
# ----------------------------------------------------------------------------


def make_inputs(case: Case, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random v and g, rounded to the element type."""
    gen = torch.Generator().manual_seed(seed * 1000003 + case.index)
    v = torch.randn(case.shape, generator=gen, dtype=torch.float64)
    v *= case.scale
    if case.tiny_scale is not None:
        v.view(-1)[1::2] *= case.tiny_scale / case.scale
    if case.special == "inf":
        _place_specials(case, v)
    if case.zero_slice >= 0:
        d = case.norm_dim
        if d is None:
            v.zero_()
        else:
            v.select(d, case.zero_slice).zero_()
    g = torch.randn(g_shape(case.shape, case.dim, case.layout), generator=gen,
                    dtype=torch.float64)
    g *= case.g_scale
    dtype = DTYPES[case.elem]
    return v.to(dtype).contiguous(), g.to(dtype).contiguous()


def _place_specials(case: Case, v: torch.Tensor):
    """Slice 1 gets +inf, slice 2 +inf and -inf, slice 3 a NaN, slice 4 an
    infinity and a NaN (the others stay finite); a whole-tensor norm gets one
    -inf."""
    inf, nan = math.inf, math.nan
    if case.norm_dim is None:
        v.view(-1)[3] = -inf
        return
    rows = v.movedim(case.norm_dim, 0).reshape(case.num_slices, -1)
    for k, values in ((1, [inf]), (2, [inf, -inf]), (3, [nan]),
                      (4, [-inf, nan])):
        for j, x in enumerate(values):
            rows[k, 2 * j + 1] = x
    v.copy_(rows.reshape([case.shape[case.norm_dim]] +
                         [s for i, s in enumerate(case.shape)
                          if i != case.norm_dim]).movedim(0, case.norm_dim))


def slice_rows(case: Case, x: np.ndarray) -> np.ndarray:
    """x (v's shape) as [slices, slice elements], dim moved to the front."""
    d = case.norm_dim
    count = case.num_slices
    return (x.reshape(1, x.size) if d is None else
            np.moveaxis(x, d, 0).reshape(count, x.size // max(count, 1)))


def unslice_rows(case: Case, rows: np.ndarray) -> np.ndarray:
    d = case.norm_dim
    if d is None:
        return rows.reshape(case.shape)
    moved = [case.shape[d]] + [s for i, s in enumerate(case.shape) if i != d]
    return np.moveaxis(rows.reshape(moved), 0, d)


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x as xh + xl, each with at most 26 significant bits (Dekker). Above
    2^996 Dekker's product by 2^27 + 1 would overflow: x * 2^-28 is split
    there and scaled back (exactly)."""
    big = np.abs(x) > 2.0**996
    xs = np.where(big, x * 2.0**-28, x)
    c = xs * 134217729.0  # 2^27 + 1
    xh = c - (c - xs)
    xh = np.where(big, xh * 2.0**28, xh)
    return xh, x - xh


def two_product(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray,
                                                        np.ndarray]:
    """x * y as hi + lo, both float64, exactly (Dekker's product; the
    magnitudes must keep the products and their parts normal)."""
    hi = x * y
    xh, xl = _split(x)
    yh, yl = _split(y)
    lo = ((xh * yh - hi) + xh * yl + xl * yh) + xl * yl
    return hi, lo


def row_exponents(rows: np.ndarray) -> np.ndarray:
    """Per row, the e with max|row| < 2^e (0 for a zero or empty row;
    infinities and NaN ignored)."""
    if not rows.shape[1]:
        return np.zeros(rows.shape[0], dtype=np.int64)
    magnitude = np.where(np.isfinite(rows), np.abs(rows), 0.0)
    return np.frexp(magnitude.max(axis=1))[1].astype(np.int64)


def exact_row_dots(x: np.ndarray, y: np.ndarray) -> list[decimal.Decimal]:
    """Per row of the float64 arrays x and y (finite, same shape), the sum
    of x * y exactly, as a Decimal (in the caller's context, 40 digits or
    more): each row scaled by a power of two to below 1 in magnitude, so that
    the products neither overflow nor lose bits that matter (bits below
    2^-1074 of products of at most 1 are lost at most), products split into
    two doubles, summed with math.fsum, scaled back in decimal."""
    ex, ey = row_exponents(x), row_exponents(y)
    hi, lo = two_product(np.ldexp(x, -ex[:, None]), np.ldexp(y, -ey[:, None]))
    sums = []
    for i in range(x.shape[0]):
        parts = hi[i].tolist() + lo[i].tolist()
        s1 = math.fsum(parts)
        s2 = math.fsum(parts + [-s1])
        sums.append((decimal.Decimal(s1) + decimal.Decimal(s2)) *
                    decimal.Decimal(2) ** int(ex[i] + ey[i]))
    return sums


def _eps_in_accumulation_type(case: Case) -> float | None:
    """eps as the op uses it: rounded to the accumulation type."""
    if case.eps is None:
        return None
    if accumulation_type(case.elem) == "f32":
        return float(np.float32(case.eps))
    return float(case.eps)


@dataclass
class Reference:
    w: np.ndarray       # long double, v's shape; NaN in zero slices
    norm: np.ndarray    # long double, [slices]


def exact_reference(case: Case, v: torch.Tensor,
                    g: torch.Tensor) -> Reference:
    """w = g * v / sqrt(sum(v * v) [+ eps]) far below an ulp of f64."""
    rows = slice_rows(case, v.double().numpy())
    gs = g.double().numpy().reshape(-1)
    eps = _eps_in_accumulation_type(case)
    # Exact sums of squares (exact_row_dots); rows with an infinity or a NaN
    # are set apart.
    finite = np.isfinite(rows)
    special_rows = ~finite.all(axis=1) if rows.size else np.zeros(
        rows.shape[0], dtype=bool)
    finite_rows = np.where(finite, rows, 0.0)
    count = rows.shape[0]
    scale_hi = np.zeros(count)
    scale_lo = np.zeros(count)
    norm = np.zeros(count, dtype=np.longdouble)
    nan_rows = np.zeros(count, dtype=bool)
    with decimal.localcontext() as ctx:
        ctx.prec = 40
        sums = exact_row_dots(finite_rows, finite_rows)
        for i in range(count):
            if special_rows[i]:
                # NaN with a NaN; else an infinite norm, g / inf = 0.
                nan_rows[i] = np.isnan(rows[i]).any()
                norm[i] = np.nan if nan_rows[i] else np.inf
                continue
            total = sums[i]
            if eps is not None:
                total += decimal.Decimal(eps)
            root = total.sqrt()
            n1 = float(root)
            norm[i] = np.longdouble(n1) + np.longdouble(
                float(root - decimal.Decimal(n1)))
            if root == 0:
                nan_rows[i] = True  # 0 * (g / 0): NaN for any g
                continue
            scale = decimal.Decimal(float(gs[0 if gs.size == 1 else i])) / root
            scale_hi[i] = float(scale)
            scale_lo[i] = float(scale - decimal.Decimal(scale_hi[i]))
    x = rows.astype(np.longdouble)
    with np.errstate(invalid="ignore"):
        # inf * 0 at the infinities of special rows: NaN, as in PyTorch.
        w = (x * scale_hi[:, None].astype(np.longdouble) +
             x * scale_lo[:, None].astype(np.longdouble))
    w[nan_rows, :] = np.nan
    return Reference(unslice_rows(case, w), norm)


def torch_result(case: Case, v: torch.Tensor,
                 g: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
    """PyTorch's w and norm for the same inputs, as users compute them."""
    d = case.norm_dim
    rank = v.dim()
    if v.numel() == 0:
        # PyTorch 1.13's fused CPU kernel dies (SIGFPE) on some of these;
        # every norm is 0 (or sqrt(eps)) and w is empty.
        eps = _eps_in_accumulation_type(case) or 0.0
        norm = torch.full(g_shape(case.shape, case.dim, case.layout),
                          math.sqrt(eps), dtype=torch.float64)
        return torch.empty_like(v), norm
    gk = (g.reshape(()) if d is None
          else g.reshape(g_shape(case.shape, d, "keepdim")))
    if case.eps is not None:
        # The Flax form written with torch ops.
        dims = [i for i in range(rank) if i != d]
        # (sum(dim=[]) would reduce everything.)
        sq = (v * v).sum(dim=dims, keepdim=True) if dims else v * v
        sq = sq + case.eps
        # PyTorch 1.13 has no f16 sqrt on the CPU: users go through f32.
        if v.dtype == torch.float16:
            norm = torch.sqrt(sq.float()).to(v.dtype)
        else:
            norm = torch.sqrt(sq)
        return gk * v / norm, norm
    # torch._weight_norm spells the whole-tensor norm dim=-1.
    w = torch._weight_norm(v, gk, -1 if d is None else d)
    fused = (d is not None and d in (0, rank - 1) and case.elem != "f16")
    if fused:
        norm = torch._weight_norm_interface(v, gk, d)[1]
    else:
        norm = torch.norm_except_dim(v, 2, -1 if d is None else d)
    return w, norm


# ----------------------------------------------------------------------------
# Error measurement
# ----------------------------------------------------------------------------


def ulp(magnitude, elem: str) -> np.ndarray:
    """The spacing of `elem` numbers at |magnitude| (an array or a number;
    the subnormals' spacing at and below the smallest normal), as long
    doubles."""
    precision, emin = FORMATS[elem]
    magnitude = np.abs(np.asarray(magnitude)).astype(np.float64)
    _, exponent = np.frexp(magnitude)
    exponent = np.where(magnitude == 0, emin,
                        np.maximum(exponent - 1, emin))
    return np.ldexp(np.longdouble(1.0), exponent - (precision - 1))


def ulp_errors(got: np.ndarray, ref: np.ndarray, elem: str) -> np.ndarray:
    """|got - ref| in ulps of `elem` at ref, element-wise (ref long double,
    finite)."""
    err = np.abs(got.astype(np.longdouble) - ref) / ulp(ref, elem)
    return np.where(np.isnan(err), np.inf, err).astype(np.float64)


def max_ulps(got: np.ndarray, ref: np.ndarray, elem: str) -> float:
    """The largest error in ulps where ref is not NaN; an infinite ref must
    be matched exactly (else the error is infinite)."""
    infinite = np.isinf(ref)
    if infinite.any() and not np.array_equal(
            got[infinite].astype(np.longdouble), ref[infinite]):
        return math.inf
    finite = np.isfinite(ref)
    if not finite.any():
        return 0.0
    return float(ulp_errors(got[finite], ref[finite], elem).max())


def to_numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().numpy()


# ----------------------------------------------------------------------------
# Compiling and calling
# ----------------------------------------------------------------------------

_plant_counter = 0


def _fresh(prefix: str) -> str:
    global _plant_counter
    _plant_counter += 1
    return f"%plant_{prefix}{_plant_counter}"


def _plant_sequential_sum(text: str) -> str:
    """Drops the compensation: the Kahan body yields its compensation
    argument unchanged, so the sum of squares becomes a plain sequential
    sum."""
    pattern = re.compile(
        r"(\^bb0\(%\w+: \w+, %\w+: \w+, (%\w+): \w+\):\n"
        r"(?:(?!\^bb0).)*?linalg\.yield %\w+, )(%\w+)", re.S)
    return pattern.sub(lambda m: m.group(1) + m.group(2), text)


def _plant_nan_to_zero(text: str) -> str:
    """Adds an epsilon nobody asked for: zero slices give 0, not NaN."""
    def sub(m):
        result, arg, ty, indent = m.group(2), m.group(3), m.group(4), m.group(1)
        eps, total = _fresh("eps"), _fresh("total")
        return (f"{indent}{eps} = arith.constant 1.0e-30 : {ty}\n"
                f"{indent}{total} = arith.addf {arg}, {eps} : {ty}\n"
                f"{indent}{result} = math.sqrt {total} : {ty}")
    return re.sub(r"( *)(%\w+) = math\.sqrt (%\w+) : (\w+)", sub, text)


def _plant_rounded_scale(text: str) -> str:
    """Rounds the scale to the element type before the final product (a
    scale kept in half or single precision, or an f64 scale without its low
    part)."""
    def narrow(m):
        indent, product, x, scale, wide, out, narrow_type = m.groups()
        rounded, back = _fresh("rounded"), _fresh("back")
        return (f"{indent}{rounded} = arith.truncf {scale} : {wide} to "
                f"{narrow_type}\n"
                f"{indent}{back} = arith.extf {rounded} : {narrow_type} to "
                f"{wide}\n"
                f"{indent}{product} = arith.mulf {x}, {back} : {wide}\n"
                f"{indent}{out} = arith.truncf {product} : {wide} to "
                f"{narrow_type}")
    text = re.sub(r"( *)(%\w+) = arith\.mulf (%\w+), (%\w+) : (\w+)\n"
                  r" *(%\w+) = arith\.truncf \2 : \5 to (\w+)", narrow, text)
    # f64: w = fma(x, hi, x * lo) becomes x * hi.
    return re.sub(r"(%\w+) = math\.fma (%\w+), (%\w+), %\w+ : f64"
                  r"(\n *linalg\.yield \1 :)",
                  r"\1 = arith.mulf \2, \3 : f64\4", text)


PLANTS = {
    "sequential-sum": _plant_sequential_sum,
    "nan-to-zero": _plant_nan_to_zero,
    "rounded-scale": _plant_rounded_scale,
}


def forward_func_text(c: Case) -> str:
    """The MLIR function of a case of wn.weight_norm."""
    return weight_norm_func(c.name, c.shape, c.dim, c.layout, c.elem,
                            c.dynamic, c.style, c.eps, c.with_norm)


def build_library(cases: list[Case], workdir: str, plant: str | None,
                  pipeline_options: str = "", sanitize_address: bool = False,
                  func_text=forward_func_text, plants=PLANTS):
    """Compiles the cases' functions (`func_text` of each) into one
    library; `plant` names a mutation in `plants` applied to the IR after
    --wn-decompose."""
    text = "".join(func_text(c) for c in cases)
    if plant:
        decomposed = subprocess.run(
            [str(aot.tools_dir() / "wn-opt"), "--wn-decompose"],
            input=text, capture_output=True, text=True, check=True).stdout
        mutated = plants[plant](decomposed)
        if mutated == decomposed:
            raise RuntimeError(f"plant {plant!r} changed nothing")
        text = mutated
    return aot.compile_module(text, workdir, pipeline_options,
                              sanitize_address=sanitize_address)


_libc = ctypes.CDLL(None)
_libc.malloc.argtypes = [ctypes.c_size_t]
_libc.malloc.restype = ctypes.c_void_p
_libc.free.argtypes = [ctypes.c_void_p]
_libc.free.restype = None


class ExactBuffer:
    """A malloc'ed copy of a contiguous tensor, exactly its size: under
    ASan (--asan) the allocator's redzones sit right after the last element
    and before the first, so any access outside is reported."""

    def __init__(self, tensor: torch.Tensor, short: bool = False):
        """`short`: one element fewer than the tensor (its descriptor still
        says the tensor's shape), for the planted error --short-buffer."""
        self.shape = list(tensor.shape)
        self.dtype = tensor.dtype
        self.nbytes = (tensor.numel() - short) * tensor.element_size()
        self.address = _libc.malloc(self.nbytes)
        if not self.address:
            raise MemoryError(f"malloc({self.nbytes}) failed")
        if self.nbytes:
            ctypes.memmove(self.address, tensor.data_ptr(), self.nbytes)
        self.descriptor = memref.descriptor_class(tensor.dim())(
            self.address, self.address, 0)
        for i, (size, stride) in enumerate(zip(tensor.shape,
                                               tensor.stride())):
            self.descriptor.sizes[i] = size
            self.descriptor.strides[i] = stride

    def tensor(self) -> torch.Tensor:
        """A copy of the buffer's contents (zero-padded when short)."""
        result = torch.zeros(self.shape, dtype=self.dtype)
        if self.nbytes:
            raw = (ctypes.c_char * self.nbytes).from_address(self.address)
            data = torch.frombuffer(bytearray(raw), dtype=self.dtype)
            result.view(-1)[:data.numel()] = data
        return result

    def __del__(self):
        if self.address:
            _libc.free(self.address)
            self.address = None


def call_function(lib, case: Case, inputs: list[torch.Tensor],
                  outputs: list[tuple[list[int], torch.dtype]],
                  exact_buffers: bool = False,
                  short_first: bool = False) -> list[torch.Tensor]:
    """Calls the case's C-interface wrapper on `inputs` (contiguous
    tensors); returns its outputs, one per (shape, dtype) of `outputs`:
    memref style, buffers filled with SENTINEL first and passed after the
    inputs; tensor style, the returned memrefs. With `exact_buffers`, the
    function gets ExactBuffer copies of the inputs (copied back afterwards,
    so that changes show) and of the memref-style outputs, instead of the
    tensors' own storage; `short_first` makes the first input one element
    short (a planted out-of-bounds read)."""
    fn = getattr(lib, f"_mlir_ciface_{case.name}")
    fn.restype = None
    if exact_buffers:
        buffers = [ExactBuffer(t, short=short_first and i == 0)
                   for i, t in enumerate(inputs)]
        descriptors = [b.descriptor for b in buffers]
    else:
        descriptors = [memref.descriptor(t) for t in inputs]

    def copy_inputs_back():
        if exact_buffers:
            for t, b in zip(inputs, buffers):
                t.copy_(b.tensor())

    if case.style == "memref":
        results = [torch.full(shape, SENTINEL, dtype=dtype)
                   for shape, dtype in outputs]
        if exact_buffers:
            out_buffers = [ExactBuffer(t) for t in results]
            out_descriptors = [b.descriptor for b in out_buffers]
        else:
            out_descriptors = [memref.descriptor(t) for t in results]
        fn(*(ctypes.byref(d) for d in descriptors + out_descriptors))
        if exact_buffers:
            results = [b.tensor() for b in out_buffers]
        copy_inputs_back()
        return results
    ranks = tuple(len(shape) for shape, _ in outputs)
    result = (memref.descriptor_class(ranks[0])() if len(ranks) == 1
              else memref.results_class(ranks)())
    fn(ctypes.byref(result), *(ctypes.byref(d) for d in descriptors))
    copy_inputs_back()
    if len(ranks) == 1:
        return [memref.take_tensor(result, outputs[0][1])]
    return memref.take_tensors(result, [dtype for _, dtype in outputs])


def run_case(lib, case: Case, v: torch.Tensor, g: torch.Tensor,
             exact_buffers: bool = False, short_v: bool = False):
    """Calls the case's wn.weight_norm (call_function); returns (w, norm or
    None)."""
    outputs = [(list(v.shape), v.dtype)]
    if case.with_norm:
        outputs.append((list(g.shape),
                        DTYPES[accumulation_type(case.elem)]))
    results = call_function(lib, case, [v, g], outputs, exact_buffers,
                            short_v)
    return results[0], (results[1] if case.with_norm else None)


# ----------------------------------------------------------------------------
# Checking
# ----------------------------------------------------------------------------


@dataclass
class Outcome:
    case: Case
    errors: list[str]
    wn_ulps: float = 0.0
    torch_ulps: float = 0.0
    wn_norm_ulps: float | None = None
    torch_norm_ulps: float | None = None
    nan_count: int = 0
    torch_nan_differs: bool = False

    def detail(self) -> str:
        """The verbose line of a passing case."""
        return f"wn {self.wn_ulps:.2f} ulps, PyTorch {self.torch_ulps:.2f}"


def check_case(case: Case, v: torch.Tensor, g: torch.Tensor,
               w: torch.Tensor, norm: torch.Tensor | None) -> Outcome:
    out = Outcome(case, [])
    ref = exact_reference(case, v, g)
    tw, tnorm = torch_result(case, v, g)
    if list(w.shape) != case.shape or w.dtype != v.dtype:
        out.errors.append(f"w is {w.dtype}{list(w.shape)}, expected "
                          f"{v.dtype}{case.shape}")
        return out
    got = to_numpy(w)
    ref_nan = np.isnan(ref.w)
    out.nan_count = int(ref_nan.sum())
    if not np.array_equal(np.isnan(got), ref_nan):
        wrong = np.argwhere(np.isnan(got) != ref_nan)
        out.errors.append(
            f"NaN pattern differs at {len(wrong)} elements, first at "
            f"{wrong[0].tolist()}: got {got[tuple(wrong[0])]!r}, reference "
            f"{'NaN' if ref_nan[tuple(wrong[0])] else 'finite'}")
    if v.numel():
        out.torch_nan_differs = not np.array_equal(
            np.isnan(to_numpy(tw)), ref_nan)
    out.wn_ulps = max_ulps(got, ref.w, case.elem)
    out.torch_ulps = max_ulps(to_numpy(tw), ref.w, case.elem)
    bound = W_BOUND_ULPS[case.elem]
    if out.wn_ulps > out.torch_ulps + SLACK_ULPS:
        out.errors.append(f"w error {out.wn_ulps:.2f} ulps > PyTorch's "
                          f"{out.torch_ulps:.2f} + {SLACK_ULPS:g}")
    if out.wn_ulps > bound:
        out.errors.append(f"w error {out.wn_ulps:.3f} ulps > the documented "
                          f"bound {bound:.3f}")

    if case.with_norm:
        acc = accumulation_type(case.elem)
        expected_shape = g_shape(case.shape, case.dim, case.layout)
        if norm is None or list(norm.shape) != expected_shape or \
                norm.dtype != DTYPES[acc]:
            out.errors.append(f"norm is {norm.dtype if norm is not None else None}"
                              f"{list(norm.shape) if norm is not None else ''},"
                              f" expected {DTYPES[acc]}{expected_shape}")
        else:
            got_n = to_numpy(norm).reshape(-1)
            if not np.array_equal(np.isnan(got_n), np.isnan(ref.norm)):
                out.errors.append(
                    f"norm NaN pattern differs: got {got_n.tolist()}")
            out.wn_norm_ulps = max_ulps(got_n, ref.norm, acc)
            out.torch_norm_ulps = max_ulps(to_numpy(tnorm).reshape(-1),
                                           ref.norm, acc)
            if out.wn_norm_ulps > out.torch_norm_ulps + SLACK_ULPS:
                out.errors.append(
                    f"norm error {out.wn_norm_ulps:.2f} ulps > PyTorch's "
                    f"{out.torch_norm_ulps:.2f} + {SLACK_ULPS:g}")
            if out.wn_norm_ulps > NORM_BOUND_ULPS[case.elem]:
                out.errors.append(
                    f"norm error {out.wn_norm_ulps:.3f} ulps > the "
                    f"documented bound {NORM_BOUND_ULPS[case.elem]:.3f}")
    return out


def summary_table(outcomes: list[Outcome]) -> str:
    """A Markdown table per element type: cases, the worst and the median
    per-case maximum error of wn and PyTorch in ulps of the result type (for
    the norm: of the accumulation type). PyTorch's columns leave out the
    extreme cases (huge, tiny, infinite), counted in the last two columns
    with how many of them PyTorch gets wrong (beyond the documented bound or
    with another NaN pattern)."""
    lines = [
        "| type | cases | failed | longest slice | NaN cases | wn max ulps: "
        "worst (median) | PyTorch max ulps: worst (median) | norm cases | "
        "wn norm: worst | PyTorch norm: worst | extreme cases | "
        "PyTorch wrong there |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def fmt(x):
        return "inf" if x == math.inf else f"{x:.2f}"

    def worst_median(values):
        return f"{fmt(max(values))} ({fmt(float(np.median(values)))})"

    for elem in ELEMENT_TYPES:
        rows = [o for o in outcomes if o.case.elem == elem]
        if not rows:
            continue
        norms = [o for o in rows if o.wn_norm_ulps is not None]
        ordinary = [o for o in rows if not o.case.extreme] or rows
        extreme = [o for o in rows if o.case.extreme]
        torch_norms = [o.torch_norm_ulps for o in norms
                       if not o.case.extreme]
        longest = max(math.prod(o.case.shape) // max(o.case.num_slices, 1)
                      for o in rows)
        norm_cells = (f"{fmt(max(o.wn_norm_ulps for o in norms))} | "
                      f"{fmt(max(torch_norms)) if torch_norms else '-'}"
                      if norms else "- | -")
        torch_wrong = sum(
            o.torch_nan_differs or o.torch_ulps > W_BOUND_ULPS[elem] or
            (o.torch_norm_ulps or 0.0) > NORM_BOUND_ULPS[elem]
            for o in extreme)
        lines.append(
            f"| {elem} | {len(rows)} | {sum(bool(o.errors) for o in rows)} | "
            f"{longest} | {sum(o.nan_count > 0 for o in rows)} | "
            f"{worst_median([o.wn_ulps for o in rows])} | "
            f"{worst_median([o.torch_ulps for o in ordinary])} | "
            f"{len(norms)} | {norm_cells} | {len(extreme)} | {torch_wrong} |")
    return "\n".join(lines)


def check_unchanged(outcome, inputs: list[torch.Tensor],
                    copies: list[torch.Tensor]) -> None:
    """Adds an error to `outcome` when a call modified its inputs."""
    if not all(_same_bits(a, b) for a, b in zip(inputs, copies)):
        outcome.errors.append("the inputs were modified")


def run_forward_case(lib, case: Case, seed: int, exact_buffers: bool,
                     short: bool) -> Outcome:
    """One case of wn.weight_norm: inputs, call, checks."""
    v, g = make_inputs(case, seed)
    copies = [v.clone(), g.clone()]
    w, norm = run_case(lib, case, v, g, exact_buffers=exact_buffers,
                       short_v=short)
    outcome = check_case(case, v, g, w, norm)
    check_unchanged(outcome, [v, g], copies)
    return outcome


@dataclass(frozen=True)
class Operation:
    """What the driver (main) needs of one op's suite. `run` gives an
    outcome with .case, .errors, .detail(), .torch_nan_differs."""
    title: str
    generate_cases: Callable[[int, list[str]], list[Case]]
    func_text: Callable[[Case], str]
    # (lib, case, seed, exact_buffers, short) -> outcome
    run: Callable
    summary_table: Callable[[list], str]
    plants: dict[str, Callable[[str], str]]


FORWARD = Operation("wn.weight_norm", generate_cases, forward_func_text,
                    run_forward_case, summary_table, PLANTS)


def operations() -> dict[str, Operation]:
    """The ops the suite tests, by --op name (the backward's module imports
    this one, so it is imported here, late)."""
    from wn.testing import differential_backward
    return {"forward": FORWARD, "backward": differential_backward.BACKWARD}


def parse_element_types(parser: argparse.ArgumentParser,
                        text: str) -> list[str]:
    """The element types of a comma-separated --types value; an unknown one
    is a usage error."""
    types = [t for t in text.split(",") if t]
    unknown = sorted(set(types) - set(ELEMENT_TYPES))
    if unknown:
        parser.error(f"unknown element types {unknown}; expected some of "
                     f"{', '.join(ELEMENT_TYPES)}")
    return types


def _same_bits(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Bitwise equality (NaN equal to itself)."""
    ints = {2: torch.int16, 4: torch.int32, 8: torch.int64}
    size = a.element_size()
    return a.dtype == b.dtype and torch.equal(a.view(ints[size]),
                                              b.view(ints[size]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="differential", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=2026,
                        help="seed of the case generator and inputs")
    parser.add_argument("--types", default=",".join(ELEMENT_TYPES),
                        help="comma-separated element types to test")
    parser.add_argument("--op", choices=("forward", "backward"),
                        default="forward",
                        help="the op to test: wn.weight_norm (default) or "
                        "wn.weight_norm_backward")
    parser.add_argument("--plant", metavar="KIND",
                        help="compile a deliberately wrong op: one of "
                        + ", ".join(sorted(PLANTS)) + " (forward), see "
                        "differential_backward.PLANTS for the backward's")
    parser.add_argument("--pipeline-options", default="", metavar="OPTIONS",
                        help="--wn-cpu-pipeline options (a strategy), e.g. "
                        "'strategy=materialize' or 'parallel=0 vector-size=4'")
    parser.add_argument("--asan", action="store_true",
                        help="compile with AddressSanitizer and call with "
                        "exact-size buffers from ASan's malloc")
    parser.add_argument("--short-buffer", action="store_true",
                        help="with --asan: allocate v one element short in "
                        "the first case with elements, to show that ASan "
                        "reports the read past its end")
    parser.add_argument("--only", metavar="REGEX",
                        help="run only the cases whose name matches REGEX")
    parser.add_argument("--summary", metavar="FILE",
                        help="also write the summary table to FILE")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every case, not only failures")
    args = parser.parse_args(argv)
    types = parse_element_types(parser, args.types)
    op = operations()[args.op]
    if args.plant is not None and args.plant not in op.plants:
        parser.error(f"argument --plant: invalid choice: {args.plant!r} "
                     f"for --op {args.op} (choose from "
                     f"{', '.join(sorted(op.plants))})")
    if args.short_buffer and not args.asan:
        parser.error("--short-buffer needs --asan")
    if args.asan and not aot.asan_loaded():
        # The instrumented library needs ASan's runtime first in the
        # process: run again with it preloaded.
        env = aot.asan_environment()
        if env is None:
            print("differential: --asan needs clang's AddressSanitizer "
                  "runtime (libclang-rt-22-dev)", file=sys.stderr)
            return 2
        sys.stdout.flush()
        os.execve(sys.executable,
                  [sys.executable, "-m", "wn.testing.differential",
                   *(sys.argv[1:] if argv is None else argv)], env)

    start = time.monotonic()
    cases = op.generate_cases(args.seed, types)
    if args.only:
        cases = [c for c in cases if re.search(args.only, c.name)]
        if not cases:
            print(f"differential: no case matches {args.only!r}",
                  file=sys.stderr)
            return 2
    short = None
    if args.short_buffer:
        short = next(c for c in cases if math.prod(c.shape))
    with tempfile.TemporaryDirectory(prefix="wn-differential-") as workdir:
        try:
            lib = build_library(cases, workdir, args.plant,
                                args.pipeline_options,
                                sanitize_address=args.asan,
                                func_text=op.func_text, plants=op.plants)
        except (aot.ToolError, subprocess.CalledProcessError) as error:
            print(f"compilation failed: {error}", file=sys.stderr)
            return 1
        compiled = time.monotonic()
        outcomes = []
        for case in cases:
            outcome = op.run(lib, case, args.seed, args.asan, case is short)
            outcomes.append(outcome)
            status = "FAIL" if outcome.errors else "PASS"
            if outcome.errors or args.verbose:
                detail = "; ".join(outcome.errors) or outcome.detail()
                print(f"{status} {case.name}: {detail}", flush=True)
    table = op.summary_table(outcomes)
    failed = sum(bool(o.errors) for o in outcomes)
    torch_nan = [o.case.name for o in outcomes
                 if o.torch_nan_differs and not o.case.extreme]
    print(f"\n{op.title} vs PyTorch {torch.__version__} and an exact "
          f"reference (seed {args.seed}"
          + (f", pipeline options '{args.pipeline_options}'"
             if args.pipeline_options else "")
          + (f", planted error {args.plant}" if args.plant else "")
          + (", AddressSanitizer, exact-size buffers" if args.asan else "")
          + "):")
    print(table)
    if torch_nan:
        print(f"note: PyTorch's NaN pattern differs from the reference in "
              f"{len(torch_nan)} cases: {', '.join(torch_nan)}")
    print(f"compile {compiled - start:.1f} s, total "
          f"{time.monotonic() - start:.1f} s")
    print(f"differential: {len(outcomes) - failed} passed, {failed} failed")
    if args.summary:
        with open(args.summary, "w") as f:
            f.write(table + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
