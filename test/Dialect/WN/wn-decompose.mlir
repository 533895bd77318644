// RUN: wn-opt %s -wn-decompose -split-input-file | FileCheck %s

/// dim 0, keepdim g, f32: computed in f64 (exact squares, one running sum
/// per slice, as fused multiply-adds), the scale per row as an f32 pair, the
/// scaled copy in f32 as fma(v, hi, v * lo), rounded once.
// CHECK-DAG: #[[ID:[a-zA-Z0-9_]+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:[a-zA-Z0-9_]+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[ID1:[a-zA-Z0-9_]+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[GKEEP:[a-zA-Z0-9_]+]] = affine_map<(d0) -> (d0, 0, 0)>
// CHECK-LABEL: func.func @dim0_keepdim
// CHECK-SAME: (%[[V:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<64x1x1xf32>, %[[I:[a-zA-Z0-9_]+]]: tensor<64x32x3xf32>)
// CHECK: %[[ZERO:[a-zA-Z0-9_]+]] = arith.constant 0.000000e+00 : f64
// CHECK: %[[E:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<64xf64>
// CHECK: %[[SUM0:[a-zA-Z0-9_]+]] = linalg.fill ins(%[[ZERO]] : f64) outs(%[[E]] : tensor<64xf64>)
// CHECK: %[[SUM:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK-SAME: ins(%[[V]] : tensor<64x32x3xf32>) outs(%[[SUM0]] : tensor<64xf64>)
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %[[ACC:[a-zA-Z0-9_]+]]: f64):
// CHECK:   %[[XW:[a-zA-Z0-9_]+]] = arith.extf %[[X]] : f32 to f64
// CHECK:   %[[ADD:[a-zA-Z0-9_]+]] = math.fma %[[XW]], %[[XW]], %[[ACC]] : f64
// CHECK:   linalg.yield %[[ADD]] : f64
// CHECK: %[[SE:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<64xf32>
// CHECK: %[[SE2:[a-zA-Z0-9_]+]] = tensor.empty() : tensor<64xf32>
// CHECK: %[[SCALE:[a-zA-Z0-9_]+]]:2 = linalg.generic {indexing_maps = [#[[ID1]], #[[GKEEP]], #[[ID1]], #[[ID1]]], iterator_types = ["parallel"]}
// CHECK-SAME: ins(%[[SUM]], %[[G]] : tensor<64xf64>, tensor<64x1x1xf32>) outs(%[[SE]], %[[SE2]] : tensor<64xf32>, tensor<64xf32>)
// CHECK: ^bb0(%[[S:[a-zA-Z0-9_]+]]: f64, %[[GV:[a-zA-Z0-9_]+]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK:   %[[GW:[a-zA-Z0-9_]+]] = arith.extf %[[GV]] : f32 to f64
// CHECK:   %[[N:[a-zA-Z0-9_]+]] = math.sqrt %[[S]] : f64
// CHECK:   %[[DIV:[a-zA-Z0-9_]+]] = arith.divf %[[GW]], %[[N]] : f64
// CHECK:   %[[HI:[a-zA-Z0-9_]+]] = arith.truncf %[[DIV]] : f64 to f32
// CHECK:   %[[HIW:[a-zA-Z0-9_]+]] = arith.extf %[[HI]] : f32 to f64
// CHECK:   %[[REST:[a-zA-Z0-9_]+]] = arith.subf %[[DIV]], %[[HIW]] : f64
// CHECK:   %[[LO:[a-zA-Z0-9_]+]] = arith.truncf %[[REST]] : f64 to f32
// CHECK:   linalg.yield %[[HI]], %[[LO]] : f32, f32
// CHECK: %[[W:[a-zA-Z0-9_]+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[V]], %[[SCALE]]#0, %[[SCALE]]#1 : tensor<64x32x3xf32>, tensor<64xf32>, tensor<64xf32>) outs(%[[I]] : tensor<64x32x3xf32>)
// CHECK: ^bb0(%[[VX:[a-zA-Z0-9_]+]]: f32, %[[SH:[a-zA-Z0-9_]+]]: f32, %[[SL:[a-zA-Z0-9_]+]]: f32, %{{.*}}: f32):
// CHECK:   %[[PL:[a-zA-Z0-9_]+]] = arith.mulf %[[VX]], %[[SL]] : f32
// CHECK:   %[[R:[a-zA-Z0-9_]+]] = math.fma %[[VX]], %[[SH]], %[[PL]] : f32
// CHECK:   linalg.yield %[[R]] : f32
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
// CHECK-SAME: outs(%{{.*}} : tensor<32xf64>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<32xf64>, tensor<32xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[MID]], #[[MID]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]}
func.func @middle_negative_flat(%v: tensor<64x32x3xf32>, %g: tensor<32xf32>, %init: tensor<64x32x3xf32>) -> tensor<64x32x3xf32> {
  %w = wn.weight_norm dim(-2) ins(%v, %g : tensor<64x32x3xf32>, tensor<32xf32>) outs(%init : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// The whole-tensor norm reduces to a 0-d accumulator and reads g at its only
/// element. f64 is double-double: TwoSum and the square's exact error (an
/// FMA) accumulate in the low part; the norm and the scale g / norm get low
/// parts too, and w = fma(v, scale_hi, v * scale_lo).
// CHECK-DAG: #[[ALL:[a-zA-Z0-9_]+]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[NONE:[a-zA-Z0-9_]+]] = affine_map<() -> ()>
// CHECK-DAG: #[[G00:[a-zA-Z0-9_]+]] = affine_map<() -> (0, 0)>
// CHECK-LABEL: func.func @whole_tensor
// CHECK: tensor.empty() : tensor<f64>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ALL]], #[[ALL]]], iterator_types = ["reduction", "reduction"]}
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f64, %[[HI:[a-zA-Z0-9_]+]]: f64, %[[LO:[a-zA-Z0-9_]+]]: f64):
// CHECK:   %[[SQ:[a-zA-Z0-9_]+]] = arith.mulf %[[X]], %[[X]] : f64
// CHECK:   %[[T:[a-zA-Z0-9_]+]] = arith.addf %[[HI]], %[[SQ]] : f64
// CHECK:   %[[BV:[a-zA-Z0-9_]+]] = arith.subf %[[T]], %[[HI]] : f64
// CHECK:   %[[E1:[a-zA-Z0-9_]+]] = arith.subf %[[SQ]], %[[BV]] : f64
// CHECK:   %[[AV:[a-zA-Z0-9_]+]] = arith.subf %[[T]], %[[BV]] : f64
// CHECK:   %[[E2:[a-zA-Z0-9_]+]] = arith.subf %[[HI]], %[[AV]] : f64
// CHECK:   %[[ERR:[a-zA-Z0-9_]+]] = arith.addf %[[E2]], %[[E1]] : f64
// CHECK:   %[[NSQ:[a-zA-Z0-9_]+]] = arith.negf %[[SQ]] : f64
// CHECK:   %[[SQERR:[a-zA-Z0-9_]+]] = math.fma %[[X]], %[[X]], %[[NSQ]] : f64
// CHECK:   %[[ERRS:[a-zA-Z0-9_]+]] = arith.addf %[[ERR]], %[[SQERR]] : f64
// CHECK:   %[[NLO:[a-zA-Z0-9_]+]] = arith.addf %[[LO]], %[[ERRS]] : f64
// CHECK:   linalg.yield %[[T]], %[[NLO]] : f64, f64
// CHECK: linalg.generic {indexing_maps = [#[[NONE]], #[[NONE]], #[[G00]], #[[NONE]], #[[NONE]]], iterator_types = []}
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<f64>, tensor<f64>, tensor<1x1xf64>) outs(%{{.*}}, %{{.*}} : tensor<f64>, tensor<f64>)
// CHECK:   %[[SLICE:[a-zA-Z0-9_]+]]:4 = scf.if %{{.*}} -> (f64, f64, f64, f64) {
// CHECK:   } else {
// CHECK:     %[[R:[a-zA-Z0-9_]+]] = math.sqrt
// CHECK:     math.fma %{{.*}}, %[[R]], %{{.*}} : f64
// CHECK:     arith.cmpf ogt, %[[R]]
// CHECK:     arith.select
// CHECK:     %[[Q:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[R]] : f64
// CHECK:     %[[QLO:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[R]] : f64
// CHECK:     scf.yield %[[R]], %{{.*}}, %[[Q]], %[[QLO]] : f64, f64, f64, f64
// CHECK:   linalg.yield %[[SLICE]]#2, %[[SLICE]]#3 : f64, f64
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[ALL]], #[[ALL]], #{{.*}}], iterator_types = ["parallel", "parallel"]}
// CHECK: ^bb0(%[[V:[a-zA-Z0-9_]+]]: f64, %[[SH:[a-zA-Z0-9_]+]]: f64, %[[SL:[a-zA-Z0-9_]+]]: f64, %{{.*}}: f64):
// CHECK:   %[[PL:[a-zA-Z0-9_]+]] = arith.mulf %[[V]], %[[SL]] : f64
// CHECK:   %[[W:[a-zA-Z0-9_]+]] = math.fma %[[V]], %[[SH]], %[[PL]] : f64
// CHECK:   linalg.yield %[[W]] : f64
func.func @whole_tensor(%v: tensor<40x20xf64>, %g: tensor<1x1xf64>, %init: tensor<40x20xf64>) -> tensor<40x20xf64> {
  %w = wn.weight_norm ins(%v, %g : tensor<40x20xf64>, tensor<1x1xf64>) outs(%init : tensor<40x20xf64>) -> tensor<40x20xf64>
  return %w : tensor<40x20xf64>
}

