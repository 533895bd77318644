# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The differential numerics suite on a GPU.

Compiles the differential suite's cases (wn.testing.differential) with
`--wn-gpu-pipeline=... emit-c-interface=1` into a shared library linked to
libwn_cuda_runtime.so (scripts/build-gpu-exe.sh), runs every case on CUDA
tensors and checks w (and the norm) exactly as the CPU suite does: against
the exact reference, PyTorch's error plus one ulp and the documented bound.
The backward suite's GPU cases (differential_backward.gpu_cases) are
compiled into the same library and their grad_v and grad_g checked exactly
as the CPU backward suite checks them (differential_backward.check_case:
exact reference, PyTorch's error plus the slack, the documented bounds).

    python -m wn.testing.gpu_differential [--seed N] [--chip sm_90]
        [--pipeline-options OPTS]              build and run (needs LLVM and a GPU)
    python -m wn.testing.gpu_differential --build DIR [...]
                                             build only, into DIR (no GPU needed)
    python -m wn.testing.gpu_differential --library DIR/libcases.so [--seed N]
                                             run a prebuilt library (no LLVM needed)

The library folder is small and self-contained: build it where LLVM is, carry
it to the GPU machine (which needs PyTorch with CUDA and numpy) together with
python/wn/testing, and run it there with the same seed.
"""

import argparse
import ctypes
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from wn import memref
from wn.testing import differential_backward
from wn.testing.differential import (DTYPES, SENTINEL, check_case,
                                     generate_cases, make_inputs,
                                     summary_table)
from wn.testing.weight_norm import (accumulation_type, g_shape,
                                    weight_norm_func)

REPO = Path(__file__).resolve().parents[3]


def build(cases, backward_cases, out_dir: Path, chip: str,
          pipeline_options: str) -> Path:
    """Compiles the cases and the backward cases into out_dir/libcases.so;
    returns its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    source = out_dir / "cases.mlir"
    source.write_text("".join(
        weight_norm_func(c.name, c.shape, c.dim, c.layout, c.elem, c.dynamic,
                         c.style, c.eps, c.with_norm) for c in cases) +
        "".join(differential_backward.func_text(c) for c in backward_cases))
    options = f"chip={chip} emit-c-interface=1 {pipeline_options}".strip()
    subprocess.run([str(REPO / "scripts" / "build-gpu-exe.sh"), "--name",
                    "cases", str(source), str(out_dir),
                    f"--wn-gpu-pipeline={options}"], check=True)
    return out_dir / "libcases.so"


class DeviceResults:
    """Copies callee-allocated device memrefs back to the host."""

    def __init__(self, runtime: ctypes.CDLL):
        self.runtime = runtime
        runtime.mgpuMemcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                       ctypes.c_uint64, ctypes.c_void_p]
        runtime.mgpuMemFree.argtypes = [ctypes.c_void_p, ctypes.c_void_p]

    def take(self, desc, dtype: torch.dtype) -> torch.Tensor:
        rank = len(getattr(desc, "sizes", ()))
        sizes = list(desc.sizes) if rank else []
        strides = list(desc.strides) if rank else []
        itemsize = torch.empty((), dtype=dtype).element_size()
        count = 1
        for n in sizes:
            count *= n
        host = torch.empty(sizes, dtype=dtype)
        if count:
            if strides != list(torch.empty(sizes).stride()):
                raise ValueError(f"unexpected strides {strides} for {sizes}")
            self.runtime.mgpuMemcpy(host.data_ptr(),
                                    desc.aligned + desc.offset * itemsize,
                                    count * itemsize, None)
        if desc.allocated:
            self.runtime.mgpuMemFree(desc.allocated, None)
        return host


def run_case(lib, results: DeviceResults, case, v, g):
    """Runs one case on CUDA copies of v and g; returns (w, norm) on the
    host."""
    fn = getattr(lib, f"_mlir_ciface_{case.name}")
    fn.restype = None
    vd, gd = v.cuda(), g.cuda()
    dv, dg = memref.descriptor(vd), memref.descriptor(gd)
    acc = DTYPES[accumulation_type(case.elem)]
    if case.style == "memref":
        wd = torch.full_like(vd, SENTINEL)
        args = [ctypes.byref(dv), ctypes.byref(dg),
                ctypes.byref(memref.descriptor(wd))]
        nd = None
        if case.with_norm:
            nd = torch.full(g_shape(case.shape, case.dim, case.layout),
                            SENTINEL, dtype=acc, device="cuda")
            args.append(ctypes.byref(memref.descriptor(nd)))
        fn(*args)
        torch.cuda.synchronize()
        return wd.cpu(), (nd.cpu() if nd is not None else None)
    if case.with_norm:
        result = memref.results_class((v.dim(), g.dim()))()
        fn(ctypes.byref(result), ctypes.byref(dv), ctypes.byref(dg))
        torch.cuda.synchronize()
        return results.take(result.r0, v.dtype), results.take(result.r1, acc)
    result = memref.descriptor_class(v.dim())()
    fn(ctypes.byref(result), ctypes.byref(dv), ctypes.byref(dg))
    torch.cuda.synchronize()
    return results.take(result, v.dtype), None


