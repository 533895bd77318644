// RUN: wn-opt %s -split-input-file -verify-diagnostics

/// dim past the last dimension.
func.func @dim_too_large(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'wn.weight_norm' op dim 2 is out of range for v of rank 2; expected -2 <= dim < 2}}
  %w = wn.weight_norm dim(2) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// Negative dim before the first dimension.
func.func @dim_too_small(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{dim -3 is out of range for v of rank 2; expected -2 <= dim < 2}}
  %w = "wn.weight_norm"(%v, %g, %v) <{dim = -3 : i64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// Keepdim g with the wrong size along dim.
func.func @g_wrong_size_at_dim(%v: tensor<64x32x3xf32>, %g: tensor<32x1x1xf32>) -> tensor<64x32x3xf32> {
  // expected-error @+1 {{g dimension 0 has size 32 but expected 64 (v.shape[0])}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<32x1x1xf32>) outs(%v : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// Keepdim g that is not 1 off dim.
func.func @g_not_one_off_dim(%v: tensor<64x32x3xf32>, %g: tensor<64x32x1xf32>) -> tensor<64x32x3xf32> {
  // expected-error @+1 {{g dimension 1 has size 32 but expected 1 (only dim 0 may differ from 1)}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x32x1xf32>) outs(%v : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// A dynamic size off dim cannot be proven to be 1.
func.func @g_dynamic_off_dim(%v: tensor<64x32x3xf32>, %g: tensor<64x?x1xf32>) -> tensor<64x32x3xf32> {
  // expected-error @+1 {{g dimension 1 has size ? but expected 1 (only dim 0 may differ from 1)}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x?x1xf32>) outs(%v : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// Flat g with the wrong number of elements, for a negative dim.
func.func @g_flat_wrong_size(%v: tensor<64x32x3xf32>, %g: tensor<64xf32>) -> tensor<64x32x3xf32> {
  // expected-error @+1 {{g dimension 0 has size 64 but expected 3 (v.shape[2], flat layout)}}
  %w = wn.weight_norm dim(-1) ins(%v, %g : tensor<64x32x3xf32>, tensor<64xf32>) outs(%v : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// g of a rank that is neither v's nor 1.
func.func @g_wrong_rank(%v: tensor<64x32x3xf32>, %g: tensor<64x1xf32>) -> tensor<64x32x3xf32> {
  // expected-error @+1 {{g must have rank 3 (v's rank, size 1 except dim 0) or rank 1 (flat, 64 elements), but has rank 2}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<64x32x3xf32>, tensor<64x1xf32>) outs(%v : tensor<64x32x3xf32>) -> tensor<64x32x3xf32>
  return %w : tensor<64x32x3xf32>
}

// -----

/// Whole-tensor g with a size other than 1.
func.func @whole_g_not_one(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{g dimension 0 has size 4 but expected 1 (whole-tensor norm)}}
  %w = wn.weight_norm ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// Whole-tensor g of an unrelated rank.
func.func @whole_g_wrong_rank(%v: tensor<4x5xf32>, %g: tensor<1x1x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{g of a whole-tensor norm must be 0-d or have rank 1 or 2 (v's rank) with every size 1, but has rank 3}}
  %w = wn.weight_norm ins(%v, %g : tensor<4x5xf32>, tensor<1x1x1xf32>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// Integer tensors are not weight-normed.
func.func @not_float(%v: tensor<4x5xi32>, %g: tensor<4x1xi32>) -> tensor<4x5xi32> {
  // expected-error @+1 {{v element type 'i32' is not supported; expected f16, bf16, f32 or f64}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x5xi32>, tensor<4x1xi32>) outs(%v : tensor<4x5xi32>) -> tensor<4x5xi32>
  return %w : tensor<4x5xi32>
}

// -----

/// Floats wn does not support.
func.func @unsupported_float(%v: tensor<4x5xf8E4M3FN>, %g: tensor<4x1xf8E4M3FN>) -> tensor<4x5xf8E4M3FN> {
  // expected-error @+1 {{v element type 'f8E4M3FN' is not supported; expected f16, bf16, f32 or f64}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x5xf8E4M3FN>, tensor<4x1xf8E4M3FN>) outs(%v : tensor<4x5xf8E4M3FN>) -> tensor<4x5xf8E4M3FN>
  return %w : tensor<4x5xf8E4M3FN>
}

// -----

/// g must share v's element type.
func.func @g_type_mismatch(%v: tensor<4x5xf32>, %g: tensor<4x1xf16>) -> tensor<4x5xf32> {
  // expected-error @+1 {{g element type 'f16' does not match v element type 'f32'}}
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf16>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// init must have v's type (element type).
func.func @init_type_mismatch(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>, %init: tensor<4x5xf64>) -> tensor<4x5xf64> {
  // expected-error @+1 {{init type 'tensor<4x5xf64>' does not match v type 'tensor<4x5xf32>'}}
  %w = "wn.weight_norm"(%v, %g, %init) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf64>) -> tensor<4x5xf64>
  return %w : tensor<4x5xf64>
}

// -----

/// init must have v's type (shape, static vs dynamic).
func.func @init_shape_mismatch(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>, %init: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{init type 'tensor<4x?xf32>' does not match v type 'tensor<4x5xf32>'}}
  %w = "wn.weight_norm"(%v, %g, %init) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x?xf32>) -> tensor<4x?xf32>
  return %w : tensor<4x?xf32>
}

// -----

/// The result must have v's type.
func.func @result_type_mismatch(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<5x4xf32> {
  // expected-error @+1 {{result type 'tensor<5x4xf32>' does not match v type 'tensor<4x5xf32>'}}
  %w = "wn.weight_norm"(%v, %g, %v) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>) -> tensor<5x4xf32>
  return %w : tensor<5x4xf32>
}

// -----

/// A 0-d v has no slices.
func.func @rank_zero(%v: tensor<f32>, %g: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{v must have rank at least 1, but has rank 0}}
  %w = wn.weight_norm ins(%v, %g : tensor<f32>, tensor<f32>) outs(%v : tensor<f32>) -> tensor<f32>
  return %w : tensor<f32>
}

// -----

/// Unranked tensors are rejected by the operand constraint.
func.func @unranked(%v: tensor<*xf32>, %g: tensor<f32>) -> tensor<*xf32> {
  // expected-error @+1 {{operand #0 must be ranked tensor or memref, but got 'tensor<*xf32>'}}
  %w = "wn.weight_norm"(%v, %g, %v) : (tensor<*xf32>, tensor<f32>, tensor<*xf32>) -> tensor<*xf32>
  return %w : tensor<*xf32>
}

// -----

/// dim must be an integer.
func.func @dim_not_integer(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{invalid properties {dim = 1.000000e+00 : f32} for op wn.weight_norm: Invalid attribute `dim` in property conversion: 1.000000e+00 : f32}}
  %w = "wn.weight_norm"(%v, %g, %v) <{dim = 1.0 : f32}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// dim must be a 64-bit integer.
func.func @dim_not_i64(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{attribute 'dim' failed to satisfy constraint: 64-bit signless integer attribute}}
  %w = "wn.weight_norm"(%v, %g, %v) <{dim = 1 : i32}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// On memrefs (buffer semantics) the op writes its destinations and has no
/// results.
func.func @memref_with_result(%v: memref<4x5xf32>, %g: memref<4x1xf32>) {
  // expected-error @+1 {{on memrefs the op has no results, but has 1}}
  %w = "wn.weight_norm"(%v, %g, %v) <{dim = 0 : i64}> : (memref<4x5xf32>, memref<4x1xf32>, memref<4x5xf32>) -> tensor<4x5xf32>
  return
}

// -----

/// eps must be positive.
func.func @eps_zero(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'wn.weight_norm' op eps must be positive and finite, but is 0.000000e+00}}
  %w = wn.weight_norm dim(0) eps(0.0) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// A negative eps would take the square root of a negative number.
func.func @eps_negative(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{eps must be positive and finite, but is -1.000000e-05}}
  %w = wn.weight_norm dim(0) eps(-1.0e-5) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// eps must be finite.
func.func @eps_nan(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{eps must be positive and finite, but is nan}}
  %w = "wn.weight_norm"(%v, %g, %v) <{dim = 0 : i64, eps = 0x7FF8000000000000 : f64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// eps is added in the accumulation type (f32 for bf16), where it must not
/// vanish...
func.func @eps_underflows(%v: tensor<4x5xbf16>, %g: tensor<4x1xbf16>) -> tensor<4x5xbf16> {
  // expected-error @+1 {{eps 1.000000e-50 underflows to 0 in the accumulation type 'f32'}}
  %w = wn.weight_norm dim(0) eps(1.0e-50) ins(%v, %g : tensor<4x5xbf16>, tensor<4x1xbf16>) outs(%v : tensor<4x5xbf16>) -> tensor<4x5xbf16>
  return %w : tensor<4x5xbf16>
}

// -----

/// ...nor overflow.
func.func @eps_overflows(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{eps 1.000000e+300 overflows to infinity in the accumulation type 'f32'}}
  %w = wn.weight_norm dim(0) eps(1.0e300) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// eps must be an f64 attribute.
func.func @eps_not_f64(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{attribute 'eps' failed to satisfy constraint: 64-bit float attribute}}
  %w = "wn.weight_norm"(%v, %g, %v) <{dim = 0 : i64, eps = 1.0e-5 : f32}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// The norm of f16 is f32.
func.func @norm_wrong_element_type(%v: tensor<4x5xf16>, %g: tensor<4x1xf16>, %n: tensor<4x1xf16>) -> tensor<4x1xf16> {
  // expected-error @+1 {{norm_init type 'tensor<4x1xf16>' does not match 'tensor<4x1xf32>' (g's shape in the accumulation type)}}
  %w, %nn = wn.weight_norm dim(0) ins(%v, %g : tensor<4x5xf16>, tensor<4x1xf16>) outs(%v, %n : tensor<4x5xf16>, tensor<4x1xf16>) -> tensor<4x5xf16>, tensor<4x1xf16>
  return %nn : tensor<4x1xf16>
}

// -----

/// The norm has g's shape, layout included.
func.func @norm_wrong_shape(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>, %n: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{norm_init type 'tensor<4xf32>' does not match 'tensor<4x1xf32>' (g's shape in the accumulation type)}}
  %w, %nn = wn.weight_norm dim(0) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v, %n : tensor<4x5xf32>, tensor<4xf32>) -> tensor<4x5xf32>, tensor<4xf32>
  return %nn : tensor<4xf32>
}

// -----

/// The norm result has its destination's type.
func.func @norm_result_type(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>, %n: tensor<4x1xf32>) -> tensor<4x1xf64> {
  // expected-error @+1 {{norm result type 'tensor<4x1xf64>' does not match 'tensor<4x1xf32>' (g's shape in the accumulation type)}}
  %w, %nn = "wn.weight_norm"(%v, %g, %v, %n) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>, tensor<4x1xf32>) -> (tensor<4x5xf32>, tensor<4x1xf64>)
  return %nn : tensor<4x1xf64>
}

// -----

/// A norm destination without a norm result.
func.func @norm_init_without_result(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>, %n: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{expected one result per destination (2), but there are 1}}
  %w = "wn.weight_norm"(%v, %g, %v, %n) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>, tensor<4x1xf32>) -> tensor<4x5xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// The custom form needs as many destination types as destinations.
func.func @norm_missing_type(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>, %n: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{number of operands and types do not match: got 1 operands and 0 types}}
  %w, %nn = wn.weight_norm dim(0) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v, %n : tensor<4x5xf32>) -> tensor<4x5xf32>, tensor<4x1xf32>
  return %w : tensor<4x5xf32>
}

// -----

/// A norm result without its destination.
func.func @norm_result_without_init(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{expected one result per destination (1), but there are 2; a norm result needs a norm_init}}
  %w, %n = "wn.weight_norm"(%v, %g, %v) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4x1xf32>, tensor<4x5xf32>) -> (tensor<4x5xf32>, tensor<4x1xf32>)
  return %w : tensor<4x5xf32>
}

// -----

/// Tensors and memrefs do not mix.
func.func @mixed_semantics(%v: memref<4x5xf32>, %g: tensor<4x1xf32>, %w: memref<4x5xf32>) {
  // expected-error @+1 {{v, g and the destinations must be all tensors or all memrefs, but v is a memref and an operand has type 'tensor<4x1xf32>'}}
  wn.weight_norm dim(0) ins(%v, %g : memref<4x5xf32>, tensor<4x1xf32>) outs(%w : memref<4x5xf32>)
  return
}

// -----

/// Memref destinations may have any layout, but v's shape and element type.
func.func @memref_init_shape(%v: memref<4x5xf32>, %g: memref<4x1xf32>, %w: memref<5x4xf32>) {
  // expected-error @+1 {{init type 'memref<5x4xf32>' does not match v type 'memref<4x5xf32>'}}
  wn.weight_norm dim(0) ins(%v, %g : memref<4x5xf32>, memref<4x1xf32>) outs(%w : memref<5x4xf32>)
  return
}

// -----

/// The norm destination of an op on memrefs: g's shape, accumulation type.
func.func @memref_norm_type(%v: memref<4x5xbf16>, %g: memref<4x1xbf16>, %w: memref<4x5xbf16>, %n: memref<4x1xbf16>) {
  // expected-error @+1 {{norm_init type 'memref<4x1xbf16>' does not match 'memref<4x1xf32>' (g's shape in the accumulation type)}}
  wn.weight_norm dim(0) ins(%v, %g : memref<4x5xbf16>, memref<4x1xbf16>) outs(%w, %n : memref<4x5xbf16>, memref<4x1xbf16>)
  return
}

// -----

/// wn.weight_norm_scale shares wn.weight_norm's rules on v, g, dim and eps.
func.func @scale_bad_dim(%v: tensor<4x5xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'wn.weight_norm_scale' op dim 2 is out of range for v of rank 2; expected -2 <= dim < 2}}
  %s = wn.weight_norm_scale dim(2) ins(%v, %g : tensor<4x5xf32>, tensor<4xf32>) outs(%g : tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

/// The scale has g's shape in the accumulation type: f32 for bf16.
func.func @scale_wrong_type(%v: tensor<4x5xbf16>, %g: tensor<4xbf16>) -> tensor<4xbf16> {
  // expected-error @+1 {{'wn.weight_norm_scale' op init type 'tensor<4xbf16>' does not match 'tensor<4xf32>' (g's shape in the accumulation type)}}
  %s = wn.weight_norm_scale dim(0) ins(%v, %g : tensor<4x5xbf16>, tensor<4xbf16>) outs(%g : tensor<4xbf16>) -> tensor<4xbf16>
  return %s : tensor<4xbf16>
}

// -----

/// The scale follows g's layout, not v's.
func.func @scale_v_shaped(%v: tensor<4x5xf32>, %g: tensor<4x1xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'wn.weight_norm_scale' op init type 'tensor<4x5xf32>' does not match 'tensor<4x1xf32>' (g's shape in the accumulation type)}}
  %s = wn.weight_norm_scale dim(0) ins(%v, %g : tensor<4x5xf32>, tensor<4x1xf32>) outs(%v : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %s : tensor<4x5xf32>
}

// -----

/// On tensors the op has its one result.
func.func @scale_no_result(%v: tensor<4x5xf32>, %g: tensor<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_scale' op expected one result, but there are 0}}
  "wn.weight_norm_scale"(%v, %g, %g) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4xf32>, tensor<4xf32>) -> ()
  return
}

// -----

/// On memrefs it has none.
func.func @scale_memref_result(%v: memref<4x5xf32>, %g: memref<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_scale' op on memrefs the op has no results, but has 1}}
  %s = "wn.weight_norm_scale"(%v, %g, %g) <{dim = 0 : i64}> : (memref<4x5xf32>, memref<4xf32>, memref<4xf32>) -> tensor<4xf32>
  return
}

// -----

/// g's layout is checked as for wn.weight_norm.
func.func @scale_bad_g(%v: tensor<4x5xf32>, %g: tensor<5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{'wn.weight_norm_scale' op g dimension 0 has size 5 but expected 4 (v.shape[0], flat layout)}}
  %s = wn.weight_norm_scale dim(0) ins(%v, %g : tensor<4x5xf32>, tensor<5xf32>) outs(%g : tensor<5xf32>) -> tensor<5xf32>
  return %s : tensor<5xf32>
}

// -----

/// wn.weight_norm_backward: grad_w has v's type.
func.func @backward_bad_grad_w(%gw: tensor<4x6xf32>, %v: tensor<4x5xf32>, %g: tensor<4xf32>) -> (tensor<4x5xf32>, tensor<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op grad_w type 'tensor<4x6xf32>' does not match v type 'tensor<4x5xf32>'}}
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g : tensor<4x6xf32>, tensor<4x5xf32>, tensor<4xf32>) outs(%v, %g : tensor<4x5xf32>, tensor<4xf32>) -> tensor<4x5xf32>, tensor<4xf32>
  return %gv, %gg : tensor<4x5xf32>, tensor<4xf32>
}

