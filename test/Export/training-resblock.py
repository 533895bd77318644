# A compiled training step (wn.export, training=True) of HiFi-GAN's
# ResBlock1 (examples/hifigan/model.py: six weight-normed Conv1d layers with
# dilations 1, 3, 5, leaky_relu, residuals), the default loss
# 0.5 * sum(output ** 2): the loss and the gradient of every weight_v,
# weight_g and bias match PyTorch's autograd within 1e-5 (max |a - b| /
# max |b|) in float32, and each weight-normed layer's gradient is one
# wn.weight_norm_backward fed the forward's saved norm, with no weight-norm
# arithmetic of PyTorch's in the step.
# REQUIRES: torch
# RUN: rm -rf %t && %python %s %wn_src_root/examples/hifigan/model.py %t | FileCheck %s
# CHECK: == HiFi-GAN ResBlock1 (16 ch, k3): torch.float32, 6 wn.weight_norm, 6 wn.weight_norm_backward
# CHECK-NOT: FAIL
# CHECK: loss
# CHECK: convs2.2.weight_v
# CHECK-NEXT: {{^ +OK$}}
# CHECK: func.func @forward(%input: tensor<1x16x64xf32>, %convs1_0_bias: tensor<16xf32>, %convs1_0_weight_g: tensor<16x1x1xf32>, %convs1_0_weight_v: tensor<16x16x3xf32>,
# CHECK-SAME: -> (tensor<f32>, tensor<16xf32>, tensor<16x1x1xf32>, tensor<16x16x3xf32>,
# CHECK-COUNT-6: = wn.weight_norm dim(0) ins({{.*}}) outs(%{{.*}}, %{{.*}} : tensor<16x16x3xf32>, tensor<16x1x1xf32>)
# CHECK-COUNT-6: = wn.weight_norm_backward dim(0) ins(%{{.*}}, %convs{{[12]}}_{{[0-2]}}_weight_v, %convs{{[12]}}_{{[0-2]}}_weight_g, %convs{{[12]}}_{{[0-2]}}_weight_norm :
# CHECK-NOT: wn.weight_norm
# CHECK: no PyTorch weight-norm arithmetic

import importlib.util
import re
import sys

from wn.testing.training_check import check_training_step

spec = importlib.util.spec_from_file_location("hifigan", sys.argv[1])
hifigan = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hifigan)
workdir = sys.argv[2]

title, model, x = hifigan.blocks(small=True)[0]
ok, text = check_training_step(title, model, x, f"{workdir}/resblock")
for line in text.splitlines():
    if "func.func" in line or "wn.weight_norm" in line:
        print(line.strip())
# PyTorch's weight norm (norm_except_dim, _weight_norm_interface and their
# gradients) would need square roots; the step has none outside wn's ops.
assert not re.search(r"math\.(sqrt|rsqrt)|_weight_norm_interface", text)
print("no PyTorch weight-norm arithmetic")
sys.exit(0 if ok else 1)
