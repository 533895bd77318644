//===- BufferizableOpInterfaceImpl.cpp - wn bufferization -----------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// wn.weight_norm, wn.weight_norm_scale and wn.weight_norm_backward are
// destination-style ops: their results alias their destinations, the other
// operands are only read, and the destinations are only written (every
// element of w, the norm, the scale and the gradients is overwritten, so
// their previous contents are not read). Bufferization
// produces the same op on memrefs.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/Transforms/BufferizableOpInterfaceImpl.h"

#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::wn;

namespace {
/// A wn op: the same op on the operands'
/// buffers, its results replaced by the destinations' buffers.
template <typename OpTy>
struct WeightNormOpInterface : public DstBufferizableOpInterfaceExternalModel<
                                   WeightNormOpInterface<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &opOperand,
                              const AnalysisState &state) const {
    // The destinations are overwritten entirely.
    return !cast<OpTy>(op).isDpsInit(&opOperand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    // The same operation (attributes and operand segments included) on
    // buffers, without results.
    mlir::clone(rewriter, op, /*newResultTypes=*/TypeRange(), buffers);
    // The results are the destinations' buffers.
    auto dps = cast<DestinationStyleOpInterface>(op);
    SmallVector<Value> results;
    for (OpOperand &init : dps.getDpsInitsMutable())
      results.push_back(buffers[init.getOperandNumber()]);
    replaceOpWithBufferizedValues(rewriter, op, results);
    return success();
  }
};
} // namespace

void mlir::wn::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, WNDialect *) {
    WeightNormOp::attachInterface<WeightNormOpInterface<WeightNormOp>>(*ctx);
    WeightNormScaleOp::attachInterface<
        WeightNormOpInterface<WeightNormScaleOp>>(*ctx);
    WeightNormBackwardOp::attachInterface<
        WeightNormOpInterface<WeightNormBackwardOp>>(*ctx);
  });
}
