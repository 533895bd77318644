# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Constant folding of wn.weight_norm against the exact reference.

Canonicalization folds a weight norm of constant v and g on the host
(lib/Dialect/WN/IR/WNConstantFold.cpp). This suite writes cases as functions
whose v and g are dense constants (hex), runs `wn-opt -canonicalize`, reads
the folded constants back and checks them with the differential suite's
rules (python/wn/testing/differential.py): NaN exactly where the exact
reference has it, w within the op's documented bound (correct rounding plus
2^-9 ulp) and within PyTorch's error plus 1 ulp, and the same for the norm
result. The same cases are compiled with --wn-cpu-pipeline and run, and the
folded results are compared with the run-time ones: the same NaN pattern and
at most 1 ulp apart (both are within the bound of the exact value; the
host sums slices in another order than the vector kernels).

Cases, for every element type (f16, bf16, f32, f64): random shapes, every
rank from 1 to 4 with a dim (both spellings) or the whole tensor, every g
layout, eps, the norm result; huge and tiny magnitudes whose squares leave
the element type's range but not the compute type's (f16 near 6e4, f32 at
1e30 and 1e-30, ...); for bf16 and f64, magnitudes whose squares leave the
compute type's range too (1e30 and 1e-30, 1e200 and 1e-200: the rescaled
sums); magnitudes that vary over many orders within a slice; zero slices;
zero elements; and NaN and Inf in v. For NaN and Inf inputs a slice holding
a NaN must be all NaN with a NaN norm, a slice holding infinities (and no
NaN) must be zero with NaN at the infinities and an infinite norm, in every
type, and the folded results must equal the run-time ones element for
element; the other slices are checked against the exact reference as above.

