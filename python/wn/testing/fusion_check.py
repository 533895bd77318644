# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Runs weight norms fused into their consumers against the unfused form.

For each case (a weight-normed Linear, Conv or batched matmul written the way
linalg-on-tensors frontends write it), the module is compiled twice with
--wn-cpu-pipeline: as it is, and after --wn-fuse-into-consumers, which must
have replaced every wn.weight_norm by a wn.weight_norm_scale. Both are run on
seeded random inputs and compared with a float64 PyTorch reference
(torch._weight_norm, then F.linear / F.conv1d / F.conv2d / torch.bmm).

A result passes when every element is within the error bound of a dot
product of length K in the output type, plus the rounding of w to the
weight's type that the unfused form pays:

    |y - ref| <= ((K + 4) u_out + 2 u_weight) (|x| @ |w| + |b|)

The summary prints the largest error as a fraction of that bound (ratio) for
both forms, and the largest difference between them relative to the scale
of the outputs.

    python -m wn.testing.fusion_check [--seed N] [-v]
"""

import argparse
import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import ctypes

import torch
import torch.nn.functional as F

from wn import aot, memref

DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32,
          "f64": torch.float64}
UNIT_ROUNDOFF = {"f16": 2.0**-11, "bf16": 2.0**-8, "f32": 2.0**-24,
                 "f64": 2.0**-53}


def tensor_type(shape, elem: str) -> str:
    return "tensor<" + "".join(f"{n}x" for n in shape) + elem + ">"


@dataclass
class Case:
    """One consumer of a weight-normed w.

    `body` is the MLIR function body using %x, %v, %g (and %b when `bias`),
    returning %y; `reference` computes y from float64 x, w (and b)."""
    name: str
    x: list
    v: list
    g: list
    y: list
    dim: int | None
    elem: str
    out: str
    body: str
    reference: Callable
    contraction: int  # K, the length of each dot product
    bias: bool = False

    def function(self) -> str:
        args = [f"%x: {tensor_type(self.x, self.elem)}",
                f"%v: {tensor_type(self.v, self.elem)}",
                f"%g: {tensor_type(self.g, self.elem)}"]
        if self.bias:
            args.append(f"%b: {tensor_type(self.y, self.out)}")
        dim = f"dim({self.dim}) " if self.dim is not None else ""
        vt, gt = tensor_type(self.v, self.elem), tensor_type(self.g, self.elem)
        return (f"func.func @{self.name}({', '.join(args)}) -> "
                f"{tensor_type(self.y, self.out)} {{\n"
                f"  %e = tensor.empty() : {vt}\n"
                f"  %w = wn.weight_norm {dim}ins(%v, %g : {vt}, {gt}) "
                f"outs(%e : {vt}) -> {vt}\n"
                f"{self.body}"
                f"  return %y : {tensor_type(self.y, self.out)}\n}}\n")


def zero_init(shape, out: str) -> str:
    t = tensor_type(shape, out)
    return (f"  %zero = arith.constant 0.0 : {out}\n"
            f"  %o = tensor.empty() : {t}\n"
            f"  %f = linalg.fill ins(%zero : {out}) outs(%o : {t}) -> {t}\n")


def cases() -> list[Case]:
    result = []
    # Linear as torch-mlir writes it: w transposed, matmul into the bias.
    x, v, y = [8, 64], [48, 64], [8, 48]
    result.append(Case(
        "linear_transpose_bias", x, v, [48, 1], y, 0, "f32", "f32",
        "  %et = tensor.empty() : tensor<64x48xf32>\n"
        "  %wt = linalg.transpose ins(%w : tensor<48x64xf32>) "
        "outs(%et : tensor<64x48xf32>) permutation = [1, 0]\n"
        "  %y = linalg.matmul ins(%x, %wt : tensor<8x64xf32>, "
        "tensor<64x48xf32>) outs(%b : tensor<8x48xf32>) -> tensor<8x48xf32>\n",
        lambda x, w, b: b + x @ w.T, 64, bias=True))
    # Linear as a matmul with a transposed-B indexing map, zero init.
    result.append(Case(
        "linear_maps", x, v, [48], y, 0, "f32", "f32",
        zero_init(y, "f32") +
        "  %y = linalg.matmul indexing_maps = ["
        "affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
        "affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x64xf32>, "
        "tensor<48x64xf32>) outs(%f : tensor<8x48xf32>) -> tensor<8x48xf32>\n",
        lambda x, w, b: x @ w.T, 64))
    # x @ w with w [K, N] normalized over its columns (dim 1).
    result.append(Case(
        "matmul_dim1", x, [64, 48], [1, 48], y, 1, "f64", "f64",
        zero_init(y, "f64") +
        "  %y = linalg.matmul ins(%x, %w : tensor<8x64xf64>, "
        "tensor<64x48xf64>) outs(%f : tensor<8x48xf64>) -> tensor<8x48xf64>\n",
        lambda x, w, b: x @ w, 64))
    # Batched matmul, w [B, K, N] normalized over N (dim 2, across batches).
    result.append(Case(
        "batch_matmul", [3, 8, 32], [3, 32, 24], [1, 1, 24], [3, 8, 24], 2,
        "f32", "f32",
        zero_init([3, 8, 24], "f32") +
        "  %y = linalg.batch_matmul ins(%x, %w : tensor<3x8x32xf32>, "
        "tensor<3x32x24xf32>) outs(%f : tensor<3x8x24xf32>) -> "
        "tensor<3x8x24xf32>\n",
        lambda x, w, b: torch.bmm(x, w), 32))
    # Conv1d (NCW, FCW) over output channels.
    result.append(Case(
        "conv1d", [2, 16, 40], [24, 16, 5], [24, 1, 1], [2, 24, 36], 0, "f32",
        "f32",
        zero_init([2, 24, 36], "f32") +
        "  %y = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, "
        "strides = dense<1> : tensor<1xi64>} ins(%x, %w : tensor<2x16x40xf32>, "
        "tensor<24x16x5xf32>) outs(%f : tensor<2x24x36xf32>) -> "
        "tensor<2x24x36xf32>\n",
        lambda x, w, b: F.conv1d(x, w), 16 * 5))
    # Conv1d with f16 inputs and weights accumulating in f32 (extf in the
    # body), a dilation and a stride.
    result.append(Case(
        "conv1d_f16", [2, 8, 40], [12, 8, 3], [12], [2, 12, 18], 0, "f16",
        "f32",
        zero_init([2, 12, 18], "f32") +
        "  %y = linalg.conv_1d_ncw_fcw {dilations = dense<2> : tensor<1xi64>, "
        "strides = dense<2> : tensor<1xi64>} ins(%x, %w : tensor<2x8x40xf16>, "
        "tensor<12x8x3xf16>) outs(%f : tensor<2x12x18xf32>) -> "
        "tensor<2x12x18xf32>\n",
        lambda x, w, b: F.conv1d(x, w, stride=2, dilation=2), 8 * 3))
    # Conv2d (NCHW, FCHW) over output channels.
    result.append(Case(
        "conv2d", [1, 8, 10, 10], [16, 8, 3, 3], [16, 1, 1, 1],
        [1, 16, 8, 8], 0, "f32", "f32",
        zero_init([1, 16, 8, 8], "f32") +
        "  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : "
        "tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : "
        "tensor<1x8x10x10xf32>, tensor<16x8x3x3xf32>) outs(%f : "
        "tensor<1x16x8x8xf32>) -> tensor<1x16x8x8xf32>\n",
        lambda x, w, b: F.conv2d(x, w), 8 * 9))
    # One norm over the whole tensor: a scalar scale, into the bias.
    result.append(Case(
        "whole_tensor", x, v, [], y, None, "f32", "f32",
        "  %y = linalg.matmul indexing_maps = ["
        "affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
        "affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x64xf32>, "
        "tensor<48x64xf32>) outs(%b : tensor<8x48xf32>) -> tensor<8x48xf32>\n",
        lambda x, w, b: b + x @ w.T, 64, bias=True))
    return result


def weight_norm64(v: torch.Tensor, g: torch.Tensor, dim) -> torch.Tensor:
    """w = g * v / ||v|| in float64."""
    v, g = v.double(), g.double()
    if dim is None:
        return v * (g.reshape([]) / v.norm())
    others = [i for i in range(v.dim()) if i != dim]
    keep = [n if i == dim else 1 for i, n in enumerate(v.shape)]
    norm = (v * v).sum(dim=others, keepdim=True).sqrt()
    return v * (g.reshape(keep) / norm)


def run(lib, case: Case, inputs: list[torch.Tensor]) -> torch.Tensor:
    fn = getattr(lib, f"_mlir_ciface_{case.name}")
    fn.restype = None
    result = memref.descriptor_class(len(case.y))()
    # Copies: the compiled function may write its result into a tensor
    # argument's buffer (here the bias, the matmul's destination).
    descs = [memref.descriptor(t.clone()) for t in inputs]
    fn(ctypes.byref(result), *[ctypes.byref(d) for d in descs])
    return memref.take_tensor(result, DTYPES[case.out])


def check(seed: int, verbose: bool) -> int:
    failures = 0
    with tempfile.TemporaryDirectory(prefix="wn-fusion-") as tmp:
        tmp = Path(tmp)
        all_cases = cases()
        text = "".join(case.function() for case in all_cases)
        source = tmp / "fusion.mlir"
        source.write_text(text)
        fused_ir = aot.run_tool([aot.tools_dir() / "wn-opt", source,
                                 "--wn-fuse-into-consumers"])
        left = len(re.findall(r"wn\.weight_norm(?!_scale)\b", fused_ir))
        scales = len(re.findall(r"wn\.weight_norm_scale\b", fused_ir))
        print(f"fusion: {scales} of {len(all_cases)} weight norms fused, "
              f"{left} left")
        if left or scales != len(all_cases):
            failures += 1
        options = "emit-c-interface=1"
        plain = aot.compile_module(text, tmp / "plain", options, "plain")
        fused = aot.compile_module(text, tmp / "fused", options, "fused",
                                   passes=("--wn-fuse-into-consumers",))
        gen = torch.Generator().manual_seed(seed)
        for case in all_cases:
            dtype = DTYPES[case.elem]
            x = torch.randn(case.x, generator=gen).to(dtype)
            v = torch.randn(case.v, generator=gen).to(dtype)
            g = (torch.rand(case.g, generator=gen) + 0.5).to(dtype)
            inputs = [x, v, g]
            b = None
            if case.bias:
                b = torch.randn(case.y, generator=gen).to(DTYPES[case.out])
                inputs.append(b)
            w64 = weight_norm64(v, g, case.dim)
            b64 = b.double() if b is not None else torch.zeros(case.y,
                                                               dtype=torch.float64)
            ref = case.reference(x.double(), w64, b64)
            mag = case.reference(x.double().abs(), w64.abs(), b64.abs())
            u_out, u_w = UNIT_ROUNDOFF[case.out], UNIT_ROUNDOFF[case.elem]
            bound = ((case.contraction + 4) * u_out + 2 * u_w) * mag
            y_plain = run(plain, case, inputs).double()
            y_fused = run(fused, case, inputs).double()
            ratios = {}
            for label, y in (("unfused", y_plain), ("fused", y_fused)):
                ratios[label] = ((y - ref).abs() / bound).max().item()
            diff = ((y_fused - y_plain).abs().max() /
                    ref.abs().max()).item()
            ok = all(r <= 1.0 for r in ratios.values())
            failures += not ok
            if verbose or not ok:
                print(f"{'ok  ' if ok else 'FAIL'} {case.name}: error/bound "
                      f"unfused {ratios['unfused']:.3g}, fused "
                      f"{ratios['fused']:.3g}; max |fused - unfused| / "
                      f"max |y| = {diff:.3g}")
        passed = len(all_cases) - failures
        print(f"fusion_check: {max(passed, 0)} passed, {failures} failed")
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="fusion_check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("-v", action="store_true", help="a line per case")
    args = parser.parse_args(argv)
    return 1 if check(args.seed, args.v) else 0


if __name__ == "__main__":
    sys.exit(main())
