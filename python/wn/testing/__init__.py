# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The test suite's harness: wn compiled ahead of time (wn.aot) and called
from Python (wn.memref), checked against PyTorch and exact references. It
uses the product package; nothing in wn outside wn.testing imports it.

- `differential`: the differential numerics suite (`python3 -m
  wn.testing.differential`; scripts/differential.sh), of wn.weight_norm and
  (`--op backward`, `differential_backward`) wn.weight_norm_backward.
- `fold_check`, `fusion_check`: constant folding and fusion checked
  numerically.
- `gpu_differential`, `ptx_check`: the suite's cases on a GPU, and the PTX
  they lower to.
- `fuzz_corpus`: the fuzzer's seed corpus from the test suite.
- `weight_norm`: MLIR text of wn.weight_norm and wn.weight_norm_backward
  test functions and the reference's dtype tables.
- `training_check`: compiled training steps (wn.export, training=True)
  against PyTorch's autograd.
"""