// -----

/// bf16 is widened to f32 before any arithmetic and rounded once at the end;
/// its sum of squares is compensated (Kahan).
// CHECK-LABEL: func.func @bf16_accumulates_in_f32
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: tensor.empty() : tensor<8xf32>
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: bf16, %{{.*}}: f32, %{{.*}}: f32):
// CHECK:   %[[XW:[a-zA-Z0-9_]+]] = arith.extf %[[X]] : bf16 to f32
// CHECK:   %[[SQB:[a-zA-Z0-9_]+]] = arith.mulf %[[XW]], %[[XW]] : f32
// CHECK:   %[[YB:[a-zA-Z0-9_]+]] = arith.addf %[[SQB]], %{{.*}} : f32
// CHECK:   %[[TB:[a-zA-Z0-9_]+]] = arith.addf %{{.*}}, %[[YB]] : f32
// CHECK:   %[[DB:[a-zA-Z0-9_]+]] = arith.subf %[[TB]], %{{.*}} : f32
// CHECK:   %[[LB:[a-zA-Z0-9_]+]] = arith.subf %[[YB]], %[[DB]] : f32
// CHECK:   linalg.yield %[[TB]], %[[LB]] : f32, f32
// CHECK: ^bb0(%{{.*}}: f32, %{{.*}}: f32, %[[GB:[a-zA-Z0-9_]+]]: bf16, %{{.*}}: f32):
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

