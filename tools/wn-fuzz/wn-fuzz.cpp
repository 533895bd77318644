//===- wn-fuzz.cpp - libFuzzer target for wn's passes and pipelines -------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A libFuzzer target (clang -fsanitize=fuzzer,address) that parses its input
// as MLIR, verifies it and runs one wn pass or pipeline on it, like upstream's
// mlir/tools/mlir-parser-fuzzer does for the parser alone.
//
// Input: the first byte selects the pass or pipeline (byte % the number of
// configurations, kConfigs below); the rest is MLIR text. Errors go to a
// diagnostic handler that drops them: input that does not parse or verify,
// and a pass that reports failure, are not bugs. Bugs are what libFuzzer and
// AddressSanitizer catch (crashes, aborts, out-of-bounds accesses, use after
// free, leaks, timeouts) and IR that fails verification after a pass that
// succeeded: the pass manager's own verifier is off and every pass that
// succeeds is followed by mlir::verify, which aborts here when it fails.
//
// WN_FUZZ_VERBOSE=1 in the environment prints, per input, the configuration,
// the wn-opt command that runs the same passes on the input without its first
// byte (`tail -c +2 crash-... > repro.mlir`), and the diagnostics.
// WN_FUZZ_LIST_CONFIGS=1 prints the table of configurations and exits.
//
// scripts/fuzz.sh builds and runs it; README "Fuzzing" has the details.
//
//===----------------------------------------------------------------------===//

#include "wn/InitAllWN.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace mlir;

namespace {
/// One pass or pipeline, in the textual form of --pass-pipeline on a
/// builtin.module (what wn-opt --<pass> runs).
struct Config {
  const char *name;
  const char *pipeline;
};

/// The configurations the first byte of an input selects from. Append new
/// ones at the end: the corpus's first bytes index this table.
const Config kConfigs[] = {
    {"canonicalize", "builtin.module(canonicalize)"},
    {"cse", "builtin.module(cse)"},
    {"wn-decompose", "builtin.module(wn-decompose)"},
    {"wn-cache-weights", "builtin.module(wn-cache-weights)"},
    {"wn-lower-to-loops", "builtin.module(wn-lower-to-loops)"},
    {"wn-lower-to-loops-serial",
     "builtin.module(wn-lower-to-loops{vector-size=4 parallel=0 "
     "nontemporal-min-bytes=0})"},
    {"wn-lower-contractions", "builtin.module(wn-lower-contractions)"},
    {"wn-parallelize-elementwise",
     "builtin.module(wn-parallelize-elementwise{min-elements=1})"},
    {"wn-fuse-elementwise", "builtin.module(wn-fuse-elementwise)"},
    {"wn-approximate-math", "builtin.module(wn-approximate-math)"},
    {"wn-fuse-into-consumers", "builtin.module(wn-fuse-into-consumers)"},
    {"wn-lower-strided-copies", "builtin.module(wn-lower-strided-copies)"},
    {"wn-outline-parallel-regions",
     "builtin.module(wn-outline-parallel-regions)"},
    {"wn-fold-constants", "builtin.module(wn-fold-constants)"},
    {"wn-lower-to-gpu", "builtin.module(wn-lower-to-gpu)"},
    {"wn-lower-to-gpu-block",
     "builtin.module(wn-lower-to-gpu{strategy=block block-size=64})"},
    {"wn-raise", "builtin.module(wn-raise)"},
    {"wn-optimize", "builtin.module(wn-optimize)"},
    {"wn-cpu-pipeline", "builtin.module(wn-cpu-pipeline)"},
    {"wn-cpu-pipeline-materialize",
     "builtin.module(wn-cpu-pipeline{strategy=materialize "
     "contractions=loops parallel=0})"},
    {"wn-gpu-pipeline", "builtin.module(wn-gpu-pipeline{format=isa})"},
    {"one-shot-bufferize",
     "builtin.module(one-shot-bufferize{bufferize-function-boundaries})"},
};
constexpr size_t kNumConfigs = sizeof(kConfigs) / sizeof(kConfigs[0]);

/// Every dialect, extension and pass wn-opt registers.
struct Globals {
  DialectRegistry registry;
  bool verbose = false;