def run_backward_case(lib, case, inputs):
    """Runs one backward case on CUDA copies of its inputs; returns grad_v
    and grad_g on the host and whether the inputs are unchanged."""
    fn = getattr(lib, f"_mlir_ciface_{case.name}")
    fn.restype = None
    device = [t.cuda() for t in inputs]
    outputs = [torch.full_like(device[1], SENTINEL),
               torch.full_like(device[2], SENTINEL)]
    descriptors = [memref.descriptor(t) for t in device + outputs]
    fn(*(ctypes.byref(d) for d in descriptors))
    torch.cuda.synchronize()
    unchanged = all(torch.equal(t.cpu().reshape(-1).view(torch.uint8),
                                o.reshape(-1).view(torch.uint8))
                    for t, o in zip(device, inputs))
    return outputs[0].cpu(), outputs[1].cpu(), unchanged


def run_backward(lib, cases, seed: int, verbose: bool) -> list:
    outcomes = []
    for case in cases:
        inputs = differential_backward.make_inputs(case, seed)
        grad_v, grad_g, unchanged = run_backward_case(lib, case, inputs)
        outcome = differential_backward.check_case(case, inputs, grad_v,
                                                   grad_g)
        if not unchanged:
            outcome.errors.append("the inputs were modified")
        outcomes.append(outcome)
        if outcome.errors or verbose:
            print(f"{'FAIL' if outcome.errors else 'PASS'} {case.name}: "
                  f"{outcome.detail()}")
    return outcomes


def run(library: Path, cases, backward_cases, seed: int,
        verbose: bool) -> int:
    if not torch.cuda.is_available():
        print("gpu_differential: no CUDA device visible to PyTorch")
        return 1
    runtime = ctypes.CDLL(str(library.parent / "libwn_cuda_runtime.so"),
                          mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(str(library))
    results = DeviceResults(runtime)
    outcomes = []
    for case in cases:
        v, g = make_inputs(case, seed)
        w, norm = run_case(lib, results, case, v, g)
        outcome = check_case(case, v, g, w, norm)
        outcomes.append(outcome)
        if outcome.errors or verbose:
            detail = "; ".join(outcome.errors) or (
                f"wn {outcome.wn_ulps:.2f} ulps, PyTorch "
                f"{outcome.torch_ulps:.2f}")
            print(f"{'FAIL' if outcome.errors else 'PASS'} {case.name}: "
                  f"{detail}")
    backward = run_backward(lib, backward_cases, seed, verbose)
    failed = sum(bool(o.errors) for o in outcomes)
    backward_failed = sum(bool(o.errors) for o in backward)
    print(f"\nwn.weight_norm on {torch.cuda.get_device_name()} vs PyTorch "
          f"and an exact reference (seed {seed}):")
    print(summary_table(outcomes))
    print(f"\nwn.weight_norm_backward vs PyTorch (CPU) and an exact "
          f"reference (seed {seed}):")
    print(differential_backward.summary_table(backward))
    print(f"gpu_differential: {len(outcomes) - failed} passed, {failed} "
          f"failed; backward: {len(backward) - backward_failed} passed, "
          f"{backward_failed} failed")
    return 1 if failed or backward_failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="gpu_differential",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--chip", default="sm_90")
    parser.add_argument("--pipeline-options", default="",
                        help="more --wn-gpu-pipeline options (a strategy)")
    parser.add_argument("--build", metavar="DIR", type=Path,
                        help="only build the library into DIR")
    parser.add_argument("--library", type=Path,
                        help="run this prebuilt libcases.so")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    cases = generate_cases(args.seed)
    backward_cases = differential_backward.gpu_cases(args.seed)
    if args.build:
        path = build(cases, backward_cases, args.build, args.chip,
                     args.pipeline_options)
        print(f"gpu_differential: built {path} ({len(cases)} cases, "
              f"{len(backward_cases)} backward cases, seed {args.seed})")
        return 0
    if args.library:
        return run(args.library, cases, backward_cases, args.seed,
                   args.verbose)
    with tempfile.TemporaryDirectory(prefix="wn-gpu-differential-") as tmp:
        path = build(cases, backward_cases, Path(tmp), args.chip,
                     args.pipeline_options)
        return run(path, cases, backward_cases, args.seed, args.verbose)


if __name__ == "__main__":
    sys.exit(main())
