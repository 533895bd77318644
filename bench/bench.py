# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Times wn.weight_norm against PyTorch and a plain memory copy.

Everything runs in this one process. For each strategy (a name and a
--wn-cpu-pipeline option string) one module with one function per shape is
compiled ahead of time (wn.aot) and called through its C interface
on torch-owned buffers; w is written in place, so wn allocates nothing.
Each strategy is checked against a float64 reference, at each thread count,
before it is timed.

Columns, per shape and thread count:
- copy: `w.copy_(v)` into a preallocated tensor, the bytes an ideal weight
  norm moves (read v once, write w once);
- read: `v.sum()`, PyTorch's sum: v read once. A norm along a dim other
  than 0 (or of the whole tensor) needs every slice's sum before its first
  w, so wn reads v twice there (a reduction pass, then a copy-like pass
  writing w) and, once v outgrows the caches, (read + copy) / copy is the
  bound of such a shape (the `two-pass bound` column);
- torch: `torch._weight_norm(v, g, dim)` as users call it, a fresh w per
  call under glibc's default malloc settings;
- torch-warm: the same call after mallopt() keeps freed memory in the
  process, so no page faults are timed (see warm_glibc_allocator);
- one column per wn strategy.

The reference, the error metric and the dtype table are the differential
suite's (wn.testing.differential), the timing loop wn.export.timing's.

Run through bench/run.sh, which installs what is missing, builds wn and
puts the wn package on PYTHONPATH (scripts/wn-env.sh); --help lists the
options. layers.py and gpu.py import this file for its shapes and helpers.
"""

import argparse
import ctypes
import datetime
import json
import math
import os
import platform
import re
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from wn import aot, memref
from wn.export.timing import (FULL_BUDGET, QUICK_BUDGET, WARMUP_CALLS, Budget,
                              Timing, measure)
from wn.testing.differential import (DTYPES, Case, exact_reference,
                                     torch_result, ulp)
from wn.testing.weight_norm import normalize_dim, weight_norm_func

REPO = Path(__file__).resolve().parents[1]

# LLVM's OpenMP runtime, which wn's multi-threaded code calls.
LIBOMP = "libomp.so.5"

DEFAULT_STRATEGIES = ("materialize=strategy=materialize", "fused=",
                      "fused-nothreads=parallel=0")

# Column names of the baselines; strategies may not use them.
BASELINES = ("copy", "read", "torch", "torch-warm")

# Norms along dim 0 of at least this many rows are one pass over v
# (kMinRowsForRowKernel in lib/Conversion/WNToLoops/WNToLoops.cpp).
MIN_ROWS_READ_ONCE = 4

# The strategy the ratio columns describe when the user gave one this name.
PREFERRED_STRATEGY = "fused"

# How many times each cell is timed (--rounds), its columns taking turns.
DEFAULT_ROUNDS = 3

# Largest accepted error of wn's w, in ulps of max|w| (see check_error).
TOLERANCE_ULPS = 1.0

# glibc's mallopt() parameters (<malloc.h>).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

# Above this many CPUs taken by other processes while timing, warn.
MAX_OTHER_LOAD = 0.1

# A failing compilation step's message is cut after this many lines (a
# verifier failure prints whole functions).
MAX_ERROR_LINES = 12


@dataclass(frozen=True)
class Shape:
    """One weight: v's sizes and the dim of the norm (None: whole tensor)."""
    name: str
    sizes: tuple[int, ...]
    dim: int | None
    origin: str

    @property
    def numel(self) -> int:
        return math.prod(self.sizes)

    @property
    def reads_twice(self) -> bool:
        """Whether wn's kernel for this shape reads v twice: every norm
        but one along dim 0 (rows of v, each read once: the rows kernel of
        WNToLoops, for at least MIN_ROWS_READ_ONCE rows)."""
        d = normalize_dim(self.dim, len(self.sizes))
        return d is None or d > 0 or self.sizes[0] < MIN_ROWS_READ_ONCE

    @property
    def func_name(self) -> str:
        return self.name.replace("-", "_")

    @property
    def torch_dim(self) -> int:
        """The dim as torch._weight_norm spells it (-1: whole tensor)."""
        d = normalize_dim(self.dim, len(self.sizes))
        return -1 if d is None else d

    def describe(self) -> str:
        dim = "whole tensor" if self.dim is None else f"dim {self.dim}"
        return f"{'x'.join(map(str, self.sizes))}, {dim}"

    def case(self, elem: str) -> Case:
        """The shape as a case of the differential suite (v and g in
        PyTorch's keepdim layout, g 0-d for the whole tensor)."""
        return Case(index=0, shape=list(self.sizes), dim=self.dim,
                    layout="scalar" if self.dim is None else "keepdim",
                    elem=elem)