// -----

/// eps is added to the compensated sum before the square root, rounded to
/// the accumulation type (f32 for f16).
// CHECK-LABEL: func.func @eps_f16
// CHECK: linalg.generic
// CHECK: ^bb0(%[[S:[a-zA-Z0-9_]+]]: f32, %[[C:[a-zA-Z0-9_]+]]: f32, %{{.*}}: f16, %{{.*}}: f32):
// CHECK:   %[[EPS:[a-zA-Z0-9_]+]] = arith.constant 9.99999996E-13 : f32
// CHECK:   %[[T:[a-zA-Z0-9_]+]] = arith.addf %[[S]], %[[C]] : f32
// CHECK:   %[[TE:[a-zA-Z0-9_]+]] = arith.addf %[[T]], %[[EPS]] : f32
// CHECK:   math.sqrt %[[TE]] : f32
func.func @eps_f16(%v: tensor<8x16xf16>, %g: tensor<16xf16>, %init: tensor<8x16xf16>) -> tensor<8x16xf16> {
  %w = wn.weight_norm dim(1) eps(1.0e-12) ins(%v, %g : tensor<8x16xf16>, tensor<16xf16>) outs(%init : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %w : tensor<8x16xf16>
}

// -----

/// The norm result: its keepdim destination is collapsed to the per-slice
/// domain, written by the scale generic as its second output and expanded
/// back to g's shape.
// CHECK-LABEL: func.func @norm_keepdim
// CHECK-SAME: %[[NI:[a-zA-Z0-9_]+]]: tensor<1x?x1xf32>)
// CHECK: %[[NC:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[NI]] {{\[}}[0, 1, 2]] : tensor<1x?x1xf32> into tensor<?xf32>
// CHECK: %[[SC:[a-zA-Z0-9_]+]]:2 = linalg.generic
// CHECK-SAME: outs(%{{.*}}, %[[NC]] : tensor<?xf32>, tensor<?xf32>)
// CHECK:   %[[SLICE:[a-zA-Z0-9_]+]]:2 = scf.if %{{.*}} -> (f32, f32) {
// CHECK:   } else {
// CHECK:     %[[N:[a-zA-Z0-9_]+]] = math.sqrt
// CHECK:     %[[D:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[N]] : f32
// CHECK:     scf.yield %[[N]], %[[D]] : f32, f32
// CHECK:   linalg.yield %[[SLICE]]#1, %[[SLICE]]#0 : f32, f32
// CHECK: %[[NE:[a-zA-Z0-9_]+]] = tensor.expand_shape %[[SC]]#1 {{\[}}[0, 1, 2]] output_shape [1, %{{.*}}, 1] : tensor<?xf32> into tensor<1x?x1xf32>
// CHECK: %[[W:[a-zA-Z0-9_]+]] = linalg.generic
// CHECK: return %[[W]], %[[NE]]
func.func @norm_keepdim(%v: tensor<4x?x5xbf16>, %g: tensor<1x?x1xbf16>, %init: tensor<4x?x5xbf16>, %ninit: tensor<1x?x1xf32>) -> (tensor<4x?x5xbf16>, tensor<1x?x1xf32>) {
  %w, %n = wn.weight_norm dim(1) ins(%v, %g : tensor<4x?x5xbf16>, tensor<1x?x1xbf16>) outs(%init, %ninit : tensor<4x?x5xbf16>, tensor<1x?x1xf32>) -> tensor<4x?x5xbf16>, tensor<1x?x1xf32>
  return %w, %n : tensor<4x?x5xbf16>, tensor<1x?x1xf32>
}

// -----

/// A flat norm needs no reshape; an all-ones whole-tensor norm collapses to
/// 0-d; a 0-d one is used as it is. (f64: the scale generic also writes the
/// scale's low part, before the norm.)
// CHECK-LABEL: func.func @norm_flat_and_whole
// CHECK-SAME: (%{{.*}}: tensor<6x7xf64>, %{{.*}}: tensor<7xf64>, %[[NF:[a-zA-Z0-9_]+]]: tensor<7xf64>, %{{.*}}: tensor<1x1xf64>, %[[NO:[a-zA-Z0-9_]+]]: tensor<1x1xf64>, %{{.*}}: tensor<f64>, %[[NS:[a-zA-Z0-9_]+]]: tensor<f64>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %{{.*}}, %[[NF]] : tensor<7xf64>, tensor<7xf64>, tensor<7xf64>)
// CHECK: %[[NOC:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[NO]] [] : tensor<1x1xf64> into tensor<f64>
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %{{.*}}, %[[NOC]] : tensor<f64>, tensor<f64>, tensor<f64>)
// CHECK: tensor.expand_shape %{{.*}} [] output_shape [1, 1] : tensor<f64> into tensor<1x1xf64>
// CHECK: linalg.generic {{.*}} outs(%{{.*}}, %{{.*}}, %[[NS]] : tensor<f64>, tensor<f64>, tensor<f64>)
// CHECK-NOT: tensor.expand_shape
// CHECK: return
func.func @norm_flat_and_whole(%v: tensor<6x7xf64>, %gf: tensor<7xf64>, %nf: tensor<7xf64>, %go: tensor<1x1xf64>, %no: tensor<1x1xf64>, %gs: tensor<f64>, %ns: tensor<f64>) -> (tensor<6x7xf64>, tensor<7xf64>, tensor<6x7xf64>, tensor<1x1xf64>, tensor<6x7xf64>, tensor<f64>) {
  %w1, %n1 = wn.weight_norm dim(1) ins(%v, %gf : tensor<6x7xf64>, tensor<7xf64>) outs(%v, %nf : tensor<6x7xf64>, tensor<7xf64>) -> tensor<6x7xf64>, tensor<7xf64>
  %w2, %n2 = wn.weight_norm ins(%v, %go : tensor<6x7xf64>, tensor<1x1xf64>) outs(%v, %no : tensor<6x7xf64>, tensor<1x1xf64>) -> tensor<6x7xf64>, tensor<1x1xf64>
  %w3, %n3 = wn.weight_norm eps(0.5) ins(%v, %gs : tensor<6x7xf64>, tensor<f64>) outs(%v, %ns : tensor<6x7xf64>, tensor<f64>) -> tensor<6x7xf64>, tensor<f64>
  return %w1, %n1, %w2, %n2, %w3, %n3 : tensor<6x7xf64>, tensor<7xf64>, tensor<6x7xf64>, tensor<1x1xf64>, tensor<6x7xf64>, tensor<f64>
}

