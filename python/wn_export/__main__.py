"""The wn-export command line: python3 -m wn_export (build/bin/wn-export).

    wn-export examples/hifigan/model.py:ResBlock1 --input-shape 1,128,64 \\
        [--kwargs '{"channels": 128}'] [--state-dict w.pt] [--dim conv=2] \\
        [--weights constants|args] [--dtype float32|float64] \\
        [--dynamic DIMS] [-o out.mlir] [--compile DIR]

MODEL is FILE.py:NAME or package.module:NAME, where NAME is an nn.Module
subclass or a function returning a module (called with --kwargs), or a
module instance. The example input is seeded random normal data of
--input-shape; --dynamic marks dims of it dynamic (e.g. --dynamic -1, the
time axis: the module then runs at any length). Prints the MLIR module (or writes it to -o); with --compile,
compiles it (--wn-optimize, --wn-cpu-pipeline) and saves the compiled
module to DIR for wn_export.load instead (and writes the MLIR only with
-o). Exits with 1 and a message naming the layer on anything it cannot
export, or the failing step if the compilation fails.
"""

import argparse
import importlib
import importlib.util
import json
import sys
from pathlib import Path

import torch

from wn_testing.aot import ToolError

from . import ExportError, compiled, export, load_state_dict


def _load_object(spec: str):
    source, sep, name = spec.rpartition(":")
    if not sep or not source or not name:
        raise ExportError(f"MODEL must be FILE.py:NAME or module:NAME, not "
                          f"{spec!r}")
    if source.endswith(".py"):
        path = Path(source)
        if not path.is_file():
            raise ExportError(f"no such file: {source}")
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.path.insert(0, str(path.parent.resolve()))
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(source)
    if not hasattr(module, name):
        raise ExportError(f"{source} has no attribute {name!r}")
    return getattr(module, name)


def _shape(text: str) -> list[int]:
    try:
        shape = [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated sizes like 1,80,32, got {text!r}")
    if any(n < 0 for n in shape):
        raise argparse.ArgumentTypeError(f"negative size in {text!r}")
    return shape


def _dim(text: str) -> tuple[str, int | None]:
    layer, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected LAYER=DIM, got {text!r}")
    if value.lower() == "none":
        return layer, None
    try:
        return layer, int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"DIM must be an integer or None, "
                                         f"got {value!r}")


def _dims(text: str) -> list[int]:
    try:
        return [int(d) for d in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated dims like -1 or 2,3, got {text!r}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="wn-export", description="Export a PyTorch module with weight "
        "norm to MLIR (func.func @forward on tensors, wn.weight_norm and "
        "linalg) for wn-opt.")
    parser.add_argument("model", metavar="MODEL",
                        help="FILE.py:NAME or package.module:NAME")
    parser.add_argument("--input-shape", type=_shape, required=True,
                        help="the example input's shape, e.g. 1,80,32")
    parser.add_argument("--dtype", choices=("float32", "float64"),
                        default="float32")
    parser.add_argument("--weights", choices=("constants", "args"),
                        default="constants",
                        help="dense_resource constants (inference) or "
                        "@forward arguments after the input")
    parser.add_argument("--dynamic", type=_dims, metavar="DIMS",
                        help="dims of the input that are dynamic (`?`), "
                        "e.g. -1 for the time axis; static by default")
    parser.add_argument("--kwargs", default="{}",
                        help="JSON object of keyword arguments for NAME")
    parser.add_argument("--state-dict", metavar="FILE",
                        help="torch.save'd state dict to load (either "
                        "weight-norm spelling)")
    parser.add_argument("--dim", type=_dim, action="append", default=[],
                        metavar="LAYER=DIM", help="weight-norm dim of a "
                        "layer the state dict weight-norms (default: from "
                        "g's shape)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random weights and input")
    parser.add_argument("-o", "--output",
                        help="MLIR output file (default: stdout, unless "
                        "--compile)")
    parser.add_argument("--compile", metavar="DIR",
                        help="compile the module and save it to DIR (a "
                        "folder for wn_export.load)")
    args = parser.parse_args(argv)
    try:
        kwargs = json.loads(args.kwargs)
        if not isinstance(kwargs, dict):
            raise ExportError("--kwargs must be a JSON object")
        torch.manual_seed(args.seed)
        obj = _load_object(args.model)
        model = obj if isinstance(obj, torch.nn.Module) else obj(**kwargs)
        if not isinstance(model, torch.nn.Module):
            raise ExportError(f"{args.model} gave a {type(model).__name__}, "
                              f"not an nn.Module")
        dtype = getattr(torch, args.dtype)
        model = model.to(dtype)
        if args.state_dict:
            state = torch.load(args.state_dict, map_location="cpu")
            load_state_dict(model, state, dict(args.dim))
        example = torch.randn(args.input_shape, dtype=dtype)
        if args.compile:
            module = compiled.compile(model, example, args.weights,
                                      dynamic_dims=args.dynamic)
            module.save(args.compile)
            text = module.exported.text
        else:
            text = export(model, example, args.weights,
                          dynamic_dims=args.dynamic)
        if args.output not in (None, "-"):
            Path(args.output).write_text(text)
    except (ExportError, ToolError, json.JSONDecodeError, OSError) as error:
        print(f"wn-export: error: {error}", file=sys.stderr)
        return 1
    if args.output == "-" or args.output is None and not args.compile:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
