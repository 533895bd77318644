# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# Sourced (not run) by the scripts that use wn's Python package from this
# checkout (scripts/*.sh, bench/*.sh): the one place they get it from.
#
#   source "$(dirname "$0")/../scripts/wn-env.sh"
#
# Exports PYTHONPATH with this checkout's python/ folder first (the wn
# package: no pip install needed), sets WN_PYTHON (Debian's /usr/bin/python3,
# which has PyTorch) and defines `wn_tool NAME`: the path of a tool (wn-opt,
# wn-translate, clang, lit, llvm-nm, ...) or of a folder (wn-tools-dir,
# llvm-tools-dir, llvm-library-dir) as python/wn/_tools.py finds it: from
# WN_TOOLS_DIR, WN_LLVM_TOOLS_DIR and WN_LLVM_LIBRARY_DIR, else from the
# build tree (build/bin, and the LLVM that CMake found there), else from
# PATH and llvm-config-22. It prints the reason and fails when it cannot tell.
wn_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PYTHONPATH="$wn_root/python${PYTHONPATH:+:$PYTHONPATH}"
WN_PYTHON=/usr/bin/python3

wn_tool() {
  "$WN_PYTHON" -m wn._tools "$1"
}