// -----

/// wn.weight_norm_scale: the same sum of squares and per-slice generic, whose
/// one output is the scale rounded to the accumulation type (its keepdim
/// destination collapsed and the result expanded back); no scaled copy of v.
// CHECK-LABEL: func.func @scale_keepdim
// CHECK-SAME: %[[V:[a-zA-Z0-9_]+]]: tensor<4x6xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<1x6xf32>, %[[S:[a-zA-Z0-9_]+]]: tensor<1x6xf32>)
// CHECK: %[[SUM:[a-zA-Z0-9_]+]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]{{.*}} ins(%[[V]] : tensor<4x6xf32>)
// CHECK:   math.fma %{{.*}} : f64
// CHECK: %[[SC:[a-zA-Z0-9_]+]] = tensor.collapse_shape %[[S]] {{\[}}[0, 1]] : tensor<1x6xf32> into tensor<6xf32>
// CHECK: %[[Q:[a-zA-Z0-9_]+]] = linalg.generic {{.*}} ins(%[[SUM]], %[[G]] : tensor<6xf64>, tensor<1x6xf32>) outs(%[[SC]] : tensor<6xf32>)
// CHECK:   %[[N:[a-zA-Z0-9_]+]] = math.sqrt %{{.*}} : f64
// CHECK:   %[[D:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[N]] : f64
// CHECK:   %[[R:[a-zA-Z0-9_]+]] = arith.truncf %[[D]] : f64 to f32
// CHECK:   linalg.yield %[[R]] : f32
// CHECK: %[[E:[a-zA-Z0-9_]+]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1]] output_shape [1, 6] : tensor<6xf32> into tensor<1x6xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[E]]
func.func @scale_keepdim(%v: tensor<4x6xf32>, %g: tensor<1x6xf32>, %s: tensor<1x6xf32>) -> tensor<1x6xf32> {
  %r = wn.weight_norm_scale dim(1) ins(%v, %g : tensor<4x6xf32>, tensor<1x6xf32>) outs(%s : tensor<1x6xf32>) -> tensor<1x6xf32>
  return %r : tensor<1x6xf32>
}

