# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""wn: weight normalization (w = g * v / ||v||) as an MLIR op, compiled ahead
of time, and PyTorch models that use it exported and compiled from Python.

- `wn.export`: PyTorch modules -> MLIR for wn-opt, compiled and loaded
  (`wn.export.compile`, `wn.export.load`); `python3 -m wn.export` is the
  wn-export command line.
- `wn.runtime`: a compiled module called, saved and loaded again; needs
  neither the exporter nor the MLIR tools.
- `wn.aot`: the one ahead-of-time compile path (wn-opt, wn-translate,
  clang), also `python3 -m wn.aot` for CMake and the scripts.
- `wn.memref`: ctypes memref descriptors of torch tensors (MLIR's C
  interface).
- `wn._tools`: where wn's and LLVM's tools are.
- `wn.testing`: the test suite's harness (the differential numerics suite,
  fold, fusion and PTX checks, the fuzzer's corpus); it uses the modules
  above, which never import it.

Importing `wn` imports nothing else, so that `python3 -m wn.aot` starts
without PyTorch.
"""
