"""Compiling an export with wn-opt and calling its @forward from Python.

compile_exported(exported, workdir) runs wn-opt with `passes` (default
--wn-optimize) and --wn-cpu-pipeline, mlir-translate and clang (see
wn_testing.aot), loads the shared library and returns a callable that takes
the input tensor(s) (and, for weights="args", the parameters, defaulting to
the exported ones) and returns the output tensor(s).
"""

import ctypes
import itertools
from collections.abc import Sequence

import torch

from wn_testing import aot, memref

from .exporter import Exported


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
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30) and
                    libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20))
    except (AttributeError, OSError):
        return False


class CompiledModel:
    """@forward of a compiled export, callable on torch tensors. Unless
    `retain_memory` is off, loading one calls retain_freed_memory()."""

    def __init__(self, exported: Exported, library: ctypes.CDLL,
                 retain_memory: bool = True):
        if retain_memory:
            retain_freed_memory()
        self.exported = exported
        self.library = library
        self._fn = library._mlir_ciface_forward
        self._fn.restype = None
        self._results = memref.results_class(
            tuple(len(s) for s in exported.output_shapes))

    def set_num_threads(self, threads: int) -> None:
        """Threads of the OpenMP runtime the library runs on (its
        omp_set_num_threads, for calls from this thread)."""
        if threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        self.library.omp_set_num_threads(ctypes.c_int(threads))

    def __call__(self, *inputs: torch.Tensor, parameters=None):
        if len(inputs) != len(self.exported.input_shapes):
            raise TypeError(f"forward takes {len(self.exported.input_shapes)} "
                            f"input(s), got {len(inputs)}")
        for x, shape in zip(inputs, self.exported.input_shapes):
            if x.dim() != len(shape) or any(
                    n is not None and n != m for n, m in zip(shape, x.shape)) \
                    or x.dtype != self.exported.dtype:
                raise ValueError(f"input of shape {list(x.shape)} and "
                                 f"{x.dtype}; the export takes "
                                 f"{list(shape)} of {self.exported.dtype}")
        if parameters is None:
            parameters = [t for _, t in self.exported.parameters]
        args = [t.detach().contiguous() for t in (*inputs, *parameters)]
        descs = [memref.descriptor(a) for a in args]
        results = self._results()
        self._fn(ctypes.byref(results), *(ctypes.byref(d) for d in descs))
        out = memref.take_tensors(
            results, [self.exported.dtype] * len(self.exported.output_shapes))
        return out[0] if len(out) == 1 else tuple(out)


# dlopen returns the library already loaded from a path, even if the file
# changed: every compilation in a process gets its own file name.
_serial = itertools.count()


def compile_exported(exported: Exported, workdir,
                     passes: Sequence[str] = ("--wn-optimize",),
                     pipeline_options: str = "",
                     name: str = "model") -> CompiledModel:
    """Compiles `exported` for this CPU; intermediate files go to
    `workdir`."""
    options = " ".join(o for o in ("emit-c-interface=1", pipeline_options)
                       if o)
    name = f"{name}_{next(_serial)}"
    library = aot.compile_module(exported.text, workdir, options, name=name,
                                 passes=list(passes))
    return CompiledModel(exported, library)
