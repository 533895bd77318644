# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Compiled training steps (wn.export, training=True) checked against
PyTorch's autograd.

check_training_step exports a model's training step, compiles it
(compile_exported: --wn-optimize, --wn-cpu-pipeline), runs it and compares
the loss and every parameter's gradient with autograd on the same model,
input and dtype: max |a - b| / max |b| per tensor. It also reports the
error against autograd in float64 (the same values widened), for scale.
"""

import re
import time

import torch

from wn.export import export_program
from wn.export.compiled import compile_exported

TOLERANCE = 1e-5


def autograd_step(model, x, target=None, loss=None):
    """(loss, {parameter name: gradient}) of PyTorch's autograd, the model
    and loss as the export traces them (wn.export.training.default_loss by
    default)."""
    from wn.export.training import default_loss
    loss = loss or default_loss
    model.zero_grad()
    inputs = x if isinstance(x, tuple) else (x,)
    targets = () if target is None else (target,)
    value = loss(model(*inputs), *targets)
    value.backward()
    grads = {n: p.grad.detach().clone() if p.grad is not None else
             torch.zeros_like(p) for n, p in model.named_parameters()}
    model.zero_grad()
    return value.detach(), grads


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a - b| / max |b| (max |a - b| where b is all zeros)."""
    scale = b.abs().max().item() if b.numel() else 0.0
    error = (a.double() - b.double()).abs().max().item() if b.numel() else 0.0
    return error / (scale or 1.0)


def check_training_step(title, model, x, workdir, target=None, loss=None,
                        tolerance: float = TOLERANCE) -> bool:
    """Prints the case's report: the weight norms in the exported step, the
    error of the loss and of each gradient against autograd (and against
    float64 autograd); returns (whether every error is within `tolerance`,
    the exported MLIR text)."""
    exported = export_program(model, x, training=True, loss=loss,
                              target=target)
    text = exported.text
    forward = len(re.findall(r"wn\.weight_norm ", text))
    backward = len(re.findall(r"wn\.weight_norm_backward ", text))
    start = time.perf_counter()
    step = compile_exported(exported, workdir)
    seconds = time.perf_counter() - start
    inputs = x if isinstance(x, tuple) else (x,)
    targets = () if target is None else (target,)
    results = step(*inputs, *targets)
    names = ["loss"] + exported.gradients
    reference_loss, reference = autograd_step(model, x, target, loss)
    dtype = inputs[0].dtype
    try:  # float32 -> float64 -> float32 is exact
        wide_loss, wide_grads = autograd_step(
            model.double(), tuple(t.double() for t in inputs)
            if isinstance(x, tuple) else x.double(),
            None if target is None else target.double(), loss)
    finally:
        model.to(dtype)
    references = [reference_loss] + [reference[n] for n in names[1:]]
    wides = [wide_loss] + [wide_grads[n] for n in names[1:]]
    print(f"== {title}: {x.dtype if not isinstance(x, tuple) else x[0].dtype}"
          f", {forward} wn.weight_norm, {backward} wn.weight_norm_backward "
          f"(compiled in {seconds:.1f} s); max |a - b| / max |b| against "
          f"autograd (float64 autograd), tolerance {tolerance:g}")
    ok = len(results) == len(names)
    for name, got, ref, ref64 in zip(names, results, references, wides):
        error = relative_error(got, ref)
        passed = error <= tolerance and got.shape == ref.shape
        ok &= passed
        print(f"  {name:32} {error:9.2e} ({relative_error(got, ref64):9.2e})"
              f"  {'OK' if passed else 'FAIL'}")
    print(f"  {'OK' if ok else 'FAILED'}")
    return ok, text
