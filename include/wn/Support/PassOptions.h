//===- PassOptions.h - checks and errors of wn pass options -----*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The checks of option values shared by the wn passes (in their
// initialize(), so that bad values fail before anything runs) and by the
// pipelines that pass the same values on (when the pipeline is built), and a
// pass base that reports options that do not parse as one error naming the
// pass.
//
//===----------------------------------------------------------------------===//

#ifndef WN_SUPPORT_PASSOPTIONS_H
#define WN_SUPPORT_PASSOPTIONS_H

#include "mlir/Pass/Pass.h"

#include <optional>
#include <string>

namespace mlir {
namespace wn {

/// The default vector-size of --wn-lower-to-loops, --wn-lower-contractions
/// and --wn-cpu-pipeline (elements; 16 f32 are one 512-bit register).
constexpr int64_t kDefaultVectorSize = 16;

/// The largest vector-size of --wn-lower-to-loops, --wn-lower-contractions
/// and --wn-cpu-pipeline (elements; 64 f32 are four 512-bit registers).
constexpr int64_t kMaxVectorSize = 64;

/// A problem with one option value, as a message naming the option, or
/// nullopt when the value is fine.
using OptionProblem = std::optional<std::string>;

/// `value` is a power of two from 1 to kMaxVectorSize.
OptionProblem checkVectorSize(StringRef option, int64_t value);
/// `value` is at least `least`; `meaning` says what `least` means when it is
/// special (e.g. "-1: never"), or is empty.
OptionProblem checkAtLeast(StringRef option, int64_t value, int64_t least,
                           StringRef meaning = "");
/// `value` is from `least` to `most`.
OptionProblem checkInRange(StringRef option, int64_t value, int64_t least,
                           int64_t most);
/// A register block of `rows` x `vectors` (0: chosen per op): each from 0
/// to 64, and at most 64 accumulators.
OptionProblem checkRegisterBlock(StringRef rowsOption, StringRef vectorsOption,
                                 int64_t rows, int64_t vectors);
/// The threads per block of a GPU kernel: a multiple of 32 up to 1024.
OptionProblem checkGPUBlockSize(StringRef option, int64_t value);
/// `value` is one of `choices`.
OptionProblem checkOneOf(StringRef option, StringRef value,
                         ArrayRef<StringRef> choices);

/// Emits the first of `problems` as an error, prefixed by `--<pass>: ` (at an
/// unknown location: options belong to no operation), and fails; succeeds
/// when there is none.
LogicalResult reportOptionProblems(MLIRContext *context, StringRef pass,
                                   ArrayRef<OptionProblem> problems);

/// The message of an option string that did not parse, for `--<pass>`:
/// `message` is what the parser said (possibly nothing, when llvm::cl
/// printed it itself).
std::string getOptionParseError(StringRef pass, StringRef options,
                                StringRef message);

/// A pass base (around a generated impl::<Pass>Base) whose textual options,
/// when they fail to parse, give one error naming the pass and the options
/// rather than an empty one.
template <typename BaseT> class PassWithOptionErrors : public BaseT {
public:
  using BaseT::BaseT;

  LogicalResult initializeOptions(
      StringRef options,
      function_ref<LogicalResult(const Twine &)> errorHandler) override {
    return BaseT::initializeOptions(options, [&](const Twine &message) {
      return errorHandler(
          getOptionParseError(this->getArgument(), options, message.str()));
    });
  }
};

} // namespace wn
} // namespace mlir

#endif // WN_SUPPORT_PASSOPTIONS_H
