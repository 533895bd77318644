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

// -----

/// What LLVM IR folds into a constant is recreated rather than passed: the
/// memref descriptor of a global (llvm.insertvalue of its address) and a
/// pointer into it. A descriptor that holds an argument is passed.
// CHECK-LABEL: llvm.func @descriptors(
// CHECK-SAME: %[[ARG:[a-zA-Z0-9_]+]]: !llvm.ptr)
// CHECK: %[[MIXED:.*]] = llvm.insertvalue %[[ARG]]
// CHECK-NEXT: llvm.call @descriptors_parallel_0() : () -> ()
// CHECK-NEXT: llvm.call @descriptors_parallel_1(%[[MIXED]]) : (!llvm.struct<(ptr, i64)>) -> ()
// CHECK-NEXT: llvm.return
// CHECK: llvm.func internal @descriptors_parallel_0() attributes {always_inline}
// CHECK-DAG: %[[ADDR:.*]] = llvm.mlir.addressof @table
// CHECK-DAG: %[[UNDEF:.*]] = llvm.mlir.undef : !llvm.struct<(ptr, i64)>
// CHECK: %[[DESC:.*]] = llvm.insertvalue %[[ADDR]], %[[UNDEF]][0]
// CHECK: omp.parallel {
// CHECK-NEXT: llvm.extractvalue %[[DESC]][0]
// CHECK: llvm.func internal @descriptors_parallel_1(%{{.*}}: !llvm.struct<(ptr, i64)>)
llvm.mlir.global private constant @table(dense<1.0> : tensor<4xf32>) {addr_space = 0 : i32} : !llvm.array<4 x f32>
llvm.func @descriptors(%arg: !llvm.ptr) {
  %addr = llvm.mlir.addressof @table : !llvm.ptr
  %undef = llvm.mlir.undef : !llvm.struct<(ptr, i64)>
  %desc = llvm.insertvalue %addr, %undef[0] : !llvm.struct<(ptr, i64)>
  %mixed = llvm.insertvalue %arg, %undef[0] : !llvm.struct<(ptr, i64)>
  omp.parallel {
    %p = llvm.extractvalue %desc[0] : !llvm.struct<(ptr, i64)>
    %v = llvm.load %p : !llvm.ptr -> f32
    llvm.store %v, %p : f32, !llvm.ptr
    omp.terminator
  }
  omp.parallel {
    %p = llvm.extractvalue %mixed[0] : !llvm.struct<(ptr, i64)>
    %v = llvm.load %p : !llvm.ptr -> f32
    llvm.store %v, %p : f32, !llvm.ptr
    omp.terminator
  }
  llvm.return
}