// -----

/// f64: the double-double scale is rounded once (hi + lo) to f64.
// CHECK-LABEL: func.func @scale_f64
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK: ^bb0(%{{.*}}: f64, %{{.*}}: f64, %[[GA:[a-zA-Z0-9_]+]]: f64, %{{.*}}: f64):
// CHECK:   %[[SLICE:[a-zA-Z0-9_]+]]:4 = scf.if
// CHECK:   } else {
// CHECK:     %[[Q:[a-zA-Z0-9_]+]] = arith.divf %[[GA]], %{{.*}} : f64
// CHECK:     %[[QLO:[a-zA-Z0-9_]+]] = arith.divf
// CHECK:     scf.yield %{{.*}}, %{{.*}}, %[[Q]], %[[QLO]] : f64, f64, f64, f64
// CHECK:   %[[R:[a-zA-Z0-9_]+]] = arith.addf %[[SLICE]]#2, %[[SLICE]]#3 : f64
// CHECK:   linalg.yield %[[R]] : f64
func.func @scale_f64(%v: tensor<4x6xf64>, %g: tensor<f64>, %s: tensor<f64>) -> tensor<f64> {
  %r = wn.weight_norm_scale ins(%v, %g : tensor<4x6xf64>, tensor<f64>) outs(%s : tensor<f64>) -> tensor<f64>
  return %r : tensor<f64>
}

// -----