// -----

/// The saved norm is in g's shape and the accumulation type.
func.func @backward_bad_norm(%gw: tensor<4x5xbf16>, %v: tensor<4x5xbf16>, %g: tensor<4xbf16>, %n: tensor<4xbf16>) -> (tensor<4x5xbf16>, tensor<4xbf16>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op norm type 'tensor<4xbf16>' does not match 'tensor<4xf32>' (g's shape in the accumulation type)}}
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g, %n : tensor<4x5xbf16>, tensor<4x5xbf16>, tensor<4xbf16>, tensor<4xbf16>) outs(%v, %g : tensor<4x5xbf16>, tensor<4xbf16>) -> tensor<4x5xbf16>, tensor<4xbf16>
  return %gv, %gg : tensor<4x5xbf16>, tensor<4xbf16>
}

// -----

/// grad_g has g's type (not the accumulation type).
func.func @backward_bad_grad_g_init(%gw: tensor<4x5xf16>, %v: tensor<4x5xf16>, %g: tensor<4xf16>, %ggi: tensor<4xf32>) -> (tensor<4x5xf16>, tensor<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op grad_g_init type 'tensor<4xf32>' does not match g type 'tensor<4xf16>'}}
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g : tensor<4x5xf16>, tensor<4x5xf16>, tensor<4xf16>) outs(%v, %ggi : tensor<4x5xf16>, tensor<4xf32>) -> tensor<4x5xf16>, tensor<4xf32>
  return %gv, %gg : tensor<4x5xf16>, tensor<4xf32>
}

