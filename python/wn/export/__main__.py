# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The wn-export command line: python3 -m wn.export (build/bin/wn-export, or
the wn-export that `pip install -e .` installs).

    wn-export examples/hifigan/model.py:ResBlock1 --input-shape 1,128,64 \\
        [--kwargs '{"channels": 128}'] [--state-dict w.pt] [--dim conv=2] \\
        [--weights constants|args] [--dtype float32|float64] \\
        [--dynamic DIMS] [-o out.mlir] [--compile DIR] [--debug]

MODEL is FILE.py:NAME or package.module:NAME, where NAME is an nn.Module
subclass or a function returning a module (called with --kwargs), or a
module instance. The example input is seeded random normal data of
--input-shape; --dynamic marks dims of it dynamic (e.g. --dynamic -1, the
time axis: the module then runs at any length). Prints the MLIR module (or writes it to -o); with --compile,
compiles it (--wn-optimize, --wn-cpu-pipeline) and saves the compiled
module to DIR for wn.export.load instead (and writes the MLIR only with
-o). Exits with 1 and a message naming the layer on anything it cannot
export, or the failing step if the compilation fails.

Every other error is one line too, `wn-export: error: ...`, and exit
status 1: bad arguments (checked, output paths included, before the model
is loaded), a model file that fails to import or a model that fails to
construct or to trace (the exception and the line of the model's code that
raised it; --debug prints the traceback), a state dict that does not fit.
-o is written whole or not at all (a temporary file renamed over it), and
a --compile folder that this run created is removed again on failure.
"""

import argparse
import importlib
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import torch

from wn.aot import MissingToolError, ToolError

from . import ExportError, compiled, export, load_state_dict, where

# torch.manual_seed's range.
_SEED_RANGE = (-(1 << 63), (1 << 64) - 1)
# The largest size of a dim (PyTorch's sizes are int64).
_MAX_SIZE = (1 << 63) - 1
_TOOLS = ("wn-opt", "wn-translate", "clang")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit status 1, like
    every other error of wn-export."""

    def error(self, message):
        self.exit(1, f"{self.prog}: error: {message}\n")


def _a(noun: str) -> str:
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _user_code(what: str, function, *args, **kwargs):
    """Calls the model's own code; an exception it raises (even SystemExit)
    becomes an ExportError naming `what`, the exception and the line of
    the model's code that raised it."""
    try:
        return function(*args, **kwargs)
    except ExportError:
        raise
    except (Exception, SystemExit) as error:
        raise ExportError(f"{what} failed: {where.describe(error)}") \
            from error


def _load_object(spec: str):
    source, sep, name = spec.rpartition(":")
    if not sep or not source or not name:
        raise ExportError(f"MODEL must be FILE.py:NAME or module:NAME, not "
                          f"{spec!r}")
    if source.endswith(".py") or os.sep in source:
        path = Path(source)
        if not path.exists():
            raise ExportError(f"no such file: {source}")
        if path.is_dir():
            raise ExportError(f"MODEL {source} is a directory, not a .py "
                              f"file")
        if not path.is_file() or path.suffix != ".py":
            raise ExportError(f"MODEL {source} is not a .py file")
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(module_spec)
        sys.path.insert(0, str(path.parent.resolve()))
        _user_code(f"importing {source}", module_spec.loader.exec_module,
                   module)
    else:
        try:
            module = importlib.import_module(source)
        except ModuleNotFoundError as error:
            if error.name and (source == error.name or
                               source.startswith(error.name + ".")):
                raise ExportError(f"no such module: {source}") from None
            raise ExportError(f"importing {source} failed: "
                              f"{where.describe(error)}") from error
        except (Exception, SystemExit) as error:
            raise ExportError(f"importing {source} failed: "
                              f"{where.describe(error)}") from error
    try:
        return getattr(module, name)
    except AttributeError:
        raise ExportError(f"{source} has no attribute {name!r}") from None


def _make_model(obj, spec: str, kwargs: dict | None) -> torch.nn.Module:
    """MODEL's module: obj itself, or what calling it with kwargs gives."""
    if isinstance(obj, torch.nn.Module):
        if kwargs is not None:
            raise ExportError(f"--kwargs given, but {spec} is a module "
                              f"instance (--kwargs are for a class or a "
                              f"function that makes one)")
        return obj
    if not callable(obj):
        raise ExportError(f"{spec} is {_a(type(obj).__name__)}, not an "
                          f"nn.Module, a class or a function")
    kwargs = kwargs or {}
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    what = (f"constructing" if isinstance(obj, type) else "calling") + \
        f" {getattr(obj, '__name__', spec)}({shown})"
    model = _user_code(what, obj, **kwargs)
    if not isinstance(model, torch.nn.Module):
        raise ExportError(f"{spec} gave {_a(type(model).__name__)}, not an "
                          f"nn.Module")
    if type(model).forward is torch.nn.Module.forward:
        raise ExportError(f"{spec} gave {_a(type(model).__name__)}, which "
                          f"has no forward()")
    return model


