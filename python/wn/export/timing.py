# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Times a compiled model in a process of its own.

wn's code runs on LLVM's OpenMP runtime (libomp), Debian's PyTorch on GCC's
(libgomp). Each runtime keeps its idle threads spinning for a while after a
parallel region, so in one process each slows the other down whenever they
alternate (measured on a 2-core machine: a convolution that takes 1.8 ms on
2 threads alone took 4 to 8 ms right after PyTorch ran on 2 threads). The
compiled model is therefore timed in a child process that runs no PyTorch
operation (a ChildTimer, kept open), while PyTorch is timed in the caller's
process; compare_timings alternates the two over rounds and keeps each
side's fastest round, so that a slow spell of a noisy machine does not
decide the comparison:

    table = compare_timings([("wn", compiled)], [x], module, threads=[1, 2])
    table["wn", 2], table["PyTorch eager", 2]      # ms

`python3 -m wn.export.timing SPEC` is the child's side.

`measure(call, budget)` is the loop for short calls timed in one process
(the kernel benchmarks, bench/bench.py and bench/layers.py): a pause for
the other OpenMP runtime's threads to settle, warm-up, then a repetition
count sized to the budget, with Python's garbage collector off.
"""

import gc
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

# measure(): warm-up of at least this many calls, and at least this share of
# the budget (after the pause below, the first calls of a small shape run
# several times slower than the steady state).
WARMUP_CALLS = 3
WARMUP_SHARE = 0.25
# Pause before each measurement so that the idle worker threads of the
# previous callable's OpenMP runtime (PyTorch uses libgomp, wn LLVM's
# libomp, which spins for 200 ms by default) stop competing for the cores.
SETTLE_S = 0.25


@dataclass(frozen=True)
class Budget:
    """How long measure() times each callable."""
    seconds: float
    min_reps: int
    max_reps: int


FULL_BUDGET = Budget(seconds=0.3, min_reps=5, max_reps=200)
QUICK_BUDGET = Budget(seconds=0.05, min_reps=3, max_reps=20)


@dataclass
class Timing:
    """One callable's times, in nanoseconds per call."""
    median_ns: float
    min_ns: int
    reps: int


def measure(call, budget: Budget) -> Timing:
    """Median and min of repeated calls of `call()` after warm-up; the
    repetition count makes the timed calls take about budget.seconds."""
    time.sleep(SETTLE_S)
    gc.collect()
    gc.disable()
    try:
        warmup = []
        while (len(warmup) < WARMUP_CALLS
               or sum(warmup) < WARMUP_SHARE * budget.seconds * 1e9):
            start = time.perf_counter_ns()
            call()
            warmup.append(time.perf_counter_ns() - start)
        estimate = min(warmup[-WARMUP_CALLS:])
        reps = round(budget.seconds * 1e9 / max(estimate, 1))
        reps = min(max(reps, budget.min_reps), budget.max_reps)
        samples = []
        for _ in range(reps):
            start = time.perf_counter_ns()
            call()
            samples.append(time.perf_counter_ns() - start)
    finally:
        gc.enable()
    return Timing(statistics.median(samples), min(samples), reps)


def median_ms(fn, min_seconds: float = 1.0, max_repeats: int = 50) -> float:
    """The median time of `fn()` in ms, after one warm-up call, over at
    least 3 calls and `min_seconds` (at most `max_repeats` calls)."""
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_repeats and (
            len(times) < 3 or time.perf_counter() - start < min_seconds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


class ChildTimer:
    """A child process that loads `compiled` (a CompiledModule, saved for
    it) and times it on `inputs` on request, so that the caller can
    alternate its own measurements with the child's:

        with ChildTimer(compiled, [x]) as child:
            ms = child.time(threads=2)
    """

    def __init__(self, compiled, inputs, min_seconds: float = 1.0,
                 max_repeats: int = 50):
        self._tmp = tempfile.TemporaryDirectory(prefix="wn-timing-")
        spec = Path(self._tmp.name) / "spec.pt"
        module = compiled.save(Path(self._tmp.name) / "module")
        torch.save({"module": str(module), "inputs": list(inputs),
                    "min_seconds": min_seconds, "max_repeats": max_repeats},
                   spec)
        # Run from the folder that holds this wn package, so that the child
        # imports this same copy of it.
        root = Path(__file__).resolve().parents[2]
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "wn.export.timing", str(spec)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, cwd=root)

    def time(self, threads: int) -> float:
        """Median ms per call on `threads` threads."""
        self._proc.stdin.write(f"{threads}\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"timing the compiled model failed:\n"
                               f"{self._proc.stderr.read()}")
        return float(line)

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.stdin.close()
            self._proc.wait()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def compare_timings(compiled_models, inputs, module, threads, rounds=3,
                    min_seconds=1.0, max_repeats=50,
                    reference="PyTorch eager") -> dict:
    """Times every (name, CompiledModule) of `compiled_models` (each in a
    child process) and `module` in PyTorch eager (in this process) on
    `inputs`, for each thread count of `threads`, alternating over `rounds`
    rounds, each a median over repeated calls. Returns {(name, threads):
    the fastest round's median ms}, with `reference` as the name of
    PyTorch's times. On a noisy machine (on the 2-core development VM the
    second core is at times unavailable for seconds) a slow spell then
    costs each side a round, not the comparison."""
    samples = {}
    timers = [(name, ChildTimer(compiled, inputs, min_seconds, max_repeats))
              for name, compiled in compiled_models]
    torch_threads = torch.get_num_threads()
    try:
        for _ in range(rounds):
            for n in threads:
                for name, timer in timers:
                    samples.setdefault((name, n), []).append(timer.time(n))
                # The child's idle OpenMP threads spin for up to 200 ms
                # (KMP_BLOCKTIME) after its last call.
                time.sleep(0.3)
                torch.set_num_threads(n)
                with torch.no_grad():
                    samples.setdefault((reference, n), []).append(
                        median_ms(lambda: module(*inputs), min_seconds,
                                  max_repeats))
    finally:
        torch.set_num_threads(torch_threads)
        for _, timer in timers:
            timer.close()
    return {key: min(values) for key, values in samples.items()}


def _main(spec_path: str) -> None:
    """The child: one line per request on stdin (a thread count), one line
    per answer on stdout (the median ms)."""
    from wn.runtime import load
    spec = torch.load(spec_path)
    compiled = load(spec["module"])
    inputs = spec["inputs"]
    for line in sys.stdin:
        compiled.set_num_threads(int(line))
        ms = median_ms(lambda: compiled(*inputs), spec["min_seconds"],
                       spec["max_repeats"])
        print(ms, flush=True)


if __name__ == "__main__":
    _main(sys.argv[1])