  Globals() {
    registerAllPasses();
    wn::registerAllWNPasses();
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registerAllToLLVMIRTranslations(registry);
    wn::registerAllWNDialects(registry);
    const char *env = std::getenv("WN_FUZZ_VERBOSE");
    verbose = env && *env && std::string(env) != "0";
  }
};

/// Whether `text` has a `dimensions =` or `permutation =` that is not
/// followed by a well-formed `[i, j, ...]`. MLIR 22's linalg parsers
/// (broadcast, transpose, reduce: parseDenseI64ArrayAttr in LinalgOps.cpp)
/// set the attribute that DenseI64ArrayAttr::parse returns without checking
/// it for null, and crash on such input (README "Fuzzing"): these inputs
/// are skipped so that the fuzzer's time goes to wn's code.
bool hasMalformedDenseI64Array(llvm::StringRef text) {
  for (llvm::StringRef key : {"dimensions", "permutation"}) {
    for (size_t pos = text.find(key); pos != llvm::StringRef::npos;
         pos = text.find(key, pos + 1)) {
      llvm::StringRef rest = text.drop_front(pos + key.size()).ltrim();
      if (!rest.consume_front("="))
        continue;
      rest = rest.ltrim();
      // The generic form's `array<i64: ...>` goes through the attribute
      // parser, which reports errors.
      if (rest.starts_with("array<"))
        continue;
      if (!rest.consume_front("["))
        return true;
      rest = rest.ltrim();
      if (rest.consume_front("]"))
        continue;
      while (true) {
        rest = rest.ltrim();
        rest.consume_front("-");
        size_t digits = rest.find_first_not_of("0123456789");
        if (digits == 0 || digits > 18 || digits == llvm::StringRef::npos)
          return true;
        rest = rest.drop_front(digits).ltrim();
        if (rest.consume_front("]"))
          break;
        if (!rest.consume_front(","))
          return true;
      }
    }
  }
  return false;
}

Globals &getGlobals() {
  static Globals globals;
  return globals;
}

/// Verifies the IR after every pass that succeeded (the pass manager's own
/// verifier is off, so that its failures are not taken for a pass's).
struct VerifyAfterEachPass final : PassInstrumentation {
  VerifyAfterEachPass(const Config &config, std::string &diagnostics)
      : config(config), diagnostics(diagnostics) {}

  void runAfterPass(Pass *pass, Operation *op) override {
    diagnostics.clear();
    if (succeeded(verify(op)))
      return;
    llvm::errs() << "wn-fuzz: the IR fails verification after pass '"
                 << pass->getArgument() << "' (" << pass->getName()
                 << ") succeeded on '" << op->getName() << "', configuration "
                 << config.name << " (" << config.pipeline << "):\n"
                 << diagnostics;
    llvm::errs().flush();
    std::abort();
  }

  const Config &config;
  std::string &diagnostics;
};
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  getGlobals();
  // The table, for the seed corpus's first bytes (scripts/fuzz.sh).
  if (const char *list = std::getenv("WN_FUZZ_LIST_CONFIGS");
      list && *list && std::string(list) != "0") {
    for (size_t i = 0; i < kNumConfigs; ++i)
      llvm::outs() << i << " " << kConfigs[i].name << " "
                   << kConfigs[i].pipeline << "\n";
    llvm::outs().flush();
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  Globals &globals = getGlobals();
  const Config &config = kConfigs[data[0] % kNumConfigs];
  // The lexer needs a null-terminated buffer.
  std::string text(reinterpret_cast<const char *>(data) + 1, size - 1);
  if (hasMalformedDenseI64Array(text))
    return -1; // Not added to the corpus.

  MLIRContext context(globals.registry, MLIRContext::Threading::DISABLED);
  std::string diagnostics;
  context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    // Kept for the verifier's report; printed in verbose mode.
    llvm::raw_string_ostream os(diagnostics);
    os << diag.getLocation() << ": " << diag << "\n";
    for (const Diagnostic &note : diag.getNotes())
      os << "  note: " << note << "\n";
    if (globals.verbose)
      llvm::errs() << diag.getLocation() << ": " << diag << "\n";
  });
  if (globals.verbose)
    llvm::errs() << "wn-fuzz: configuration " << config.name << "; the same "
                 << "with wn-opt: tail -c +2 INPUT > repro.mlir && wn-opt "
                 << "--pass-pipeline='" << config.pipeline << "' repro.mlir\n";

  // Parsing verifies; input that does not parse or verify is not a bug.
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBuffer(text, "input",
                                       /*RequiresNullTerminator=*/true),
      llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  if (!module)
    return 0;

  PassManager pm(&context, ModuleOp::getOperationName());
  pm.enableVerifier(false);
  if (failed(parsePassPipeline(config.pipeline, pm, llvm::errs()))) {
    llvm::errs() << "wn-fuzz: cannot parse the pipeline of " << config.name
                 << "\n";
    std::abort();
  }
  pm.addInstrumentation(
      std::make_unique<VerifyAfterEachPass>(config, diagnostics));
  LogicalResult result = pm.run(*module);
  if (globals.verbose)
    llvm::errs() << "wn-fuzz: " << config.name << " "
                 << (succeeded(result) ? "succeeded" : "failed") << "\n";
  return 0;
}
