//===- wn-translate.cpp - The wn translation driver -----------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-translate with --mlir-to-object: MLIR in the LLVM dialect (text or
// bytecode, from wn-opt --wn-cpu-pipeline) compiled in memory into an object
// file for the host, next to upstream's translations to and from LLVM IR.
//
//===----------------------------------------------------------------------===//

#include "wn/Target/ObjectFile.h"

#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

#include "llvm/Support/CommandLine.h"

/// Changes the default of one of LLVM's boolean options, which the command
/// line can still set.
static void setLLVMOptionDefault(llvm::StringRef name, bool value) {
  llvm::DenseMap<llvm::StringRef, llvm::cl::Option *> &options =
      llvm::cl::getRegisteredOptions();
  auto it = options.find(name);
  if (it != options.end())
    static_cast<llvm::cl::opt<bool> *>(it->second)->setInitialValue(value);
}

int main(int argc, char **argv) {
  // The selection DAG's merging of consecutive stores is quadratic in the
  // stores of a block, and wn's kernels store strided outputs (polyphase
  // transposed convolutions) lane by lane, hundreds per block: 5 of 11 s of
  // code generation for the HiFi-GAN generator, for identical code (its
  // vector stores need no merging).
  setLLVMOptionDefault("combiner-store-merging", false);
  mlir::registerToLLVMIRTranslation();
  mlir::registerFromLLVMIRTranslation();
  mlir::wn::registerToObjectTranslation();
  return mlir::failed(
      mlir::mlirTranslateMain(argc, argv, "wn translation driver\n"));
}
