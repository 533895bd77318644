// A weight-normed Linear layer, as torch.nn.utils.weight_norm(nn.Linear(256, 128))
// computes it on every forward call:
//   w = g * v / ||v||   (dim 0: one norm per output feature)
//   y = x @ w^T + b
// The function takes identity-layout memrefs and writes y and w into buffers
// the caller owns: v, g, x and b are read in place and nothing is copied.
// llvm.emit_c_interface gives it the C entry point _mlir_ciface_linear.

func.func @linear(%xm: memref<8x256xf32>, %vm: memref<128x256xf32>,
                  %gm: memref<128x1xf32>, %bm: memref<128xf32>,
                  %ym: memref<8x128xf32>, %wm: memref<128x256xf32>)
    attributes {llvm.emit_c_interface} {
  %x = bufferization.to_tensor %xm restrict : memref<8x256xf32> to tensor<8x256xf32>
  %v = bufferization.to_tensor %vm restrict : memref<128x256xf32> to tensor<128x256xf32>
  %g = bufferization.to_tensor %gm restrict : memref<128x1xf32> to tensor<128x1xf32>
  %b = bufferization.to_tensor %bm restrict : memref<128xf32> to tensor<128xf32>

  %winit = tensor.empty() : tensor<128x256xf32>
  %w = wn.weight_norm dim(0) ins(%v, %g : tensor<128x256xf32>, tensor<128x1xf32>)
         outs(%winit : tensor<128x256xf32>) -> tensor<128x256xf32>

  %yinit = tensor.empty() : tensor<8x128xf32>
  %bias = linalg.broadcast ins(%b : tensor<128xf32>) outs(%yinit : tensor<8x128xf32>) dimensions = [0]
  %y = linalg.matmul
         indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                          affine_map<(m, n, k) -> (n, k)>,
                          affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<8x256xf32>, tensor<128x256xf32>)
         outs(%bias : tensor<8x128xf32>) -> tensor<8x128xf32>

  bufferization.materialize_in_destination %w in restrict writable %wm
    : (tensor<128x256xf32>, memref<128x256xf32>) -> ()
  bufferization.materialize_in_destination %y in restrict writable %ym
    : (tensor<8x128xf32>, memref<8x128xf32>) -> ()
  return
}
