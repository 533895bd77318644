# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Interleaved A/B timing of wn strategies: how the kernels are tuned.

On a noisy machine two strategies timed minutes apart (as bench.py's columns
are, one budget each) can differ by 10-30% for the same code. Here every
strategy is called in turn, a short burst each (--burst-ms, after one
untimed call), for --pairs rounds in a new random order each (no strategy
always follows the same one), and the result is the median over rounds of
each strategy's time divided by the first strategy's in the same round: a
ratio of neighbours in time, which a slow spell of the machine moves little.
A copy of the same bytes is timed after the rounds, for scale. All calls
write the same w.

A strategy may name the build to compile with: NAME=OPTIONS@TOOLS_DIR uses
the wn-opt and wn-translate of TOOLS_DIR (for example another checkout's
build/bin), so two versions of a kernel are compared in one process.

  bench/ab.py --shapes slice7,linear-whole --threads 1,2 \\
      --strategy default= --strategy blocks0=reverse-write-block-bytes=0

Shapes are bench.py's names or NAME:SIZES:DIM (SIZES like 256x512, DIM an
integer or `none` for the whole tensor), e.g. small:256x512:1 for a
cache-resident version of a shape. Each strategy is checked against the
float64 reference first (bench.py's tolerance). Run it with the wn package
on PYTHONPATH (source scripts/wn-env.sh; $WN_PYTHON bench/ab.py ...).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

import bench as common  # bench/bench.py, next to this file: its helpers

DEFAULT_PAIRS = 21
DEFAULT_BURST_MS = 20.0


def parse_shape(text: str) -> list[common.Shape]:
    """A bench.py shape name or NAME:SIZES:DIM."""
    known = {s.name: s for s in common.SHAPES}
    if ":" not in text:
        if text not in known:
            raise argparse.ArgumentTypeError(
                f"unknown shape {text!r}; known: {', '.join(known)}, or "
                "NAME:SIZES:DIM")
        return [known[text]]
    try:
        name, sizes, dim = text.split(":")
        shape = common.Shape(
            name, tuple(int(n) for n in sizes.split("x")),
            None if dim == "none" else int(dim), "given on the command line")
    except ValueError:
        shape = None
    if (shape is None or not name.isidentifier() or not shape.sizes
            or min(shape.sizes) < 1 or (shape.dim is not None and not
                                        -len(shape.sizes) <= shape.dim
                                        < len(shape.sizes))):
        raise argparse.ArgumentTypeError(
            f"expected NAME:SIZES:DIM like small:256x512:1 (NAME an "
            f"identifier, DIM a dim of SIZES or none), got {text!r}")
    return [shape]


def parse_strategy(text: str) -> tuple[common.Strategy, Path | None]:
    """NAME=OPTIONS[@TOOLS_DIR]."""
    options, sep, tools = text.rpartition("@")
    if not sep:
        return common.parse_strategy(text), None
    if not Path(tools, "wn-opt").exists():
        raise argparse.ArgumentTypeError(
            f"no wn-opt in {tools!r} (from {text!r})")
    return common.parse_strategy(options), Path(tools)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Interleaved A/B timing of wn strategies (median of "
                    "per-round time ratios to the first strategy).")
    parser.add_argument(
        "--strategy", action="append", type=parse_strategy, required=True,
        dest="strategies", metavar="NAME=OPTIONS[@TOOLS_DIR]",
        help="a strategy (at least two; the first is the reference): "
             "--wn-cpu-pipeline options added to emit-c-interface=1, "
             "compiled with TOOLS_DIR's wn-opt when given")
    parser.add_argument(
        "--shapes", required=True,
        type=lambda s: [x for part in s.split(",") for x in parse_shape(part)],
        help="comma-separated bench.py shape names or NAME:SIZES:DIM")
    parser.add_argument("--threads", type=common.parse_threads, default=[1],
                        help="comma-separated thread counts (default: 1)")
    parser.add_argument("--dtype", choices=common.DTYPES, default="f32",
                        help="element type (default: f32)")
    parser.add_argument("--pairs", type=int, default=DEFAULT_PAIRS,
                        help=f"rounds (default: {DEFAULT_PAIRS})")
    parser.add_argument(
        "--burst-ms", type=float, default=DEFAULT_BURST_MS,
        help="about how long each timed burst of calls lasts (default: "
             f"{DEFAULT_BURST_MS:g})")
    args = parser.parse_args(argv)
    names = [s.name for s, _ in args.strategies]
    if len(names) < 2 or len(set(names)) != len(names):
        parser.error("give at least two strategies with different names")
    if args.pairs < 1 or args.burst_ms <= 0:
        parser.error("--pairs and --burst-ms must be positive")
    return args


def compile_all(args: argparse.Namespace, workdir: Path) -> dict:
    """One library per strategy, each with its own tools."""
    libs = {}
    saved = os.environ.get("WN_TOOLS_DIR")
    try:
        for strategy, tools in args.strategies:
            if tools is not None:
                os.environ["WN_TOOLS_DIR"] = str(tools)
            elif saved is None:
                os.environ.pop("WN_TOOLS_DIR", None)
            else:
                os.environ["WN_TOOLS_DIR"] = saved
            libs.update(common.compile_strategies(
                [strategy], args.shapes, args.dtype, workdir))
    finally:
        if saved is None:
            os.environ.pop("WN_TOOLS_DIR", None)
        else:
            os.environ["WN_TOOLS_DIR"] = saved
    return libs


def burst(call, count: int) -> float:
    """ns per call of `count` calls after one untimed call."""
    call()
    start = time.perf_counter_ns()
    for _ in range(count):
        call()
    return (time.perf_counter_ns() - start) / count


def compare(shape: common.Shape, libs: dict, args: argparse.Namespace,
            openmp) -> list[str]:
    dtype = common.DTYPES[args.dtype]
    v, g = common.make_inputs(shape, dtype)
    ref = common.reference(v, g, shape, args.dtype)
    lines = []
    for threads in args.threads:
        common.set_threads(openmp, threads)
        # One w for every call: buffers placed differently (4 KiB
        # aliasing of v and w, huge pages) made identical strategies
        # differ by up to 20%.
        w = torch.zeros_like(v)
        calls = {}
        for name, lib in libs.items():
            calls[name] = common.wn_call(lib, shape, v, g, w)
            calls[name]()
            error = common.check_error(w, ref, args.dtype)
            if error > common.TOLERANCE_ULPS:
                sys.exit(f"ab: strategy {name} is wrong on {shape.name}: "
                         f"{error:.3g} ulps of max|w|")
        reference = next(iter(libs))
        estimate = burst(calls[reference], 3)
        count = max(3, round(args.burst_ms * 1e6 / max(estimate, 1.0)))
        times = {name: [] for name in calls}
        order = list(calls)
        shuffle = random.Random(0)
        for _ in range(args.pairs):
            shuffle.shuffle(order)
            for name in order:
                times[name].append(burst(calls[name], count))
        # The copy after all rounds: PyTorch's copy runs on its own OpenMP
        # threads (libgomp), which spin after it and slowed whichever wn
        # call came next on 2 threads by up to 40%.
        times["copy"] = [burst(lambda: w.copy_(v), count)
                         for _ in range(args.pairs)]
        lines.append(f"{shape.name} ({shape.describe()}), {threads} "
                     f"thread(s), {args.pairs} rounds of {count} calls:")
        for name, samples in times.items():
            if name == "copy":
                ratio = statistics.median(samples) / statistics.median(
                    times[reference])
                how = "of medians, timed after the rounds"
            else:
                ratio = statistics.median(
                    a / b for a, b in zip(samples, times[reference]))
                how = "median of the rounds' ratios"
            lines.append(
                f"  {name:>16}: median "
                f"{common.format_ms(statistics.median(samples))} ms, min "
                f"{common.format_ms(min(samples))} ms, {ratio:.3f}x "
                f"{reference}'s time ({how})")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    openmp = common.load_openmp()
    with tempfile.TemporaryDirectory(prefix="wn-ab-") as workdir:
        libs = compile_all(args, Path(workdir))
        for shape in args.shapes:
            print("\n".join(compare(shape, libs, args, openmp)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
