#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# The main job: install what is missing, build wn, then run real
# weight-normed models whole, end to end (examples/run.py): each is exported
# from PyTorch with wn-export (time axis dynamic), compiled with wn-opt
# (--wn-optimize and --wn-cpu-pipeline) and wn-translate --mlir-to-object,
# run at three lengths from one library, compared with PyTorch and timed
# against PyTorch eager in the same run.
#
#   scripts/run-example.sh                 the HiFi-GAN V1 generator on 32 mel frames
#   scripts/run-example.sh wav2vec2 dac    torchaudio's wav2vec2_base, the DAC decoder (or: all)
#   scripts/run-example.sh all --blocks    the models and their blocks
#   scripts/run-example.sh all --small     every model at the test suite's sizes
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wn-env.sh

scripts/install-deps.sh
scripts/build.sh

if [ $# -eq 0 ]; then
  set -- hifigan
fi
exec "$WN_PYTHON" examples/run.py "$@"
