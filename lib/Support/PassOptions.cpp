//===- PassOptions.cpp - checks and errors of wn pass options -------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn/Support/PassOptions.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::wn;

OptionProblem mlir::wn::checkVectorSize(StringRef option, int64_t value) {
  if (value >= 1 && value <= kMaxVectorSize && llvm::isPowerOf2_64(value))
    return std::nullopt;
  return (Twine(option) + " must be a power of two from 1 to " +
          Twine(kMaxVectorSize) + ", but is " + Twine(value))
      .str();
}

OptionProblem mlir::wn::checkAtLeast(StringRef option, int64_t value,
                                     int64_t least, StringRef meaning) {
  if (value >= least)
    return std::nullopt;
  std::string message =
      (Twine(option) + " must be at least " + Twine(least)).str();
  if (!meaning.empty())
    message += (" (" + meaning + ")").str();
  return message + ", but is " + std::to_string(value);
}

OptionProblem mlir::wn::checkInRange(StringRef option, int64_t value,
                                     int64_t least, int64_t most) {
  if (value >= least && value <= most)
    return std::nullopt;
  return (Twine(option) + " must be from " + Twine(least) + " to " +
          Twine(most) + ", but is " + Twine(value))
      .str();
}

OptionProblem mlir::wn::checkRegisterBlock(StringRef rowsOption,
                                           StringRef vectorsOption,
                                           int64_t rows, int64_t vectors) {
  if (rows >= 0 && vectors >= 0 && rows <= 64 && vectors <= 64 &&
      std::max<int64_t>(rows, 1) * std::max<int64_t>(vectors, 1) <= 64)
    return std::nullopt;
  return (Twine(rowsOption) + " and " + vectorsOption +
          " must be from 0 (chosen per op) to 64 with " + rowsOption + " * " +
          vectorsOption + " at most 64, but are " + Twine(rows) + " and " +
          Twine(vectors))
      .str();
}

OptionProblem mlir::wn::checkGPUBlockSize(StringRef option, int64_t value) {
  if (value >= 32 && value <= 1024 && value % 32 == 0)
    return std::nullopt;
  return (Twine(option) + " must be a multiple of 32 from 32 to 1024, but is " +
          Twine(value))
      .str();
}

OptionProblem mlir::wn::checkOneOf(StringRef option, StringRef value,
                                   ArrayRef<StringRef> choices) {
  if (llvm::is_contained(choices, value))
    return std::nullopt;
  return (Twine(option) + " must be one of " + llvm::join(choices, ", ") +
          ", but is '" + value + "'")
      .str();
}

LogicalResult mlir::wn::reportOptionProblems(MLIRContext *context,
                                             StringRef pass,
                                             ArrayRef<OptionProblem> problems) {
  for (const OptionProblem &problem : problems)
    if (problem)
      return emitError(UnknownLoc::get(context))
             << "--" << pass << ": " << *problem;
  return success();
}

std::string mlir::wn::getOptionParseError(StringRef pass, StringRef options,
                                          StringRef message) {
  // PassOptions::parseFromString's own messages start with its name; values
  // that llvm::cl rejects were printed by llvm::cl and leave it empty.
  message = message.trim();
  message.consume_front("<Pass-Options-Parser>: ");
  std::string text =
      ("--" + pass + ": invalid options '" + options + "'").str();
  if (!message.empty())
    text += (": " + message).str();
  return text;
}
