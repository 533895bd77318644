# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Times wn.weight_norm_backward against PyTorch's backward and a streaming
pass over the same bytes, on bench.py's shapes.

bench.py's machinery throughout (its shapes, strategies, compilation,
inputs, OpenMP and allocator handling, timing loop, load monitor and
Markdown): everything in this one process, wn called through its C
interface on torch-owned buffers, grad_v and grad_g written in place.
Columns, per shape and thread count:
- copy: `torch.add(grad_w, v, out=grad_v)`, the bytes an ideal backward
  moves (read grad_w and v once, write grad_v once);
- torch: PyTorch's backward as users get it, autograd of
  `torch._weight_norm(v, g, dim)` (`torch.autograd.grad(w, (v, g), grad_w)`
  on a graph built once: the backward alone; for dim 0 and the last dim it
  runs the fused `_weight_norm_interface_backward`, for other dims the
  composite norm_except_dim graph);
- torch-interface: `torch.ops.aten._weight_norm_interface_backward(grad_w,
  v, g, norm, dim)` called directly (dim 0 and the last dim only);
- torch-warm: the autograd backward after bench.warm_glibc_allocator;
- per wn strategy NAME: NAME (the op computes the norms from v) and
  NAME+norm (the forward's saved norm given).

Each wn function is checked first against the op's formulas in float64
with the same norm (computed, or the saved one; grad_v and grad_g within
1 ulp of their largest magnitude). Run through
bench/run-backward.sh (or `python3 bench/backward.py` with the wn package on
PYTHONPATH); --help lists the options. Output: the table on stdout and
bench/results/backward.{md,json}.
"""

import argparse
import ctypes
import datetime
import json
import math
import os
import platform
import sys
from pathlib import Path

import torch

import bench as common  # bench/bench.py, next to this file: its machinery
from wn import memref
from wn.export.timing import FULL_BUDGET, QUICK_BUDGET, measure
from wn.testing.differential import DTYPES
from wn.testing.weight_norm import (accumulation_type, normalize_dim,
                                    weight_norm_backward_func)

DEFAULT_STRATEGIES = ("fused=",)
BASELINES = ("copy", "torch", "torch-interface", "torch-warm")


def functions(shape: common.Shape, elem: str) -> str:
    """The shape's two backward functions: without and with the saved
    norm (`<name>` and `<name>_norm`)."""
    layout = "scalar" if shape.dim is None else "keepdim"
    return "".join(
        weight_norm_backward_func(shape.func_name + suffix, list(shape.sizes),
                                  shape.dim, layout, elem, style="memref",
                                  with_norm=with_norm)
        for suffix, with_norm in (("", False), ("_norm", True)))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Time wn.weight_norm_backward against PyTorch's backward "
                    "and a streaming pass over the same bytes.")
    parser.add_argument(
        "--strategy", action="append", type=common.parse_strategy,
        dest="strategies", metavar="NAME=OPTIONS",
        help="a wn strategy as in bench.py; default: "
             + ", ".join(DEFAULT_STRATEGIES))
    parser.add_argument(
        "--shapes", type=lambda s: s.split(","),
        help="comma-separated shape names (default: all): "
             + ", ".join(s.name for s in common.SHAPES))
    parser.add_argument("--dtype", choices=DTYPES, default="f32")
    parser.add_argument("--threads", type=common.parse_threads,
                        default=[1, 2])
    parser.add_argument("--quick", action="store_true",
                        help="the two smallest selected shapes, few "
                        "repetitions")
    parser.add_argument("--out", type=Path,
                        default=common.REPO / "bench" / "results")
    args = parser.parse_args(argv)
    if args.strategies is None:
        args.strategies = [common.parse_strategy(s)
                           for s in DEFAULT_STRATEGIES]
    known = {s.name: s for s in common.SHAPES}
    names = args.shapes or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown shape(s) {', '.join(unknown)}")
    args.shapes = [known[n] for n in names]
    if args.quick:
        args.shapes = sorted(args.shapes, key=lambda s: s.numel)[:2]
    return args


def saved_norm(v: torch.Tensor, g: torch.Tensor,
               shape: common.Shape) -> torch.Tensor:
    """The forward's norm result: g's shape, the accumulation type."""
    elem = next(k for k, t in DTYPES.items() if t == v.dtype)
    acc = DTYPES[accumulation_type(elem)]
    d = normalize_dim(shape.dim, v.dim())
    dims = [i for i in range(v.dim()) if i != d]
    # Summed in float64 and rounded once, as the forward's norm result is.
    return v.double().pow(2).sum(dims, keepdim=True).sqrt().to(acc).reshape(
        g.shape).contiguous()


def reference(gw, v, g, shape, norm=None):
    """grad_v and grad_g in float64 from the op's formulas, with n the
    saved `norm` when given (as the op reads it), else computed."""
    d = normalize_dim(shape.dim, v.dim())
    dims = [i for i in range(v.dim()) if i != d]
    keep = [n if i == d else 1 for i, n in enumerate(v.shape)]
    v64, gw64 = v.double(), gw.double()
    g64 = g.double().reshape(keep)
    n = (v64.pow(2).sum(dims, keepdim=True).sqrt() if norm is None
         else norm.double().reshape(keep))
    s = (gw64 * v64).sum(dims, keepdim=True)
    grad_v = (g64 / n) * gw64 - (g64 * s / n**3) * v64
    return grad_v, (s / n).reshape(g.shape)


def time_shape(shape, inputs, libs, threads, openmp, budget, elem):
    gw, v, g, norm = inputs
    expected = {"": reference(gw, v, g, shape),
            "+norm": reference(gw, v, g, shape, norm)}
    grad_v = torch.zeros_like(v)
    grad_g = torch.zeros_like(g)
    calls = {}
    for name, lib in libs.items():
        for suffix, args in (("", (gw, v, g)), ("_norm", (gw, v, g, norm))):
            fn = getattr(lib, f"_mlir_ciface_{shape.func_name}{suffix}")
            fn.restype = None
            descs = [memref.descriptor(t) for t in (*args, grad_v, grad_g)]
            refs = [ctypes.byref(d) for d in descs]
            calls[name + ("+norm" if suffix else "")] = (
                lambda fn=fn, refs=refs, descs=descs: fn(*refs))
    vr, gr = v.clone().requires_grad_(), g.clone().requires_grad_()
    w = torch._weight_norm(vr, gr, shape.torch_dim)
    d = normalize_dim(shape.dim, v.dim())
    interface = d is not None and d in (0, v.dim() - 1)
    if interface:
        torch_norm = torch._weight_norm_interface(v, g, d)[1]
    rows = []
    for count in threads:
        common.progress(f"timing {shape.name} ({shape.describe()}), "
                        f"{count} thread(s)")
        common.set_threads(openmp, count)
        row = common.Row(shape, count)
        row.timings["copy"] = measure(
            lambda: torch.add(gw, v, out=grad_v), budget)
        row.timings["torch"] = measure(
            lambda: torch.autograd.grad(w, (vr, gr), gw, retain_graph=True),
            budget)
        if interface:
            row.timings["torch-interface"] = measure(
                lambda: torch.ops.aten._weight_norm_interface_backward(
                    gw, v, g, torch_norm, d), budget)
        for name, call in calls.items():
            grad_v.fill_(math.nan)
            grad_g.fill_(math.nan)
            call()
            ref_v, ref_g = expected["+norm" if name.endswith("+norm") else ""]
            row.errors[name] = max(common.check_error(grad_v, ref_v, elem),
                                   common.check_error(grad_g, ref_g, elem))
            if row.errors[name] <= common.TOLERANCE_ULPS:
                row.timings[name] = measure(call, budget)
            else:
                common.progress(f"  FAILED: {name}: error "
                                f"{row.errors[name]:.3g} ulps; not timed")
        rows.append(row)
    return rows, (w, vr, gr)


def moved_bytes(shape, dtype) -> int:
    """Read grad_w and v once, write grad_v once."""
    return 3 * shape.numel * torch.empty((), dtype=dtype).element_size()


def table(rows, columns, best, dtype):
    ratios = [(f"{best} / copy", best, "copy", False),
              (f"{best}+norm / copy", best + "+norm", "copy", False),
              (f"{best} vs torch", best, "torch", True),
              (f"{best} vs torch-warm", best, "torch-warm", True),
              (f"{best}+norm vs torch-interface", best + "+norm",
               "torch-interface", True)]
    header = ["shape", "threads"] + [f"{c} ms" for c in columns] + [
        r[0] for r in ratios]
    body = []
    for row in rows:
        cells = [f"{row.shape.name} ({row.shape.describe()})",
                 str(row.threads)]
        for column in columns:
            timing = row.timings.get(column)
            if timing is not None:
                cells.append(common.format_ms(timing.median_ns))
            elif column in row.errors:
                cells.append(f"FAIL ({row.errors[column]:.3g} ulps)")
            else:
                cells.append("-")
        for _, mine, theirs, speedup in ratios:
            a, b = row.timings.get(mine), row.timings.get(theirs)
            if a is None or b is None:
                cells.append("-")
            elif speedup:
                cells.append(f"{b.median_ns / a.median_ns:.2f}x")
            else:
                cells.append(f"{a.median_ns / b.median_ns:.2f}")
        body.append(cells)
    return [header] + body


def main(argv=None) -> int:
    args = parse_args(argv)
    dtype = DTYPES[args.dtype]
    budget = QUICK_BUDGET if args.quick else FULL_BUDGET
    openmp = common.load_openmp()
    libs = common.compile_strategies(
        args.strategies, args.shapes, args.dtype,
        common.REPO / "build" / "bench" / f"backward-{args.dtype}",
        functions=functions)
    monitor = common.LoadMonitor()
    inputs = {}
    for shape in args.shapes:
        v, g = common.make_inputs(shape, dtype)
        gen = torch.Generator().manual_seed(1)
        gw = torch.randn(shape.sizes, generator=gen,
                         dtype=torch.float64 if dtype == torch.float64
                         else torch.float32).to(dtype)
        inputs[shape] = (gw, v, g, saved_norm(v, g, shape))
    rows, graphs = [], {}
    for shape in args.shapes:
        shape_rows, graphs[shape] = time_shape(
            shape, inputs[shape], libs, args.threads, openmp, budget,
            args.dtype)
        rows += shape_rows
    common.warm_glibc_allocator()
    for row in rows:
        w, vr, gr = graphs[row.shape]
        gw = inputs[row.shape][0]
        common.progress(f"timing {row.shape.name}, torch with a warm "
                        f"allocator, {row.threads} thread(s)")
        common.set_threads(openmp, row.threads)
        row.timings["torch-warm"] = measure(
            lambda: torch.autograd.grad(w, (vr, gr), gw, retain_graph=True),
            budget)
    other_load = monitor.other_load()
    columns = list(BASELINES) + [
        n for s in args.strategies for n in (s.name, s.name + "+norm")]
    best = common.ratio_strategy(args.strategies)
    text = common.markdown(table(rows, columns, best, dtype))
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    notes = [
        f"{common.cpu_model()}, {os.cpu_count()} cores, "
        f"{platform.platform()}; other processes took {other_load:.2f} "
        "CPUs on average while timing",
        f"{date}; {args.dtype}; PyTorch {torch.__version__}",
        "strategies (--wn-cpu-pipeline=...): " + "; ".join(
            f"{s.name} = `{s.pipeline_options}`" for s in args.strategies),
        "each cell: median ms (bench.py's timing loop); copy = "
        "torch.add(grad_w, v, out=grad_v) (3 x numel x itemsize bytes); "
        "torch = autograd of torch._weight_norm (backward only); "
        "torch-interface = _weight_norm_interface_backward (dim 0 and the "
        "last dim); torch-warm = torch after mallopt keeps freed memory; "
        "NAME+norm = wn with the saved norm",
        "X / copy = time ratio (1 = memory speed); X vs Y = Y's time / X's",
    ]
    print()
    print(text)
    if other_load > common.MAX_OTHER_LOAD:
        common.progress(f"bench: WARNING: other processes took "
                        f"{other_load:.2f} CPUs on average while timing")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "backward.md").write_text(
        "# wn weight-norm backward benchmark\n\n"
        + "".join(f"- {n}\n" for n in notes) + "\n" + text + "\n")
    (args.out / "backward.json").write_text(json.dumps({
        "date": date, "dtype": args.dtype, "torch": torch.__version__,
        "other_load_cpus": round(other_load, 3),
        "results": [{
            "shape": r.shape.name, "sizes": list(r.shape.sizes),
            "dim": r.shape.dim, "threads": r.threads,
            "bytes": moved_bytes(r.shape, dtype),
            "timings": {k: vars(t) for k, t in r.timings.items()},
            "errors_ulps": {k: e if math.isfinite(e) else None
                            for k, e in r.errors.items()},
        } for r in rows]}, indent=1) + "\n")
    failed = sum(r.failures() for r in rows)
    if failed:
        print(f"\n{failed} check(s) FAILED", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
