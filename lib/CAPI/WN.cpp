//===- WN.cpp - C API of the wn dialect, passes and pipelines -------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "wn-c/WN.h"

#include "wn/Dialect/WN/IR/WNDialect.h"
#include "wn/InitAllWN.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(WN, wn, mlir::wn::WNDialect)

void wnRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::wn::registerAllWNDialects(*unwrap(registry));
}

void wnRegisterAllPasses(void) { mlir::wn::registerAllWNPasses(); }
