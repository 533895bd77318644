# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Times an ONNX model with ONNX Runtime or IREE, in a process of its own.

Run by bench/models.py with the bench venv's Python (onnxruntime, onnx,
iree-base-compiler and iree-base-runtime from PyPI next to Debian's packages):

    anchors.py ENGINE MODEL.onnx INPUT.npy THREADS WORKDIR

ENGINE is `ort` (an InferenceSession with THREADS intra-op threads, all
graph optimizations) or `iree` (iree-import-onnx, iree-compile for the host
CPU, run on the local-task driver with THREADS workers). Prints one line of
JSON: {"ms": median ms per call, "error": max |y - reference| / max
|reference| against OUTPUT.npy next to INPUT.npy}; exits 1 with the reason on
stderr when the engine cannot run the model.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from wn.export.timing import median_ms


def run_ort(model, x, threads, workdir):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = \
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(model), options,
                                   providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return lambda: session.run(None, {name: x})[0]


def run_iree(model, x, threads, workdir):
    import iree.runtime as rt
    bindir = Path(sys.executable).parent
    mlir = workdir / "model.mlir"
    vmfb = workdir / "model.vmfb"
    if not vmfb.exists():
        subprocess.run([bindir / "iree-import-onnx", model, "-o", mlir],
                       check=True, capture_output=True, text=True)
        subprocess.run([bindir / "iree-compile", mlir,
                        "--iree-hal-target-device=local",
                        "--iree-hal-local-target-device-backends=llvm-cpu",
                        "--iree-llvmcpu-target-cpu=host", "-o", vmfb],
                       check=True, capture_output=True, text=True)
    rt.flags.parse_flags(f"--task_topology_max_group_count={threads}")
    module = rt.load_vm_flatbuffer_file(str(vmfb), driver="local-task")
    # The graph's synchronous entry point (not `$async`, not `__init`).
    name = next(n for n in module.vm_module.function_names
                if "$" not in n and not n.startswith("__"))
    fn = module[name]
    return lambda: np.asarray(fn(x))


def main():
    engine, model, inputs, threads, workdir = sys.argv[1:6]
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    x = np.load(inputs)
    reference = np.load(Path(inputs).with_name("output.npy"))
    try:
        fn = {"ort": run_ort, "iree": run_iree}[engine](
            Path(model), x, int(threads), workdir)
        y = fn()
    except subprocess.CalledProcessError as error:
        sys.exit(f"{engine}: {Path(error.cmd[0]).name} failed: "
                 f"{error.stderr.strip().splitlines()[-1:]}")
    except Exception as error:  # an engine's own failure, reported
        sys.exit(f"{engine}: {type(error).__name__}: {error}")
    scale = float(np.abs(reference).max()) or 1.0
    error = float(np.abs(y.astype(np.float64) - reference).max()) / scale
    print(json.dumps({"ms": median_ms(fn), "error": error}))


if __name__ == "__main__":
    main()
