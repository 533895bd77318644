"""wn_export: PyTorch modules with weight norm -> MLIR for wn-opt.

    from wn_export import export
    text = export(model, torch.randn(1, 80, 32), weights="constants")

- `export(module, example_input, weights="constants" | "args") -> str`: the
  module text; its entry `func.func @forward` takes the input (then the
  weights, with "args") and returns the output.
- `export_program(...)`: the same, with the parameter list and shapes.
- `load_state_dict(model, state_dict, dims=None)`: loads state dicts of
  either weight-norm spelling (weight_g/weight_v, or newer PyTorch's
  parametrizations.weight.original0/original1).
- `ExportError`: what cannot be exported, naming the layer and its type.
- `compiled`: compiling an export with wn-opt and calling it (examples).
- The `wn-export` command line is `python3 -m wn_export` (build/bin/wn-export).
"""

from .exporter import WEIGHTS, Exported, export, export_program
from .weightnorm import ExportError, load_state_dict

__all__ = ["WEIGHTS", "Exported", "ExportError", "export", "export_program",
           "load_state_dict"]
