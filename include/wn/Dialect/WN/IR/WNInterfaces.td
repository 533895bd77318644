//===- WNInterfaces.td - wn dialect interfaces -------------*- tablegen -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What the ops of the wn dialect that compute norms of slices of v share.
//
//===----------------------------------------------------------------------===//

#ifndef WN_DIALECT_WN_IR_WNINTERFACES_TD
#define WN_DIALECT_WN_IR_WNINTERFACES_TD

include "mlir/IR/OpBase.td"

def WN_WeightNormInterface : OpInterface<"WeightNormInterface"> {
  let cppNamespace = "::mlir::wn";
  let description = [{
    An op computing one L2 norm per index along an optional `dim` of `v`
    (over every other dimension; over the whole tensor without `dim`), with
    a magnitude `g` in one of the layouts the dialect's shape rules accept
    and an optional `eps` added to every sum of squares. Lowerings read the
    shared rules (normalized dim, g layout, accumulation type, eps) through
    this interface, so that they live in one place.
  }];
  let methods = [
    InterfaceMethod<"The tensor whose slices are normed.", "::mlir::Value",
                    "getV">,
    InterfaceMethod<"The magnitude.", "::mlir::Value", "getG">,
    InterfaceMethod<"The `dim` attribute as written (Python-style), or null "
                    "for the whole-tensor norm.", "::mlir::IntegerAttr",
                    "getDimAttr">,
    InterfaceMethod<"The `eps` attribute, or null.", "::mlir::FloatAttr",
                    "getEpsAttr">,
    InterfaceMethod<"The destination of w, or null when the op computes "
                    "no w.", "::mlir::Value", "getWDestination",
                    (ins), [{}], [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"The destination of the norm, or null.",
                    "::mlir::Value", "getNormDestination",
                    (ins), [{}], [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"The destination of the scale g / norm, or null.",
                    "::mlir::Value", "getScaleDestination",
                    (ins), [{}], [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"The incoming gradient of w (a backward op), or null.",
                    "::mlir::Value", "getGradW",
                    (ins), [{}], [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"A saved norm the op reads instead of computing it, or "
                    "null.", "::mlir::Value", "getSavedNorm",
                    (ins), [{}], [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"The destination of the gradient of v, or null.",
                    "::mlir::Value", "getGradVDestination",
                    (ins), [{}], [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"The destination of the gradient of g, or null.",
                    "::mlir::Value", "getGradGDestination",
                    (ins), [{}], [{ return ::mlir::Value(); }]>,
    InterfaceMethod<"Whether operand `operandNumber` has v's shape (v, w, "
                    "the gradients of w and v); the others have g's shape "
                    "(g, norms, scales, the gradient of g).", "bool",
                    "isVShapedOperand", (ins "unsigned":$operandNumber)>
  ];
  let extraSharedClassDeclaration = [{
    ::mlir::ShapedType getVType() {
      return ::llvm::cast<::mlir::ShapedType>($_op.getV().getType());
    }
    ::mlir::ShapedType getGType() {
      return ::llvm::cast<::mlir::ShapedType>($_op.getG().getType());
    }
    int64_t getRank() { return getVType().getRank(); }

    /// The normalized dimension in [0, rank), or std::nullopt for the
    /// whole-tensor norm. Only meaningful on a verified op.
    std::optional<int64_t> getNormalizedDim() {
      return ::mlir::wn::detail::getNormalizedDim($_op.getDimAttr(),
                                                  getRank());
    }
    /// The layout of g, as classified by the dialect's shape rules.
    ::mlir::wn::GLayout getGLayout() {
      return ::mlir::wn::detail::getGLayout(getVType(), getGType(),
                                            getNormalizedDim());
    }
    /// The dimension of g (and of the norm and scale results) that walks
    /// dim: dim itself for the keepdim layout, 0 for the flat one,
    /// std::nullopt for the whole-tensor norm.
    std::optional<int64_t> getGDimAlongDim() {
      return ::mlir::wn::detail::getGDimAlongDim(getGLayout(),
                                                 getNormalizedDim());
    }
    /// PyTorch's accumulation type: the element type of the norm and scale
    /// results and the type eps is rounded to.
    ::mlir::Type getAccumulationType() {
      return ::mlir::wn::getAccumulationType(getVType().getElementType());
    }
    /// eps rounded to the accumulation type, or std::nullopt without eps.
    std::optional<::llvm::APFloat> getEpsInAccumulationType() {
      return ::mlir::wn::detail::getEpsIn($_op.getEpsAttr(),
                                          getAccumulationType());
    }
    /// The indexing map that reads g from a loop nest of `numLoops` loops in
    /// which loop `normLoop` walks `dim` (std::nullopt for the whole-tensor
    /// norm, where g is read at its single element).
    ::mlir::AffineMap getGIndexingMap(unsigned numLoops,
                                      std::optional<unsigned> normLoop) {
      return ::mlir::wn::detail::getGIndexingMap(
          getGType().getRank(), getGDimAlongDim(), numLoops, normLoop,
          getVType().getContext());
    }
  }];
  let verify = [{
    return ::mlir::wn::detail::verifyWeightNormInterface($_op);
  }];
}

#endif // WN_DIALECT_WN_IR_WNINTERFACES_TD
