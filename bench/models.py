#!/usr/bin/python3
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Contractions of the example models: wn against PyTorch eager and the FMA
peak, measured side by side in one run.

For every convolution layer of the example models (HiFi-GAN V1 ResBlock1 and
upsampling stage, wav2vec2's positional conv, the DAC residual unit) at full
size, and for the whole models, it exports and compiles with wn (weights as
arguments, --wn-optimize, --wn-cpu-pipeline), checks the result against
PyTorch, and times wn (in a child process, see wn.export/timing.py) and
PyTorch eager on 1 and on all cores, alternating over 3 rounds of medians
(each side's fastest round). GFLOP/s count 2 flops per
multiply-accumulate of the convolutions; the peak is bench/peak.c's
(independent FMA chains in the widest vectors, per thread count).

    bench/run-models.sh [--out DIR] [--layers-only | --models-only]

Writes DIR/models.md (table), DIR/models.json and, with matplotlib,
DIR/models.png.
"""

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import time
from pathlib import Path

import torch
import torch.nn as nn

from wn import aot
from wn.export.compiled import compile_exported
from wn.export.example import thread_counts
from wn.export.exporter import export_program
from wn.export.timing import compare_timings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def load_examples(name):
    spec = importlib.util.spec_from_file_location(
        f"{name}_model", ROOT / "examples" / name / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.blocks(False)


def conv_flops(module, x, y):
    """2 flops per multiply-accumulate of a Conv1d or ConvTranspose1d."""
    if isinstance(module, nn.ConvTranspose1d):
        return 2 * module.weight.numel() * x.shape[-1] * x.shape[0]
    return 2 * module.weight.numel() * y.shape[-1] * y.shape[0]


def conv_calls(model, x):
    """(path, module, input, output) of every convolution call model(x)
    makes, in order."""
    calls, hooks = [], []
    for path, module in model.named_modules():
        if isinstance(module, (nn.Conv1d, nn.ConvTranspose1d)):
            def hook(m, inputs, output, path=path):
                calls.append((path, m, inputs[0].detach().clone(),
                              output.detach()))
            hooks.append(module.register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return calls


def distinct_layers(calls):
    """The calls of conv_calls, each distinct (type, shape, stride,
    dilation, padding, groups, input shape) once."""
    seen, layers = set(), []
    for path, m, lx, y in calls:
        key = (type(m).__name__, tuple(m.weight.shape), m.stride, m.dilation,
               m.padding, m.groups, tuple(lx.shape))
        if key not in seen:
            seen.add(key)
            layers.append((path, m, lx, y))
    return layers


def peak_gflops(workdir):
    """bench/peak.c's GFLOP/s for 1 thread and all threads."""
    exe = workdir / "peak"
    libdir = aot.llvm_tools_dir().parent / "lib"
    aot.run_tool([aot.llvm_tools_dir() / "clang", "-O3", "-march=native",
                  "-fopenmp", HERE / "peak.c", f"-L{libdir}",
                  f"-Wl,-rpath,{libdir}", "-o", exe])
    out = json.loads(subprocess.run([exe], capture_output=True, text=True,
                                    check=True).stdout)
    return {1: out["gflops_1"], out["threads"]: out["gflops_all"]}


ANCHORS = ("ort", "iree")
ANCHOR_NAMES = {"ort": "ONNX Runtime", "iree": "IREE"}
_anchor_failures = set()


def time_anchors(module, x, reference, workdir, counts, python):
    """{engine: {threads: ms or None}} for ONNX Runtime and IREE running
    `module` exported to ONNX."""
    result = {engine: {n: None for n in counts} for engine in ANCHORS}
    if python is None:
        return result
    import numpy as np
    workdir.mkdir(parents=True, exist_ok=True)
    model = workdir / "model.onnx"
    with torch.no_grad():
        torch.onnx.export(module, x, str(model), opset_version=17,
                          input_names=["x"])
    np.save(workdir / "input.npy", x.numpy())
    np.save(workdir / "output.npy", reference.numpy())
    for engine in ANCHORS:
        for n in counts:
            proc = subprocess.run(
                [python, HERE / "anchors.py", engine, model,
                 workdir / "input.npy", str(n), workdir / engine],
                capture_output=True, text=True)
            if proc.returncode:
                reason = (proc.stderr.strip().splitlines() or ["?"])[-1]
                if (engine, reason) not in _anchor_failures:
                    _anchor_failures.add((engine, reason))
                    print(f"  {ANCHOR_NAMES[engine]} not available here: "
                          f"{reason}", flush=True)
                break
            out = json.loads(proc.stdout)
            if out["error"] > 1e-4:
                print(f"  {ANCHOR_NAMES[engine]}: wrong result (error "
                      f"{out['error']:.1e}), not timed", flush=True)
                break
            result[engine][n] = out["ms"]
    return result


def measure(title, module, x, flops, workdir, counts, python):
    module.eval()
    exported = export_program(module, x, "args")
    compiled = compile_exported(exported, workdir)
    with torch.no_grad():
        reference = module.double()(x.double())
        module.float()
        y = compiled(x)
    error = ((y.double() - reference).abs().max() /
             reference.abs().max()).item()
    table = compare_timings([("wn", compiled)], [x], module, counts)
    anchors = time_anchors(module, x, reference, workdir / "anchors", counts,
                           python)
    return {"name": title, "flops": flops, "error": error,
            "wn_ms": {n: table["wn", n] for n in counts},
            "torch_ms": {n: table["PyTorch eager", n] for n in counts},
            **{f"{engine}_ms": anchors[engine] for engine in ANCHORS}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "bench"))
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--layers-only", action="store_true")
    group.add_argument("--models-only", action="store_true")
    parser.add_argument("--no-anchors", action="store_true",
                        help="skip ONNX Runtime and IREE")
    parser.add_argument("--venv", default=str(ROOT / "build" / "bench-venv"),
                        help="a venv with onnxruntime, onnx and IREE")
    args = parser.parse_args()
    python = Path(args.venv) / "bin" / "python"
    if args.no_anchors:
        python = None
    elif not python.exists():
        print(f"ONNX Runtime and IREE: not available (no venv at "
              f"{args.venv}; bench/run-models.sh creates it)")
        python = None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    counts = thread_counts()
    peak = peak_gflops(out)
    rows = []
    torch.manual_seed(0)
    for name in ("hifigan", "wav2vec2", "dac"):
        for i, (title, model, x, *_) in enumerate(load_examples(name)):
            model.eval()
            calls = conv_calls(model, x)
            if not args.models_only:
                for path, layer, lx, y in distinct_layers(calls):
                    label = (f"{title.split(' (')[0]}: {path} "
                             f"{type(layer).__name__}"
                             f"{tuple(layer.weight.shape)} on "
                             f"{list(lx.shape)}")
                    rows.append(measure(label, layer, lx,
                                        conv_flops(layer, lx, y),
                                        out / f"{name}{i}_{len(rows)}",
                                        counts, python))
                    print(_line(rows[-1], counts, peak), flush=True)
            if not args.layers_only:
                flops = sum(conv_flops(m, lx, y) for _, m, lx, y in calls)
                rows.append(measure(f"{title} (whole)", model, x, flops,
                                    out / f"{name}{i}_model", counts,
                                    python))
                print(_line(rows[-1], counts, peak), flush=True)
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "cpu": _cpu(), "threads": counts, "peak_gflops": peak}
    (out / "models.json").write_text(json.dumps({"meta": meta,
                                                 "rows": rows}, indent=1))
    table = _table(rows, counts, peak, meta)
    (out / "models.md").write_text(table)
    print(table)
    _chart(rows, counts, out / "models.png")


