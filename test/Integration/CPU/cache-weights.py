# REQUIRES: torch
# RUN: %python %s %S/Inputs/cache-weights-model.mlir %t | FileCheck %s
# RUN: %python %s %S/Inputs/cache-weights-model.mlir %t --pipeline-options 'emit-c-interface=1 strategy=materialize' | FileCheck %s
# RUN: %python %s %S/Inputs/cache-weights-model.mlir %t --optimize | FileCheck %s --check-prefix=OPT

"""--wn-cache-weights executed: model_cached(x, b1, b2, *model_prepare(v1, g1,
v2, g2, v3, g3)) returns exactly what model(x, v1, g1, b1, v2, g2, b2, v3,
g3) returns, for several inputs per preparation, and adapted_cached(d,
*adapted_prepare(v, g)) what adapted(d, v, g) returns.

The three-layer model (Inputs/cache-weights-model.mlir) is compiled with
`wn-opt --wn-cache-weights --wn-cpu-pipeline=emit-c-interface=1` (and the
materialize strategy) and its three functions called through the C
interface. The same code computes the same values, so results are asserted
bitwise equal (torch.equal); the prepared weights are also checked against
PyTorch's torch._weight_norm and the outputs against a float64 PyTorch model
(relative 1e-5), so that equal garbage cannot pass. Both _cached functions
are called three times on one preparation, and the prepared values must be
as _prepare returned them: adapted_cached adds the per-call delta d to w the
way @adapted does, in place, which bufferization would do into the cache
itself were it not a read-only argument.

With --optimize the module first goes through --wn-optimize: the Linear
weights fused into their matmuls, model_prepare returns v1 and v2 with their
scales (wn.weight_norm_scale) next to w3 / 2, and model_cached must still
return exactly what model returns.
"""

import re

import argparse
import ctypes
import sys

import torch

from wn import aot, memref

F32 = torch.float32


def call(lib, name: str, result_ranks: tuple[int, ...], *args):
    """Calls _mlir_ciface_<name> on contiguous tensors; returns the results,
    copied into tensors (the callee's buffers are freed)."""
    fn = getattr(lib, f"_mlir_ciface_{name}")
    fn.restype = None
    results = memref.results_class(result_ranks)()
    descs = [memref.descriptor(a.contiguous()) for a in args]
    fn(ctypes.byref(results), *(ctypes.byref(d) for d in descs))
    return memref.take_tensors(results, [F32] * len(result_ranks))


def reference(x, v1, g1, b1, v2, g2, b2, v3, g3):
    """The model in float64 PyTorch: (y3, y1) and the prepared values."""
    d = [t.double() for t in (x, v1, g1, b1, v2, g2, b2, v3, g3)]
    x, v1, g1, b1, v2, g2, b2, v3, g3 = d
    w1 = torch._weight_norm(v1, g1, 0)
    w2t = torch._weight_norm(v2, g2.reshape(-1, 1), 0).t()
    w3h = torch._weight_norm(v3, g3, -1) / 2  # -1: the whole tensor
    y1 = x @ w1.t() + b1
    y2 = y1 @ w2t + b2
    y3 = y2 @ w3h.t()
    return (y3, y1), (w1, w2t, w3h)


def close(name: str, got: torch.Tensor, want: torch.Tensor) -> bool:
    err = (got.double() - want).abs().max().item()
    scale = want.abs().max().item()
    ok = err <= 1e-5 * scale
    print(f"{name}: max error vs float64 PyTorch {err:.2e} "
          f"(relative to max {scale:.2e}) {'OK' if ok else 'FAILED'}")
    return ok


