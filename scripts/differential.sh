#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# The differential numerics suite against PyTorch and an exact reference
# (python/wn/testing/differential.py), on the wn-opt of build/. Options:
#   --op backward, --seed N, --types f32,f64, --plant KIND, --summary FILE,
#   -v; see --help.
# Needs a build (scripts/build.sh) and Debian's python3-torch.
set -euo pipefail
source "$(dirname "$0")/wn-env.sh"
exec "$WN_PYTHON" -m wn.testing.differential "$@"
