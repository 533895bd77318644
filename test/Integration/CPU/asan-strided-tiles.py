# REQUIRES: torch, asan
# RUN: %python %s %t | FileCheck %s
# RUN: %python %s %t --pipeline-options 'parallel=0 vector-size=4' | FileCheck %s
# RUN: %python %s %t --pipeline-options 'strategy=materialize' | FileCheck %s
# CHECK: asan-strided-tiles: 16 passed, 0 failed

"""Weight norms on strided tiles of larger buffers, compiled with
AddressSanitizer (aot.compile_module's sanitize_address) and called with
exact-size buffers from ASan's malloc (differential.ExactBuffer): v is a
tensor.extract_slice of the caller's buffer (unit and non-unit steps, static
and dynamic offsets and sizes, odd sizes, a zero-size tile), w is written
into a strided memref.subview of the caller's output buffer. The kernels
copy strided operands to contiguous buffers and back (README
--wn-lower-to-loops); a read or write outside any buffer ends the run with
ASan's report. w must match float64 PyTorch on the tile (relative 1e-5), the
output buffer must be untouched outside the tile, and v unchanged.
"""

import argparse
import ctypes
import os
import sys

import torch

from wn import aot
from wn.testing.differential import ExactBuffer

SENTINEL = 77.0

# name, buffer shape, tile offsets, tile sizes, steps, dim (None: whole
# tensor), dynamic (offsets and sizes as function arguments)
CASES = [
    ("rows", [13, 17], [1, 2], [11, 13], [1, 1], 0, False),
    ("cols", [13, 17], [1, 2], [11, 13], [1, 1], 1, False),
    ("step2", [13, 17], [0, 1], [7, 8], [2, 2], 0, False),
    ("step3_last", [9, 31], [2, 0], [3, 11], [2, 3], -1, False),
    ("whole", [6, 40], [1, 3], [5, 37], [1, 1], None, False),
    ("rank3_mid", [5, 7, 33], [1, 0, 1], [3, 7, 31], [1, 1, 1], 1, False),
    ("rank3_last", [4, 6, 19], [0, 1, 2], [4, 5, 17], [1, 1, 1], 2, False),
    ("empty", [5, 9], [2, 3], [0, 6], [1, 1], 1, False),
    ("dyn_rows", [13, 17], [1, 2], [11, 13], [1, 1], 0, True),
    ("dyn_cols", [13, 17], [1, 2], [11, 13], [1, 1], 1, True),
    ("dyn_step2", [13, 17], [0, 1], [7, 8], [2, 2], 0, True),
    ("dyn_whole", [6, 40], [1, 3], [5, 37], [1, 1], None, True),
    ("dyn_rank3_mid", [5, 7, 33], [1, 0, 1], [3, 7, 31], [1, 1, 1], 1, True),
    ("dyn_long", [3, 1100], [1, 5], [2, 1093], [1, 1], 0, True),
    ("dyn_long_cols", [1100, 3], [5, 1], [1093, 2], [1, 1], 0, True),
    ("dyn_empty", [5, 9], [2, 3], [4, 0], [1, 1], 0, True),
]


def ty(kind, shape):
    return f"{kind}<{''.join(f'{s}x' for s in shape)}f32>"


