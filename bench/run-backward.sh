#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# The backward's benchmark: installs what is missing, builds wn, then times
# wn.weight_norm_backward (with and without the saved norm) against
# PyTorch's backward and a streaming pass over the same bytes with
# bench/backward.py, passing its arguments through (--quick, --strategy
# NAME=OPTIONS, --shapes, --dtype, --threads; see --help). Prints the table
# and writes bench/results/backward.{md,json}.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/wn-env.sh

scripts/install-deps.sh bench
scripts/build.sh

exec "$WN_PYTHON" bench/backward.py "$@"
