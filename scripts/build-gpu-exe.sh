#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# Compiles an MLIR file with GPU kernels ahead of time into a folder that can
# be carried to a machine with an NVIDIA driver but no LLVM or MLIR:
#
#   scripts/build-gpu-exe.sh [--work-dir DIR] [--name NAME] IN.mlir OUT_DIR [wn-opt flags...]
#
# wn-opt runs the given pipeline (default: the upstream NVVM pipeline for sm_90
# with a fatbin: SASS for sm_90 plus PTX 8.0 the driver can JIT for newer GPUs);
# the host code is compiled by wn's one compile path, python3 -m wn.aot
# (wn-translate --mlir-to-object --opt-level=2 --mcpu=x86-64 --veclib=none);
# the object is linked against libwn_cuda_runtime.so with an rpath of $ORIGIN
# and the runtime is copied next to it. If the module defines `main`, OUT_DIR
# gets the executable NAME; otherwise the shared library libNAME.so (load it
# with ctypes). NAME defaults to IN's base name. Intermediate files
# (.llvm.mlir, .o) go to the work directory (default: a temporary one, removed
# afterwards).
#
# The host code is compiled for any x86-64 (--mcpu=x86-64, not the host CPU)
# and calls scalar libm (no libmvec): the machine that runs it is not this
# one. The only run-time dependencies are libc, libm and the driver's
# libcuda.so.1.
#
# Tools (environment overrides): WN_OPT (default: wn-opt in WN_TOOLS_DIR or
# build/bin), WN_TOOLS_DIR (wn-translate), WN_LLVM_TOOLS_DIR (clang, llvm-nm;
# default: the LLVM CMake found), see scripts/wn-env.sh; WN_CUDA_RUNTIME
# (default build/lib/libwn_cuda_runtime.so). ptxas and fatbinary, which wn-opt
# runs for cubins and fatbins, are looked up on PATH, then in
# $CUDAToolkit_ROOT/bin, $CUDA_PATH/bin and /usr/local/cuda/bin.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
source "$repo/scripts/wn-env.sh"
usage="usage: $0 [--work-dir DIR] [--name NAME] IN.mlir OUT_DIR [wn-opt flags...]"

die() {
  echo "build-gpu-exe: $*" >&2
  exit 1
}

work_dir=""
name=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --work-dir) [[ $# -ge 2 ]] || die "--work-dir needs a directory"; work_dir="$2"; shift 2 ;;
    --name) [[ $# -ge 2 ]] || die "--name needs a name"; name="$2"; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) break ;;
  esac
done
[[ $# -ge 2 ]] || { echo "$usage" >&2; exit 2; }
input="$1"
out_dir="$2"
shift 2
pipeline=("$@")
if [[ ${#pipeline[@]} -eq 0 ]]; then
  pipeline=("--gpu-lower-to-nvvm-pipeline=cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=fatbin")
fi
[[ -f "$input" ]] || die "no input file '$input'"
if [[ -z "$name" ]]; then
  name="$(basename "$input")"
  name="${name%.mlir}"
fi
[[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || die "the name '$name' has characters other than letters, digits, '_', '.', '-' (use --name)"

wn_opt="${WN_OPT:-$(wn_tool wn-opt)}" || die "no wn-opt (build wn, or set WN_OPT)"
llvm_tools="$(wn_tool llvm-tools-dir)" || die "cannot tell where LLVM's tools are (set WN_LLVM_TOOLS_DIR)"
runtime="${WN_CUDA_RUNTIME:-$repo/build/lib/libwn_cuda_runtime.so}"
[[ -x "$wn_opt" ]] || die "no wn-opt at '$wn_opt' (build wn, or set WN_OPT)"
for tool in clang llvm-nm; do
  [[ -x "$llvm_tools/$tool" ]] || die "no $tool in '$llvm_tools' (set WN_LLVM_TOOLS_DIR)"
done
[[ -f "$runtime" ]] || die "no CUDA runtime library at '$runtime' (configure wn with the CUDA toolkit found, or set WN_CUDA_RUNTIME)"

if ! command -v ptxas >/dev/null; then
  for root in "${CUDAToolkit_ROOT:-}" "${CUDA_PATH:-}" /usr/local/cuda; do
    if [[ -n "$root" && -x "$root/bin/ptxas" ]]; then
      PATH="$root/bin:$PATH"
      break
    fi
  done
fi

if [[ -z "$work_dir" ]]; then
  work_dir="$(mktemp -d)"
  trap 'rm -rf "$work_dir"' EXIT
fi
mkdir -p "$work_dir" "$out_dir"
stem="$work_dir/$name"

"$wn_opt" "$input" "${pipeline[@]}" -o "$stem.llvm.mlir" \
  || die "wn-opt ${pipeline[*]} failed on '$input'"
# The host code, for any x86-64 at clang's -O2, without libmvec (position
# independent, as every object wn-translate writes).
"$WN_PYTHON" -m wn.aot --lowered --opt-level 2 --mcpu x86-64 --veclib none \
    "$stem.llvm.mlir" -o "$stem.o" \
  || die "compiling the host code failed: is every op in '$stem.llvm.mlir' in the LLVM dialect?"

# Every mgpu* function the host code calls must be in the runtime library.
needed="$("$llvm_tools/llvm-nm" --undefined-only --format=just-symbols "$stem.o" | grep '^mgpu' || true)"
defined="$("$llvm_tools/llvm-nm" -D --defined-only --format=just-symbols "$runtime" | grep '^mgpu' || true)"
missing="$(comm -23 <(sort -u <<<"$needed") <(sort -u <<<"$defined") | sed '/^$/d')"
[[ -z "$missing" ]] || die "$runtime does not define: $(echo $missing) (rebuild it)"

cp "$runtime" "$out_dir/libwn_cuda_runtime.so"
# The runtime's own dependency (libcuda.so.1) is the driver's, resolved on the
# machine that runs the program; the runtime was linked with --no-undefined.
link=(-L"$out_dir" -Wl,--as-needed -lwn_cuda_runtime -lm -Wl,-rpath,'$ORIGIN' -Wl,--allow-shlib-undefined)
if "$llvm_tools/llvm-nm" --defined-only --format=just-symbols "$stem.o" | grep -qx main; then
  product="$out_dir/$name"
  "$llvm_tools/clang" "$stem.o" -o "$product" "${link[@]}"
else
  product="$out_dir/lib$name.so"
  "$llvm_tools/clang" -shared "$stem.o" -o "$product" "${link[@]}" -Wl,--no-undefined
fi
echo "build-gpu-exe: $product (with $out_dir/libwn_cuda_runtime.so; $(du -sh "$out_dir" | cut -f1) in all)"
