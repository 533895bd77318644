# RUN: %python %s
# REQUIRES: torch
"""wn.weight_norm through --wn-cpu-pipeline and the C interface, vs PyTorch.

One module holds every case; each case is a function called through its
`_mlir_ciface_` wrapper on torch-owned buffers, either writing w in place
(memref style) or returning a new buffer (tensor style). The reference is
torch._weight_norm computed in float64 from the same inputs, rounded to the
element type.
"""

import ctypes
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "python"))

import torch  # noqa: E402

from wn_testing import aot, memref  # noqa: E402
from wn_testing.weight_norm import (ELEMENT_TYPES, g_shape,  # noqa: E402
                                    normalize_dim, weight_norm_func)

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16,
          "f32": torch.float32, "f64": torch.float64}
# Tolerance: max |w - ref| <= MAX_ULPS * eps * max |ref| over the finite
# elements, i.e. 2 ulp of the element type relative to the magnitude of w;
# eps = torch.finfo(dtype).eps: 2^-10 for f16, 2^-7 for bf16 (the types'
# epsilons), 2^-23 for f32, 2^-52 for f64. f16 and bf16 accumulate in f32 and
# match the rounded reference exactly here; f32 and f64 sum sequentially in
# their own type and reach about 1.7 ulp on these shapes.
MAX_ULPS = 2.0
# Written into memref-style outputs first, so that unwritten elements show.
SENTINEL = 77.0


@dataclass
class Case:
    shape: list[int]
    dim: int | None
    layout: str
    elem: str
    dynamic: bool = False
    style: str = "memref"
    # Zero v's slice 1 along dim (all of v for the whole-tensor norm).
    zero_slice: bool = False

    @property
    def name(self) -> str:
        dim = ("whole" if self.dim is None
               else f"d{self.dim}".replace("-", "m"))
        shape = "x".join(map(str, self.shape))
        kind = "dyn" if self.dynamic else "st"
        suffix = "_zero" if self.zero_slice else ""
        return (f"{self.style}_{self.elem}_{kind}_{shape}_{dim}_"
                f"{self.layout}{suffix}")


def make_cases() -> list[Case]:
    """Every dim, g layout, element type and shape kind, plus edge cases."""
    cases = []
    for elem in ELEMENT_TYPES:
        for dynamic in (False, True):
            for dim in (0, 1, 2, -1, -2, -3):
                for layout in ("keepdim", "flat"):
                    cases.append(Case([4, 6, 5], dim, layout, elem, dynamic))
            for layout in ("scalar", "ones"):
                cases.append(Case([4, 6, 5], None, layout, elem, dynamic))
            for dim, layout in ((1, "keepdim"), (-1, "flat"), (None, "ones")):
                cases.append(Case([4, 6, 5], dim, layout, elem, dynamic,
                                  "tensor"))
    cases += [
        # An all-zero slice: NaN in that slice only, as in PyTorch.
        Case([4, 6, 5], 1, "keepdim", "f32", zero_slice=True),
        Case([4, 6, 5], -1, "flat", "bf16", True, zero_slice=True),
        Case([4, 6, 5], 0, "keepdim", "f16", True, "tensor", zero_slice=True),
        Case([4, 6, 5], None, "scalar", "f64", zero_slice=True),
        # Zero elements.
        Case([0, 6, 5], 0, "keepdim", "f32", True),
        Case([0, 6, 5], None, "scalar", "f32", True),
        Case([4, 0, 5], 0, "flat", "f32"),
        Case([4, 0, 5], 1, "keepdim", "bf16", True),
        Case([4, 0, 5], 1, "keepdim", "f32", True, "tensor"),
        # Rank 1.
        Case([7], 0, "flat", "f32"),
        Case([7], -1, "keepdim", "f64", True),
        Case([7], None, "scalar", "f16"),
        Case([7], None, "ones", "bf16", True, "tensor"),
        # Rank 4.
        Case([2, 3, 4, 5], 0, "keepdim", "f32"),
        Case([2, 3, 4, 5], 1, "flat", "f16", True),
        Case([2, 3, 4, 5], 2, "keepdim", "bf16", True),
        Case([2, 3, 4, 5], 3, "flat", "f64"),
        Case([2, 3, 4, 5], -2, "flat", "f32", True, "tensor"),
        Case([2, 3, 4, 5], None, "ones", "f32", True),
        # Size-1 dimensions.
        Case([4, 1, 5], 1, "keepdim", "f32"),
        Case([4, 1, 5], 0, "flat", "f32", True),
        Case([1, 6, 5], 0, "keepdim", "bf16", True),
        Case([4, 1, 5], 1, "flat", "f64", False, "tensor"),
    ]
    return cases


