# Contractions through --wn-cpu-pipeline's kernels (--wn-lower-contractions):
# named and generic matmuls (plain, and x @ w^T through dot kernels) and
# convolutions (dilated, 2-D, channels-last, depthwise, grouped, polyphase
# with a strided output), f32 and f64, static
# and dynamic shapes, sizes that leave partial blocks on every edge, with the
# automatic register block and forced ones, threaded and not, and under the
# contractions=loops strategy. Each result is compared with float64 PyTorch
# on the same inputs (max |y - y64| / max |y64| <= 1e-5, 1e-12 for f64), and
# the lowered IR is checked for whether the kernel was used (vector.fma,
# llvm.intr.fmuladd) or the op was left to loops as documented.
# REQUIRES: torch
# RUN: rm -rf %t && %python %s %t | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: contractions: [[N:[0-9]+]] passed, 0 failed

import ctypes
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from wn import aot, memref

torch.manual_seed(0)
workdir = Path(sys.argv[1])


def ty(shape, elem):
    dims = "x".join("?" if s is None else str(s) for s in shape)
    return f"tensor<{dims}x{elem}>"


def generic(name, maps, iterators, shapes, elem, dynamic=False):
    """A function computing out += a * b with a linalg.generic."""
    types = [ty([None] * len(s) if dynamic else s, elem) for s in shapes]
    maps_text = ", ".join(f"affine_map<{m}>" for m in maps)
    iters = ", ".join(f'"{i}"' for i in iterators)
    return f"""
func.func @{name}(%a: {types[0]}, %b: {types[1]}, %c: {types[2]}) -> {types[2]} attributes {{llvm.emit_c_interface}} {{
  %r = linalg.generic {{indexing_maps = [{maps_text}], iterator_types = [{iters}]}}
      ins(%a, %b : {types[0]}, {types[1]}) outs(%c : {types[2]}) {{
  ^bb0(%x: {elem}, %y: {elem}, %z: {elem}):
    %m = arith.mulf %x, %y : {elem}
    %s = arith.addf %z, %m : {elem}
    linalg.yield %s : {elem}
  }} -> {types[2]}
  return %r : {types[2]}
}}"""


def named(name, op, shapes, elem, attrs=""):
    types = [ty(s, elem) for s in shapes]
    return f"""
func.func @{name}(%a: {types[0]}, %b: {types[1]}, %c: {types[2]}) -> {types[2]} attributes {{llvm.emit_c_interface}} {{
  %r = {op} {attrs} ins(%a, %b : {types[0]}, {types[1]}) outs(%c : {types[2]}) -> {types[2]}
  return %r : {types[2]}
}}"""


def conv1d(x, w, stride=1, dilation=1, groups=1):
    return F.conv1d(x, w, stride=stride, dilation=dilation, groups=groups)


# (name, function text, shapes of a, b, c, reference(a, b, c), kernel?)
CASES = []


def case(name, text, shapes, reference, kernel, dtype=torch.float32):
    CASES.append((name, text, shapes, reference, kernel, dtype))


case("matmul", named("matmul", "linalg.matmul",
                     [(37, 29), (29, 45), (37, 45)], "f32"),
     [(37, 29), (29, 45), (37, 45)], lambda a, b, c: c + a @ b, True)
case("matmul_f64", named("matmul_f64", "linalg.matmul",
                         [(13, 7), (7, 19), (13, 19)], "f64"),
     [(13, 7), (7, 19), (13, 19)], lambda a, b, c: c + a @ b, True,
     torch.float64)
# Both inputs contiguous along the reduction only (x @ w^T, a Linear): dot
# kernels, lanes along the reduction.
case("matmul_transposed_b", generic(
    "matmul_transposed_b",
    ["(m, n, k) -> (m, k)", "(m, n, k) -> (n, k)", "(m, n, k) -> (m, n)"],
    ["parallel", "parallel", "reduction"],
    [(9, 19), (21, 19), (9, 21)], "f32"),
    [(9, 19), (21, 19), (9, 21)], lambda a, b, c: c + a @ b.T, True)
case("linear_3d", generic(
    "linear_3d",
    ["(b, m, n, k) -> (b, m, k)", "(b, m, n, k) -> (n, k)",
     "(b, m, n, k) -> (b, m, n)"],
    ["parallel", "parallel", "parallel", "reduction"],
    [(2, 7, 37), (13, 37), (2, 7, 13)], "f32"),
    [(2, 7, 37), (13, 37), (2, 7, 13)], lambda a, b, c: c + a @ b.T, True)
case("linear_f64", generic(
    "linear_f64",
    ["(m, n, k) -> (m, k)", "(m, n, k) -> (n, k)", "(m, n, k) -> (m, n)"],
    ["parallel", "parallel", "reduction"],
    [(5, 40), (6, 40), (5, 6)], "f64"),
    [(5, 40), (6, 40), (5, 6)], lambda a, b, c: c + a @ b.T, True,
    torch.float64)
