#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# Contractions of the example models, wn vs PyTorch eager vs the FMA peak,
# with ONNX Runtime and IREE as anchors (bench/models.py): installs what is
# missing (with matplotlib for the chart), builds, creates the anchors' venv
# (build/bench-venv: Debian's packages plus onnxruntime, onnx and IREE from
# PyPI, numpy pinned to Debian's for its PyTorch), runs. Without PyPI the
# anchors are reported "not available" and the rest runs. Arguments go to
# models.py (--out DIR, --layers-only, --models-only, --no-anchors).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wn-env.sh
scripts/install-deps.sh bench
scripts/build.sh

venv=build/bench-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c \
    "import onnxruntime, onnx, iree.compiler, iree.runtime" 2>/dev/null; then
  rm -rf "$venv"
  if /usr/bin/python3 -m venv --system-site-packages "$venv" &&
     echo "numpy==$(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)')" \
       > "$venv/constraints.txt" &&
     "$venv/bin/pip" install -q -c "$venv/constraints.txt" \
       onnxruntime onnx iree-base-compiler iree-base-runtime; then
    echo "run-models: anchors installed in $venv"
  else
    echo "run-models: ONNX Runtime and IREE not available (pip failed);" \
         "timing wn and PyTorch only" >&2
    rm -rf "$venv"
  fi
fi
exec "$WN_PYTHON" bench/models.py "$@"