def zero_slice_mask(case: Case) -> torch.Tensor:
    """Where a zero_slice case zeroes v: slice 1 along dim, or everything."""
    mask = torch.zeros(case.shape, dtype=torch.bool)
    d = normalize_dim(case.dim, len(case.shape))
    if d is None:
        mask.fill_(True)
    else:
        mask.select(d, 1).fill_(True)
    return mask


def make_inputs(case: Case, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random v and g in the element type."""
    gen = torch.Generator().manual_seed(seed)
    dtype = DTYPES[case.elem]
    v = torch.randn(case.shape, generator=gen, dtype=torch.float64)
    if case.zero_slice:
        v[zero_slice_mask(case)] = 0
    g = torch.randn(g_shape(case.shape, case.dim, case.layout), generator=gen,
                    dtype=torch.float64)
    return v.to(dtype).contiguous(), g.to(dtype).contiguous()


def reference(case: Case, v: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """torch._weight_norm in float64, rounded to the element type."""
    if v.numel() == 0:
        # Nothing to compute; PyTorch 1.13 itself dies on some of these
        # (SIGFPE in the fused CPU kernel when v.shape[dim] == 0).
        return torch.empty_like(v)
    d = normalize_dim(case.dim, v.dim())
    if d is None:
        # torch._weight_norm's dim=-1 is the whole-tensor norm.
        w = torch._weight_norm(v.double(), g.double(), -1)
    else:
        gk = g.double().reshape(g_shape(case.shape, d, "keepdim"))
        w = torch._weight_norm(v.double(), gk, d)
    return w.to(v.dtype)


def run_case(lib: ctypes.CDLL, case: Case, v: torch.Tensor,
             g: torch.Tensor) -> torch.Tensor:
    """Calls the case's C-interface wrapper; returns w."""
    fn = getattr(lib, f"_mlir_ciface_{case.name}")
    fn.restype = None
    dv, dg = memref.descriptor(v), memref.descriptor(g)
    if case.style == "memref":
        w = torch.full_like(v, SENTINEL)
        fn(ctypes.byref(dv), ctypes.byref(dg),
           ctypes.byref(memref.descriptor(w)))
        return w
    result = memref.descriptor_class(v.dim())()
    fn(ctypes.byref(result), ctypes.byref(dv), ctypes.byref(dg))
    return memref.take_tensor(result, v.dtype)


def check(case: Case, w: torch.Tensor, ref: torch.Tensor) -> tuple[str, str]:
    """An error message ("" when w matches) and the maximal error."""
    if w.shape != ref.shape or w.dtype != ref.dtype:
        return (f"got {w.dtype}{list(w.shape)}, expected "
                f"{ref.dtype}{list(ref.shape)}", "")
    nan = ref.isnan()
    if not torch.equal(w.isnan(), nan):
        return (f"NaN at {w.isnan().nonzero().tolist()}, expected at "
                f"{nan.nonzero().tolist()}", "")
    if case.zero_slice:
        if not torch.equal(nan, zero_slice_mask(case)):
            return "reference NaNs are not exactly the zero slice", ""
    got, want = w[~nan].double(), ref[~nan].double()
    if got.numel() == 0:
        return "", "0 (no finite element)"
    err = (got - want).abs()
    worst = err.max().item()
    ulp = torch.finfo(w.dtype).eps * want.abs().max().item()
    summary = f"{worst:.3g} ({worst / ulp:.2f} ulp)"
    if not worst <= MAX_ULPS * ulp:
        i = int(err.argmax())
        return (f"max error {summary} > {MAX_ULPS} ulp: got "
                f"{got[i].item()!r}, expected {want[i].item()!r}", summary)
    return "", summary


def main() -> int:
    start = time.monotonic()
    cases = make_cases()
    text = "".join(weight_norm_func(c.name, c.shape, c.dim, c.layout, c.elem,
                                    c.dynamic, c.style) for c in cases)
    with tempfile.TemporaryDirectory(prefix="wn-c-interface-") as workdir:
        lib = aot.compile_module(text, workdir)
        compiled = time.monotonic()
        failures = []
        for seed, case in enumerate(cases):
            v, g = make_inputs(case, seed)
            v_in, g_in = v.clone(), g.clone()
            w = run_case(lib, case, v, g)
            error, maxerr = check(case, w, reference(case, v, g))
            if not error and not (torch.equal(v, v_in) and
                                  torch.equal(g, g_in)):
                error = "the inputs were modified"
            if error:
                failures.append(f"{case.name}: {error}")
                print(f"FAIL {case.name} {error}")
            else:
                print(f"PASS {case.name} {maxerr}")
    print(f"{len(cases)} cases; compile {compiled - start:.1f} s, "
          f"total {time.monotonic() - start:.1f} s")
    if failures:
        print(f"FAILED ({len(failures)}):\n  " + "\n  ".join(failures),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
