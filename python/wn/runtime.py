# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Running a compiled module: calling it, saving it and loading it again.

This is the half of wn that needs neither the exporter (wn.export, torch.fx)
nor the MLIR tools: it imports only the standard library, torch and
wn.memref, so that a folder written by `CompiledModule.save` runs wherever
the wn package and PyTorch are:

    from wn.runtime import load      # or: from wn.export import load
    module = load("resblock/")
    y = module(x)

A saved folder holds:
- `manifest.json` (`Manifest`): what @forward takes and returns, the
  library's file and entry symbol, the parameters and the compile options;
- the shared library (`module-<hash>.so`, named by its contents so that a
  folder saved again is not served the earlier library dlopen still has);
- the OpenMP runtime it was linked with (`libomp.so.5`), loaded from the
  folder only where the system has none;
- with weights="args", `parameters.bin`: every parameter's raw bytes (the
  manifest's dtype, little-endian, row-major) at the manifest's offset.

Compiled code is called through MLIR's C interface (`_mlir_ciface_forward`)
with memref descriptors (wn.memref); results are memrefs the callee
allocated with malloc, copied into tensors and freed.
"""

import contextlib
import ctypes
import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import torch

from .memref import descriptor, results_class, take_tensors

MANIFEST = "manifest.json"
FORMAT = "wn-compiled-module"
FORMAT_VERSION = 1
ENTRY = "_mlir_ciface_forward"
PARAMETERS_FILE = "parameters.bin"
# Parameters start at multiples of this many bytes in PARAMETERS_FILE.
PARAMETER_ALIGNMENT = 64

_libc = ctypes.CDLL(None)


# --- Memory ------------------------------------------------------------------

# glibc's mallopt parameters.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def retain_freed_memory() -> bool:
    """Makes glibc's malloc keep freed memory for reuse rather than return
    it to the system: blocks up to 32 MiB come from the heap (not mmap) and
    the heap is not trimmed below 1 GiB of free space. Compiled code
    allocates its intermediate buffers on every call; with glibc's defaults
    each call then maps, zero-fills and unmaps them again (measured: a
    weight-normed 192-channel k7 convolution on 1024 frames, 2 threads, 4.0
    to 4.7 ms per call, 2.7 ms with this). Affects the whole process
    (PyTorch's CPU allocator too); returns False where there is no glibc."""
    try:
        return bool(_libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30) and
                    _libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20))
    except AttributeError:
        return False


# --- The manifest ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Parameter:
    """A parameter @forward takes after its inputs (weights="args"): its
    name in the model (e.g. "conv.weight_v"), its shape, and where its bytes
    start in the parameters file."""
    name: str
    shape: tuple[int, ...]
    offset: int

    def nbytes(self, dtype: torch.dtype) -> int:
        return _numel(self.shape) * _itemsize(dtype)


