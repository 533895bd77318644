// RUN: wn-opt %s -wn-decompose -split-input-file | FileCheck %s

/// dim 0, keepdim g: reduce over dims 1 and 2, scale per row, multiply.
// CHECK-DAG: #[[ID:[a-zA-Z0-9_]+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:[a-zA-Z0-9_]+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[ID1:[a-zA-Z0-9_]+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[GKEEP:[a-zA-Z0-9_]+]] = affine_map<(d0) -> (d0, 0, 0)>
// CHECK-LABEL: func.func @dim0_keepdim
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<64x1x1xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>)
// CHECK: %[[E:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<64xf32>
// CHECK: %[[ZERO:[a-zA-Z0-9_]+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[FILL:[a-zA-Z0-9_]+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<64xf32>)
// CHECK: %[[SUM:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[V]] : tensor<64x32x3xf32>) outs(%[[FILL]] : tensor<64xf32>)
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %[[ACC:[a-zA-Z0-9_]+]]: f32):
// CHECK:   %[[SQ:[a-zA-Z0-9_]+]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK:   %[[ADD:[a-zA-Z0-9_]+]] = arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK:   linalg.yield %[[ADD]]
// CHECK: %[[SCALE:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#[[ID1]], #[[GKEEP]], #[[ID1]]], iterator_types = ["parallel"]}
// CHECK-SAME: ins(%[[SUM]], %[[G]] : tensor<64xf32>, tensor<64x1x1xf32>)
// CHECK: ^bb0(%[[S:[a-zA-Z0-9_]+]]: f32, %[[GV:[a-zA-Z0-9_]+]]: f32, %{{.*}}: f32):
// CHECK:   %[[N:[a-zA-Z0-9_]+]] = math.sqrt %[[S]] : f32
// CHECK:   %[[DIV:[a-zA-Z0-9_]+]] = arith.divf %[[GV]], %[[N]] : f32
// CHECK:   linalg.yield %[[DIV]]
// CHECK: %[[W:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[V]], %[[SCALE]] : tensor<64x32x3xf32>, tensor<64xf32>) outs(%[[I]] : tensor<64x32x3xf32>)
// CHECK:   arith.mulf
// CHECK: return %[[W]]
func.func @dim0_keepdim(%v: tensor<64x32x3xf32>, %g: tensor<64x1x1xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1x1xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// A middle dim given as a negative index, with a flat g.
// CHECK-DAG: #[[MID:[a-zA-Z0-9_]+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @middle_negative_flat
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[MID]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<32xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<32xf32>, tensor<32xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[MID]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]}
func.func @middle_negative_flat(%v: tensor<64x32x3xf32>, %g: tensor<32xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = wn.weight_norm dim(-2) ins(%v, %g : tensor<64x32x3xf32>, tensor<32xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// The whole-tensor norm reduces to a 0-d accumulator and reads g at its only
/// element.
// CHECK-DAG: #[[ALL:[a-zA-Z0-9_]+]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[NONE:[a-zA-Z0-9_]+]] = affine_map<() -> ()>
// CHECK-DAG: #[[G00:[a-zA-Z0-9_]+]] = affine_map<() -> (0, 0)>
// CHECK-LABEL: func.func @whole_tensor
// CHECK: tensor.empty() : tensor<f64>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK: linalg.generic {indexing_maps = [#[[NONE]], #[[G00]], #[[NONE]]], iterator_types = []}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<f64>, tensor<1x1xf64>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ALL]], #{{.*}}], iterator_types = ["parallel", "parallel"]}
func.func @whole_tensor(%v: tensor<40x20xf64>, %g: tensor<1x1xf64>, %init: tensor<40x20xf64>) -> tensor<40x20xf64> {
  %w = wn.weight_norm ins(%v, %g : tensor<40x20xf64>, tensor<1x1xf64>) outs(%init : tensor<40x20xf64>) -> tensor<40x20xf64>
  return %w : tensor<40x20xf64>
}

// -----

/// bf16 is widened to f32 before any arithmetic and rounded once at the end.
// CHECK-LABEL: func.func @bf16_accumulates_in_f32
// CHECK: tensor.empty() : tensor<8xf32>
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: bf16, %[[ACC:[a-zA-Z0-9_]+]]: f32):
// CHECK:   %[[XW:[a-zA-Z0-9_]+]] = arith.extf %[[X]] : bf16 to f32
// CHECK:   arith.mulf %[[XW]], %[[XW]] : f32
// CHECK: ^bb0(%{{.*}}: f32, %[[GB:[a-zA-Z0-9_]+]]: bf16, %{{.*}}: f32):
// CHECK:   arith.extf %[[GB]] : bf16 to f32
// CHECK: ^bb0(%[[VB:[a-zA-Z0-9_]+]]: bf16, %[[SC:[a-zA-Z0-9_]+]]: f32, %{{.*}}: bf16):
// CHECK:   %[[VW:[a-zA-Z0-9_]+]] = arith.extf %[[VB]] : bf16 to f32
// CHECK:   %[[P:[a-zA-Z0-9_]+]] = arith.mulf %[[VW]], %[[SC]] : f32
// CHECK:   %[[R:[a-zA-Z0-9_]+]] = arith.truncf %[[P]] : f32 to bf16
// CHECK:   linalg.yield %[[R]] : bf16
func.func @bf16_accumulates_in_f32(%v: tensor<8x16xbf16>, %g: tensor<8x1xbf16>, %init: tensor<8x16xbf16>) -> tensor<8x16xbf16> {
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<8x16xbf16>, tensor<8x1xbf16>) outs(%init : tensor<8x16xbf16>) -> tensor<8x16xbf16>
  return %w : tensor<8x16xbf16>
}

// -----

/// Dynamic sizes: the accumulator is sized from v along dim.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<?x?xf16>
// CHECK: %[[C1:[a-zA-Z0-9_]+]] = arith.constant 1 : index
// CHECK: %[[D:[a-zA-Z0-9_]+]] = tensor.dim %[[V]], %[[C1]] : tensor<?x?xf16>
// CHECK: tensor.empty(%[[D]]) : tensor<?xf32>
func.func @dynamic(%v: tensor<?x?xf16>, %g: tensor<?xf16>, %init: tensor<?x?xf16>) -> tensor<?x?xf16> {
  %w = wn.weight_norm dim(1) ins(%v, %g : tensor<?x?xf16>, tensor<?xf16>) outs(%init : tensor<?x?xf16>) -> tensor<?x?xf16>
  return %w : tensor<?x?xf16>
}
