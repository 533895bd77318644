//===- MathToNVVMIntrinsics.cpp - kernel math as NVPTX intrinsics
//----------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// math.sqrt, math.fma and math.absf on f32 and f64 in GPU kernels as
// correctly rounded NVPTX intrinsics (sqrt.rn, fma.rn) and LLVM's fabs (abs
// in PTX), not the libdevice calls convert-gpu-to-nvvm would make.
//
//===----------------------------------------------------------------------===//

#include "wn/Conversion/MathToNVVMIntrinsics/MathToNVVMIntrinsics.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir {
namespace wn {
#define GEN_PASS_DEF_WNMATHTONVVMINTRINSICSPASS
#include "wn/Conversion/Passes.h.inc"
} // namespace wn
} // namespace mlir

using namespace mlir;
using namespace mlir::wn;

namespace {
/// `MathOp` on an f32 or f64 scalar as a call of `f32Name` or `f64Name`.
template <typename MathOp>
struct MathToIntrinsic final : OpRewritePattern<MathOp> {
  MathToIntrinsic(MLIRContext *context, StringRef f32Name, StringRef f64Name)
      : OpRewritePattern<MathOp>(context), f32Name(f32Name), f64Name(f64Name) {}

  LogicalResult matchAndRewrite(MathOp op,
                                PatternRewriter &rewriter) const override {
    Type type = op->getResult(0).getType();
    if (!isa<Float32Type, Float64Type>(type))
      return rewriter.notifyMatchFailure(op, "not an f32 or f64 scalar");
    auto call = LLVM::CallIntrinsicOp::create(
        rewriter, op->getLoc(), type,
        rewriter.getStringAttr(type.isF64() ? f64Name : f32Name),
        op->getOperands());
    rewriter.replaceOp(op, call->getResults());
    return success();
  }

  // Names of intrinsics: string literals.
  StringRef f32Name, f64Name;
};

struct WNMathToNVVMIntrinsicsPass final
    : wn::impl::WNMathToNVVMIntrinsicsPassBase<WNMathToNVVMIntrinsicsPass> {
  LogicalResult initialize(MLIRContext *context) override {
    RewritePatternSet set(context);
    populateWNMathToNVVMIntrinsicsPatterns(set);
    patterns = std::move(set);
    return success();
  }

  void runOnOperation() override {
    walkAndApplyPatterns(getOperation(), patterns);
  }

  FrozenRewritePatternSet patterns;
};
} // namespace

void mlir::wn::populateWNMathToNVVMIntrinsicsPatterns(
    RewritePatternSet &patterns) {
  MLIRContext *context = patterns.getContext();
  patterns.add<MathToIntrinsic<math::SqrtOp>>(context, "llvm.nvvm.sqrt.rn.f",
                                              "llvm.nvvm.sqrt.rn.d");
  patterns.add<MathToIntrinsic<math::FmaOp>>(context, "llvm.fma.f32",
                                             "llvm.fma.f64");
  patterns.add<MathToIntrinsic<math::AbsFOp>>(context, "llvm.fabs.f32",
                                              "llvm.fabs.f64");
}