def check_optimized(text: str, workdir: str) -> int:
    """--wn-optimize then --wn-cache-weights: the fused model, cached."""
    passes = ["--wn-optimize", "--wn-cache-weights"]
    source = f"{workdir}/optimized-input.mlir"
    with open(source, "w") as f:
        f.write(text)
    ir = aot.run_tool([aot.tools_dir() / "wn-opt", source, *passes])
    signature = re.search(r"func\.func @model_prepare\([^)]*\) -> \(([^)]*)\)",
                          ir).group(1)
    ranks = tuple(t.count("x") for t in re.findall(r"tensor<[^>]*>",
                                                   signature))
    prepare_body = ir[ir.index("@model_prepare"):ir.index("@model_cached")]
    print(f"model_prepare returns {len(ranks)} values; "
          f"{prepare_body.count('wn.weight_norm_scale')} scales, "
          f"{len(re.findall(r'wn.weight_norm(?!_scale)', prepare_body))} "
          f"weight norms")
    lib = aot.compile_module(text, workdir, "emit-c-interface=1",
                             name="cache_weights_optimized", passes=passes)
    gen = torch.Generator().manual_seed(6)

    def rand(*shape):
        return torch.randn(*shape, generator=gen, dtype=F32)

    weights = [rand(48, 64), rand(48, 1), rand(32, 48), rand(32),
               rand(16, 32), rand(())]
    b1, b2 = rand(48), rand(32)
    prepared = call(lib, "model_prepare", ranks, *weights)
    ok = True
    for step in range(2):
        x = rand(5, 64)
        full = call(lib, "model", (2, 2), x, weights[0], weights[1], b1,
                    weights[2], weights[3], b2, weights[4], weights[5])
        cached = call(lib, "model_cached", (2, 2), x, b1, b2, *prepared)
        for name, a, b in zip(("y3", "y1"), cached, full):
            equal = torch.equal(a, b)
            ok &= equal
            print(f"input {step}: {name} of model_cached == {name} of model "
                  f"(bitwise): {'OK' if equal else 'FAILED'}")
        want, _ = reference(x, weights[0], weights[1], b1, weights[2],
                            weights[3], b2, weights[4], weights[5])
        for name, got, ref in zip(("y3", "y1"), full, want):
            ok &= close(f"input {step}: {name} of model", got, ref)
    print("cache-weights: OK" if ok else "cache-weights: FAILED")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model")
    parser.add_argument("workdir")
    parser.add_argument("--pipeline-options", default="emit-c-interface=1")
    parser.add_argument("--optimize", action="store_true",
                        help="run --wn-optimize before --wn-cache-weights")
    args = parser.parse_args()

    with open(args.model) as f:
        text = f.read()
    if args.optimize:
        return check_optimized(text, args.workdir)
    lib = aot.compile_module(text, args.workdir, args.pipeline_options,
                             name="cache_weights",
                             passes=["--wn-cache-weights"])

    gen = torch.Generator().manual_seed(5)

    def rand(*shape):
        return torch.randn(*shape, generator=gen, dtype=F32)

    weights = dict(v1=rand(48, 64), g1=rand(48, 1), v2=rand(32, 48),
                   g2=rand(32), v3=rand(16, 32), g3=rand(()))
    b1, b2 = rand(48), rand(32)
    ok = True

    prepared = call(lib, "model_prepare", (2, 2, 2), *weights.values())
    kept = [p.clone() for p in prepared]
    for step in range(3):
        x = rand(5, 64)
        full = call(lib, "model", (2, 2), x, weights["v1"], weights["g1"], b1,
                    weights["v2"], weights["g2"], b2, weights["v3"],
                    weights["g3"])
        cached = call(lib, "model_cached", (2, 2), x, b1, b2, *prepared)
        for name, a, b in zip(("y3", "y1"), cached, full):
            equal = torch.equal(a, b)
            ok &= equal
            print(f"input {step}: {name} of model_cached == {name} of model "
                  f"(bitwise, {a.numel()} values): "
                  f"{'OK' if equal else 'FAILED'}")
        want, want_prepared = reference(x, weights["v1"], weights["g1"], b1,
                                        weights["v2"], weights["g2"], b2,
                                        weights["v3"], weights["g3"])
        for name, got, ref in zip(("y3", "y1"), full, want):
            ok &= close(f"input {step}: {name} of model", got, ref)

    for name, got, ref in zip(("w1", "transpose(w2)", "w3 / 2"), prepared,
                              want_prepared):
        ok &= close(f"prepared {name}", got, ref)
    untouched = all(torch.equal(p, k) for p, k in zip(prepared, kept))
    ok &= untouched
    print(f"prepared values unchanged by model_cached: "
          f"{'OK' if untouched else 'FAILED'}")

    v, g = rand(24, 40), rand(24, 1)
    (w,) = call(lib, "adapted_prepare", (2,), v, g)
    w_kept = w.clone()
    for step in range(3):
        d = rand(24, 40)
        (full,) = call(lib, "adapted", (2,), d, v, g)
        (cached,) = call(lib, "adapted_cached", (2,), d, w)
        equal = torch.equal(cached, full)
        ok &= equal
        print(f"delta {step}: adapted_cached == adapted (bitwise, "
              f"{full.numel()} values): {'OK' if equal else 'FAILED'}")
        want = torch._weight_norm(v.double(), g.double(), 0) + d.double()
        ok &= close(f"delta {step}: adapted", full, want)
    untouched = torch.equal(w, w_kept)
    ok &= untouched
    print(f"prepared w unchanged by adapted_cached: "
          f"{'OK' if untouched else 'FAILED'}")
    print("cache-weights: OK" if ok else "cache-weights: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

# CHECK: input 0: y3 of model_cached == y3 of model (bitwise, 80 values): OK
# CHECK: input 0: y1 of model_cached == y1 of model (bitwise, 240 values): OK
# CHECK: input 0: y3 of model: max error vs float64 PyTorch {{.*}} OK
# CHECK: input 0: y1 of model: max error vs float64 PyTorch {{.*}} OK
# CHECK: input 2: y3 of model_cached == y3 of model (bitwise, 80 values): OK
# CHECK: input 2: y1 of model_cached == y1 of model (bitwise, 240 values): OK
# CHECK: prepared w1: {{.*}} OK
# CHECK: prepared transpose(w2): {{.*}} OK
# CHECK: prepared w3 / 2: {{.*}} OK
# CHECK: prepared values unchanged by model_cached: OK
# CHECK: delta 0: adapted_cached == adapted (bitwise, 960 values): OK
# CHECK: delta 0: adapted: {{.*}} OK
# CHECK: delta 2: adapted_cached == adapted (bitwise, 960 values): OK
# CHECK: delta 2: adapted: {{.*}} OK
# CHECK: prepared w unchanged by adapted_cached: OK
# CHECK: cache-weights: OK

# OPT: model_prepare returns 5 values; 2 scales, 1 weight norms
# OPT: input 0: y3 of model_cached == y3 of model (bitwise): OK
# OPT: input 0: y1 of model_cached == y1 of model (bitwise): OK
# OPT: input 0: y3 of model: {{.*}} OK
# OPT: input 1: y1 of model: {{.*}} OK
# OPT: cache-weights: OK
