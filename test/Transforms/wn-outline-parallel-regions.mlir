// RUN: wn-opt %s --wn-outline-parallel-regions --split-input-file | FileCheck %s

/// Each parallel region of a function with several moves into an internal,
/// always_inline function that takes what the region uses from outside
/// (operands such as num_threads, and captured values) as arguments;
/// constants are recreated inside and disappear from the caller when it no
/// longer uses them.
// CHECK-LABEL: llvm.func @two(
// CHECK-SAME: %[[P:[a-zA-Z0-9_]+]]: !llvm.ptr, %[[N:[a-zA-Z0-9_]+]]: i64)
// CHECK-NEXT: llvm.call @two_parallel_0(%[[P]]) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @two_parallel_1(%[[N]], %[[P]]) : (i64, !llvm.ptr) -> ()
// CHECK-NEXT: llvm.return
// CHECK: llvm.func internal @two_parallel_0(%[[P0:[a-zA-Z0-9_]+]]: !llvm.ptr) attributes {always_inline}
// CHECK-NEXT: %[[ONE0:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK-NEXT: omp.parallel {
// CHECK-NEXT: llvm.store %[[ONE0]], %[[P0]]
// CHECK: llvm.return
// CHECK: llvm.func internal @two_parallel_1(%[[N1:[a-zA-Z0-9_]+]]: i64, %[[P1:[a-zA-Z0-9_]+]]: !llvm.ptr) attributes {always_inline}
// CHECK-NEXT: %[[ONE1:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK-NEXT: omp.parallel num_threads(%[[N1]] : i64) {
// CHECK-NEXT: %[[Q:.*]] = llvm.getelementptr %[[P1]][%[[N1]]]
// CHECK-NEXT: llvm.store %[[ONE1]], %[[Q]]
// CHECK: llvm.return
llvm.func @two(%p: !llvm.ptr, %n: i64) {
  %one = llvm.mlir.constant(1.0 : f32) : f32
  omp.parallel {
    llvm.store %one, %p : f32, !llvm.ptr
    omp.terminator
  }
  omp.parallel num_threads(%n : i64) {
    %q = llvm.getelementptr %p[%n] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %one, %q : f32, !llvm.ptr
    omp.terminator
  }
  llvm.return
}

// -----

/// A function with one parallel region is left alone; regions nested in
/// control flow are outlined, a value used after the region stays, and a
/// taken name gets another.
// CHECK-LABEL: llvm.func @one(
// CHECK-NEXT: omp.parallel
// CHECK-LABEL: llvm.func @nested(
// CHECK: %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
// CHECK: ^[[BB:.*]]:
// CHECK-NEXT: llvm.call @[[FIRST:nested_parallel_0_[0-9]+]](%{{.*}}) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.call @nested_parallel_1(%{{.*}}) : (!llvm.ptr) -> ()
// CHECK-NEXT: llvm.store %[[ONE]]
// CHECK: llvm.func internal @[[FIRST]](
// CHECK: llvm.func internal @nested_parallel_1(
// CHECK: llvm.func @nested_parallel_0()
llvm.func @one(%p: !llvm.ptr) {
  omp.parallel {
    omp.terminator
  }
  llvm.return
}
llvm.func @nested(%p: !llvm.ptr, %c: i1) {
  %one = llvm.mlir.constant(1.0 : f32) : f32
  llvm.cond_br %c, ^bb1, ^bb2
^bb1:
  omp.parallel {
    llvm.store %one, %p : f32, !llvm.ptr
    omp.terminator
  }
  omp.parallel {
    llvm.store %one, %p : f32, !llvm.ptr
    omp.terminator
  }
  llvm.store %one, %p : f32, !llvm.ptr
  llvm.br ^bb2
^bb2:
  llvm.return
}
llvm.func @nested_parallel_0() {
  llvm.return
}