def case_func(name, shape, offsets, sizes, steps, dim, dynamic):
    rank = len(shape)
    d = None if dim is None else dim % rank
    g_shape = [] if d is None else [sizes[d]]
    tile_shape = ["?"] * rank if dynamic else sizes
    if dynamic and d is not None:
        g_shape = ["?"]
    buf, gm = ty("memref", shape), ty("memref", g_shape)
    vt, tt, gt = ty("tensor", shape), ty("tensor", tile_shape), \
        ty("tensor", g_shape)
    args = [f"%vm: {buf}", f"%gm: {gm}", f"%wm: {buf}"]
    if dynamic:
        args += [f"%o{i}: index" for i in range(rank)]
        args += [f"%s{i}: index" for i in range(rank)]
        offs = ", ".join(f"%o{i}" for i in range(rank))
        szs = ", ".join(f"%s{i}" for i in range(rank))
    else:
        offs = ", ".join(map(str, offsets))
        szs = ", ".join(map(str, sizes))
    stps = ", ".join(map(str, steps))
    buf_strides = [1] * rank
    for i in reversed(range(rank - 1)):
        buf_strides[i] = buf_strides[i + 1] * shape[i + 1]
    offset = ("?" if dynamic else
              sum(o * t for o, t in zip(offsets, buf_strides)))
    wtile = (f"memref<{''.join(f'{s}x' for s in tile_shape)}f32, strided<["
             f"{', '.join(str(t * st) for t, st in zip(buf_strides, steps))}"
             f"], offset: {offset}>>")
    clause = "" if dim is None else f"dim({dim}) "
    empty_sizes = ", ".join(f"%s{i}" for i in range(rank)) if dynamic else ""
    lines = [
        f"func.func @{name}({', '.join(args)}) "
        "attributes {llvm.emit_c_interface} {",
        f"  %v = bufferization.to_tensor %vm restrict : {buf} to {vt}",
        f"  %g = bufferization.to_tensor %gm restrict : {gm} to {gt}",
        f"  %tile = tensor.extract_slice %v[{offs}] [{szs}] [{stps}] : "
        f"{vt} to {tt}",
        f"  %init = tensor.empty({empty_sizes}) : {tt}",
        f"  %w = wn.weight_norm {clause}ins(%tile, %g : {tt}, {gt}) "
        f"outs(%init : {tt}) -> {tt}",
        f"  %wtile = memref.subview %wm[{offs}] [{szs}] [{stps}] : {buf} to "
        f"{wtile}",
        "  bufferization.materialize_in_destination %w in restrict writable "
        f"%wtile : ({tt}, {wtile}) -> ()",
        "  return",
        "}",
    ]
    return "\n".join(lines) + "\n"


def tile_index(offsets, sizes, steps):
    return tuple(slice(o, o + (n - 1) * s + 1 if n else o, s)
                 for o, n, s in zip(offsets, sizes, steps))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir")
    parser.add_argument("--pipeline-options", default="")
    args = parser.parse_args()
    if not aot.asan_loaded():
        env = aot.asan_environment()
        if env is None:
            sys.exit("asan-strided-tiles: no AddressSanitizer runtime")
        sys.stdout.flush()
        os.execve(sys.executable, [sys.executable, *sys.argv], env)

    text = "".join(case_func(*case) for case in CASES)
    lib = aot.compile_module(text, args.workdir, args.pipeline_options,
                             name="tiles", sanitize_address=True)
    gen = torch.Generator().manual_seed(7)
    failed = 0
    for name, shape, offsets, sizes, steps, dim, dynamic in CASES:
        rank = len(shape)
        d = None if dim is None else dim % rank
        v = torch.randn(shape, generator=gen)
        g = torch.randn([] if d is None else [sizes[d]], generator=gen)
        out = torch.full(shape, SENTINEL)
        bv, bg, bw = ExactBuffer(v), ExactBuffer(g), ExactBuffer(out)
        fn = getattr(lib, f"_mlir_ciface_{name}")
        fn.restype = None
        extra = ([ctypes.c_int64(x) for x in offsets] +
                 [ctypes.c_int64(x) for x in sizes]) if dynamic else []
        fn(ctypes.byref(bv.descriptor), ctypes.byref(bg.descriptor),
           ctypes.byref(bw.descriptor), *extra)
        got = bw.tensor()
        index = tile_index(offsets, sizes, steps)
        tile = v.double()[index]
        errors = []
        if tile.numel():
            gk = (g.double().reshape([1] * rank) if d is None else
                  g.double().reshape([sizes[i] if i == d else 1
                                      for i in range(rank)]))
            ref = torch._weight_norm(tile, gk, -1 if d is None else d)
            err = ((got.double()[index] - ref).abs().max() /
                   ref.abs().max()).item()
            if not err <= 1e-5:
                errors.append(f"w error {err:.3g}")
        outside = torch.ones(shape, dtype=torch.bool)
        outside[index] = False
        if not torch.all(got[outside] == SENTINEL):
            errors.append("the output changed outside the tile")
        if not (torch.equal(bv.tensor(), v) and torch.equal(bg.tensor(), g)):
            errors.append("the inputs were modified")
        failed += bool(errors)
        print(f"{'FAIL' if errors else 'PASS'} {name}: "
              f"{'; '.join(errors) or 'ok'}")
    print(f"asan-strided-tiles: {len(CASES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