case("batch_matmul", named("batch_matmul", "linalg.batch_matmul",
                           [(3, 17, 9), (3, 9, 33), (3, 17, 33)], "f32"),
     [(3, 17, 9), (3, 9, 33), (3, 17, 33)],
     lambda a, b, c: c + torch.bmm(a, b), True)
case("matmul_dynamic", generic(
    "matmul_dynamic",
    ["(m, n, k) -> (m, k)", "(m, n, k) -> (k, n)", "(m, n, k) -> (m, n)"],
    ["parallel", "parallel", "reduction"],
    [(23, 5), (5, 70), (23, 70)], "f32", dynamic=True),
    [(23, 5), (5, 70), (23, 70)], lambda a, b, c: c + a @ b, True)
case("conv_1d_ncw_fcw", named(
    "conv_1d_ncw_fcw", "linalg.conv_1d_ncw_fcw",
    [(2, 5, 40), (7, 5, 3), (2, 7, 36)], "f32",
    "{dilations = dense<2> : tensor<1xi64>, strides = dense<1> : "
    "tensor<1xi64>}"),
    [(2, 5, 40), (7, 5, 3), (2, 7, 36)],
    lambda a, b, c: c + conv1d(a, b, dilation=2), True)
# Stride 2: no contiguous input along the output positions: loops.
case("conv_1d_ncw_fcw_stride2", named(
    "conv_1d_ncw_fcw_stride2", "linalg.conv_1d_ncw_fcw",
    [(1, 4, 21), (6, 4, 3), (1, 6, 10)], "f32",
    "{dilations = dense<1> : tensor<1xi64>, strides = dense<2> : "
    "tensor<1xi64>}"),
    [(1, 4, 21), (6, 4, 3), (1, 6, 10)],
    lambda a, b, c: c + conv1d(a, b, stride=2), False)
case("conv_1d_nwc_wcf", named(
    "conv_1d_nwc_wcf", "linalg.conv_1d_nwc_wcf",
    [(2, 40, 5), (3, 5, 21), (2, 38, 21)], "f32",
    "{dilations = dense<1> : tensor<1xi64>, strides = dense<1> : "
    "tensor<1xi64>}"),
    [(2, 40, 5), (3, 5, 21), (2, 38, 21)],
    lambda a, b, c: c + conv1d(a.transpose(1, 2), b.permute(2, 1, 0))
    .transpose(1, 2), True)
case("conv_2d_nchw_fchw", named(
    "conv_2d_nchw_fchw", "linalg.conv_2d_nchw_fchw",
    [(1, 3, 9, 21), (5, 3, 3, 2), (1, 5, 7, 20)], "f32",
    "{dilations = dense<1> : tensor<2xi64>, strides = dense<1> : "
    "tensor<2xi64>}"),
    [(1, 3, 9, 21), (5, 3, 3, 2), (1, 5, 7, 20)],
    lambda a, b, c: c + F.conv2d(a, b), True)
case("depthwise_conv_1d_ncw_cw", named(
    "depthwise_conv_1d_ncw_cw", "linalg.depthwise_conv_1d_ncw_cw",
    [(1, 6, 50), (6, 3), (1, 6, 48)], "f32",
    "{dilations = dense<1> : tensor<1xi64>, strides = dense<1> : "
    "tensor<1xi64>}"),
    [(1, 6, 50), (6, 3), (1, 6, 48)],
    lambda a, b, c: c + conv1d(a, b.unsqueeze(1), groups=6), True)
# The exporter's convolution: loops (n, f, c, k, o), dilation 3.
case("exporter_conv", generic(
    "exporter_conv",
    ["(n, f, c, k, o) -> (n, c, o + k * 3)", "(n, f, c, k, o) -> (f, c, k)",
     "(n, f, c, k, o) -> (n, f, o)"],
    ["parallel", "parallel", "reduction", "reduction", "parallel"],
    [(1, 19, 82), (23, 19, 5), (1, 23, 70)], "f32"),
    [(1, 19, 82), (23, 19, 5), (1, 23, 70)],
    lambda a, b, c: c + conv1d(a, b, dilation=3), True)
# The exporter's strided convolution (stride 2, dilation 3): the input split
# into its 2 phases, xt[n, c, r, j] = x[n, c, 2j + r].
case("exporter_strided_conv", generic(
    "exporter_strided_conv",
    ["(n, f, c, k, o) -> (n, c, (k * 3) mod 2, o + (k * 3) floordiv 2)",
     "(n, f, c, k, o) -> (f, c, k)", "(n, f, c, k, o) -> (n, f, o)"],
    ["parallel", "parallel", "reduction", "reduction", "parallel"],
    [(1, 6, 2, 40), (10, 6, 4), (1, 10, 35)], "f32"),
    [(1, 6, 2, 40), (10, 6, 4), (1, 10, 35)],
    lambda a, b, c: c + conv1d(a.transpose(2, 3).reshape(1, 6, 80), b,
                               stride=2, dilation=3)[:, :, :35], True)
