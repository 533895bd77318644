"""Times a compiled model in a process of its own.

wn's code runs on LLVM's OpenMP runtime (libomp), Debian's PyTorch on GCC's
(libgomp). Each runtime keeps its idle threads spinning for a while after a
parallel region, so in one process each slows the other down whenever they
alternate (measured on a 2-core machine: a convolution that takes 1.8 ms on
2 threads alone took 4 to 8 ms right after PyTorch ran on 2 threads). The
compiled model is therefore timed in a child process that runs no PyTorch
operation, while PyTorch is timed in the caller's process:

    ms = time_compiled(compiled, inputs, threads=[1, 2])   # {1: ..., 2: ...}

`python3 -m wn_export.timing SPEC` is the child's side.
"""

import ctypes
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch


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


def time_compiled(compiled, inputs, threads, min_seconds: float = 1.0,
                  max_repeats: int = 50) -> dict:
    """Median ms per call of `compiled` (a CompiledModel) on `inputs`, for
    each thread count in `threads`, measured in a child process."""
    with tempfile.TemporaryDirectory(prefix="wn-timing-") as tmp:
        spec = Path(tmp) / "spec.pt"
        torch.save({"exported": compiled.exported,
                    "library": compiled.library._name,
                    "inputs": list(inputs), "threads": list(threads),
                    "min_seconds": min_seconds,
                    "max_repeats": max_repeats}, spec)
        package = Path(__file__).resolve().parents[1]
        proc = subprocess.run(
            [sys.executable, "-m", "wn_export.timing", str(spec)],
            capture_output=True, text=True, cwd=package)
    if proc.returncode:
        raise RuntimeError(f"timing the compiled model failed:\n"
                           f"{proc.stderr}")
    return {int(n): ms for n, ms in json.loads(proc.stdout).items()}


def _main(spec_path: str) -> None:
    from .compiled import CompiledModel
    spec = torch.load(spec_path)
    compiled = CompiledModel(spec["exported"], ctypes.CDLL(spec["library"]))
    inputs = spec["inputs"]
    result = {}
    for n in spec["threads"]:
        compiled.set_num_threads(n)
        result[n] = median_ms(lambda: compiled(*inputs), spec["min_seconds"],
                              spec["max_repeats"])
    print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1])
