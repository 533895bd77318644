# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""wn.export: PyTorch modules with weight norm -> MLIR for wn-opt, compiled
and called from Python.

    import wn.export
    module = wn.export.compile(model, torch.randn(1, 80, 32), weights="args")
    y = module(x)                     # like model(x)
    module.save("model/")
    module = wn.export.load("model/")  # no exporter, no MLIR tools

- `compile(model, example_input, weights="constants", dynamic_dims=None,
  threads=None, passes=("--wn-optimize",), pipeline_options="",
  workdir=None) -> CompiledModule`: exports, compiles (wn.aot: wn-opt,
  wn-translate, clang) and loads.
- `CompiledModule`: callable on tensors, returning what the model returns;
  checks inputs (count, dtype, rank, static dims); `threads`,
  `parameters` and `set_parameters` (weights="args"), `save(folder)`.
- `load(folder) -> CompiledModule`: a saved module; `wn.runtime`,
  which holds it, imports only the standard library and torch.
- `export(module, example_input, weights="constants" | "args") -> str`: the
  module text; its entry `func.func @forward` takes the input (then the
  weights, with "args") and returns the output.
- `export_program(...) -> Exported`: the same, with the parameter list and
  shapes; `compiled.compile_exported(exported, workdir)` compiles one.
- `export(..., training=True, loss=None, target=None)` (and
  export_program): a training step, `@forward(inputs.., targets..,
  parameters..) -> (loss, the gradient of each parameter)` in
  model.named_parameters() order (Exported.gradients names them), each
  weight-normed layer's gradients one wn.weight_norm_backward; see
  wn.export.training.
- `load_state_dict(model, state_dict, dims=None)`: loads state dicts of
  either weight-norm spelling (weight_g/weight_v, or newer PyTorch's
  parametrizations.weight.original0/original1).
- `ExportError`: what cannot be exported, naming the layer and its type.
- The `wn-export` command line is `python3 -m wn.export` (build/bin/wn-export);
  `--compile DIR` saves a compiled module.

The exporter (torch.fx) is imported on first use of an exporting name, so
that `load` does not need it.
"""

import importlib

from wn.runtime import CompiledModule, load

# Names of the exporting side, imported when first used.
_EXPORTER = {
    "WEIGHTS": "exporter",
    "Exported": "exporter",
    "export": "exporter",
    "export_program": "exporter",
    "ExportError": "weightnorm",
    "load_state_dict": "weightnorm",
    "compile": "compiled",
}

# Not "compile": a star import would hide the builtin.
__all__ = ["CompiledModule", "load", *(n for n in _EXPORTER if n != "compile")]


def __getattr__(name: str):
    if name not in _EXPORTER:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTER[name]}", __name__),
                    name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_EXPORTER})