/// wn.weight_norm_backward, f32: one reduction generic reads v and grad_w
/// and sums v * v and v * grad_w in f64; the per-slice generic computes the
/// factors a = g / n and b' = a (s / n) / (n 2^-k) as f32 pairs, the scale
/// of v 2^-k (k = floor(log2 n) from n's bits, clamped to f32's exponents)
/// and grad_g = s / n rounded to f32; the elementwise generic forms
/// a grad_w - b' (v 2^-k) with both products exact.
// CHECK-DAG: #[[ID:[a-zA-Z0-9_]+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:[a-zA-Z0-9_]+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @backward_f32_dim1
// CHECK-SAME: (%[[GW:[a-zA-Z0-9_]+]]: tensor<8x5xf32>, %[[V:[a-zA-Z0-9_]+]]: tensor<8x5xf32>, %[[G:[a-zA-Z0-9_]+]]: tensor<5xf32>)
// CHECK: %[[SUMS:[a-zA-Z0-9_]+]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[COL]], #[[COL]]], iterator_types = ["reduction", "parallel"]}
// CHECK-SAME: ins(%[[V]], %[[GW]] : tensor<8x5xf32>, tensor<8x5xf32>)
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f32, %[[Y:[a-zA-Z0-9_]+]]: f32, %[[SQ:[a-zA-Z0-9_]+]]: f64, %[[DOT:[a-zA-Z0-9_]+]]: f64):
// CHECK:   %[[XW:[a-zA-Z0-9_]+]] = arith.extf %[[X]] : f32 to f64
// CHECK:   %[[SQ1:[a-zA-Z0-9_]+]] = math.fma %[[XW]], %[[XW]], %[[SQ]] : f64
// CHECK:   %[[YW:[a-zA-Z0-9_]+]] = arith.extf %[[Y]] : f32 to f64
// CHECK:   %[[DOT1:[a-zA-Z0-9_]+]] = math.fma %[[XW]], %[[YW]], %[[DOT]] : f64
// CHECK:   linalg.yield %[[SQ1]], %[[DOT1]] : f64, f64
// CHECK: %[[F:[a-zA-Z0-9_]+]]:6 = linalg.generic {{.*}} ins(%[[SUMS]]#0, %[[SUMS]]#1, %[[G]] : tensor<5xf64>, tensor<5xf64>, tensor<5xf32>)
// CHECK: %[[N:[a-zA-Z0-9_]+]] = math.sqrt
// The forward's scale (unused here, removed by CSE and DCE), then 2^-k.
// CHECK: arith.divf %{{.*}}, %[[N]] : f64
// CHECK: arith.bitcast %[[N]] : f64 to i64
// CHECK: %[[DOWN:[a-zA-Z0-9_]+]] = arith.bitcast %{{.*}} : i64 to f64
// CHECK: %[[NS:[a-zA-Z0-9_]+]] = arith.mulf %[[N]], %[[DOWN]] : f64
// CHECK: %[[VS:[a-zA-Z0-9_]+]] = arith.truncf %[[DOWN]] : f64 to f32
// CHECK: %[[A:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[N]] : f64
// CHECK: %[[C:[a-zA-Z0-9_]+]] = arith.divf %{{.*}}, %[[N]] : f64
// CHECK: %[[AC:[a-zA-Z0-9_]+]] = arith.mulf %[[A]], %[[C]] : f64
// CHECK: %[[B:[a-zA-Z0-9_]+]] = arith.divf %[[AC]], %[[NS]] : f64
// CHECK: %[[GG:[a-zA-Z0-9_]+]] = arith.truncf %[[C]] : f64 to f32
// CHECK: linalg.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[VS]], %[[GG]] : f32, f32, f32, f32, f32, f32
// CHECK: %[[GV:[a-zA-Z0-9_]+]] = linalg.generic {{.*}} ins(%[[GW]], %[[V]], %[[F]]#0, %[[F]]#1, %[[F]]#2, %[[F]]#3, %[[F]]#4 : tensor<8x5xf32>, tensor<8x5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>, tensor<5xf32>)
// CHECK: ^bb0(%[[GWX:[a-zA-Z0-9_]+]]: f32, %[[VX0:[a-zA-Z0-9_]+]]: f32, %[[AH:[a-zA-Z0-9_]+]]: f32, %[[AL:[a-zA-Z0-9_]+]]: f32, %[[BH:[a-zA-Z0-9_]+]]: f32, %[[BL:[a-zA-Z0-9_]+]]: f32, %[[SV:[a-zA-Z0-9_]+]]: f32, %{{.*}}: f32):
// CHECK:   %[[P1:[a-zA-Z0-9_]+]] = arith.mulf %[[AH]], %[[GWX]] : f32
// CHECK:   %[[NP1:[a-zA-Z0-9_]+]] = arith.negf %[[P1]] : f32
// CHECK:   %[[E1:[a-zA-Z0-9_]+]] = math.fma %[[AH]], %[[GWX]], %[[NP1]] : f32
// CHECK:   %[[VX:[a-zA-Z0-9_]+]] = arith.mulf %[[VX0]], %[[SV]] : f32
// CHECK:   %[[P2:[a-zA-Z0-9_]+]] = arith.mulf %[[BH]], %[[VX]] : f32
// CHECK:   %[[NP2:[a-zA-Z0-9_]+]] = arith.negf %[[P2]] : f32
// CHECK:   %[[E2:[a-zA-Z0-9_]+]] = math.fma %[[BH]], %[[VX]], %[[NP2]] : f32
// CHECK:   %[[L1:[a-zA-Z0-9_]+]] = math.fma %[[AL]], %[[GWX]], %[[E1]] : f32
// CHECK:   %[[L2:[a-zA-Z0-9_]+]] = math.fma %[[BL]], %[[VX]], %[[E2]] : f32
// CHECK:   %[[LO:[a-zA-Z0-9_]+]] = arith.subf %[[L1]], %[[L2]] : f32
// CHECK:   %[[HI:[a-zA-Z0-9_]+]] = arith.subf %[[P1]], %[[P2]] : f32
// CHECK:   %[[R:[a-zA-Z0-9_]+]] = arith.addf %[[HI]], %[[LO]] : f32
// CHECK:   linalg.yield %[[R]] : f32
// CHECK: return %[[GV]], %[[F]]#5
func.func @backward_f32_dim1(%gw: tensor<8x5xf32>, %v: tensor<8x5xf32>, %g: tensor<5xf32>) -> (tensor<8x5xf32>, tensor<5xf32>) {
  %e = tensor.empty() : tensor<8x5xf32>
  %eg = tensor.empty() : tensor<5xf32>
  %gv, %gg = wn.weight_norm_backward dim(1) ins(%gw, %v, %g : tensor<8x5xf32>, tensor<8x5xf32>, tensor<5xf32>) outs(%e, %eg : tensor<8x5xf32>, tensor<5xf32>) -> tensor<8x5xf32>, tensor<5xf32>
  return %gv, %gg : tensor<8x5xf32>, tensor<5xf32>
}