# Weights of real models (/work/shared/reference/weight-norm.md).
SHAPES = (
    Shape("linear-dim0", (4096, 4096), 0, "Linear 4096x4096"),
    Shape("linear-dim1", (4096, 4096), 1, "Linear 4096x4096"),
    Shape("linear-whole", (4096, 4096), None, "Linear 4096x4096"),
    Shape("wav2vec2-posconv", (768, 48, 128), 2,
          "wav2vec2-base positional conv"),
    Shape("dac-conv", (1536, 1024, 7), 0, "DAC decoder first conv"),
    Shape("hifigan-up", (512, 256, 16), 0, "HiFi-GAN V1 ConvTranspose"),
    Shape("slice7", (262144, 7), 0, "7-element slices"),
)


@dataclass(frozen=True)
class Strategy:
    """A named --wn-cpu-pipeline option string."""
    name: str
    options: str

    @property
    def pipeline_options(self) -> str:
        return " ".join(filter(None, (self.options, "emit-c-interface=1")))


@dataclass
class Row:
    """The measurements of one shape at one thread count."""
    shape: Shape
    threads: int
    timings: dict[str, Timing] = field(default_factory=dict)
    # Each strategy's error in ulps of max|w| (checked before timing).
    errors: dict[str, float] = field(default_factory=dict)

    def failures(self) -> int:
        return sum(e > TOLERANCE_ULPS for e in self.errors.values())


# ----------------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------------


def parse_strategy(text: str) -> Strategy:
    name, sep, options = text.partition("=")
    if not sep or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise argparse.ArgumentTypeError(
            f"expected NAME=OPTIONS with NAME made of letters, digits, "
            f"'_', '.' and '-', got {text!r}")
    if name in BASELINES:
        raise argparse.ArgumentTypeError(
            f"strategy name {name!r} is taken by a baseline column")
    return Strategy(name, options.strip())


