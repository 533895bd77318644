# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Compiling a PyTorch module, or an export of one, into a CompiledModule.

    module = wn.export.compile(model, x, weights="args")
    y = module(x)
    module.save("model/")          # wn.export.load("model/") runs it again

compile() exports the model (export_program), then compile_exported runs
wn-opt with `passes` (default --wn-optimize) and --wn-cpu-pipeline,
wn-translate --mlir-to-object and clang (wn.aot) and loads the shared
library. The result runs without any of them (wn.runtime).
"""

import itertools
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path

import torch

from wn import aot

from .exporter import Exported, export_program
from wn.runtime import ENTRY, CompiledModule, Manifest, parameter_layout

# dlopen returns the library already loaded from a path, even if the file
# changed: every compilation in a process gets its own file name.
_serial = itertools.count()


def compile(model: torch.nn.Module, example_input, weights: str = "constants",
            dynamic_dims=None, threads: int | None = None,
            passes: Sequence[str] = ("--wn-optimize",),
            pipeline_options: str = "", workdir=None) -> CompiledModule:
    """Exports `model` traced on `example_input` (a tensor or a tuple of
    them), compiles it for this CPU and loads it.

    - `weights`: "constants" (embedded and folded: inference) or "args"
      (passed on every call: CompiledModule.parameters, set_parameters).
    - `dynamic_dims`: the input dims that take any size at run time, as
      export_program takes them: a dim or a list of dims of the only
      input, or {input index: dims}.
    - `threads`: the module's OpenMP thread count (default: the runtime's).
    - `passes`, `pipeline_options`: wn-opt flags before --wn-cpu-pipeline,
      and that pipeline's options (e.g. "contractions=loops").
    - `workdir`: where the intermediate files go and stay; by default a
      temporary folder, deleted but for the library, which lives as long
      as the module (CompiledModule.save keeps a copy).

    Raises ExportError for what cannot be exported, wn.aot.ToolError
    for a failed compilation step.
    """
    if isinstance(passes, str):
        raise TypeError(f"passes must be a sequence of wn-opt flags, got the "
                        f"string {passes!r}")
    exported = export_program(model, example_input, weights, dynamic_dims)
    options = {"weights": weights,
               "dynamic_dims": _json_dims(dynamic_dims)}
    if workdir is not None:
        module = _compile(exported, workdir, passes, pipeline_options,
                          "model", options)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="wn-compile-"))
        try:
            module = _compile(exported, workdir, passes, pipeline_options,
                              "model", options)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        _keep_only(workdir, module.library_path)
        weakref.finalize(module, shutil.rmtree, workdir, ignore_errors=True)
    if threads is not None:
        module.set_num_threads(threads)
    return module


def compile_exported(exported: Exported, workdir,
                     passes: Sequence[str] = ("--wn-optimize",),
                     pipeline_options: str = "",
                     name: str = "model") -> CompiledModule:
    """Compiles `exported` for this CPU and loads it; intermediate files
    (and the library) go to `workdir`. With weights="args" the module's
    parameters are the exported ones."""
    return _compile(exported, workdir, passes, pipeline_options, name, {})


def _compile(exported: Exported, workdir, passes, pipeline_options: str,
             name: str, options: dict) -> CompiledModule:
    pipeline_options = " ".join(
        o for o in ("emit-c-interface=1", pipeline_options) if o)
    manifest = Manifest(
        dtype=exported.dtype,
        input_shapes=tuple(tuple(s) for s in exported.input_shapes),
        output_shapes=tuple(tuple(s) for s in exported.output_shapes),
        output_structure=_output_structure(exported),
        parameters=parameter_layout(
            [(n, t.shape) for n, t in exported.parameters], exported.dtype),
        options={**options, "passes": list(passes),
                 "pipeline_options": pipeline_options},
        entry=ENTRY)
    library = aot.compile_module(exported.text, workdir, pipeline_options,
                                 name=f"{name}_{next(_serial)}",
                                 passes=list(passes))
    return CompiledModule(library, manifest, dict(exported.parameters),
                          exported=exported)


def _output_structure(exported: Exported):
    """Exported.output_structure (None for one tensor, else a tuple of
    output indices and Nones) as runtime.Manifest has it."""
    def as_lists(s):
        return [as_lists(e) for e in s] if isinstance(s, (tuple, list)) \
            else s
    structure = exported.output_structure
    return 0 if structure is None else as_lists(structure)


def _json_dims(dynamic_dims):
    """dynamic_dims as JSON keeps it: {"index": dims}, [dims] or a dim."""
    if dynamic_dims is None or isinstance(dynamic_dims, int):
        return dynamic_dims
    if isinstance(dynamic_dims, dict):
        return {str(k): _json_dims(v) for k, v in dynamic_dims.items()}
    return list(dynamic_dims)


def _keep_only(workdir: Path, keep: Path) -> None:
    """Deletes the intermediate files in `workdir`, keeping `keep`."""
    keep = keep.resolve()
    for path in sorted(workdir.rglob("*"), reverse=True):
        if path.resolve() == keep or path.resolve() in keep.parents:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