// -----

/// f64 with the saved norm: only grad_w * v is summed (double-double, each
/// product's error by a fused multiply-add); the norm is read per slice and
/// the quotients are double-double.
// CHECK-LABEL: func.func @backward_f64_saved_norm
// CHECK-SAME: %[[N:[a-zA-Z0-9_]+]]: tensor<8xf64>)
// CHECK: %[[SUMS:[a-zA-Z0-9_]+]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: f64, %[[Y:[a-zA-Z0-9_]+]]: f64, %{{.*}}: f64, %{{.*}}: f64):
// CHECK:   %[[P:[a-zA-Z0-9_]+]] = arith.mulf %[[X]], %[[Y]] : f64
// CHECK:   %[[NP:[a-zA-Z0-9_]+]] = arith.negf %[[P]] : f64
// CHECK:   math.fma %[[X]], %[[Y]], %[[NP]] : f64
// CHECK-NOT: math.sqrt
// CHECK: linalg.generic {{.*}} ins(%[[SUMS]]#0, %[[SUMS]]#1, %{{.*}}, %[[N]] : tensor<8xf64>, tensor<8xf64>, tensor<8xf64>, tensor<8xf64>)
// CHECK-NOT: math.sqrt
// CHECK: return
func.func @backward_f64_saved_norm(%gw: tensor<8x5xf64>, %v: tensor<8x5xf64>, %g: tensor<8xf64>, %n: tensor<8xf64>) -> (tensor<8x5xf64>, tensor<8xf64>) {
  %e = tensor.empty() : tensor<8x5xf64>
  %eg = tensor.empty() : tensor<8xf64>
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g, %n : tensor<8x5xf64>, tensor<8x5xf64>, tensor<8xf64>, tensor<8xf64>) outs(%e, %eg : tensor<8x5xf64>, tensor<8xf64>) -> tensor<8x5xf64>, tensor<8xf64>
  return %gv, %gg : tensor<8x5xf64>, tensor<8xf64>
}
