// RUN: wn-opt %s --wn-cache-weights | FileCheck %s

/// A function with more weight arguments than a machine word has bits (100,
/// plus an activation): the arguments erased from _cached and the prepared
/// values appended to it are tracked separately (a regression test: their
/// bit vector once had f's size only).
// CHECK-LABEL: func.func @many_prepare(
// CHECK-COUNT-50: wn.weight_norm dim(0)
// CHECK: return
// CHECK-LABEL: func.func @many_cached(
// CHECK-SAME: %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32>, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false}, %{{[a-zA-Z0-9_]+}}: tensor<4x3xf32> {bufferization.writable = false})
// CHECK-NOT: wn.weight_norm
// CHECK: return
func.func @many(%x: tensor<4x3xf32>, %v0: tensor<4x3xf32>, %g0: tensor<4xf32>, %v1: tensor<4x3xf32>, %g1: tensor<4xf32>, %v2: tensor<4x3xf32>, %g2: tensor<4xf32>, %v3: tensor<4x3xf32>, %g3: tensor<4xf32>, %v4: tensor<4x3xf32>, %g4: tensor<4xf32>, %v5: tensor<4x3xf32>, %g5: tensor<4xf32>, %v6: tensor<4x3xf32>, %g6: tensor<4xf32>, %v7: tensor<4x3xf32>, %g7: tensor<4xf32>, %v8: tensor<4x3xf32>, %g8: tensor<4xf32>, %v9: tensor<4x3xf32>, %g9: tensor<4xf32>, %v10: tensor<4x3xf32>, %g10: tensor<4xf32>, %v11: tensor<4x3xf32>, %g11: tensor<4xf32>, %v12: tensor<4x3xf32>, %g12: tensor<4xf32>, %v13: tensor<4x3xf32>, %g13: tensor<4xf32>, %v14: tensor<4x3xf32>, %g14: tensor<4xf32>, %v15: tensor<4x3xf32>, %g15: tensor<4xf32>, %v16: tensor<4x3xf32>, %g16: tensor<4xf32>, %v17: tensor<4x3xf32>, %g17: tensor<4xf32>, %v18: tensor<4x3xf32>, %g18: tensor<4xf32>, %v19: tensor<4x3xf32>, %g19: tensor<4xf32>, %v20: tensor<4x3xf32>, %g20: tensor<4xf32>, %v21: tensor<4x3xf32>, %g21: tensor<4xf32>, %v22: tensor<4x3xf32>, %g22: tensor<4xf32>, %v23: tensor<4x3xf32>, %g23: tensor<4xf32>, %v24: tensor<4x3xf32>, %g24: tensor<4xf32>, %v25: tensor<4x3xf32>, %g25: tensor<4xf32>, %v26: tensor<4x3xf32>, %g26: tensor<4xf32>, %v27: tensor<4x3xf32>, %g27: tensor<4xf32>, %v28: tensor<4x3xf32>, %g28: tensor<4xf32>, %v29: tensor<4x3xf32>, %g29: tensor<4xf32>, %v30: tensor<4x3xf32>, %g30: tensor<4xf32>, %v31: tensor<4x3xf32>, %g31: tensor<4xf32>, %v32: tensor<4x3xf32>, %g32: tensor<4xf32>, %v33: tensor<4x3xf32>, %g33: tensor<4xf32>, %v34: tensor<4x3xf32>, %g34: tensor<4xf32>, %v35: tensor<4x3xf32>, %g35: tensor<4xf32>, %v36: tensor<4x3xf32>, %g36: tensor<4xf32>, %v37: tensor<4x3xf32>, %g37: tensor<4xf32>, %v38: tensor<4x3xf32>, %g38: tensor<4xf32>, %v39: tensor<4x3xf32>, %g39: tensor<4xf32>, %v40: tensor<4x3xf32>, %g40: tensor<4xf32>, %v41: tensor<4x3xf32>, %g41: tensor<4xf32>, %v42: tensor<4x3xf32>, %g42: tensor<4xf32>, %v43: tensor<4x3xf32>, %g43: tensor<4xf32>, %v44: tensor<4x3xf32>, %g44: tensor<4xf32>, %v45: tensor<4x3xf32>, %g45: tensor<4xf32>, %v46: tensor<4x3xf32>, %g46: tensor<4xf32>, %v47: tensor<4x3xf32>, %g47: tensor<4xf32>, %v48: tensor<4x3xf32>, %g48: tensor<4xf32>, %v49: tensor<4x3xf32>, %g49: tensor<4xf32>) -> tensor<4x3xf32> {
  %e = tensor.empty() : tensor<4x3xf32>
  %w0 = wn.weight_norm dim(0) ins(%v0, %g0 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s0 = linalg.add ins(%x, %w0 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w1 = wn.weight_norm dim(0) ins(%v1, %g1 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s1 = linalg.add ins(%s0, %w1 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w2 = wn.weight_norm dim(0) ins(%v2, %g2 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s2 = linalg.add ins(%s1, %w2 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w3 = wn.weight_norm dim(0) ins(%v3, %g3 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s3 = linalg.add ins(%s2, %w3 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w4 = wn.weight_norm dim(0) ins(%v4, %g4 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s4 = linalg.add ins(%s3, %w4 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w5 = wn.weight_norm dim(0) ins(%v5, %g5 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s5 = linalg.add ins(%s4, %w5 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w6 = wn.weight_norm dim(0) ins(%v6, %g6 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s6 = linalg.add ins(%s5, %w6 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w7 = wn.weight_norm dim(0) ins(%v7, %g7 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s7 = linalg.add ins(%s6, %w7 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w8 = wn.weight_norm dim(0) ins(%v8, %g8 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s8 = linalg.add ins(%s7, %w8 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w9 = wn.weight_norm dim(0) ins(%v9, %g9 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s9 = linalg.add ins(%s8, %w9 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w10 = wn.weight_norm dim(0) ins(%v10, %g10 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s10 = linalg.add ins(%s9, %w10 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w11 = wn.weight_norm dim(0) ins(%v11, %g11 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s11 = linalg.add ins(%s10, %w11 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w12 = wn.weight_norm dim(0) ins(%v12, %g12 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s12 = linalg.add ins(%s11, %w12 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w13 = wn.weight_norm dim(0) ins(%v13, %g13 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s13 = linalg.add ins(%s12, %w13 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w14 = wn.weight_norm dim(0) ins(%v14, %g14 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s14 = linalg.add ins(%s13, %w14 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w15 = wn.weight_norm dim(0) ins(%v15, %g15 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s15 = linalg.add ins(%s14, %w15 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w16 = wn.weight_norm dim(0) ins(%v16, %g16 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s16 = linalg.add ins(%s15, %w16 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w17 = wn.weight_norm dim(0) ins(%v17, %g17 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s17 = linalg.add ins(%s16, %w17 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w18 = wn.weight_norm dim(0) ins(%v18, %g18 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s18 = linalg.add ins(%s17, %w18 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w19 = wn.weight_norm dim(0) ins(%v19, %g19 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s19 = linalg.add ins(%s18, %w19 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w20 = wn.weight_norm dim(0) ins(%v20, %g20 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s20 = linalg.add ins(%s19, %w20 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w21 = wn.weight_norm dim(0) ins(%v21, %g21 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s21 = linalg.add ins(%s20, %w21 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w22 = wn.weight_norm dim(0) ins(%v22, %g22 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s22 = linalg.add ins(%s21, %w22 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w23 = wn.weight_norm dim(0) ins(%v23, %g23 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s23 = linalg.add ins(%s22, %w23 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w24 = wn.weight_norm dim(0) ins(%v24, %g24 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s24 = linalg.add ins(%s23, %w24 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w25 = wn.weight_norm dim(0) ins(%v25, %g25 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s25 = linalg.add ins(%s24, %w25 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w26 = wn.weight_norm dim(0) ins(%v26, %g26 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s26 = linalg.add ins(%s25, %w26 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w27 = wn.weight_norm dim(0) ins(%v27, %g27 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s27 = linalg.add ins(%s26, %w27 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w28 = wn.weight_norm dim(0) ins(%v28, %g28 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s28 = linalg.add ins(%s27, %w28 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w29 = wn.weight_norm dim(0) ins(%v29, %g29 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s29 = linalg.add ins(%s28, %w29 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w30 = wn.weight_norm dim(0) ins(%v30, %g30 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s30 = linalg.add ins(%s29, %w30 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w31 = wn.weight_norm dim(0) ins(%v31, %g31 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s31 = linalg.add ins(%s30, %w31 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w32 = wn.weight_norm dim(0) ins(%v32, %g32 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s32 = linalg.add ins(%s31, %w32 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w33 = wn.weight_norm dim(0) ins(%v33, %g33 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s33 = linalg.add ins(%s32, %w33 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w34 = wn.weight_norm dim(0) ins(%v34, %g34 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s34 = linalg.add ins(%s33, %w34 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w35 = wn.weight_norm dim(0) ins(%v35, %g35 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s35 = linalg.add ins(%s34, %w35 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w36 = wn.weight_norm dim(0) ins(%v36, %g36 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s36 = linalg.add ins(%s35, %w36 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w37 = wn.weight_norm dim(0) ins(%v37, %g37 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s37 = linalg.add ins(%s36, %w37 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w38 = wn.weight_norm dim(0) ins(%v38, %g38 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s38 = linalg.add ins(%s37, %w38 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w39 = wn.weight_norm dim(0) ins(%v39, %g39 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s39 = linalg.add ins(%s38, %w39 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w40 = wn.weight_norm dim(0) ins(%v40, %g40 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s40 = linalg.add ins(%s39, %w40 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w41 = wn.weight_norm dim(0) ins(%v41, %g41 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s41 = linalg.add ins(%s40, %w41 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w42 = wn.weight_norm dim(0) ins(%v42, %g42 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s42 = linalg.add ins(%s41, %w42 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w43 = wn.weight_norm dim(0) ins(%v43, %g43 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s43 = linalg.add ins(%s42, %w43 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w44 = wn.weight_norm dim(0) ins(%v44, %g44 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s44 = linalg.add ins(%s43, %w44 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w45 = wn.weight_norm dim(0) ins(%v45, %g45 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s45 = linalg.add ins(%s44, %w45 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w46 = wn.weight_norm dim(0) ins(%v46, %g46 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s46 = linalg.add ins(%s45, %w46 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w47 = wn.weight_norm dim(0) ins(%v47, %g47 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s47 = linalg.add ins(%s46, %w47 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w48 = wn.weight_norm dim(0) ins(%v48, %g48 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s48 = linalg.add ins(%s47, %w48 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %w49 = wn.weight_norm dim(0) ins(%v49, %g49 : tensor<4x3xf32>, tensor<4xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %s49 = linalg.add ins(%s48, %w49 : tensor<4x3xf32>, tensor<4x3xf32>) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %s49 : tensor<4x3xf32>
}