def _cpu():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return (f"{line.split(':', 1)[1].strip()}, "
                        f"{os.cpu_count()} cores")
    except OSError:
        pass
    return platform.processor()


def _ms(value):
    return "n/a" if value is None else f"{value:.3f}"


def _line(row, counts, peak):
    cells = []
    for n in counts:
        wn, pt = row["wn_ms"][n], row["torch_ms"][n]
        gf = row["flops"] / wn / 1e6
        anchors = " ".join(f"{e} {_ms(row[f'{e}_ms'][n])}" for e in ANCHORS)
        cells.append(f"{n}T wn {wn:8.3f} ms {gf:6.1f} GF/s "
                     f"({100 * gf / peak[n]:3.0f}% peak) torch {pt:8.3f} ms "
                     f"-> {pt / wn:4.2f}x; {anchors}")
    return f"{row['name'][:70]:70} err {row['error']:.1e} | " + \
        " | ".join(cells)


def _table(rows, counts, peak, meta):
    head = "| contraction | error |"
    rule = "|---|---|"
    for n in counts:
        head += (f" wn ms, {n}T | GFLOP/s (% of peak) | PyTorch ms, {n}T |"
                 f" speed-up {n}T | ONNX Runtime ms, {n}T | IREE ms, {n}T |")
        rule += "---|---|---|---|---|---|"
    lines = [f"Measured {meta['date']} on {meta['cpu']}; FMA peak "
             + ", ".join(f"{peak[n]:.0f} GFLOP/s on {n} thread(s)"
                         for n in counts) + " (bench/peak.c).", "",
             head, rule]
    for row in rows:
        line = f"| {row['name']} | {row['error']:.1e} |"
        for n in counts:
            wn, pt = row["wn_ms"][n], row["torch_ms"][n]
            gf = row["flops"] / wn / 1e6
            line += (f" {wn:.3f} | {gf:.1f} ({100 * gf / peak[n]:.0f}%) |"
                     f" {pt:.3f} | {pt / wn:.2f}x | {_ms(row['ort_ms'][n])} |"
                     f" {_ms(row['iree_ms'][n])} |")
        lines.append(line)
    return "\n".join(lines) + "\n"


def _chart(rows, counts, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no matplotlib: no chart (scripts/install-deps.sh bench)")
        return
    fig, ax = plt.subplots(figsize=(10, 0.35 * len(rows) + 1.5))
    height = 0.8 / len(counts)
    for k, n in enumerate(counts):
        ratios = [r["torch_ms"][n] / r["wn_ms"][n] for r in rows]
        ax.barh([i + k * height for i in range(len(rows))], ratios, height,
                label=f"{n} thread{'s' if n > 1 else ''}")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks([i + height * (len(counts) - 1) / 2
                   for i in range(len(rows))])
    ax.set_yticklabels([r["name"][:60] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("speed-up of wn over PyTorch eager (PyTorch time / wn "
                  "time)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"chart: {path}")


if __name__ == "__main__":
    main()
