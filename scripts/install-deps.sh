#!/usr/bin/env bash
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# Installs what wn needs from Debian 12's packages, skipping what is there.
# Safe to run again: it only calls apt-get when a package is missing.
# Optional groups as arguments add packages for one job:
#   bench   python3-matplotlib (the charts of bench/run.sh and
#           bench/run-models.sh), python3-venv (its anchors' venv)
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++                     # build tools
  llvm-22-dev libmlir-22-dev                # LLVM/MLIR 22 headers, libMLIR.so
  mlir-22-tools llvm-22-tools clang-22      # mlir-runner/-translate, lit, FileCheck, clang
  libomp-22-dev                             # OpenMP runtime for CPU threads
  libclang-rt-22-dev                        # clang-22's sanitizers and libFuzzer: wn-fuzz
                                            # (scripts/fuzz.sh), generated code under ASan
  clang-format-22                           # the style check (scripts/check-style.py)
  python3 python3-torch python3-numpy       # the numerical oracle (PyTorch 1.13.1)
  python3-torchaudio                        # real model code: wav2vec2/HuBERT (0.13.1)
  libopenblas0-openmp                       # PyTorch's BLAS: without it Debian's torch runs Linear/matmul
                                            # on netlib's reference BLAS (~3 GFLOP/s), an unfair baseline;
                                            # the OpenMP build follows torch.set_num_threads
)

for group in "$@"; do
  case "$group" in
    bench) PACKAGES+=(python3-matplotlib python3-venv) ;;
    *) echo "install-deps: unknown group '$group' (known: bench)" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
