# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""GPU benchmark: wn's kernels against torch's CUDA _weight_norm and a
device-to-device copy of the same bytes, on the real-model shapes of
bench.py, f32 and bf16.

The device machine has CUDA and PyTorch but no LLVM, so the benchmark runs in
two steps:

    bench/gpu.py --build DIR [--chip sm_90]   # here: compile every shape
    bench/gpu.py --library DIR                # on the GPU machine: time

The library is compiled with --wn-gpu-pipeline (memref in/out functions:
w is written into a preallocated CUDA tensor, nothing is allocated per
call) and linked to libwn_cuda_runtime.so by scripts/build-gpu-exe.sh. Every
result is checked against a float64 reference before it is timed. Times are
CUDA-event medians over repeated calls after warm-up; GB/s counts reading v
and writing w once. The table goes to stdout and DIR/gpu-results.md.
"""

import argparse
import ctypes
import datetime
import statistics
import subprocess
import sys
from pathlib import Path

import torch

from bench import SHAPES  # bench/bench.py, next to this file: one list
from wn import memref
from wn.testing.weight_norm import weight_norm_func

ROOT = Path(__file__).resolve().parent

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}
WARMUP, REPS = 10, 50


def func_name(shape, elem: str) -> str:
    return f"{shape.func_name}_{elem}"


def g_sizes(shape) -> list[int]:
    if shape.dim is None:
        return []
    d = shape.dim % len(shape.sizes)
    return [n if i == d else 1 for i, n in enumerate(shape.sizes)]


def build(out_dir: Path, chip: str, options: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    text = "".join(
        weight_norm_func(func_name(s, e), list(s.sizes), s.dim,
                         "keepdim" if s.dim is not None else "scalar", e)
        for s in SHAPES for e in DTYPES)
    source = out_dir / "gpu_bench.mlir"
    source.write_text(text)
    pipeline = f"chip={chip} emit-c-interface=1 {options}".strip()
    subprocess.run([str(ROOT.parent / "scripts" / "build-gpu-exe.sh"),
                    "--name", "gpu_bench", str(source), str(out_dir),
                    f"--wn-gpu-pipeline={pipeline}"], check=True)
    print(f"built {out_dir / 'libgpu_bench.so'}: copy {out_dir} and the "
          "repository's bench/ and python/ to the GPU machine, then run "
          f"bench/gpu.py --library {out_dir}")


def time_cuda(fn) -> float:
    """Median milliseconds of fn() by CUDA events."""
    for _ in range(WARMUP):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(REPS):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def run(lib_dir: Path) -> int:
    if not torch.cuda.is_available():
        print("bench/gpu.py: no CUDA device")
        return 1
    ctypes.CDLL(str(lib_dir / "libwn_cuda_runtime.so"), mode=ctypes.RTLD_GLOBAL)
    lib = ctypes.CDLL(str(lib_dir / "libgpu_bench.so"))
    device = torch.cuda.get_device_name()
    rows = []
    failures = 0
    gen = torch.Generator().manual_seed(2026)
    for shape in SHAPES:
        for elem, dtype in DTYPES.items():
            v = torch.randn(shape.sizes, generator=gen).to(dtype).cuda()
            g = (torch.rand(g_sizes(shape), generator=gen) + 0.5).to(
                dtype).cuda()
            w = torch.empty_like(v)
            fn = getattr(lib, "_mlir_ciface_" + func_name(shape, elem))
            fn.restype = None
            dv, dg, dw = (memref.descriptor(t) for t in (v, g, w))
            args = [ctypes.byref(d) for d in (dv, dg, dw)]

            def wn_call(fn=fn, args=args):
                fn(*args)
            wn_call()
            torch.cuda.synchronize()
            torch_dim = shape.torch_dim
            ref = torch._weight_norm(v.double(), g.double(), torch_dim)
            err = ((w.double() - ref).abs().max() /
                   ref.abs().max()).item()
            tol = 2.0**-7 if elem == "bf16" else 2.0**-22
            ok = err <= tol
            failures += not ok
            t_wn = time_cuda(wn_call)
            t_torch = time_cuda(lambda: torch._weight_norm(v, g, torch_dim))
            t_copy = time_cuda(lambda: w.copy_(v))
            nbytes = 2 * v.numel() * v.element_size()
            rows.append((shape, elem, t_copy, t_torch, t_wn, nbytes, ok))
    lines = ["| shape | type | copy ms (GB/s) | torch ms (GB/s) | wn ms (GB/s)"
             " | wn / copy bandwidth | wn vs torch | check |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    for shape, elem, tc, tt, tw, nbytes, ok in rows:
        def cell(ms):
            return f"{ms:.3g} ({nbytes / ms / 1e6:.0f})"
        lines.append(f"| {shape.name} {shape.sizes} dim {shape.dim} | {elem} "
                     f"| {cell(tc)} | {cell(tt)} | {cell(tw)} | "
                     f"{100 * tc / tw:.0f}% | {tt / tw:.2f}x | "
                     f"{'ok' if ok else 'FAIL'} |")
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds")
    text = (f"# wn on {device}\n\n- {now}; PyTorch {torch.__version__}; "
            f"CUDA-event medians of {REPS} calls\n\n" + "\n".join(lines) +
            "\n")
    print(text)
    (lib_dir / "gpu-results.md").write_text(text)
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, metavar="DIR")
    parser.add_argument("--chip", default="sm_90")
    parser.add_argument("--pipeline-options", default="")
    parser.add_argument("--library", type=Path, metavar="DIR")
    args = parser.parse_args(argv)
    if bool(args.build) == bool(args.library):
        parser.error("give exactly one of --build DIR and --library DIR")
    if args.build:
        build(args.build, args.chip, args.pipeline_options)
        return 0
    return run(args.library)


if __name__ == "__main__":
    sys.exit(main())
