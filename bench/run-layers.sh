#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# What fusion into the consumer (--wn-optimize) and caching
# (--wn-cache-weights) save on whole weight-normed layers (a Linear and a
# HiFi-GAN conv), against PyTorch: installs what is missing, builds wn, runs
# bench/layers.py (arguments passed through: --quick, --frames T). Prints the
# table and writes bench/results/layers.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wn-env.sh

scripts/install-deps.sh
scripts/build.sh

exec "$WN_PYTHON" bench/layers.py "$@"
