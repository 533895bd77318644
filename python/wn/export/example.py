# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""One model example end to end: export with wn.export, compile with wn-opt
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
import tempfile
import time
from pathlib import Path

import torch

from wn import aot

from .compiled import compile_exported
from .exporter import export_program
from .timing import compare_timings

TOLERANCE = 1e-5


def _tensors(out) -> list:
    """The tensors of a model's output: a tensor, or those of a tuple (a
    wav2vec2 returns (features, None))."""
    if isinstance(out, torch.Tensor):
        return [out]
    return [t for t in out if t is not None]


def _relative_error(y, reference) -> float:
    """The largest max |y - y64| / max |y64| over the outputs; inf if the
    outputs' count or shapes differ."""
    ys, refs = _tensors(y), _tensors(reference)
    if len(ys) != len(refs) or any(a.shape != b.shape
                                   for a, b in zip(ys, refs)):
        return float("inf")
    errors = [(a.double() - b).abs().max().item() /
              (b.abs().max().item() or 1.0) for a, b in zip(ys, refs)]
    return max(errors, default=0.0)


def other_lengths(n: int) -> list[int]:
    """Lengths besides the example's `n` that an example checks its one
    compiled artifact at: shorter and longer, of other parities (neither is
    the length of export()'s second trace)."""
    return [max(1, n // 2 + 3), 2 * n + 5]


def run_example(title: str, model: torch.nn.Module, x: torch.Tensor,
                workdir=None, tolerance: float = TOLERANCE,
                time_it: bool = True, min_seconds: float = 1.0,
                max_repeats: int = 50, time_dim: int | None = -1) -> bool:
    """Prints the example's report; returns whether every compiled variant
    is within `tolerance`. With `time_dim` (default: the last dim), the
    export marks that input dim dynamic and the one compiled library is
    checked at the example's length and at other_lengths()."""
    model.eval()
    workdir = Path(workdir or tempfile.mkdtemp(prefix="wn-example-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"== {title} ==")
    inputs = [x]
    if time_dim is not None:
        for n in other_lengths(x.shape[time_dim]):
            shape = list(x.shape)
            shape[time_dim] = n
            inputs.append(torch.randn(shape, dtype=x.dtype))
    with torch.no_grad():
        references = [model.double()(xi.double()) for xi in inputs]
        model.float()
        eager = model(x)
    reference = references[0]
    ok = True
    rows = []
    compiled_models = []
    dynamic = None if time_dim is None else [time_dim]
    for weights in ("constants", "args"):
        t0 = time.perf_counter()
        exported = export_program(model, x, weights, dynamic_dims=dynamic)
        t_export = time.perf_counter() - t0
        source = workdir / f"{weights}.mlir"
        source.write_text(exported.text)
        optimized = aot.run_tool([aot.tools_dir() / "wn-opt", source,
                                  "--wn-optimize",
                                  "--mlir-elide-elementsattrs-if-larger=16",
                                  "--mlir-elide-resource-strings-if-larger=16"])
        t0 = time.perf_counter()
        compiled = compile_exported(exported, workdir / weights)
        t_compile = time.perf_counter() - t0
        errors = [_relative_error(compiled(xi), ref)
                  for xi, ref in zip(inputs, references)]
        error = max(errors)
        passed = error <= tolerance
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
        compiled_models.append((f"wn, weights={weights}", compiled))
    rows.append(("PyTorch eager float32", _relative_error(eager, reference),
                 "(for scale)"))
    print(f"  input {list(x.shape)} -> output "
          f"{', '.join(str(list(t.shape)) for t in _tensors(reference))}"
          + ("" if time_dim is None else
             f"; dim {time_dim} dynamic: one library checked at lengths "
             f"{', '.join(str(xi.shape[time_dim]) for xi in inputs)}") +
          f"; max |y - y64| / max |y64| (worst length), tolerance "
          f"{tolerance:g}:")
    for name, error, verdict in rows:
        print(f"    {name:26} {error:9.2e}  {verdict}")
    if time_it:
        _print_timings(model, x, compiled_models, min_seconds, max_repeats)
    print(f"  {'OK' if ok else 'FAILED'}")
    return ok


def thread_counts() -> list[int]:
    """1 and every core: the thread counts examples and benchmarks time."""
    return sorted({1, os.cpu_count() or 1})


def _print_timings(model, x, compiled_models, min_seconds, max_repeats,
                   rounds: int = 3):
    """Time per call of each compiled model (in a process of its own, see
    timing.py) and of PyTorch eager (in this one) on 1 and on all cores,
    and wn's speed-up over PyTorch on as many threads: the measurements
    alternate over `rounds` rounds of medians and each side keeps its
    fastest round (timing.compare_timings)."""
    counts = thread_counts()
    table = compare_timings(compiled_models, [x], model, counts, rounds,
                            min_seconds, max_repeats)
    heads = "".join(f"{f'{n} thread' + ('s' if n > 1 else ''):>22}"
                    for n in counts)
    print(f"  time per call, fastest of {rounds} alternating rounds of "
          f"medians (speed-up over PyTorch eager on as many threads):\n"
          f"    {'':26}{heads}")
    for name in [n for n, _ in compiled_models] + ["PyTorch eager"]:
        cells = ""
        for n in counts:
            ms = table[name, n]
            ratio = table["PyTorch eager", n] / ms
            cells += f"{ms:10.3f} ms ({ratio:5.2f}x)"
        print(f"    {name:26}{cells}")
    slowest = min(table["PyTorch eager", n] / table[name, n]
                  for name, _ in compiled_models for n in counts)
    verdict = "faster than" if slowest >= 1 else "NOT faster than"
    print(f"  wn is {verdict} PyTorch eager on every thread count "
          f"(slowest ratio {slowest:.2f}x)")