// -----

func.func @backward_bad_grad_v_init(%gw: tensor<4x5xf32>, %v: tensor<4x5xf32>, %g: tensor<4xf32>, %gvi: tensor<5x4xf32>) -> (tensor<5x4xf32>, tensor<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op grad_v_init type 'tensor<5x4xf32>' does not match v type 'tensor<4x5xf32>'}}
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4xf32>) outs(%gvi, %g : tensor<5x4xf32>, tensor<4xf32>) -> tensor<5x4xf32>, tensor<4xf32>
  return %gv, %gg : tensor<5x4xf32>, tensor<4xf32>
}

// -----

/// Two results on tensors.
func.func @backward_one_result(%gw: tensor<4x5xf32>, %v: tensor<4x5xf32>, %g: tensor<4xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{'wn.weight_norm_backward' op expected two results (grad_v, grad_g), but there are 1}}
  %gv = "wn.weight_norm_backward"(%gw, %v, %g, %v, %g) <{dim = 0 : i64}> : (tensor<4x5xf32>, tensor<4x5xf32>, tensor<4xf32>, tensor<4x5xf32>, tensor<4xf32>) -> tensor<4x5xf32>
  return %gv : tensor<4x5xf32>
}

// -----

/// None on memrefs, and no mix of tensors and memrefs.
func.func @backward_memref_results(%gw: memref<4x5xf32>, %v: memref<4x5xf32>, %g: memref<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op on memrefs the op has no results, but has 2}}
  %gv, %gg = "wn.weight_norm_backward"(%gw, %v, %g, %v, %g) <{dim = 0 : i64}> : (memref<4x5xf32>, memref<4x5xf32>, memref<4xf32>, memref<4x5xf32>, memref<4xf32>) -> (tensor<4x5xf32>, tensor<4xf32>)
  return
}