def _shape(text: str) -> list[int]:
    try:
        shape = [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated sizes like 1,80,32, got {text!r}")
    if any(n < 0 for n in shape):
        raise argparse.ArgumentTypeError(f"negative size in {text!r}")
    if any(n > _MAX_SIZE for n in shape):
        raise argparse.ArgumentTypeError(f"size larger than 2**63 - 1 in "
                                         f"{text!r}")
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


def _seed(text: str) -> int:
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
    low, high = _SEED_RANGE
    if not low <= seed <= high:
        raise argparse.ArgumentTypeError(
            f"{text} is out of range (-2**63 to 2**64 - 1)")
    return seed


def _same_file(a, b) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def _check_output(path: str, model_file: str | None,
                  state_dict: str | None) -> None:
    """-o FILE: refused before any work when it cannot be written."""
    if not path:
        raise ExportError("-o: empty file name")
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"-o {path}: is a directory")
    parent = target.parent
    if not parent.exists():
        raise ExportError(f"-o {path}: no such directory: {parent}")
    if not parent.is_dir():
        raise ExportError(f"-o {path}: {parent} is not a directory")
    if target.exists() and not os.access(target, os.W_OK) or \
            not target.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"-o {path}: permission denied")
    for other, what in ((model_file, "the MODEL file"),
                        (state_dict, "the --state-dict file")):
        if other and target.exists() and _same_file(target, other):
            raise ExportError(f"-o {path} would overwrite {what}")