Run it with `python3 -m wn.testing.fold_check` (python/ on PYTHONPATH);
--help lists the options.
"""

import argparse
import dataclasses
import math
import random
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch

from wn import aot
from wn.testing.differential import (DTYPES, W_BOUND_ULPS, Case, build_library,
                                     check_case, max_ulps,
                                     parse_element_types, run_case, to_numpy)
from wn.testing.weight_norm import (ELEMENT_TYPES, accumulation_type,
                                    g_shape, weight_norm_func)

NUMPY_DTYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}

# Magnitudes of v (and of g, so that the scale g / norm stays in range):
# squares of these overflow or underflow the element type but not the
# compute type (f32 for f16 and bf16, f64 for f32 and f64).
HUGE = {"f16": 6.0e4, "bf16": 1.0e18, "f32": 1.0e30, "f64": 1.0e150}
TINY = {"f16": 1.0e-4, "bf16": 1.0e-17, "f32": 1.0e-30, "f64": 1.0e-140}
# Magnitudes of v and g whose squares overflow ("vast") or underflow
# ("minute") the compute type: only bf16 (in f32) and f64 have them.
VAST = {"bf16": 1.0e30, "f64": 1.0e200}
MINUTE = {"bf16": 1.0e-30, "f64": 1.0e-200}
# Orders of magnitude spanned within a slice by the "mixed" inputs.
MIXED_DECADES = {"f16": 4, "bf16": 12, "f32": 20, "f64": 100}


@dataclasses.dataclass
class FoldCase:
    case: Case
    # "randn", "huge", "tiny", "vast", "minute", "mixed" or "nonfinite".
    inputs: str = "randn"


def generate_cases(seed: int, types) -> list[FoldCase]:
    rng = random.Random(seed)
    cases: list[FoldCase] = []

    def add(inputs="randn", **kwargs):
        kwargs.setdefault("style", "tensor")
        cases.append(FoldCase(Case(index=len(cases), **kwargs), inputs))

    sizes = (1, 2, 3, 5, 7, 8, 13, 16, 31)
    for elem in types:
        for rank in range(1, 5):
            for dim in [*range(rank), *range(-rank, 0), None]:
                shape = [rng.choice(sizes) for _ in range(rank)]
                while math.prod(shape) > 4000:
                    shape = [rng.choice(sizes) for _ in range(rank)]
                layouts = (("scalar", "ones") if dim is None
                           else ("keepdim", "flat"))
                slices = 1 if dim is None else shape[dim]
                add(shape=shape, dim=dim, layout=rng.choice(layouts),
                    elem=elem,
                    eps=(rng.choice((1e-12, 1e-5, 0.5))
                         if rng.random() < 0.2 else None),
                    with_norm=rng.random() < 0.4,
                    zero_slice=(rng.randrange(slices)
                                if rng.random() < 0.15 else -1))
        beyond = ("vast", "minute") if elem in VAST else ()
        for inputs in ("huge", "tiny", *beyond, "mixed"):
            add(inputs, shape=[6, 37], dim=0, layout="keepdim", elem=elem,
                with_norm=True)
            add(inputs, shape=[23, 5], dim=-1, layout="flat", elem=elem)
            add(inputs, shape=[4, 9, 3], dim=None, layout="scalar", elem=elem,
                with_norm=True)
        # Long slices, a zero slice with and without eps, eps that dominates
        # small sums, zero elements.
        add(shape=[3, 4099], dim=0, layout="flat", elem=elem, with_norm=True)
        add(shape=[9, 13], dim=1, layout="keepdim", elem=elem, zero_slice=4,
            with_norm=True)
        add(shape=[3, 4, 5], dim=None, layout="ones", elem=elem,
            zero_slice=0, with_norm=True)
        add(shape=[6, 5], dim=0, layout="flat", elem=elem, zero_slice=2,
            eps=1e-5, with_norm=True)
        add("tiny", shape=[6, 5], dim=0, layout="flat", elem=elem,
            eps=0.5, with_norm=True)
        add(shape=[0, 5], dim=0, layout="keepdim", elem=elem, with_norm=True)
        add(shape=[4, 0], dim=None, layout="scalar", elem=elem,
            with_norm=True)
        # NaN and Inf in v: one slice each, the others finite.
        add("nonfinite", shape=[5, 11], dim=0, layout="keepdim", elem=elem,
            with_norm=True)
        add("nonfinite", shape=[7, 6], dim=-1, layout="flat", elem=elem)
    return cases


def make_inputs(fc: FoldCase, seed: int):
    """v and g in the element type; for "nonfinite", slice 1 holds a NaN and
    slice 3 a +Inf and a -Inf."""
    case = fc.case
    gen = torch.Generator().manual_seed(seed * 1000003 + case.index)
    v = torch.randn(case.shape, generator=gen, dtype=torch.float64)
    g = torch.randn(g_shape(case.shape, case.dim, case.layout),
                    generator=gen, dtype=torch.float64)
    if fc.inputs in ("huge", "tiny", "vast", "minute"):
        # randn clamped to [-4, 4]: the largest stay finite.
        magnitude = {"huge": HUGE, "tiny": TINY, "vast": VAST,
                     "minute": MINUTE}[fc.inputs][case.elem]
        v = v.clamp(-4, 4) * (magnitude / 4)
        g = g.clamp(-4, 4) * (magnitude / 4)
    elif fc.inputs == "mixed":
        decades = MIXED_DECADES[case.elem]
        exponents = torch.rand(case.shape, generator=gen,
                               dtype=torch.float64) * decades - decades / 2
        v *= torch.pow(10.0, exponents)
    d = case.norm_dim
    if case.zero_slice >= 0:
        if d is None:
            v.zero_()
        else:
            v.select(d, case.zero_slice).zero_()
    if fc.inputs == "nonfinite":
        v.select(d, 1).view(-1)[0] = math.nan
        inf_slice = v.select(d, 3).view(-1)
        inf_slice[0] = math.inf
        inf_slice[-1] = -math.inf
    dtype = DTYPES[case.elem]
    return v.to(dtype).contiguous(), g.to(dtype).contiguous()


# ----------------------------------------------------------------------------
# Constants in and out of MLIR text
# ----------------------------------------------------------------------------


def _raw(t: torch.Tensor) -> bytes:
    """The little-endian bytes of t's elements, as MLIR's hex form has them."""
    if t.dtype == torch.bfloat16:
        return t.contiguous().view(torch.int16).numpy().tobytes()
    return t.contiguous().numpy().tobytes()


def _dense(t: torch.Tensor) -> str:
    if t.numel() == 0:
        return "dense<>"
    return f'dense<"0x{_raw(t).hex().upper()}">'


def _from_raw(data: bytes, elem: str) -> np.ndarray:
    """Element values as float64 from their raw bytes."""
    if elem == "bf16":
        bits = np.frombuffer(data, dtype=np.uint16).astype(np.uint32) << 16
        return bits.view(np.float32).astype(np.float64)
    return np.frombuffer(data, dtype=NUMPY_DTYPES[elem]).astype(np.float64)


def parse_dense(text: str, elem: str, shape: list[int]) -> np.ndarray:
    """A printed dense constant of `shape`: hex (--mlir-print-elementsattrs-
    with-hex-if-larger=0), a splat (decimal or hex), or empty."""
    count = math.prod(shape)
    body = text.strip()
    if body == "":
        values = np.zeros(0)
    elif body.startswith('"0x'):
        values = _from_raw(bytes.fromhex(body[3:-1]), elem)
    elif body.startswith("0x"):
        width = 8 if elem in ("f32",) else 16 if elem == "f64" else 4
        values = _from_raw(int(body, 16).to_bytes(width // 2, "little"),
                           elem)
    else:
        values = np.array([float(body)])
    if values.size == 1 and count != 1:
        values = np.full(count, values[0])
    if values.size != count:
        raise ValueError(f"constant has {values.size} elements, expected "
                         f"{count}: {text[:80]}")
    return values.reshape(shape)


def constant_func(fc: FoldCase, v: torch.Tensor, g: torch.Tensor) -> str:
    """The case's tensor-style function with v and g as constants instead
    of arguments."""
    case = fc.case
    lines = weight_norm_func(case.name, case.shape, case.dim, case.layout,
                             case.elem, False, "tensor", case.eps,
                             case.with_norm).splitlines()
    header = re.match(r"func\.func @(\w+)\(.*\) -> (.*) attributes", lines[0])
    vt = f"tensor<{''.join(f'{s}x' for s in case.shape)}{case.elem}>"
    gt = (f"tensor<{''.join(f'{s}x' for s in g.shape)}{case.elem}>")
    return "\n".join([
        f"func.func @{header.group(1)}() -> {header.group(2)} {{",
        f"  %v = arith.constant {_dense(v)} : {vt}",
        f"  %g = arith.constant {_dense(g)} : {gt}",
        *lines[1:]]) + "\n"


def fold(text: str) -> dict[str, list[tuple[str, str]]]:
    """Runs wn-opt -canonicalize; returns, per function, the returned
    constants as (dense body, type)."""
    out = subprocess.run(
        [str(aot.tools_dir() / "wn-opt"), "-canonicalize",
         "--mlir-print-elementsattrs-with-hex-if-larger=0"],
        input=text, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"wn-opt -canonicalize failed:\n{out.stderr}")
    results = {}
    for func in re.finditer(r"func\.func @(\w+)\(\).*?\n  \}", out.stdout,
                            re.S):
        body = func.group(0)
        if "wn.weight_norm" in body:
            raise RuntimeError(f"@{func.group(1)} was not folded:\n{body}")
        constants = dict(
            (m.group(1), (m.group(2), m.group(3))) for m in re.finditer(
                r"(%\w+) = arith\.constant dense<(.*?)> : (tensor<[^>]*>)",
                body))
        ret = re.search(r"return (.*) :", body)
        results[func.group(1)] = [constants[name.strip()]
                                  for name in ret.group(1).split(",")]
    return results


# ----------------------------------------------------------------------------
# Checking
# ----------------------------------------------------------------------------


def _slice_mask(case: Case, slices: list[int]) -> np.ndarray:
    """True at the elements of v's shape in the given slices along dim."""
    mask = np.zeros(case.shape, dtype=bool)
    for k in slices:
        np.moveaxis(mask, case.norm_dim, 0)[k] = True
    return mask


