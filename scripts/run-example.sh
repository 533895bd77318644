#!/usr/bin/env bash
# The main job: install what is missing, build wn, compile a weight-normed
# Linear layer with wn-opt, run it on the CPU from C++, and check its output
# against a float64 reference and against PyTorch's own module.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

example=examples/weight-norm-linear
out=build/example-output
mkdir -p "$out"
echo
echo "== Compiling $example/linear.mlir with wn-opt --wn-cpu-pipeline =="
echo "   (the build ran: wn-opt | mlir-translate --mlir-to-llvmir | clang -c, then linked main.cpp)"
grep -n "wn.weight_norm" "$example/linear.mlir" | sed 's/^/   /'
echo
echo "== Running build/bin/wn-example-linear on the CPU =="
build/bin/wn-example-linear "$out"
echo
echo "== Comparing with torch.nn.utils.weight_norm(nn.Linear(256, 128)) =="
/usr/bin/python3 "$example/check.py" "$out"
