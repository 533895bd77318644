#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# Builds wn-fuzz (tools/wn-fuzz: libFuzzer on wn's passes and pipelines, all
# wn code under AddressSanitizer) in build-fuzz/ and runs it:
#
#   scripts/fuzz.sh [--time SECONDS | --runs N] [--jobs N] [--crashes DIR]
#                   [--build-only] [-- libFuzzer flags...]
#
#   --time SECONDS   stop after this long (default 600)
#   --runs N         stop after N inputs instead
#   --jobs N         parallel workers (libFuzzer -fork=N; default: every core)
#   --crashes DIR    where crashing inputs go (default build-fuzz/crashes)
#   --build-only     configure and build, then stop
#
# The corpus (build-fuzz/corpus) starts from the test suite's .mlir files,
# split on `// -----` (python/wn/testing/fuzz_corpus.py) and grows across
# runs. Crashes, timeouts and out-of-memory inputs do not stop the run
# (-ignore_crashes etc.); each is kept in the crash directory with a .txt
# next to it: the configuration, the wn-opt command that reproduces it and
# the fuzzer's report. The last line: "fuzz: N inputs executed in S s
# (E exec/s), K crashes in DIR".
#
# Needs clang-22 with its compiler-rt (Debian: libclang-rt-22-dev, which
# scripts/install-deps.sh installs). Environment: WN_FUZZ_BUILD_DIR (default
# build-fuzz), WN_LLVM_TOOLS_DIR (default: where python/wn/_tools.py finds
# LLVM's tools, see scripts/wn-env.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
source scripts/wn-env.sh

die() {
  echo "fuzz: $*" >&2
  exit 1
}

time_s=600
runs=""
jobs="$(nproc)"
crashes=""
build_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --time) time_s="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --crashes) crashes="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --) shift; break ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

build="${WN_FUZZ_BUILD_DIR:-$repo/build-fuzz}"
llvm_tools="$(wn_tool llvm-tools-dir)" || die "cannot tell where LLVM's tools are (set WN_LLVM_TOOLS_DIR)"
crashes="${crashes:-$build/crashes}"

# Can this clang build a libFuzzer target with AddressSanitizer?
probe="$(mktemp -d)"
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const char *, unsigned long) { return 0; }' \
  > "$probe/probe.cpp"
"$llvm_tools/clang++" -fsanitize=fuzzer,address "$probe/probe.cpp" \
    -o "$probe/probe" 2> "$probe/log" \
  || die "$llvm_tools/clang++ cannot link -fsanitize=fuzzer,address (install libclang-rt-22-dev): $(head -3 "$probe/log")"

if [[ ! -f "$build/build.ninja" ]]; then
  # Debug line tables for the reports; NDEBUG as in libMLIR.so (MLIR's
  # headers call functions that only an assertions build of it defines).
  cmake -S "$repo" -B "$build" -G Ninja \
    -DCMAKE_C_COMPILER="$llvm_tools/clang" \
    -DCMAKE_CXX_COMPILER="$llvm_tools/clang++" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
    -DWN_BUILD_FUZZER=ON >/dev/null
fi
cmake --build "$build" --target wn-fuzz
fuzzer="$build/bin/wn-fuzz"
[[ $build_only == 1 ]] && { echo "fuzz: built $fuzzer"; exit 0; }

corpus="$build/corpus"
mkdir -p "$corpus" "$crashes"
"$WN_PYTHON" -m wn.testing.fuzz_corpus \
  --fuzzer "$fuzzer" --out "$corpus" "$repo/test"

limit=(-max_total_time="$time_s")
[[ -n "$runs" ]] && limit=(-runs="$runs")
log="$build/fuzz-$(date +%Y%m%d-%H%M%S).log"
echo "fuzz: $jobs worker(s), ${runs:+$runs inputs}${runs:-$time_s s}; log $log, crashes in $crashes"
start=$(date +%s)
# -fork: workers in child processes, restarted after a crash; leaks are
# reported by each worker too (ASan's leak checker).
"$fuzzer" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -dict="$repo/tools/wn-fuzz/mlir.dict" -timeout=20 -rss_limit_mb=4096 \
  -max_len=16384 -artifact_prefix="$crashes/" -print_final_stats=1 \
  "${limit[@]}" "$@" "$corpus" 2>&1 | tee "$log" | grep -E '^#[0-9]+:|INFO: (fuzzed|exiting)|^==[0-9]+==ERROR|^SUMMARY|wn-fuzz: the IR' || true
elapsed=$(( $(date +%s) - start ))

# One report per crashing input: configuration, wn-opt command, first lines.
count=0
for input in "$crashes"/crash-* "$crashes"/timeout-* "$crashes"/oom-* "$crashes"/leak-*; do
  [[ -f "$input" && "$input" != *.txt ]] || continue
  count=$((count + 1))
  [[ -f "$input.txt" ]] && continue
  WN_FUZZ_VERBOSE=1 timeout 60 "$fuzzer" -rss_limit_mb=4096 "$input" \
    > "$input.txt" 2>&1 || true
done
executed="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')"
executed="${executed:-0}"
echo "fuzz: $executed inputs executed in $elapsed s ($(( executed / (elapsed > 0 ? elapsed : 1) )) exec/s), $count crashes in $crashes"