// -----

func.func @backward_mixed(%gw: memref<4x5xf32>, %v: tensor<4x5xf32>, %g: tensor<4xf32>) -> (tensor<4x5xf32>, tensor<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op v, g and the destinations must be all tensors or all memrefs, but v is a tensor and an operand has type 'memref<4x5xf32>'}}
  %gv, %gg = "wn.weight_norm_backward"(%gw, %v, %g, %v, %g) <{dim = 0 : i64}> : (memref<4x5xf32>, tensor<4x5xf32>, tensor<4xf32>, tensor<4x5xf32>, tensor<4xf32>) -> (tensor<4x5xf32>, tensor<4xf32>)
  return %gv, %gg : tensor<4x5xf32>, tensor<4xf32>
}

// -----

/// dim, g's layout and eps follow the forward's rules.
func.func @backward_bad_dim(%gw: tensor<4x5xf32>, %v: tensor<4x5xf32>, %g: tensor<4xf32>) -> (tensor<4x5xf32>, tensor<4xf32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op dim 2 is out of range for v of rank 2; expected -2 <= dim < 2}}
  %gv, %gg = wn.weight_norm_backward dim(2) ins(%gw, %v, %g : tensor<4x5xf32>, tensor<4x5xf32>, tensor<4xf32>) outs(%v, %g : tensor<4x5xf32>, tensor<4xf32>) -> tensor<4x5xf32>, tensor<4xf32>
  return %gv, %gg : tensor<4x5xf32>, tensor<4xf32>
}

