# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""What --wn-optimize (fusion into the consumer) and --wn-cache-weights save
on whole weight-normed layers, against PyTorch, in one process.

Layers (f32):
  linear   y = x @ w^T, x [64, 4096], w = weight_norm(v [4096, 4096], g, dim 0)
  hifigan  y = conv1d(x, w), x [1, 256, T + 2], w = weight_norm(v [256, 256, 3],
           g, dim 0): a HiFi-GAN V1 resblock conv on one chunk of T frames

Each layer is compiled four ways, all with the same transform schedule for
its contraction (bench/schedules/*.mlir; the default --wn-cpu-pipeline lowers
contractions to scalar loops) and the fused CPU pipeline:
  unfused       the weight norm, then the contraction on w
  fused         --wn-optimize: the contraction on v, its output scaled by
                wn.weight_norm_scale (w never exists)
  cached        --wn-cache-weights: <f>_cached(x, w), w from <f>_prepare
                computed once (its cost is the 'prepare' column)
  fused+cached  both: <f>_cached(x, v, scale)
PyTorch (Debian's 1.13.1, CPU): torch._weight_norm then F.linear / F.conv1d
as users call it, and the same with w computed once (remove_weight_norm).
Every output is checked against a float64 PyTorch reference. One thread:
the contraction schedules are single-threaded.

    bench/run-layers.sh [--quick] [--frames T]
"""

import argparse
import ctypes
import datetime
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

import bench as common  # bench/bench.py, next to this file: its helpers
from wn import aot, memref
from wn.export.timing import FULL_BUDGET, QUICK_BUDGET, measure

ROOT = Path(__file__).resolve().parent
SCHEDULES = ROOT / "schedules"
RESULTS = ROOT / "results"


@dataclass
class Layer:
    name: str
    describe: str
    schedule: str
    x: list
    v: list
    g: list
    y: list
    mlir: str
    torch_fn: Callable  # (x, w) -> y


def ttype(shape) -> str:
    return "tensor<" + "".join(f"{n}x" for n in shape) + "f32>"


def linear_layer() -> Layer:
    x, v, g, y = [64, 4096], [4096, 4096], [4096, 1], [64, 4096]
    body = f"""
func.func @linear(%x: {ttype(x)}, %v: {ttype(v)}, %g: {ttype(g)}) -> {ttype(y)} attributes {{llvm.emit_c_interface}} {{
  %e = tensor.empty() : {ttype(v)}
  %w = wn.weight_norm dim(0) ins(%v, %g : {ttype(v)}, {ttype(g)}) outs(%e : {ttype(v)}) -> {ttype(v)}
  %z = arith.constant 0.0 : f32
  %o = tensor.empty() : {ttype(y)}
  %f = linalg.fill ins(%z : f32) outs(%o : {ttype(y)}) -> {ttype(y)}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : {ttype(x)}, {ttype(v)}) outs(%f : {ttype(y)}) -> {ttype(y)}
  return %r : {ttype(y)}
}}
"""
    return Layer("linear", "Linear x [64,4096] @ w^T, v [4096,4096] dim 0",
                 "linear.mlir", x, v, g, y, body,
                 lambda x, w: F.linear(x, w))


def hifigan_layer(frames: int) -> Layer:
    x, v, g, y = [1, 256, frames + 2], [256, 256, 3], [256, 1, 1], \
        [1, 256, frames]
    body = f"""
func.func @hifigan(%x: {ttype(x)}, %v: {ttype(v)}, %g: {ttype(g)}) -> {ttype(y)} attributes {{llvm.emit_c_interface}} {{
  %e = tensor.empty() : {ttype(v)}
  %w = wn.weight_norm dim(0) ins(%v, %g : {ttype(v)}, {ttype(g)}) outs(%e : {ttype(v)}) -> {ttype(v)}
  %z = arith.constant 0.0 : f32
  %o = tensor.empty() : {ttype(y)}
  %f = linalg.fill ins(%z : f32) outs(%o : {ttype(y)}) -> {ttype(y)}
  %r = linalg.conv_1d_ncw_fcw {{dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}} ins(%x, %w : {ttype(x)}, {ttype(v)}) outs(%f : {ttype(y)}) -> {ttype(y)}
  return %r : {ttype(y)}
}}
"""
    return Layer("hifigan", f"HiFi-GAN resblock Conv1d 256->256 k3 on "
                 f"{frames} frames, v [256,256,3] dim 0",
                 "conv1d.mlir", x, v, g, y, body,
                 lambda x, w: F.conv1d(x, w))


VARIANTS = {
    "unfused": [],
    "fused": ["--wn-optimize"],
    "cached": ["--wn-cache-weights"],
    "fused+cached": ["--wn-optimize", "--wn-cache-weights"],
}


def compile_variant(layer: Layer, variant: str, workdir: Path):
    schedule = SCHEDULES / layer.schedule
    passes = VARIANTS[variant] + [
        f"--transform-preload-library=transform-library-paths={schedule}",
        "-transform-interpreter", "-canonicalize"]
    tag = f"{layer.name}_{variant.replace('+', '_')}"
    return aot.compile_module(layer.mlir, workdir / tag, "", name=tag,
                              passes=passes)


def call(lib, name: str, result_ranks, *args):
    fn = getattr(lib, f"_mlir_ciface_{name}")
    fn.restype = None
    results = memref.results_class(tuple(result_ranks))()
    descs = [memref.descriptor(a) for a in args]
    fn(ctypes.byref(results), *(ctypes.byref(d) for d in descs))
    return memref.take_tensors(results, [torch.float32] * len(result_ranks))


def prepare_ranks(lib_ir: str, name: str) -> list[int]:
    import re
    sig = re.search(rf"func\.func @{name}_prepare\([^)]*\) -> \(?([^{{]*)",
                    lib_ir).group(1)
    return [t.count("x") for t in re.findall(r"tensor<[^>]*>", sig)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="short timings (a smoke test)")
    parser.add_argument("--frames", type=int, default=512,
                        help="HiFi-GAN chunk length T (default 512)")
    args = parser.parse_args(argv)
    if args.frames < 1:
        parser.error("--frames must be positive")
    budget = QUICK_BUDGET if args.quick else FULL_BUDGET
    openmp = common.load_openmp()
    common.set_threads(openmp, 1)
    RESULTS.mkdir(exist_ok=True)
    workdir = RESULTS / "layers-build"
    gen = torch.Generator().manual_seed(2026)
    failures = 0
    # Per layer: inputs, the reference, and each variant's callables.
    prepared_layers = []
    for layer in (linear_layer(), hifigan_layer(args.frames)):
        x = torch.randn(layer.x, generator=gen)
        v = torch.randn(layer.v, generator=gen)
        g = torch.rand(layer.g, generator=gen) + 0.5
        w64 = torch._weight_norm(v.double(), g.double(), 0)
        ref = layer.torch_fn(x.double(), w64)
        scale = ref.abs().max().item()
        calls = {}
        for variant in VARIANTS:
            common.progress(f"compiling {layer.name} {variant}")
            lib = compile_variant(layer, variant, workdir)
            tag = f"{layer.name}_{variant.replace('+', '_')}"
            if "cached" in variant:
                ir = aot.run_tool([aot.tools_dir() / "wn-opt",
                                   workdir / tag / f"{tag}.mlir",
                                   *VARIANTS[variant]])
                ranks = prepare_ranks(ir, layer.name)

                def prepare(lib=lib, ranks=ranks, layer=layer, v=v, g=g):
                    return call(lib, f"{layer.name}_prepare", ranks, v, g)
                prepared = prepare()
                calls["prepare " + variant] = prepare
                calls[variant] = (
                    lambda lib=lib, prepared=prepared, layer=layer, x=x: call(
                        lib, f"{layer.name}_cached", [len(layer.y)], x,
                        *prepared)[0])
            else:
                calls[variant] = (
                    lambda lib=lib, layer=layer, x=x, v=v, g=g: call(
                        lib, layer.name, [len(layer.y)], x, v, g)[0])
            y = calls[variant]()
            err = ((y.double() - ref).abs().max() / scale).item()
            if not err <= 1e-4:
                failures += 1
                print(f"FAIL {layer.name} {variant}: relative error {err:.2e}")
        w = torch._weight_norm(v, g, 0)
        calls["torch"] = (lambda layer=layer, x=x, v=v, g=g: layer.torch_fn(
            x, torch._weight_norm(v, g, 0)))
        calls["torch cached w"] = lambda layer=layer, x=x, w=w: layer.torch_fn(
            x, w)
        calls["torch weight_norm"] = lambda v=v, g=g: torch._weight_norm(
            v, g, 0)
        prepared_layers.append((layer, calls))

    # Every callable with glibc's default allocator (a fresh 64 MiB buffer is
    # mmapped and page-faulted on every call), then with a warm one
    # (bench.py's warm_glibc_allocator, which cannot be undone).
    rows = []
    for allocator in ("default", "warm"):
        if allocator == "warm":
            common.warm_glibc_allocator()
        for layer, calls in prepared_layers:
            common.progress(f"timing {layer.name}, {allocator} allocator")
            times = {name: measure(fn, budget).median_ns
                     for name, fn in calls.items()}
            rows.append((layer, allocator, times))

    def ms(ns):
        return f"{ns / 1e6:.3g}"
    header = ("| layer | allocator | unfused ms | fused ms | cached ms | "
              "fused+cached ms | prepare (cached / fused+cached) ms | fused "
              "saves | cached saves | torch ms | torch, w cached ms | torch "
              "weight_norm ms | wn fused vs torch |")
    lines = [header, "|" + "---|" * 13]
    for layer, allocator, t in rows:
        lines.append(
            f"| {layer.describe} | {allocator} | {ms(t['unfused'])} | "
            f"{ms(t['fused'])} | {ms(t['cached'])} | "
            f"{ms(t['fused+cached'])} | "
            f"{ms(t['prepare cached'])} / {ms(t['prepare fused+cached'])} | "
            f"{100 * (1 - t['fused'] / t['unfused']):.0f}% | "
            f"{100 * (1 - t['cached'] / t['unfused']):.0f}% | "
            f"{ms(t['torch'])} | {ms(t['torch cached w'])} | "
            f"{ms(t['torch weight_norm'])} | "
            f"{t['torch'] / t['fused']:.2f}x |")
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds")
    heading = [
        "# wn weight-normed layers: unfused, fused, cached",
        "",
        f"- {common.cpu_model()}, 1 thread, {platform.platform()}",
        f"- {now}; f32; PyTorch {torch.__version__}; median of repeated "
        "calls, each returning a freshly allocated output; 'default': "
        "glibc's malloc as is (buffers over its mmap threshold are "
        "page-faulted on every call), 'warm': freed memory kept mapped",
        "- contractions vectorized by bench/schedules/*.mlir (transform "
        "dialect) in every wn variant; checked against float64 PyTorch "
        f"({'all within' if not failures else 'NOT all within'} 1e-4 of "
        "max |y|)",
        "",
    ]
    text = "\n".join(heading + lines) + "\n"
    print(text)
    (RESULTS / "layers.md").write_text(text)
    print(f"wrote {RESULTS / 'layers.md'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
