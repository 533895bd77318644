//===- wn-capi.c - Test of the wn C API -----------------------------------===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Uses wn through MLIR's C API only (wn-c/WN.h): registers and loads the
// dialect, parses, verifies and prints a module with a wn.weight_norm, runs wn
// passes and a wn pipeline named in textual pass pipelines, and reports parse,
// verifier and pipeline errors through the C API's callbacks. Everything
// FileCheck reads goes to stdout; a broken expectation is reported on stderr
// and ends the program with a non-zero exit status.
//
//===----------------------------------------------------------------------===//

// RUN: wn-capi-test 2>&1 | FileCheck %s

#include "wn-c/WN.h"

#include "mlir-c/Diagnostics.h"
#include "mlir-c/Dialect/Func.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// A weight-normed Linear weight: 4 output channels of 3 inputs, dim 0, g in
/// the flat layout.
static const char *kLayer =
    "func.func @layer(%v: tensor<4x3xf32>, %g: tensor<4xf32>,\n"
    "                 %init: tensor<4x3xf32>) -> tensor<4x3xf32> {\n"
    "  %w = wn.weight_norm dim(0)\n"
    "         ins(%v, %g : tensor<4x3xf32>, tensor<4xf32>)\n"
    "         outs(%init : tensor<4x3xf32>) -> tensor<4x3xf32>\n"
    "  return %w : tensor<4x3xf32>\n"
    "}\n";

/// Ends the program: `what` went wrong.
static void fail(const char *what) {
  fflush(stdout);
  fprintf(stderr, "wn-capi-test: FAILED: %s\n", what);
  exit(EXIT_FAILURE);
}

/// MlirStringCallback that writes to stdout.
static void printToStdout(MlirStringRef text, void *userData) {
  (void)userData;
  fwrite(text.data, 1, text.length, stdout);
}

/// Prints diagnostics to stdout as "diagnostic: <location>: <message>" and
/// counts them in `*userData` (an int).
static MlirLogicalResult handleDiagnostic(MlirDiagnostic diagnostic,
                                          void *userData) {
  ++*(int *)userData;
  printf("diagnostic: ");
  mlirLocationPrint(mlirDiagnosticGetLocation(diagnostic), printToStdout, NULL);
  printf(": ");
  mlirDiagnosticPrint(diagnostic, printToStdout, NULL);
  printf("\n");
  return mlirLogicalResultSuccess();
}

static void printOperation(MlirOperation op) {
  mlirOperationPrint(op, printToStdout, NULL);
  printf("\n");
}

/// Parses `text` as a module of `ctx`, which must succeed and verify.
static MlirModule parseModule(MlirContext ctx, const char *text) {
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(text));
  if (mlirModuleIsNull(module))
    fail("the module does not parse");
  if (!mlirOperationVerify(mlirModuleGetOperation(module)))
    fail("the parsed module does not verify");
  return module;
}

/// Runs the textual pipeline `pipeline` on `module`, which must parse and
/// succeed.
static void runPipeline(MlirContext ctx, MlirModule module,
                        const char *pipeline) {
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  if (mlirLogicalResultIsFailure(mlirParsePassPipeline(
          mlirPassManagerGetAsOpPassManager(pm),
          mlirStringRefCreateFromCString(pipeline), printToStdout, NULL)))
    fail("the pass pipeline does not parse");
  if (mlirLogicalResultIsFailure(
          mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module))))
    fail("the pass pipeline fails");
  if (!mlirOperationVerify(mlirModuleGetOperation(module)))
    fail("the module does not verify after the pass pipeline");
  mlirPassManagerDestroy(pm);
}

/// The dialect handle alone: register and load wn, parse, verify and print.
static void testDialectHandle(void) {
  // CHECK-LABEL: testDialectHandle
  printf("testDialectHandle\n");
  MlirContext ctx = mlirContextCreate();
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__func__(), ctx);
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__wn__(), ctx);
  MlirDialect wn =
      mlirDialectHandleLoadDialect(mlirGetDialectHandle__wn__(), ctx);
  if (mlirDialectIsNull(wn))
    fail("the wn dialect does not load");
  // CHECK: namespace: wn
  printf("namespace: ");
  printToStdout(mlirDialectGetNamespace(wn), NULL);
  printf("\n");

  MlirModule module = parseModule(ctx, kLayer);
  //      CHECK: func.func @layer(%[[V:[a-zA-Z0-9_]+]]: tensor<4x3xf32>,
  // CHECK-SAME:   %[[G:[a-zA-Z0-9_]+]]: tensor<4xf32>,
  // CHECK-SAME:   %[[I:[a-zA-Z0-9_]+]]: tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK-NEXT: %[[W:[a-zA-Z0-9_]+]] = wn.weight_norm dim(0)
  // CHECK-SAME:   ins(%[[V]], %[[G]] : tensor<4x3xf32>, tensor<4xf32>)
  // CHECK-SAME:   outs(%[[I]] : tensor<4x3xf32>) -> tensor<4x3xf32>
  // CHECK-NEXT: return %[[W]] : tensor<4x3xf32>
  printOperation(mlirModuleGetOperation(module));

  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

