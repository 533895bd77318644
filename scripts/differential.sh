#!/usr/bin/env bash
# The differential numerics suite against PyTorch and an exact reference
# (python/wn_testing/differential.py), on the wn-opt of build/. Options:
#   --seed N, --types f32,f64, --plant KIND, --summary FILE, -v; see --help.
# Needs a build (scripts/build.sh) and Debian's python3-torch.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PYTHONPATH="$root/python${PYTHONPATH:+:$PYTHONPATH}"
export WN_TOOLS_DIR="${WN_TOOLS_DIR:-$root/build/bin}"
exec /usr/bin/python3 -m wn_testing.differential "$@"
