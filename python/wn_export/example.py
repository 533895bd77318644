"""One model example end to end: export with wn_export, compile with wn-opt
(--wn-optimize, then --wn-cpu-pipeline), run, compare with PyTorch, time
against PyTorch eager in the same process.

Two compilations of each model:
- "constants" (inference): weights embedded as dense_resource constants;
  --wn-optimize folds every weight norm at compile time.
- "args": weights passed on every call, as in training-style or cached
  use; the weight norm is recomputed per call, fused into the consuming
  convolution where --wn-fuse-into-consumers applies.
Accuracy: max |y - y64| / max |y64|, y64 being the float64 PyTorch output on
the same (float32) weights and input; PyTorch's own float32 output is shown
on the same scale.
"""

import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import torch

from wn_testing import aot

from .compiled import compile_exported
from .exporter import export_program

TOLERANCE = 1e-5


def _relative_error(y: torch.Tensor, reference: torch.Tensor) -> float:
    scale = reference.abs().max().item() or 1.0
    return (y.double() - reference).abs().max().item() / scale


def _median_ms(fn, min_seconds: float, max_repeats: int) -> float:
    fn()  # warm up
    times = []
    start = time.perf_counter()
    while len(times) < max_repeats and (
            len(times) < 3 or time.perf_counter() - start < min_seconds):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def run_example(title: str, model: torch.nn.Module, x: torch.Tensor,
                workdir=None, tolerance: float = TOLERANCE,
                time_it: bool = True, min_seconds: float = 1.0,
                max_repeats: int = 50) -> bool:
    """Prints the example's report; returns whether every compiled variant
    is within `tolerance`."""
    model.eval()
    workdir = Path(workdir or tempfile.mkdtemp(prefix="wn-example-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"== {title} ==")
    with torch.no_grad():
        reference = model.double()(x.double())
        model.float()
        eager = model(x)
    ok = True
    rows = []
    timings = []
    for weights in ("constants", "args"):
        t0 = time.perf_counter()
        exported = export_program(model, x, weights)
        t_export = time.perf_counter() - t0
        source = workdir / f"{weights}.mlir"
        source.write_text(exported.text)
        optimized = aot.run_tool([aot.tools_dir() / "wn-opt", source,
                                  "--wn-optimize"])
        t0 = time.perf_counter()
        compiled = compile_exported(exported, workdir / weights)
        t_compile = time.perf_counter() - t0
        y = compiled(x)
        error = _relative_error(y, reference)
        passed = error <= tolerance and y.shape == reference.shape
        ok &= passed
        norms = len(re.findall(r"wn\.weight_norm ", exported.text))
        if weights == "constants":
            left = len(re.findall(r"wn\.weight_norm", optimized))
            what = (f"{norms} weight norms, {norms - left} folded at compile "
                    f"time")
        else:
            fused = len(re.findall(r"wn\.weight_norm_scale", optimized))
            what = (f"{norms} weight norms, {fused} fused into their "
                    f"consumer")
        print(f"  {weights:9} export {t_export:5.2f} s, compile "
              f"{t_compile:5.2f} s ({what})")
        rows.append((f"wn, weights={weights}", error,
                     "OK" if passed else "FAIL"))
        if time_it:
            timings.append((f"wn, weights={weights}",
                            _median_ms(lambda: compiled(x), min_seconds,
                                       max_repeats)))
    rows.append(("PyTorch eager float32", _relative_error(eager, reference),
                 "(for scale)"))
    print(f"  input {list(x.shape)} -> output {list(reference.shape)}; "
          f"max |y - y64| / max |y64|, tolerance {tolerance:g}:")
    for name, error, verdict in rows:
        print(f"    {name:26} {error:9.2e}  {verdict}")
    if time_it:
        threads = torch.get_num_threads()
        cores = os.cpu_count() or 1
        with torch.no_grad():
            for n in sorted({1, cores}):
                torch.set_num_threads(n)
                timings.append((f"PyTorch eager, {n} thread"
                                f"{'s' if n > 1 else ''}",
                                _median_ms(lambda: model(x), min_seconds,
                                           max_repeats)))
            torch.set_num_threads(threads)
        omp = os.environ.get("OMP_NUM_THREADS", f"{cores}")
        print(f"  time per call, median (wn: contractions on 1 thread, "
              f"weight norm on {omp} OpenMP threads):")
        base = min(ms for name, ms in timings if name.startswith("PyTorch"))
        for name, ms in timings:
            print(f"    {name:26} {ms:9.3f} ms  {ms / base:6.2f}x the "
                  f"fastest PyTorch")
    print(f"  {'OK' if ok else 'FAILED'}")
    return ok
