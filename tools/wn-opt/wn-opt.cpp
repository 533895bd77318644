//===- wn-opt.cpp - The wn optimizer driver -------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the wn dialect, passes and pipelines registered next to every
// upstream dialect, extension and pass.
//
//===----------------------------------------------------------------------===//

#include "wn/InitAllWN.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::wn::registerAllWNPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates GPU modules to LLVM IR (NVVM, ROCDL).
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::wn::registerAllWNDialects(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "wn optimizer driver\n", registry));
}