/// wn passes in textual pipelines: unknown until wnRegisterAllPasses, then
/// parsed and run; bad options of a wn pipeline are reported through the
/// callback of mlirParsePassPipeline.
static void testPasses(void) {
  // CHECK-LABEL: testPasses
  printf("testPasses\n");
  MlirContext ctx = mlirContextCreate();
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__func__(), ctx);
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__wn__(), ctx);
  MlirStringRef decompose =
      mlirStringRefCreateFromCString("builtin.module(func.func(wn-decompose))");

  //      CHECK: before registration: {{.*}}error: 'wn-decompose'
  // CHECK-SAME:   does not refer to a registered pass or pass pipeline
  printf("before registration: ");
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  if (mlirLogicalResultIsSuccess(
          mlirParsePassPipeline(mlirPassManagerGetAsOpPassManager(pm),
                                decompose, printToStdout, NULL)))
    fail("wn-decompose parses before wnRegisterAllPasses");
  printf("\n");
  mlirPassManagerDestroy(pm);

  // Registering twice is harmless.
  wnRegisterAllPasses();
  wnRegisterAllPasses();

  // The decomposition: a fill and three linalg.generic ops, no wn op left.
  // CHECK: func.func @layer
  // CHECK-NOT: wn.weight_norm
  // CHECK: linalg.fill
  // CHECK-COUNT-3: linalg.generic
  // CHECK-NOT: wn.weight_norm
  // CHECK: return
  MlirModule module = parseModule(ctx, kLayer);
  runPipeline(ctx, module, "builtin.module(func.func(wn-decompose))");
  printOperation(mlirModuleGetOperation(module));
  mlirModuleDestroy(module);

  //      CHECK: bad option: --wn-cpu-pipeline:
  // CHECK-SAME:   vector-size must be a power of two from 1 to 64, but is 3
  printf("bad option: ");
  pm = mlirPassManagerCreate(ctx);
  if (mlirLogicalResultIsSuccess(mlirParsePassPipeline(
          mlirPassManagerGetAsOpPassManager(pm),
          mlirStringRefCreateFromCString(
              "builtin.module(wn-cpu-pipeline{vector-size=3})"),
          printToStdout, NULL)))
    fail("wn-cpu-pipeline accepts vector-size=3");
  printf("\n");
  mlirPassManagerDestroy(pm);

  mlirContextDestroy(ctx);
}

/// The registry of wnRegisterAllDialects (with upstream's dialects and
/// extensions): one-shot bufferization of wn ops works, so the whole CPU
/// pipeline runs, down to the LLVM dialect.
static void testCPUPipeline(void) {
  // CHECK-LABEL: testCPUPipeline
  printf("testCPUPipeline\n");
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  wnRegisterAllDialects(registry);
  MlirContext ctx = mlirContextCreate();
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  wnRegisterAllPasses();

  MlirModule module = parseModule(ctx, kLayer);
  runPipeline(ctx, module, "builtin.module(wn-cpu-pipeline{parallel=0})");
  // CHECK: llvm.func @layer(
  // CHECK-NOT: wn.weight_norm
  // CHECK-NOT: tensor<
  // CHECK: llvm.return
  printOperation(mlirModuleGetOperation(module));

  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
}

/// Errors: a syntax error and a verifier error of wn.weight_norm give a null
/// module and one diagnostic each, through the context's handler.
static void testErrors(void) {
  // CHECK-LABEL: testErrors
  printf("testErrors\n");
  MlirContext ctx = mlirContextCreate();
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__func__(), ctx);
  mlirDialectHandleRegisterDialect(mlirGetDialectHandle__wn__(), ctx);
  int diagnostics = 0;
  MlirDiagnosticHandlerID handler = mlirContextAttachDiagnosticHandler(
      ctx, handleDiagnostic, &diagnostics, NULL);

  // CHECK: diagnostic: loc("-":2:28): expected ')'
  const char *syntax =
      "func.func @f(%v: tensor<4x3xf32>, %g: tensor<4xf32>) {\n"
      "  %w = wn.weight_norm dim(0 ins(%v, %g : tensor<4x3xf32>, "
      "tensor<4xf32>) outs(%v : tensor<4x3xf32>) -> tensor<4x3xf32>\n"
      "  return\n"
      "}\n";
  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(syntax));
  if (!mlirModuleIsNull(module))
    fail("a module with a syntax error parses");
  if (diagnostics != 1)
    fail("a syntax error does not give one diagnostic");

  //      CHECK: diagnostic: loc("-":2:8): 'wn.weight_norm' op g dimension 0
  // CHECK-SAME:   has size 3 but expected 4 (v.shape[0], flat layout)
  const char *invalid =
      "func.func @f(%v: tensor<4x3xf32>, %g: tensor<3xf32>) {\n"
      "  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x3xf32>, "
      "tensor<3xf32>) outs(%v : tensor<4x3xf32>) -> tensor<4x3xf32>\n"
      "  return\n"
      "}\n";
  module = mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(invalid));
  if (!mlirModuleIsNull(module))
    fail("a module with an invalid wn.weight_norm parses");
  if (diagnostics != 2)
    fail("an invalid wn.weight_norm does not give one diagnostic");

  mlirContextDetachDiagnosticHandler(ctx, handler);
  mlirContextDestroy(ctx);
}

int main(void) {
  testDialectHandle();
  testPasses();
  testCPUPipeline();
  testErrors();
  // CHECK: PASSED
  printf("PASSED\n");
  return EXIT_SUCCESS;
}
