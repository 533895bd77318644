//===- WNDialect.td - The wn dialect -----------------------*- tablegen -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The wn dialect: weight normalization as a first-class operation.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_IR_WNDIALECT_TD
#define WN_DIALECT_WN_IR_WNDIALECT_TD

include "mlir/IR/OpBase.td"

def WN_Dialect : Dialect {
  let name = "wn";
  let summary = "Weight normalization as a first-class operation";
  let description = [{
    The `wn` dialect carries weight normalization (`w = g * v / ||v||`,
    PyTorch's `torch.nn.utils.weight_norm`) as one operation with exact,
    PyTorch-compatible semantics, so that compilers can lower it to fused
    loops and hoist, cache, fold or fuse its recomputation instead of
    meeting it as a handful of unrelated reductions and elementwise ops.
  }];
  let cppNamespace = "::mlir::wn";
  // Folded weight norms of constants become arith.constant ops.
  let hasConstantMaterializer = 1;
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class WN_Op<string mnemonic, list<Trait> traits = []> :
    Op<WN_Dialect, mnemonic, traits>;

#endif // WN_DIALECT_WN_IR_WNDIALECT_TD
