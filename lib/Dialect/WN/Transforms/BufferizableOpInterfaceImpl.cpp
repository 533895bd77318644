//===- BufferizableOpInterfaceImpl.cpp - wn bufferization -----------------===//
//
// wn.weight_norm is a destination-style op: its results alias their
// destinations, v and g are only read, and the destinations are only written
// (every element of w and of the norm is overwritten, so their previous
// contents are not read). Bufferization produces the same op on memrefs.
//
//===----------------------------------------------------------------------===//

#include "wn/Dialect/WN/Transforms/BufferizableOpInterfaceImpl.h"

#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/Dialect/WN/IR/WNOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::bufferization;
using namespace mlir::wn;

namespace {
struct WeightNormOpInterface
    : public DstBufferizableOpInterfaceExternalModel<WeightNormOpInterface,
                                                     WeightNormOp> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &opOperand,
                              const AnalysisState &state) const {
    // The destinations are overwritten entirely.
    return !cast<WeightNormOp>(op).isDpsInit(&opOperand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto weightNorm = cast<WeightNormOp>(op);
    SmallVector<Value> buffers;
    for (Value operand : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      buffers.push_back(*buffer);
    }
    rewriter.setInsertionPoint(op);
    Value normInit = weightNorm.getNormInit() ? buffers[3] : Value();
    std::optional<int64_t> dim;
    if (IntegerAttr dimAttr = weightNorm.getDimAttr())
      dim = dimAttr.getInt();
    std::optional<double> eps;
    if (FloatAttr epsAttr = weightNorm.getEpsAttr())
      eps = epsAttr.getValueAsDouble();
    WeightNormOp::create(rewriter, op->getLoc(), buffers[0], buffers[1],
                         buffers[2], dim, eps, normInit);
    // The results are the destinations' buffers.
    replaceOpWithBufferizedValues(rewriter, op,
                                  ArrayRef<Value>(buffers).drop_front(2));
    return success();
  }
};
} // namespace

void mlir::wn::registerBufferizableOpInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, WNDialect *) {
    WeightNormOp::attachInterface<WeightNormOpInterface>(*ctx);
  });
}
