//===- Registration.h - registering the wn pipelines ------------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// How the wn pipelines are registered: options that do not parse or that the
// pipeline's check rejects, and a pipeline nested where it cannot run, are
// errors naming the pipeline (mlir-opt reports a failing pipeline builder
// with nothing but its exit status).
//
//===----------------------------------------------------------------------===//

#ifndef WN_LIB_PIPELINES_REGISTRATION_H
#define WN_LIB_PIPELINES_REGISTRATION_H

#include "wn/Support/PassOptions.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

namespace mlir {
namespace wn {

/// Registers the pipeline `arg` (a string literal), built by `build` once
/// `check` accepts its options. A pipeline with `onModule` runs on
/// builtin.module (it bufferizes function boundaries and converts the module
/// to LLVM) and is an error nested under another op.
template <typename OptionsT>
void registerWNPipeline(StringLiteral arg, StringLiteral description,
                        OptionProblem (*check)(const OptionsT &),
                        LogicalResult (*build)(OpPassManager &,
                                               const OptionsT &),
                        bool onModule) {
  registerPassPipeline(
      arg, description,
      [=](OpPassManager &pm, StringRef text,
          function_ref<LogicalResult(const Twine &)> errorHandler) {
        OptionsT options;
        std::string parseError;
        llvm::raw_string_ostream os(parseError);
        if (failed(options.parseFromString(text, os)))
          return errorHandler(getOptionParseError(arg, text, parseError));
        std::optional<StringRef> anchor = pm.getOpName();
        if (onModule && anchor != ModuleOp::getOperationName())
          return errorHandler(
              Twine("--") + arg + " runs on builtin.module, not nested in '" +
              pm.getOpAnchorName() + "': use --pass-pipeline='builtin.module(" +
              arg + ")'");
        if (OptionProblem problem = check(options))
          return errorHandler(Twine("--") + arg + ": " + *problem);
        return build(pm, options);
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(OptionsT());
      });
}

} // namespace wn
} // namespace mlir

#endif // WN_LIB_PIPELINES_REGISTRATION_H