def _check_compile_dir(path: str) -> Path | None:
    """--compile DIR: refused before any work when it cannot be a folder;
    returns the topmost folder this run will create for it (None when DIR
    exists), which is removed again on failure."""
    if not path:
        raise ExportError("--compile: empty folder name")
    folder = Path(path)
    if folder.exists():
        if not folder.is_dir():
            raise ExportError(f"--compile {path}: not a directory")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise ExportError(f"--compile {path}: permission denied")
        return None
    created = folder
    while not created.parent.exists():
        if created.parent == created:
            break
        created = created.parent
    ancestor = created.parent
    if not ancestor.is_dir():
        raise ExportError(f"--compile {path}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ExportError(f"--compile {path}: permission denied")
    return created


def _check_input_size(shape: list[int], dtype: torch.dtype) -> None:
    """An example input larger than the machine's memory is an error, not
    an allocation failure (or the OOM killer)."""
    nbytes = math.prod(shape) * torch.empty((), dtype=dtype).element_size()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = None
    if memory and nbytes > memory or nbytes > _MAX_SIZE:
        raise ExportError(
            f"--input-shape {','.join(map(str, shape))}: the example input "
            f"would take {nbytes} bytes, more than this machine's memory"
            + (f" ({memory} bytes)" if memory else ""))


def _read_state_dict(path: str):
    if not os.path.exists(path):
        raise ExportError(f"no such file: {path}")
    if os.path.isdir(path):
        raise ExportError(f"--state-dict {path}: is a directory")
    try:
        state = torch.load(path, map_location="cpu")
    except OSError as error:
        raise ExportError(f"--state-dict {path}: "
                          f"{error.strerror or error}") from None
    except Exception as error:
        raise ExportError(f"--state-dict {path}: torch.load cannot read "
                          f"it ({where.message(error)})") from None
    if isinstance(state, torch.nn.Module):
        raise ExportError(f"--state-dict {path} holds a whole "
                          f"{type(state).__name__} module, not a state dict "
                          f"(save its state_dict())")
    if not isinstance(state, dict):
        raise ExportError(f"--state-dict {path} holds "
                          f"{_a(type(state).__name__)}, not a state dict (a "
                          f"dict of tensors)")
    return state


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_directly(target: Path, text: str) -> None:
    """Writes `target` in place; a file this creates is removed again if
    the write fails."""
    existed = target.exists()
    try:
        with open(target, "w") as f:
            f.write(text)
    except BaseException:
        if not existed:
            target.unlink(missing_ok=True)
        raise


def _write_output(path: str, text: str) -> None:
    """Writes -o whole or not at all: a regular file through a temporary
    file in its folder, renamed over it; anything else (a device, a pipe),
    or a file in a folder where no temporary file can be made, in place."""
    target = Path(os.path.realpath(path))
    if target.exists() and not target.is_file():
        _write_directly(target, text)
        return
    mode = (target.stat().st_mode & 0o7777 if target.exists()
            else 0o666 & ~_umask())
    try:
        fd, temporary = tempfile.mkstemp(dir=target.parent,
                                         prefix=f".{target.name}.",
                                         suffix=".tmp")
    except OSError:
        _write_directly(target, text)
        return
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_stdout(text: str) -> str | None:
    """Writes `text` to stdout; the error, if that fails."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
        return None
    except OSError as error:
        # Nothing more may reach the closed or full stdout, not even at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        if isinstance(error, BrokenPipeError):
            return ""
        return f"cannot write to stdout: {error.strerror or error}"


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    parser.add_argument("--kwargs",
                        help="JSON object of keyword arguments for NAME")
    parser.add_argument("--state-dict", metavar="FILE",
                        help="torch.save'd state dict to load (either "
                        "weight-norm spelling)")
    parser.add_argument("--dim", type=_dim, action="append", default=[],
                        metavar="LAYER=DIM", help="weight-norm dim of a "
                        "layer the state dict weight-norms (default: from "
                        "g's shape); needs --state-dict")
    parser.add_argument("--seed", type=_seed, default=0,
                        help="seed of the random weights and input")
    parser.add_argument("-o", "--output",
                        help="MLIR output file (default: stdout, unless "
                        "--compile)")
    parser.add_argument("--compile", metavar="DIR",
                        help="compile the module and save it to DIR (a "
                        "folder for wn.export.load)")
    parser.add_argument("--debug", action="store_true",
                        help="print the traceback of an error too")
    return parser


def _check_arguments(args) -> tuple[dict | None, dict, Path | None]:
    """The checks that need no model: --kwargs, --dim, the output paths,
    the input's size. Returns the kwargs (None when not given), the dims
    and the folder --compile will create."""
    kwargs = None
    if args.kwargs is not None:
        try:
            kwargs = json.loads(args.kwargs)
        except json.JSONDecodeError as error:
            raise ExportError(f"--kwargs is not valid JSON: {error}") \
                from None
        if not isinstance(kwargs, dict):
            raise ExportError("--kwargs must be a JSON object")
    dims = {}
    for layer, dim in args.dim:
        if layer in dims and dims[layer] != dim:
            raise ExportError(f"--dim for layer '{layer}' given twice, "
                              f"with {dims[layer]} and {dim}")
        dims[layer] = dim
    if dims and not args.state_dict:
        raise ExportError("--dim applies only to the layers a --state-dict "
                          "weight-norms; there is no --state-dict")
    model_file = args.model.rpartition(":")[0]
    if args.output not in (None, "-"):
        _check_output(args.output, model_file, args.state_dict)
    created = None
    if args.compile is not None:
        created = _check_compile_dir(args.compile)
        if args.output not in (None, "-") and \
                _same_file(args.output, args.compile):
            raise ExportError(f"-o and --compile name the same path, "
                              f"{args.output}")
    _check_input_size(args.input_shape, getattr(torch, args.dtype))
    return kwargs, dims, created


def _run(args) -> str:
    """Everything after parsing; returns the MLIR text."""
    kwargs, dims, created = _check_arguments(args)
    state = _read_state_dict(args.state_dict) if args.state_dict else None
    torch.manual_seed(args.seed)
    model = _make_model(_load_object(args.model), args.model, kwargs)
    dtype = getattr(torch, args.dtype)
    model = _user_code(f"converting the model to {args.dtype}", model.to,
                       dtype)
    if state is not None:
        load_state_dict(model, state, dims)
    try:
        example = torch.randn(args.input_shape, dtype=dtype)
    except RuntimeError as error:
        raise ExportError(f"cannot make the example input of shape "
                          f"{args.input_shape}: {where.message(error)}") \
            from None
    if args.compile is None:
        return export(model, example, args.weights, dynamic_dims=args.dynamic)
    try:
        module = compiled.compile(model, example, args.weights,
                                  dynamic_dims=args.dynamic)
    except ToolError:
        raise
    except MissingToolError as error:
        raise ExportError(str(error)) from None
    except OSError as error:
        if error.filename and Path(str(error.filename)).name in _TOOLS:
            raise ExportError(
                f"cannot run {error.filename}: {error.strerror} (build wn "
                f"with scripts/build.sh, or set WN_TOOLS_DIR or "
                f"WN_LLVM_TOOLS_DIR)") from None
        raise ExportError(f"compiling failed: {error}") from None
    try:
        module.save(args.compile)
    except BaseException as error:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        if isinstance(error, OSError):
            raise ExportError(f"--compile {args.compile}: "
                              f"{error.strerror or error}") from None
        raise
    return module.exported.text


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    try:
        text = _run(args)
        if args.output not in (None, "-"):
            try:
                _write_output(args.output, text)
            except OSError as error:
                raise ExportError(f"-o {args.output}: "
                                  f"{error.strerror or error}") from None
    except KeyboardInterrupt:
        print("wn-export: interrupted", file=sys.stderr)
        return 130
    except (ExportError, ToolError) as error:
        if args.debug:
            traceback.print_exc()
        hint = (" (--debug shows the traceback)"
                if error.__cause__ is not None and not args.debug else "")
        print(f"wn-export: error: {error}{hint}", file=sys.stderr)
        return 1
    except (Exception, SystemExit) as error:
        # Not a known error: a bug, or the model's code raising outside the
        # steps above (SystemExit too: only the model's code exits here).
        if args.debug:
            traceback.print_exc()
        hint = "" if args.debug else " (--debug shows the traceback)"
        print(f"wn-export: error: unexpected "
              f"{where.describe(error, fallback=True)}{hint}",
              file=sys.stderr)
        return 1
    if args.output == "-" or args.output is None and args.compile is None:
        failure = _write_stdout(text)
        if failure is not None:
            if failure:
                print(f"wn-export: error: {failure}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
