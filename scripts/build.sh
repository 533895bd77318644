#!/usr/bin/env bash
# Configures (once) and builds wn into build/: build/bin/wn-opt and the examples.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja
fi
cmake --build build