def check_nonfinite(fc: FoldCase, v, g, w, norm, rw, rnorm) -> list[str]:
    """NaN/Inf inputs: NaN slices all NaN, folded equal to the run time in
    the non-finite slices, the finite slices against the exact reference."""
    case = fc.case
    errors = []
    got, run = to_numpy(w), to_numpy(rw)
    nan_mask, inf_mask = _slice_mask(case, [1]), _slice_mask(case, [3])
    if not np.isnan(got[nan_mask]).all():
        errors.append("a slice holding a NaN is not all NaN")
    # The infinities' slice: norm inf, w = v * (g / inf): 0, NaN at the
    # infinities.
    x = v.double().numpy()
    at_inf = inf_mask & np.isinf(x)
    if not (np.isnan(got[at_inf]).all() and
            (got[inf_mask & ~at_inf] == 0).all()):
        errors.append(f"the slice holding infinities is not zero with NaN "
                      f"at the infinities: {got[inf_mask].tolist()}")
    if norm is not None:
        n = to_numpy(norm).reshape(-1)
        if not (np.isnan(n[1]) and n[3] == math.inf):
            errors.append(f"norms of the NaN and infinity slices are "
                          f"{n[1]} and {n[3]}, expected nan and inf")
    bad = nan_mask | inf_mask
    if not np.array_equal(got[bad], run[bad], equal_nan=True):
        errors.append(f"non-finite slices differ from the run time: folded "
                      f"{got[inf_mask].tolist()}, run time "
                      f"{run[inf_mask].tolist()}")
    if norm is not None and not np.array_equal(
            to_numpy(norm).reshape(-1)[[1, 3]],
            to_numpy(rnorm).reshape(-1)[[1, 3]], equal_nan=True):
        errors.append("non-finite slices' norms differ from the run time")
    # The finite slices: the same case with the bad slices zeroed (their
    # elements are then NaN in the reference and ignored); w only.
    clean = v.clone()
    clean[torch.from_numpy(bad)] = 0
    outcome = check_case(dataclasses.replace(case, with_norm=False), clean,
                         g, w, None)
    finite = ~bad
    errors += [e for e in outcome.errors if not e.startswith("NaN pattern")]
    if np.isnan(got[finite]).any():
        errors.append("NaN in a finite slice")
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="fold_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--types", default=",".join(ELEMENT_TYPES),
                        help="comma-separated element types to test")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print every case, not only failures")
    args = parser.parse_args(argv)
    types = parse_element_types(parser, args.types)

    cases = generate_cases(args.seed, types)
    inputs = [make_inputs(fc, args.seed) for fc in cases]
    folded = fold("".join(constant_func(fc, v, g)
                          for fc, (v, g) in zip(cases, inputs)))
    with tempfile.TemporaryDirectory(prefix="wn-fold-check-") as workdir:
        lib = build_library([fc.case for fc in cases], workdir, None)
        failed = 0
        worst: dict[str, float] = {}
        for fc, (v, g) in zip(cases, inputs):
            case = fc.case
            results = folded[case.name]
            w = torch.from_numpy(parse_dense(results[0][0], case.elem,
                                             case.shape)).to(DTYPES[case.elem])
            norm = None
            if case.with_norm:
                acc = accumulation_type(case.elem)
                norm = torch.from_numpy(parse_dense(
                    results[1][0], acc, list(g.shape))).to(DTYPES[acc])
            rw, rnorm = run_case(lib, case, v, g)
            if fc.inputs == "nonfinite":
                errors = check_nonfinite(fc, v, g, w, norm, rw, rnorm)
                ulps = 0.0
            else:
                outcome = check_case(case, v, g, w, norm)
                errors = outcome.errors
                ulps = outcome.wn_ulps
                # Folded and run-time results: the same NaN, at most 1 ulp.
                got, run = to_numpy(w), to_numpy(rw)
                if not np.array_equal(np.isnan(got), np.isnan(run)):
                    errors.append("NaN pattern differs from the run time")
                apart = max_ulps(got, run.astype(np.longdouble), case.elem)
                if apart > 1.0:
                    errors.append(f"{apart:.2f} ulps from the run time")
            worst[case.elem] = max(worst.get(case.elem, 0.0), ulps)
            name = f"{case.name}_{fc.inputs}"
            if errors:
                failed += 1
                print(f"FAIL {name}: {'; '.join(errors)}")
            elif args.verbose:
                print(f"PASS {name}: {ulps:.3f} ulps")
    for elem in types:
        count = sum(fc.case.elem == elem for fc in cases)
        print(f"{elem}: {count} cases, folded w max error "
              f"{worst[elem]:.3f} ulps (bound {W_BOUND_ULPS[elem]:.3f})")
    print(f"fold_check: {len(cases) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
