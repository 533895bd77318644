//===-- wn-c/WN.h - C API of the wn dialect and passes ------------*- C -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Registration of the wn dialect, its external models, passes and pipelines
// for C programs (and bindings from other languages) that use MLIR through its
// C API (mlir-c/IR.h, mlir-c/Pass.h).
//
//===----------------------------------------------------------------------===//

#ifndef WN_C_WN_H
#define WN_C_WN_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The handle of the wn dialect: mlirGetDialectHandle__wn__(), for
/// mlirDialectHandleRegisterDialect, mlirDialectHandleLoadDialect and
/// mlirDialectHandleInsertDialect. The handle adds the dialect only; use
/// wnRegisterAllDialects for the external models bufferization needs.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(WN, wn);

/// Adds the wn dialect to `registry` with the external models its ops need
/// from other dialects (BufferizableOpInterface: one-shot bufferization and
/// the --wn-cpu-pipeline and --wn-gpu-pipeline pipelines rely on it). Append
/// the registry to a context with mlirContextAppendDialectRegistry. The
/// lowering pipelines also need upstream's dialects and extensions
/// (mlirRegisterAllDialects, mlir-c/RegisterEverything.h).
MLIR_CAPI_EXPORTED void wnRegisterAllDialects(MlirDialectRegistry registry);

/// Registers every wn pass and pipeline (wn-decompose, wn-lower-to-loops,
/// ..., wn-cpu-pipeline, wn-gpu-pipeline, wn-optimize) with MLIR's global
/// pass registry, so that mlirParsePassPipeline and
/// mlirOpPassManagerAddPipeline accept their names. Safe to call more than
/// once.
MLIR_CAPI_EXPORTED void wnRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#endif // WN_C_WN_H
