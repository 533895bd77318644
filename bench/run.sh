#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# The benchmark: installs what is missing (matplotlib too, for the chart),
# builds wn, then times wn.weight_norm against PyTorch and a memory copy with
# bench/bench.py, passing its arguments through (--quick, --strategy
# NAME=OPTIONS, --shapes, --dtype, --threads; see --help). Prints the table
# and writes bench/results/latest.{md,json,png}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wn-env.sh

scripts/install-deps.sh bench
scripts/build.sh

exec "$WN_PYTHON" bench/bench.py "$@"
