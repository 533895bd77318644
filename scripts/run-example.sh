#!/usr/bin/env bash
# The main job: install what is missing, build wn, then run real
# weight-normed models end to end (examples/run.py): each is exported from
# PyTorch with wn-export, compiled with wn-opt (--wn-optimize and
# --wn-cpu-pipeline) and wn-translate --mlir-to-object, run, compared with
# PyTorch and timed against PyTorch eager in the same run.
#
#   scripts/run-example.sh                 HiFi-GAN V1 ResBlock1 and upsampling stage
#   scripts/run-example.sh wav2vec2 dac    other models (or: all)
#   scripts/run-example.sh all --small     every model at the test suite's sizes
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

if [ $# -eq 0 ]; then
  set -- hifigan
fi
exec /usr/bin/python3 examples/run.py "$@"