def parameter_layout(named_shapes: Sequence[tuple[str, Sequence[int]]],
                     dtype: torch.dtype) -> tuple[Parameter, ...]:
    """Parameters in @forward's order, packed one after the other at
    PARAMETER_ALIGNMENT-byte offsets."""
    parameters, offset = [], 0
    for name, shape in named_shapes:
        parameters.append(Parameter(name, tuple(shape), offset))
        size = parameters[-1].nbytes(dtype)
        offset += -(-size // PARAMETER_ALIGNMENT) * PARAMETER_ALIGNMENT
    return tuple(parameters)


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What a compiled module is: the one schema of manifest.json.

    - `entry`: the C interface function, called as entry(&results, &input
      descriptors..., &parameter descriptors...).
    - `dtype`: the element type of every input, output and parameter.
    - `input_shapes`, `output_shapes`: one list per tensor; None (JSON
      null) marks a dynamic dim, which takes any size.
    - `output_structure`: what a call returns, built from the outputs: an
      int is the output of that index, a list a tuple of its entries, None
      a None (a forward() returning `(x, None)` has `[0, None]`); every
      output index appears once.
    - `parameters`: @forward's arguments after the inputs, in order.
    - `options`: how it was compiled (passes, pipeline options, weights,
      dynamic dims); informational.
    - `library`, `runtime_libraries`, `parameters_file`: file names in the
      saved folder (None and () before it is saved).
    """
    dtype: torch.dtype
    input_shapes: tuple[tuple[int | None, ...], ...]
    output_shapes: tuple[tuple[int | None, ...], ...]
    output_structure: object
    parameters: tuple[Parameter, ...] = ()
    options: dict = dataclasses.field(default_factory=dict)
    entry: str = ENTRY
    library: str | None = None
    runtime_libraries: tuple[str, ...] = ()
    parameters_file: str | None = None

    def __post_init__(self):
        """Checks what the field types do not: each output in the structure
        once, unique parameter names."""
        indices = sorted(_structure_indices(self.output_structure))
        if indices != list(range(len(self.output_shapes))):
            raise ValueError(
                f"output_structure {self.output_structure!r} must use each "
                f"output index 0..{len(self.output_shapes) - 1} once")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"parameter names repeat: {names}")

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "entry": self.entry,
            "library": self.library,
            "runtime_libraries": list(self.runtime_libraries),
            "dtype": _dtype_name(self.dtype),
            "input_shapes": [list(s) for s in self.input_shapes],
            "output_shapes": [list(s) for s in self.output_shapes],
            "output_structure": self.output_structure,
            "parameters_file": self.parameters_file,
            "parameters": [{"name": p.name, "shape": list(p.shape),
                            "offset": p.offset} for p in self.parameters],
            "options": self.options,
        }

    @classmethod
    def from_json(cls, data, source: str = MANIFEST) -> "Manifest":
        """The manifest of `data` (json.load's result); ValueError naming
        `source` and the field for anything that does not fit the schema."""
        def fail(message):
            raise ValueError(f"{source}: {message}")

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            fail(f"not a compiled module manifest (no \"format\": "
                 f"\"{FORMAT}\")")
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            fail(f"format_version {version!r} is not supported: this "
                 f"wn.runtime reads version {FORMAT_VERSION}")
        try:
            dtype = _dtype(_get(data, "dtype", str))
            parameters = tuple(
                Parameter(_get(p, "name", str),
                          _shape(_get(p, "shape", list), "parameter shape",
                                 dynamic=False),
                          _get(p, "offset", int))
                for p in _get(data, "parameters", list))
            runtime_libraries = tuple(_get(data, "runtime_libraries", list))
            if not all(isinstance(n, str) for n in runtime_libraries):
                raise ValueError("'runtime_libraries' must be file names")
            return cls(
                dtype=dtype,
                input_shapes=tuple(_shape(s, "input_shapes entry") for s in
                                   _get(data, "input_shapes", list)),
                output_shapes=tuple(_shape(s, "output_shapes entry") for s in
                                    _get(data, "output_shapes", list)),
                output_structure=_get(data, "output_structure",
                                      (int, list, type(None))),
                parameters=parameters,
                options=_get(data, "options", dict),
                entry=_get(data, "entry", str),
                library=_get(data, "library", str),
                runtime_libraries=runtime_libraries,
                parameters_file=_get(data, "parameters_file",
                                     (str, type(None))))
        except ValueError as error:
            raise ValueError(f"{source}: {error}") from None


def _dumps(data: dict) -> str:
    """JSON for people too: a key per line, a list of objects (the
    parameters) an object per line."""
    def value(v):
        if isinstance(v, list) and v and isinstance(v[0], dict):
            return "[\n" + ",\n".join(f"  {json.dumps(e)}" for e in v) + "\n ]"
        return json.dumps(v)
    return "{\n" + ",\n".join(f" {json.dumps(k)}: {value(v)}"
                               for k, v in data.items()) + "\n}\n"


def _get(data, key: str, types):
    if not isinstance(data, dict):
        raise ValueError(f"expected an object with {key!r}, got {data!r}")
    if key not in data:
        raise ValueError(f"missing {key!r}")
    value = data[key]
    if not isinstance(value, types) or isinstance(value, bool):
        raise ValueError(f"{key!r} is {value!r}")
    return value


def _shape(value, what: str, dynamic: bool = True) -> tuple:
    allowed = (int, type(None)) if dynamic else int
    if not isinstance(value, list) or not all(
            isinstance(n, allowed) and not isinstance(n, bool) and
            (n is None or n >= 0) for n in value):
        sizes = "sizes >= 0 or null" if dynamic else "sizes >= 0"
        raise ValueError(f"{what} {value!r} is not a list of {sizes}")
    return tuple(value)


def _structure_indices(structure):
    if structure is None:
        return
    if isinstance(structure, int) and not isinstance(structure, bool):
        yield structure
    elif isinstance(structure, (list, tuple)):
        for entry in structure:
            yield from _structure_indices(entry)
    else:
        raise ValueError(f"output_structure entry {structure!r} is not an "
                         f"output index, a list or None")


def _rebuild(structure, outputs: list):
    if structure is None:
        return None
    if isinstance(structure, int):
        return outputs[structure]
    return tuple(_rebuild(s, outputs) for s in structure)


def _dtype(name: str) -> torch.dtype:
    dtype = getattr(torch, name, None)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"'dtype' {name!r} is not a torch floating-point "
                         f"type")
    return dtype


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _itemsize(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


def _numel(shape) -> int:
    count = 1
    for n in shape:
        count *= n
    return count


def _format_shape(shape) -> str:
    return "[" + ", ".join("?" if n is None else str(n) for n in shape) + "]"


# --- The module --------------------------------------------------------------

class CompiledModule:
    """A compiled forward(), callable on torch tensors like the model:
    `module(x)` returns what the model returns (a tensor, or a tuple).

    Inputs must match the compiled signature: their number, dtype, rank and
    every static dim (dims compiled as dynamic take any size); they are
    read from CPU tensors, made contiguous first where they are not. With
    weights="args" the parameters are passed on every call: the exported
    weights unless replaced by `set_parameters`. `threads` (or
    `set_num_threads`) sets how many OpenMP threads calls of this module
    use. `save(folder)` writes a folder that `load` (from this module) runs
    without the exporter or the MLIR tools.

    Made by `wn.export.compile`, `wn.export.compiled.compile_exported` and
    `load`. Unless `retain_memory` is off, making one calls
    retain_freed_memory().
    """

    def __init__(self, library: ctypes.CDLL, manifest: Manifest,
                 parameters: Mapping[str, torch.Tensor] | None = None, *,
                 exported=None, retain_memory: bool = True):
        if retain_memory:
            retain_freed_memory()
        self.library = library
        self.manifest = manifest
        # The wn.export.Exported it was compiled from; None when loaded.
        self.exported = exported
        try:
            self._fn = getattr(library, manifest.entry)
        except AttributeError:
            raise ValueError(f"{library._name} has no function "
                             f"{manifest.entry}") from None
        self._fn.restype = None
        self._results = results_class(
            tuple(len(s) for s in manifest.output_shapes))
        # The OpenMP runtime's thread count, where the library uses it.
        self._omp_get_max_threads = getattr(library, "omp_get_max_threads",
                                            None)
        self._omp_set_num_threads = getattr(library, "omp_set_num_threads",
                                            None)
        self._threads = None
        self._parameters = {}
        self.set_parameters(parameters or {})

    @property
    def library_path(self) -> Path:
        """The shared library's file."""
        return Path(self.library._name)

    @property
    def dtype(self) -> torch.dtype:
        return self.manifest.dtype

    @property
    def input_shapes(self) -> list[tuple]:
        """The compiled input shapes; None marks a dynamic dim."""
        return list(self.manifest.input_shapes)

    @property
    def output_shapes(self) -> list[tuple]:
        """The compiled output shapes; None marks a dynamic dim."""
        return list(self.manifest.output_shapes)

    # -- Calling --

    def __call__(self, *inputs: torch.Tensor):
        args = [*self._check_inputs(inputs), *self._parameters.values()]
        descs = [descriptor(a) for a in args]
        results = self._results()
        earlier = None
        if self._threads is not None and self._omp_get_max_threads:
            earlier = self._omp_get_max_threads()
            if earlier != self._threads:
                self._omp_set_num_threads(self._threads)
            else:
                earlier = None
        try:
            self._fn(ctypes.byref(results), *(ctypes.byref(d) for d in descs))
        finally:
            if earlier is not None:
                self._omp_set_num_threads(earlier)
        outputs = take_tensors(results,
                               [self.dtype] * len(self.manifest.output_shapes))
        return _rebuild(self.manifest.output_structure, outputs)

    def _check_inputs(self, inputs) -> list[torch.Tensor]:
        expected = self.manifest.input_shapes
        if len(inputs) != len(expected):
            raise TypeError(f"forward takes {len(expected)} input(s), got "
                            f"{len(inputs)}")
        checked = []
        for i, (x, shape) in enumerate(zip(inputs, expected)):
            if not isinstance(x, torch.Tensor) or x.dtype != self.dtype or \
                    x.device.type != "cpu" or x.dim() != len(shape) or any(
                        m is not None and n != m
                        for n, m in zip(x.shape, shape)):
                raise self._input_error(i, x, shape)
            checked.append(x.detach().contiguous())
        return checked

    def _input_error(self, i: int, x, shape) -> Exception:
        """What is wrong with input `i`, `x`, for the compiled `shape`."""
        want = f"{_format_shape(shape)} {_dtype_name(self.dtype)}"
        if not isinstance(x, torch.Tensor):
            return TypeError(f"input {i}: expected a tensor {want}, got "
                             f"{type(x).__name__}")
        got = f"{_format_shape(x.shape)} {_dtype_name(x.dtype)}"
        if x.dtype != self.dtype:
            return TypeError(f"input {i}: expected {want}, got {got}")
        if x.device.type != "cpu":
            return ValueError(f"input {i}: expected a CPU tensor, got one on "
                              f"{x.device}")
        if x.dim() != len(shape):
            return ValueError(f"input {i}: expected {want} ({len(shape)} "
                              f"dims), got {got} ({x.dim()} dims)")
        d, n, m = next((d, n, m)
                       for d, (n, m) in enumerate(zip(x.shape, shape))
                       if m is not None and n != m)
        return ValueError(f"input {i}: expected {want}, got {got}: dim {d} "
                          f"is {n}, not {m}")

    # -- Threads --

    @property
    def threads(self) -> int:
        """The OpenMP threads calls run on: the value set, else the
        runtime's default (OMP_NUM_THREADS, or one per core)."""
        if self._threads is not None:
            return self._threads
        return self._omp_get_max_threads() if self._omp_get_max_threads \
            else 1

    @threads.setter
    def threads(self, threads: int | None) -> None:
        if threads is None:
            self._threads = None
        else:
            self.set_num_threads(threads)

    def set_num_threads(self, threads: int) -> None:
        """Runs this module's calls, from any Python thread, on `threads`
        OpenMP threads (the runtime's setting is restored after each call,
        so other modules keep theirs)."""
        if not isinstance(threads, int) or isinstance(threads, bool):
            raise TypeError(f"threads must be an int, got "
                            f"{type(threads).__name__}")
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        if threads > 1 and not self._omp_get_max_threads:
            raise ValueError(f"threads={threads}: {self.library_path.name} "
                             f"was compiled without threads")
        self._threads = threads

    # -- Parameters --

    @property
    def parameters(self) -> dict[str, torch.Tensor]:
        """{name: tensor} of the parameters passed on every call
        (weights="args"; empty for weights="constants"), in @forward's
        order. The tensors are used as they are at each call."""
        return dict(self._parameters)

    def set_parameters(self, parameters: Mapping[str, torch.Tensor],
                       strict: bool = True) -> None:
        """Replaces parameters by name, as nn.Module.load_state_dict does:
        with `strict`, `parameters` must name exactly the module's
        parameters; without, others are ignored and missing ones keep their
        value. Each must have the parameter's shape and the module's dtype.
        Nothing is replaced if any check fails."""
        if not isinstance(parameters, Mapping):
            raise TypeError(f"parameters must be a mapping of names to "
                            f"tensors, got {type(parameters).__name__}")
        known = {p.name: p for p in self.manifest.parameters}
        if strict:
            missing = [n for n in known if n not in parameters]
            unexpected = [n for n in parameters if n not in known]
            if missing or unexpected:
                hint = "" if known else (
                    " (compiled with weights='constants': its weights are "
                    "part of the library)")
                raise ValueError(f"parameters do not match the compiled "
                                 f"module{hint}: missing {missing}, "
                                 f"unexpected {unexpected}")
        updates = {}
        for name, tensor in parameters.items():
            if name not in known:
                continue
            shape = known[name].shape
            if not isinstance(tensor, torch.Tensor):
                raise TypeError(f"parameter '{name}': expected a tensor, got "
                                f"{type(tensor).__name__}")
            if tensor.dtype != self.dtype:
                raise TypeError(f"parameter '{name}': expected "
                                f"{_dtype_name(self.dtype)}, got "
                                f"{_dtype_name(tensor.dtype)}")
            if tuple(tensor.shape) != shape:
                raise ValueError(f"parameter '{name}': expected shape "
                                 f"{list(shape)}, got {list(tensor.shape)}")
            if tensor.device.type != "cpu":
                raise ValueError(f"parameter '{name}': expected a CPU "
                                 f"tensor, got one on {tensor.device}")
            updates[name] = tensor.detach().contiguous()
        self._parameters = {name: updates.get(name, self._parameters.get(name))
                            for name in known}

    # -- Saving --

    def save(self, path) -> Path:
        """Writes the module into the folder `path` (created if needed)
        for `load`: manifest.json, the library, the OpenMP runtime it uses
        and, with weights="args", the current parameters. Files of an
        earlier save there are replaced. Returns the folder."""
        folder = Path(path)
        if not self.library_path.is_file():
            raise FileNotFoundError(
                f"the compiled library {self.library_path} no longer exists "
                f"(was its workdir deleted?); cannot save")
        folder.mkdir(parents=True, exist_ok=True)
        earlier = _earlier_files(folder)
        library = f"module-{_file_digest(self.library_path)}.so"
        _copy_file(self.library_path, folder / library)
        runtime = _openmp_runtime(self.library)
        runtime_libraries = ()
        if runtime is not None:
            runtime_libraries = (runtime.name,)
            _copy_file(runtime, folder / runtime.name)
        parameters_file = None
        if self.manifest.parameters:
            parameters_file = PARAMETERS_FILE
            with _replacing(folder / parameters_file) as f:
                _write_parameters(f, self.manifest, self._parameters)
        manifest = dataclasses.replace(
            self.manifest, library=library,
            runtime_libraries=runtime_libraries,
            parameters_file=parameters_file)
        with _replacing(folder / MANIFEST) as f:
            f.write(_dumps(manifest.to_json()).encode())
        written = {library, *runtime_libraries, parameters_file, MANIFEST}
        for name in earlier - written:
            (folder / name).unlink(missing_ok=True)
        return folder

    def __repr__(self) -> str:
        inputs = ", ".join(_format_shape(s) for s in self.input_shapes)
        outputs = ", ".join(_format_shape(s) for s in self.output_shapes)
        return (f"CompiledModule(inputs=({inputs}), outputs=({outputs}), "
                f"dtype={_dtype_name(self.dtype)}, "
                f"parameters={len(self.manifest.parameters)}, "
                f"library='{self.library_path}')")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _earlier_files(folder: Path) -> set[str]:
    """The files a manifest already in `folder` names."""
    try:
        manifest = Manifest.from_json(
            json.loads((folder / MANIFEST).read_text()))
    except (OSError, ValueError):
        return set()
    return {manifest.library, *manifest.runtime_libraries,
            manifest.parameters_file} - {None}


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def _openmp_runtime(library: ctypes.CDLL) -> Path | None:
    """The file of the OpenMP runtime `library` calls (as the dynamic
    linker found it, named by its soname), or None if it calls none."""
    function = getattr(library, "omp_get_max_threads", None)
    if function is None:
        return None
    info = _DlInfo()
    address = ctypes.cast(function, ctypes.c_void_p)
    if not _libc.dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        return None
    return Path(os.fsdecode(info.dli_fname))


@contextlib.contextmanager
def _replacing(path: Path):
    """A binary file to write that replaces `path` when complete: a new
    file, never a rewrite of one that a process may have mapped."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "wb") as f:
            yield f
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _copy_file(source: Path, destination: Path) -> None:
    if destination.exists() and os.path.samefile(source, destination):
        return
    with open(source, "rb") as src, _replacing(destination) as dst:
        shutil.copyfileobj(src, dst)


def _write_parameters(f, manifest: Manifest,
                      tensors: Mapping[str, torch.Tensor]) -> None:
    for parameter in manifest.parameters:
        tensor = tensors[parameter.name].contiguous()
        size = parameter.nbytes(manifest.dtype)
        f.seek(parameter.offset)
        if size:
            f.write((ctypes.c_char * size).from_address(tensor.data_ptr()))


def _read_parameters(path: Path, manifest: Manifest) -> dict:
    data = bytearray(path.read_bytes())
    parameters = {}
    for p in manifest.parameters:
        size = p.nbytes(manifest.dtype)
        if p.offset < 0 or p.offset + size > len(data):
            raise ValueError(f"{path}: parameter '{p.name}' "
                             f"({_format_shape(p.shape)}) at offset "
                             f"{p.offset} is past the end of the file "
                             f"({len(data)} bytes)")
        flat = torch.frombuffer(data, dtype=manifest.dtype,
                                count=_numel(p.shape), offset=p.offset) \
            if size else torch.empty(0, dtype=manifest.dtype)
        parameters[p.name] = flat.reshape(p.shape)
    return parameters


def _load_library(path: Path, runtime_libraries: list[Path]) -> ctypes.CDLL:
    """dlopens `path`; if its dependencies are not found, loads the bundled
    `runtime_libraries` first, which then satisfy them. The system's
    runtime comes first, so that a process that also loaded it elsewhere
    does not get two OpenMP runtimes."""
    try:
        return ctypes.CDLL(str(path))
    except OSError as error:
        if not runtime_libraries:
            raise
        first_error = error
    for runtime in runtime_libraries:
        ctypes.CDLL(str(runtime), mode=ctypes.RTLD_GLOBAL)
    try:
        return ctypes.CDLL(str(path))
    except OSError as error:
        raise OSError(f"{first_error}; with the bundled runtime: "
                      f"{error}") from error


def load(path, threads: int | None = None,
         retain_memory: bool = True) -> CompiledModule:
    """The CompiledModule saved in the folder `path` by
    CompiledModule.save, running on `threads` OpenMP threads (default: the
    runtime's). Needs neither the exporter nor the MLIR tools."""
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"no compiled module at {folder}: not a "
                                f"folder")
    manifest_path = folder / MANIFEST
    try:
        text = manifest_path.read_text()
    except FileNotFoundError:
        raise FileNotFoundError(f"no compiled module at {folder}: no "
                                f"{MANIFEST} (CompiledModule.save writes "
                                f"one)") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{manifest_path}: not valid JSON: {error}") \
            from None
    manifest = Manifest.from_json(data, str(manifest_path))
    for name in (manifest.library, *manifest.runtime_libraries,
                 manifest.parameters_file):
        if name is not None and Path(name).name != name:
            raise ValueError(f"{manifest_path}: {name!r} is not a file name "
                             f"in the folder")
    library_path = folder / manifest.library
    if not library_path.is_file():
        raise FileNotFoundError(f"{manifest_path} names the library "
                                f"{manifest.library}, which is not in "
                                f"{folder}")
    parameters = {}
    if manifest.parameters:
        if manifest.parameters_file is None:
            raise ValueError(f"{manifest_path}: parameters without a "
                             f"'parameters_file'")
        parameters = _read_parameters(folder / manifest.parameters_file,
                                      manifest)
    library = _load_library(library_path.resolve(),
                            [(folder / name).resolve()
                             for name in manifest.runtime_libraries])
    module = CompiledModule(library, manifest, parameters,
                            retain_memory=retain_memory)
    if threads is not None:
        module.set_num_threads(threads)
    return module
