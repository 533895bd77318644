#!/usr/bin/env bash
# The main job: install what is missing, build wn, compile a weight-normed
# Linear layer with wn-opt, run it on the CPU from C++, and check its output
# against a float64 reference and against PyTorch's own module.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

llvm=/usr/lib/llvm-22/bin
example=examples/weight-norm-linear
out=build/example-output
mkdir -p "$out"

run() {
  echo "\$ $*"
  "$@"
}

echo
echo "== Compiling $example/linear.mlir =="
grep -n "wn.weight_norm" "$example/linear.mlir" | sed 's/^/   /'
run build/bin/wn-opt "$example/linear.mlir" --wn-cpu-pipeline -o "$out/linear.llvm.mlir"
run "$llvm/mlir-translate" --mlir-to-llvmir "$out/linear.llvm.mlir" -o "$out/linear.ll"
run "$llvm/clang" -O3 -march=native -Wno-override-module -c "$out/linear.ll" -o "$out/linear.o"
run "$llvm/clang++" -O2 -std=c++17 "$example/main.cpp" "$out/linear.o" \
  -L/usr/lib/llvm-22/lib -Wl,-rpath,/usr/lib/llvm-22/lib -lomp -o "$out/linear"
echo
echo "== Running it on the CPU =="
run "$out/linear" "$out"
echo
echo "== Comparing with torch.nn.utils.weight_norm(nn.Linear(256, 128)) =="
run /usr/bin/python3 "$example/check.py" "$out"
