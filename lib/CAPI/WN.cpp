//===- WN.cpp - C API of the wn dialect, passes and pipelines -------------===//

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
