// RUN: wn-opt %s --wn-approximate-math | FileCheck %s
// RUN: wn-opt %s --wn-approximate-math=functions=tanh | FileCheck %s --check-prefix=TANH
// RUN: not wn-opt %s --wn-approximate-math=functions=sinh 2>&1 | FileCheck %s --check-prefix=BAD

// f32 erf, erfc, tanh, expm1 and log1p (scalars and vectors) become
// arithmetic (fma chains, selects); functions LLVM sends to libmvec (sin)
// and f64 stay.
// CHECK-LABEL: func.func @f32
// CHECK-NOT: math.erf
// CHECK-NOT: math.tanh
// CHECK-NOT: math.expm1
// CHECK-NOT: math.log1p
// CHECK: math.fma
// CHECK: math.sin %{{.*}} : f32
// CHECK: return
// TANH-LABEL: func.func @f32
// TANH: math.erf %{{.*}} : f32
// TANH-NOT: math.tanh
// TANH: math.expm1
func.func @f32(%x: f32, %v: vector<8xf32>) -> (f32, f32, vector<8xf32>, f32, f32, f32) {
  %a = math.erf %x : f32
  %b = math.erfc %x : f32
  %c = math.tanh %v : vector<8xf32>
  %d = math.expm1 %x : f32
  %e = math.log1p %x : f32
  %s = math.sin %x : f32
  return %a, %b, %c, %d, %e, %s : f32, f32, vector<8xf32>, f32, f32, f32
}

// CHECK-LABEL: func.func @f64
// CHECK: math.erf %{{.*}} : f64
// CHECK: math.tanh %{{.*}} : f64
func.func @f64(%x: f64) -> (f64, f64) {
  %a = math.erf %x : f64
  %b = math.tanh %x : f64
  return %a, %b : f64, f64
}

// BAD: error: --wn-approximate-math: functions must be one of erf, erfc, tanh, expm1, log1p, but is 'sinh'