# The exporter's grouped convolution: [N, G, C/G, L] views.
case("exporter_grouped_conv", generic(
    "exporter_grouped_conv",
    ["(n, g, f, c, k, o) -> (n, g, c, o + k)",
     "(n, g, f, c, k, o) -> (g * 6 + f, c, k)",
     "(n, g, f, c, k, o) -> (n, g, f, o)"],
    ["parallel", "parallel", "parallel", "reduction", "reduction",
     "parallel"],
    [(2, 3, 4, 30), (18, 4, 7), (2, 3, 6, 24)], "f32"),
    [(2, 3, 4, 30), (18, 4, 7), (2, 3, 6, 24)],
    lambda a, b, c: c + conv1d(a.reshape(2, 12, 30), b, groups=3)
    .reshape(2, 3, 6, 24), True)


def polyphase_reference(a, b, c):
    # y[n, f, q, r] += sum_{c, j} x[n, c, q + (r + 1) floordiv 4 - j + 1]
    #                             * w[c, f, j, (r + 1) mod 4]
    y = c.clone()
    N, C, L = a.shape
    _, Fo, J, S = b.shape
    for r in range(S):
        for j in range(J):
            shift = (r + 1) // S - j + J - 1
            y[:, :, :, r] += torch.einsum(
                "ncq,cf->nfq", a[:, :, shift:shift + c.shape[2]],
                b[:, :, j, (r + 1) % S])
    return y


# The exporter's polyphase transposed convolution (k8, stride 4, padding
# 1): the output positions q are strided (the phases r innermost).
case("exporter_polyphase", generic(
    "exporter_polyphase",
    ["(n, f, r, c, j, q) -> (n, c, q + (r + 1) floordiv 4 - j + 1)",
     "(n, f, r, c, j, q) -> (c, f, j, (r + 1) mod 4)",
     "(n, f, r, c, j, q) -> (n, f, q, r)"],
    ["parallel", "parallel", "parallel", "reduction", "reduction",
     "parallel"],
    [(1, 5, 22), (5, 9, 2, 4), (1, 9, 20, 4)], "f32"),
    [(1, 5, 22), (5, 9, 2, 4), (1, 9, 20, 4)], polyphase_reference, True)

# The last variant is the loops strategy: the same numbers, no kernel.
VARIANTS = ["", "register-rows=1 register-vectors=1",
            "register-rows=3 register-vectors=2", "parallel=0",
            "vector-size=8", "contractions=loops"]

passed = failed = 0
for variant in VARIANTS:
    text = "\n".join(c[1] for c in CASES)
    options = " ".join(o for o in ("emit-c-interface=1", variant) if o)
    name = "v" + str(VARIANTS.index(variant))
    library = aot.compile_module(text, workdir / name, options, name=name,
                                 keep_text=True)
    lowered = (workdir / name / f"{name}.llvm.mlir").read_text()
    for cname, _, shapes, reference, kernel, dtype in CASES:
        a, b, c = (torch.randn(s, dtype=dtype) for s in shapes)
        # Computed first: the function may write its result into c.
        y64 = reference(a.double(), b.double(), c.double())
        fn = getattr(library, f"_mlir_ciface_{cname}")
        fn.restype = None
        result = memref.results_class((len(shapes[2]),))()
        descs = [memref.descriptor(t) for t in (a, b, c)]
        fn(ctypes.byref(result), *(ctypes.byref(d) for d in descs))
        y = memref.take_tensors(result, [dtype])[0]
        error = ((y.double() - y64).abs().max() /
                 y64.abs().max()).item()
        tolerance = 1e-12 if dtype == torch.float64 else 1e-5
        ok = error <= tolerance
        print(f"{'OK  ' if ok else 'FAIL'} {cname:28} [{variant or 'auto'}]"
              f" error {error:.2e}")
        passed += ok
        failed += not ok
    # Which functions got a kernel: vector FMAs in their lowered body.
    for cname, *_, kernel, _ in CASES:
        kernel = kernel and variant != "contractions=loops"
        start = lowered.index(f"llvm.func @{cname}(")
        end = lowered.find("llvm.func @", start + 1)
        body = lowered[start:end if end > 0 else None]
        used = "llvm.intr.fmuladd" in body and "vector<" in body
        ok = used == kernel
        if not ok:
            print(f"FAIL {cname} [{variant or 'auto'}]: kernel "
                  f"{'used' if used else 'not used'}, expected "
                  f"{'used' if kernel else 'loops'}")
        passed += ok
        failed += not ok

print(f"contractions: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
