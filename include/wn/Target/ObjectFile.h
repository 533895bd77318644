//===- ObjectFile.h - LLVM dialect to a host object file --------*- C++ -*-===//
//
// Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
// See the LICENSE file for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Compiles a module in the LLVM dialect (with OpenMP) ahead of time, in
// memory: translation to LLVM IR, LLVM's O3 pipeline for the host CPU with a
// vector math library, and code generation into an ELF relocatable object.
// This is what `clang -O3 -march=native -fveclib=libmvec -fPIC -c` does to the
// textual LLVM IR of `mlir-translate --mlir-to-llvmir`, without the text:
// large constants (weights) go from their MLIR attribute's bytes straight
// into the object's data.
//
//===----------------------------------------------------------------------===//

#ifndef WN_TARGET_OBJECTFILE_H
#define WN_TARGET_OBJECTFILE_H

#include "mlir/Support/LLVM.h"

#include <string>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir {
class Operation;

namespace wn {

/// Vector math libraries that vectorized calls to sin, exp, ... may use
/// (clang's -fveclib).
enum class VectorLibrary {
  /// None: vector calls are split into scalar libm calls.
  None,
  /// glibc's libmvec (link with -lmvec).
  Libmvec,
};

/// How translateModuleToObject compiles.
struct ObjectFileOptions {
  /// LLVM's optimization level, 0 to 3 (as clang's -O).
  unsigned optLevel = 3;
  /// Target triple; empty: the host's.
  std::string triple;
  /// Target CPU; "native": the host CPU (clang's -march=native).
  std::string cpu = "native";
  /// Target features ("+avx2,-avx512f"); with cpu "native", they amend the
  /// host CPU's features.
  std::string features;
  /// Vector math library of vectorized math calls.
  VectorLibrary vectorLibrary = VectorLibrary::Libmvec;
  /// Partitions of the module's functions, optimized and compiled in
  /// parallel, one thread each, then joined by a relocatable link
  /// (`linker -r`); 1 compiles the module as a whole, with no linker; 0 means
  /// one per hardware thread. Never more than the module has groups of
  /// functions that call each other.
  unsigned partitions = 1;
  /// The linker that joins partitions; a name without a slash is looked up
  /// on PATH.
  std::string linker = "ld";
};

/// Compiles `module`, a builtin.module in the LLVM dialect and dialects with a
/// translation to LLVM IR (OpenMP), into an ELF relocatable object for the
/// target of `options`, written to `os`.
///
/// - `module` is changed in place: each parallel region of a function with
///   several moves into a function of its own (outlineParallelRegions), which
///   the translation to LLVM IR needs to take linear time.
/// - Globals with a dense constant (llvm.mlir.global of a DenseElementsAttr or
///   DenseResourceElementsAttr) of 4 KiB or more are declarations while LLVM
///   optimizes and become byte arrays copied from the attribute's raw data
///   just before code generation, so that LLVM never walks their elements.
/// - With several partitions, functions are grouped with the functions they
///   call directly (so that inlining sees what it would in one module), the
///   groups balanced by size, and symbols local to the module stay local in
///   the object.
///
/// Emits a diagnostic on `module` and fails on input that does not translate
/// to LLVM IR, on an unknown target, CPU or feature, and when the linker
/// fails.
LogicalResult translateModuleToObject(Operation *module, llvm::raw_ostream &os,
                                      const ObjectFileOptions &options = {});

/// Registers `--mlir-to-object` with mlir-translate-style tools (wn-translate),
/// with its options `--opt-level`, `--mtriple`, `--mcpu`, `--mattr`,
/// `--veclib`, `--partitions` and `--linker`.
void registerToObjectTranslation();

} // namespace wn
} // namespace mlir

#endif // WN_TARGET_OBJECTFILE_H