// -----

func.func @backward_bad_eps(%gw: tensor<4x5xf16>, %v: tensor<4x5xf16>, %g: tensor<4xf16>) -> (tensor<4x5xf16>, tensor<4xf16>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op eps must be positive and finite, but is -1}}
  %gv, %gg = wn.weight_norm_backward dim(0) eps(-1.0) ins(%gw, %v, %g : tensor<4x5xf16>, tensor<4x5xf16>, tensor<4xf16>) outs(%v, %g : tensor<4x5xf16>, tensor<4xf16>) -> tensor<4x5xf16>, tensor<4xf16>
  return %gv, %gg : tensor<4x5xf16>, tensor<4xf16>
}

// -----

func.func @backward_bad_g(%gw: tensor<4x5xf32>, %v: tensor<4x5xf32>, %g: tensor<5xf32>) -> (tensor<4x5xf32>, tensor<5xf32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op g dimension 0 has size 5 but expected 4 (v.shape[0], flat layout)}}
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g : tensor<4x5xf32>, tensor<4x5xf32>, tensor<5xf32>) outs(%v, %g : tensor<4x5xf32>, tensor<5xf32>) -> tensor<4x5xf32>, tensor<5xf32>
  return %gv, %gg : tensor<4x5xf32>, tensor<5xf32>
}

// -----

func.func @backward_int(%gw: tensor<4x5xi32>, %v: tensor<4x5xi32>, %g: tensor<4xi32>) -> (tensor<4x5xi32>, tensor<4xi32>) {
  // expected-error @+1 {{'wn.weight_norm_backward' op v element type 'i32' is not supported; expected f16, bf16, f32 or f64}}
  %gv, %gg = wn.weight_norm_backward dim(0) ins(%gw, %v, %g : tensor<4x5xi32>, tensor<4x5xi32>, tensor<4xi32>) outs(%v, %g : tensor<4x5xi32>, tensor<4xi32>) -> tensor<4x5xi32>, tensor<4xi32>
  return %gv, %gg : tensor<4x5xi32>, tensor<4xi32>
}