def parse_threads(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(
            f"expected thread counts like 1,2, got {text!r}")
    return counts


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time wn.weight_norm strategies against PyTorch and a "
                    "memory copy.")
    parser.add_argument(
        "--strategy", action="append", type=parse_strategy, dest="strategies",
        metavar="NAME=OPTIONS",
        help="a wn strategy: NAME and the --wn-cpu-pipeline options it "
             "adds to emit-c-interface=1 (space-separated, may be empty); "
             "repeatable; default: " + ", ".join(DEFAULT_STRATEGIES))
    parser.add_argument(
        "--shapes", type=lambda s: s.split(","),
        help="comma-separated shape names (default: all): "
             + ", ".join(s.name for s in SHAPES))
    parser.add_argument("--dtype", choices=DTYPES, default="f32",
                        help="element type (default: f32)")
    parser.add_argument("--threads", type=parse_threads, default=[1, 2],
                        help="comma-separated thread counts (default: 1,2)")
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS,
        help="times every column this many times, the columns of a row "
             "taking turns, and keeps each column's fastest round (a slow "
             f"spell of a noisy machine then decides nothing; default: "
             f"{DEFAULT_ROUNDS})")
    parser.add_argument(
        "--quick", action="store_true",
        help="smoke test: the two smallest selected shapes, few repetitions")
    parser.add_argument(
        "--out", type=Path, default=REPO / "bench" / "results",
        help="where latest.{md,json,png} go (default: bench/results)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    if args.strategies is None:
        args.strategies = [parse_strategy(s) for s in DEFAULT_STRATEGIES]
    names = [s.name for s in args.strategies]
    if len(set(names)) != len(names):
        parser.error(f"strategy names must differ: {', '.join(names)}")
    known = {s.name: s for s in SHAPES}
    if args.shapes is None:
        args.shapes = list(SHAPES)
    else:
        unknown = [n for n in args.shapes if n not in known]
        if unknown:
            parser.error(f"unknown shape(s) {', '.join(unknown)}; known: "
                         + ", ".join(known))
        args.shapes = [known[n] for n in args.shapes]
    if args.quick:
        args.shapes = sorted(args.shapes, key=lambda s: s.numel)[:2]
    return args


# ----------------------------------------------------------------------------
# Runtimes: OpenMP threads and glibc's allocator
# ----------------------------------------------------------------------------


def load_openmp() -> ctypes.CDLL:
    """Loads LLVM's libomp (from the LLVM library directory wn links
    against) globally, before any wn library needs it.

    torch is imported first, so PyTorch's own symbols stay bound to its
    libgomp; the two runtimes have separate thread pools.
    """
    try:
        return ctypes.CDLL(str(aot.llvm_library_dir() / LIBOMP),
                           mode=ctypes.RTLD_GLOBAL)
    except OSError as error:
        sys.exit(f"bench: cannot load the OpenMP runtime ({error}); install "
                 "libomp-22-dev (scripts/install-deps.sh)")


def set_threads(openmp: ctypes.CDLL, count: int) -> None:
    """Sets the thread count of PyTorch and of wn's OpenMP code."""
    torch.set_num_threads(count)
    openmp.omp_set_num_threads(count)


def warm_glibc_allocator() -> None:
    """Makes glibc keep freed memory in the process for good.

    By default glibc serves big allocations with mmap and unmaps them on
    free (its threshold adapts upwards to at most 32 MiB), so a fresh w of
    that size is page-faulted in on every call. Raising the mmap threshold
    to 1 GiB and the trim threshold to its maximum keeps the pages mapped,
    as a caching allocator would. Measured on the 2-core AMD EPYC machine:
    torch._weight_norm on f32 [4096, 4096] at dim 0, 1 thread, goes from
    33 ms to 4.8 ms per call (a copy of the same bytes: 4.3 ms).
    This cannot be undone, so it is called after every other measurement.
    """
    libc = ctypes.CDLL(None)
    for param, value in ((M_MMAP_THRESHOLD, 1 << 30),
                         (M_TRIM_THRESHOLD, 2**31 - 1)):
        if libc.mallopt(param, value) != 1:
            raise RuntimeError(f"mallopt({param}, {value}) failed")


# ----------------------------------------------------------------------------
# Compiling wn
# ----------------------------------------------------------------------------


def forward_functions(shape: Shape, elem: str) -> str:
    """The shape's wn.weight_norm function (named shape.func_name)."""
    return weight_norm_func(shape.func_name, list(shape.sizes), shape.dim,
                            "scalar" if shape.dim is None else "keepdim",
                            elem, dynamic=False, style="memref")


def compile_strategies(strategies: list[Strategy], shapes: list[Shape],
                       elem: str, workdir: Path,
                       functions=forward_functions) -> dict[str, ctypes.CDLL]:
    """One library per strategy with the functions of every shape
    (`functions(shape, elem)`, MLIR text); exits with each failing
    strategy's tool and message if any fails."""
    text = "".join(functions(s, elem) for s in shapes)
    libs, failures = {}, []
    for strategy in strategies:
        progress(f"compiling strategy {strategy.name}: --wn-cpu-pipeline="
                 f"{strategy.pipeline_options}")
        try:
            libs[strategy.name] = aot.compile_module(
                text, workdir / strategy.name, strategy.pipeline_options,
                name="bench")
        except aot.ToolError as error:
            tool = Path(error.cmd[0]).name
            lines = error.stderr.strip().splitlines()
            if len(lines) > MAX_ERROR_LINES:
                lines[MAX_ERROR_LINES:] = [
                    f"... {len(lines) - MAX_ERROR_LINES} more lines; the "
                    "command was:", " ".join(error.cmd)]
            failures.append(f"strategy {strategy.name!r} (options "
                            f"{strategy.options!r}): {tool} failed with exit "
                            f"code {error.returncode}:\n"
                            + textwrap.indent("\n".join(lines), "    "))
        except OSError as error:
            failures.append(f"strategy {strategy.name!r}: {error} (is wn "
                            "built? scripts/build.sh)")
    if failures:
        sys.exit("bench: " + "\nbench: ".join(failures))
    return libs


def wn_call(lib: ctypes.CDLL, shape: Shape, v: torch.Tensor, g: torch.Tensor,
            w: torch.Tensor) -> Callable[[], None]:
    """A call of the shape's C-interface wrapper writing w in place; the
    descriptors are built once here, outside any timed loop."""
    fn = getattr(lib, f"_mlir_ciface_{shape.func_name}")
    fn.restype = None
    args = [ctypes.byref(memref.descriptor(t)) for t in (v, g, w)]
    return lambda: fn(*args)


# ----------------------------------------------------------------------------
# Checking
# ----------------------------------------------------------------------------


def reference(v: torch.Tensor, g: torch.Tensor, shape: Shape,
              elem: str) -> torch.Tensor:
    """The differential suite's references, rounded to v's type: PyTorch's
    w computed in float64 (torch_result), and for f64 inputs the exact one
    (exact_reference: decimal arithmetic per slice, 10 to 60 s for each of
    the large shapes on the 2-core VM)."""
    case = shape.case(elem)
    if v.dtype != torch.float64:
        return torch_result(case, v.double(), g.double())[0].to(v.dtype)
    return torch.from_numpy(
        exact_reference(case, v, g).w.astype("float64"))


def check_error(w: torch.Tensor, ref: torch.Tensor, elem: str) -> float:
    """wn's largest error in ulps of max|ref| (the differential suite's
    ulp; inf for NaN or inf)."""
    error = (w.double() - ref.double()).abs().max().item()
    scale = float(ulp(ref.double().abs().max().item(), elem))
    return error / scale if math.isfinite(error) else math.inf


# ----------------------------------------------------------------------------
# Timing
# ----------------------------------------------------------------------------


def make_inputs(shape: Shape, dtype: torch.dtype) -> tuple[torch.Tensor,
                                                           torch.Tensor]:
    """Random v and g (PyTorch's keepdim layout; 0-d for the whole
    tensor)."""
    generator = torch.Generator().manual_seed(0)
    wide = torch.float64 if dtype == torch.float64 else torch.float32
    v = torch.randn(shape.sizes, generator=generator, dtype=wide).to(dtype)
    d = normalize_dim(shape.dim, len(shape.sizes))
    g_sizes = [] if d is None else [
        n if i == d else 1 for i, n in enumerate(shape.sizes)]
    g = torch.randn(g_sizes, generator=generator, dtype=wide).to(dtype)
    return v, g


def time_rounds(calls: dict[str, Callable[[], None]], row: Row,
                budget: Budget, rounds: int) -> None:
    """Times every call of `calls` `rounds` times, taking turns, into
    row.timings: the round with the smallest median of each."""
    for _ in range(rounds):
        for name, call in calls.items():
            timing = measure(call, budget)
            best = row.timings.get(name)
            if best is None or timing.median_ns < best.median_ns:
                row.timings[name] = timing


def time_shape(shape: Shape, v: torch.Tensor, g: torch.Tensor,
               libs: dict[str, ctypes.CDLL], threads: list[int],
               openmp: ctypes.CDLL, budget: Budget, elem: str,
               rounds: int) -> list[Row]:
    """Checks every strategy, then times copy, torch and every strategy that
    passed, at each thread count."""
    ref = reference(v, g, shape, elem)
    w = torch.zeros_like(v)  # touched once: wn's page faults are not timed
    calls = {name: wn_call(lib, shape, v, g, w) for name, lib in libs.items()}
    dim = shape.torch_dim
    rows = []
    for count in threads:
        progress(f"timing {shape.name} ({shape.describe()}), "
                 f"{count} thread(s)")
        set_threads(openmp, count)
        row = Row(shape, count)
        timed = {"copy": lambda: w.copy_(v), "read": lambda: v.sum(),
                 "torch": lambda: torch._weight_norm(v, g, dim)}
        for name, call in calls.items():
            w.fill_(math.nan)
            call()
            row.errors[name] = check_error(w, ref, elem)
            if row.errors[name] <= TOLERANCE_ULPS:
                timed[name] = call
            else:
                progress(f"  FAILED: strategy {name}: error "
                         f"{row.errors[name]:.3g} ulps of max|w| "
                         f"(tolerance {TOLERANCE_ULPS:g}); not timed")
        time_rounds(timed, row, budget, rounds)
        rows.append(row)
    return rows


def time_torch_warm(rows: list[Row],
                    inputs: dict[Shape, tuple[torch.Tensor, torch.Tensor]],
                    openmp: ctypes.CDLL, budget: Budget, rounds: int) -> None:
    """Adds the torch-warm column to every row (after warm_glibc_allocator),
    on the very inputs the torch column used."""
    for row in rows:
        v, g = inputs[row.shape]
        dim = row.shape.torch_dim
        progress(f"timing {row.shape.name}, torch with a warm allocator, "
                 f"{row.threads} thread(s)")
        set_threads(openmp, row.threads)
        time_rounds({"torch-warm": lambda: torch._weight_norm(v, g, dim)},
                    row, budget, rounds)


class LoadMonitor:
    """How much CPU time the rest of the machine (other processes, and the
    hypervisor's steal time) took while this process measured: timings
    with 2 threads on 2 cores are only meaningful when that is near 0."""

    def __init__(self) -> None:
        self.start = self._sample()

    @staticmethod
    def _sample() -> tuple[float, float, float]:
        """(machine busy seconds, this process's CPU seconds, wall time)."""
        with open("/proc/stat") as stat:
            # cpu user nice system idle iowait irq softirq steal ...
            ticks = [int(t) for t in stat.readline().split()[1:9]]
        busy = sum(ticks) - ticks[3] - ticks[4]
        own = os.times()
        return (busy / os.sysconf("SC_CLK_TCK"), own.user + own.system,
                time.monotonic())

    def other_load(self) -> float:
        """Others' CPU time since construction, in CPUs (0 = idle, 1 = one
        core fully taken)."""
        busy, own, wall = (b - a for a, b in zip(self.start, self._sample()))
        return max(busy - own, 0.0) / wall


# ----------------------------------------------------------------------------
# Reporting
# ----------------------------------------------------------------------------


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def last_level_cache() -> str:
    """CPU 0's last-level cache size as sysfs spells it (e.g. 32768K)."""
    caches = sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"))
    try:
        return (caches[-1] / "size").read_text().strip()
    except (IndexError, OSError):
        return "unknown"


def column_bytes(shape: Shape, dtype: torch.dtype, column: str) -> int:
    """The bytes a column's GB/s counts: moved_bytes, or v's alone for
    read."""
    nbytes = moved_bytes(shape, dtype)
    return nbytes // 2 if column == "read" else nbytes


def moved_bytes(shape: Shape, dtype: torch.dtype) -> int:
    """Read v once, write w once."""
    return 2 * shape.numel * torch.empty((), dtype=dtype).element_size()


def format_ms(ns: float) -> str:
    """Milliseconds to 3 significant digits."""
    ms = ns / 1e6
    decimals = max(0, 2 - math.floor(math.log10(ms))) if ms > 0 else 0
    return f"{ms:.{decimals}f}"


def ratio_strategy(strategies: list[Strategy]) -> str:
    names = [s.name for s in strategies]
    return PREFERRED_STRATEGY if PREFERRED_STRATEGY in names else names[0]


def table(rows: list[Row], columns: list[str], best: str,
          dtype: torch.dtype) -> list[list[str]]:
    """Header and body cells: median ms (GB/s) per column, then the ratios
    of `best`."""
    header = ["shape", "threads"] + [f"{c} ms (GB/s)" for c in columns] + [
        f"{best} / copy", "two-pass bound", f"{best} vs torch-warm",
        f"{best} vs torch"]
    body = []
    for row in rows:
        cells = [f"{row.shape.name} ({row.shape.describe()})",
                 str(row.threads)]
        for column in columns:
            timing = row.timings.get(column)
            if timing is None:
                cells.append(f"FAIL ({row.errors[column]:.3g} ulps)")
            else:
                nbytes = column_bytes(row.shape, dtype, column)
                cells.append(f"{format_ms(timing.median_ns)} "
                             f"({nbytes / timing.median_ns:.1f})")
        timing = row.timings.get(best)
        for baseline, fmt in (("copy", "{:.2f}"), ("torch-warm", "{:.2f}x"),
                              ("torch", "{:.2f}x")):
            if timing is None:
                cells += ["n/a"] * (2 if baseline == "copy" else 1)
            elif baseline == "copy":
                copy = row.timings["copy"].median_ns
                cells.append(fmt.format(timing.median_ns / copy))
                read = row.timings["read"].median_ns
                cells.append(f"{(read + copy) / copy:.2f}"
                             if row.shape.reads_twice else "-")
            else:
                cells.append(fmt.format(
                    row.timings[baseline].median_ns / timing.median_ns))
        body.append(cells)
    return [header] + body


def markdown(cells: list[list[str]]) -> str:
    """A Markdown table with padded columns, readable as plain text too."""
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    numeric = [i > 0 for i in range(len(widths))]

    def line(row: list[str]) -> str:
        padded = [c.rjust(w) if right else c.ljust(w)
                  for c, w, right in zip(row, widths, numeric)]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if right else "-" * (w + 2)
                          for w, right in zip(widths, numeric)) + "|"
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def write_chart(path: Path, rows: list[Row], columns: list[str],
                threads: list[int], dtype: torch.dtype, title: str) -> bool:
    """Grouped bars of GB/s per shape, one panel per thread count (a strategy
    that failed its check: "FAIL" instead of a bar); False if matplotlib is
    missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ImportError:
        progress("bench: matplotlib is missing (scripts/install-deps.sh "
                 "bench); no chart")
        return False
    shapes = list(dict.fromkeys(row.shape for row in rows))
    fig, axes = plt.subplots(len(threads), 1, squeeze=False, sharey=True,
                             figsize=(max(8.0, 1.5 * len(shapes)),
                                      3.8 * len(threads)))
    width = 0.8 / len(columns)
    for ax, count in zip(axes[:, 0], threads):
        by_shape = {r.shape: r for r in rows if r.threads == count}
        for j, column in enumerate(columns):
            for i, shape in enumerate(shapes):
                x = i + (j - (len(columns) - 1) / 2) * width
                timing = by_shape[shape].timings.get(column)
                if timing is None:
                    ax.text(x, 0, "FAIL", rotation=90, ha="center",
                            va="bottom", fontsize=7, color=f"C{j}")
                else:
                    ax.bar(x, column_bytes(shape, dtype, column)
                           / timing.median_ns,
                           width, color=f"C{j}")
        ax.set_xlim(-0.5, len(shapes) - 0.5)
        ax.set_xticks(range(len(shapes)),
                      [f"{s.name}\n{s.describe()}" for s in shapes],
                      fontsize=7)
        ax.set_ylabel("GB/s (2 x numel x itemsize / time)")
        ax.set_title(f"{count} thread{'s' if count > 1 else ''}",
                     fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.legend([Patch(color=f"C{j}") for j in range(len(columns))], columns,
               loc="upper center", bbox_to_anchor=(0.5, 0.96),
               ncol=len(columns), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def report(args: argparse.Namespace, rows: list[Row], dtype: torch.dtype,
           other_load: float) -> None:
    """Prints the table; writes latest.md, latest.json and latest.png."""
    strategies: list[Strategy] = args.strategies
    columns = list(BASELINES) + [s.name for s in strategies]
    best = ratio_strategy(strategies)
    machine = {"cpu": cpu_model(), "cores": os.cpu_count(),
               "last_level_cache": last_level_cache(),
               "system": platform.platform(),
               "other_load_cpus": round(other_load, 3)}
    date = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    budget = QUICK_BUDGET if args.quick else FULL_BUDGET
    notes = [
        f"{machine['cpu']}, {machine['cores']} cores, last-level cache "
        f"{machine['last_level_cache']}, {machine['system']}; other "
        f"processes took {other_load:.2f} CPUs on average while timing",
        f"{date}; {args.dtype}; PyTorch {torch.__version__}",
        "strategies (--wn-cpu-pipeline=...): " + "; ".join(
            f"{s.name} = `{s.pipeline_options}`" for s in strategies),
        "each cell: median ms of N calls after at least "
        f"{WARMUP_CALLS} warm-up calls (N in {budget.min_reps}.."
        f"{budget.max_reps}, about {budget.seconds:g} s), the fastest of "
        f"{args.rounds} round(s) in which a row's columns took turns, and "
        "GB/s = 2 x numel x itemsize / median",
        "copy = w.copy_(v); read = v.sum() (GB/s of v alone); torch = "
        "torch._weight_norm(v, g, dim), a new w each call, glibc malloc "
        "defaults; torch-warm = the same with "
        "mallopt(M_MMAP_THRESHOLD, 1 GiB), mallopt(M_TRIM_THRESHOLD, max)",
        f"{best} / copy = time ratio (1 = memory speed); two-pass bound = "
        "(read + copy) / copy, where wn reads v twice (a norm along a dim "
        "other than 0 or of the whole tensor; '-' elsewhere): the ratio "
        "those shapes reach once v outgrows the caches; "
        f"{best} vs X = X's time / {best}'s time",
        f"wn is checked before timing: within {TOLERANCE_ULPS:g} ulp of "
        "max|w| of a float64 reference; FAIL cells were not timed",
    ]
    text = markdown(table(rows, columns, best, dtype))
    print()
    print(text)

    args.out.mkdir(parents=True, exist_ok=True)
    md = args.out / "latest.md"
    md.write_text("# wn weight-norm benchmark\n\n"
                  + "".join(f"- {n}\n" for n in notes) + "\n" + text + "\n")
    raw = {
        "date": date, "machine": machine, "dtype": args.dtype,
        "torch": torch.__version__, "quick": args.quick,
        "strategies": {s.name: s.pipeline_options for s in strategies},
        "tolerance_ulps": TOLERANCE_ULPS,
        "results": [{
            "shape": r.shape.name, "sizes": list(r.shape.sizes),
            "dim": r.shape.dim, "origin": r.shape.origin,
            "threads": r.threads, "bytes": moved_bytes(r.shape, dtype),
            "timings": {k: vars(t) for k, t in r.timings.items()},
            # inf (a NaN in w) is not JSON: null.
            "errors_ulps": {k: e if math.isfinite(e) else None
                            for k, e in r.errors.items()},
        } for r in rows],
    }
    js = args.out / "latest.json"
    js.write_text(json.dumps(raw, indent=1) + "\n")
    png = args.out / "latest.png"
    title = (f"wn.weight_norm vs PyTorch {torch.__version__}, {args.dtype}, "
             f"{machine['cpu']} ({machine['cores']} cores)")
    if other_load > MAX_OTHER_LOAD:
        title += f"\nDISTURBED: other processes took {other_load:.2f} CPUs"
    written = [md, js]
    if write_chart(png, rows, columns, args.threads, dtype, title):
        written.append(png)
    print("\nwrote " + ", ".join(str(p.relative_to(REPO)) if
                                 p.is_relative_to(REPO) else str(p)
                                 for p in written))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    dtype = DTYPES[args.dtype]
    budget = QUICK_BUDGET if args.quick else FULL_BUDGET
    openmp = load_openmp()
    libs = compile_strategies(args.strategies, args.shapes, args.dtype,
                              REPO / "build" / "bench" / args.dtype)
    monitor = LoadMonitor()
    inputs = {shape: make_inputs(shape, dtype) for shape in args.shapes}
    rows = []
    for shape, (v, g) in inputs.items():
        rows += time_shape(shape, v, g, libs, args.threads, openmp, budget,
                           args.dtype, args.rounds)
    warm_glibc_allocator()
    time_torch_warm(rows, inputs, openmp, budget, args.rounds)
    other_load = monitor.other_load()
    if other_load > MAX_OTHER_LOAD:
        progress(f"bench: WARNING: other processes took {other_load:.2f} "
                 "CPUs on average while timing; the numbers are disturbed")
    report(args, rows, dtype, other_load)
    failed = sum(r.failures() for r in rows)
    if failed:
        print(f"\n{failed} check(s) FAILED", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
