# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""ctypes memref descriptors for contiguous torch tensors: how Python calls
code compiled by wn through MLIR's C interface (wn.runtime's compiled
modules, the tests, the benchmarks).

A memref descriptor is {T *allocated; T *aligned; int64_t offset; int64_t
sizes[rank]; int64_t strides[rank];}, sizes and strides in elements, rank-0
descriptors stopping after `offset`. Results are memrefs the callee
allocated with malloc; take_tensor copies one into a tensor and frees it.
Imports only the standard library and torch.
"""

import ctypes
import functools

import torch

__all__ = ["descriptor", "descriptor_class", "results_class", "take_tensor",
           "take_tensors"]

_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]
_libc.free.restype = None


@functools.cache
def descriptor_class(rank: int) -> type[ctypes.Structure]:
    """The ctypes structure of a memref descriptor of `rank`."""
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank),
                   ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRef{rank}D", (ctypes.Structure,), {"_fields_": fields})


@functools.cache
def results_class(ranks: tuple[int, ...]) -> type[ctypes.Structure]:
    """The struct a C interface function fills through its first argument
    when it returns memrefs of `ranks`: one descriptor per result, in order
    (for one result, the same layout as its descriptor)."""
    fields = [(f"r{i}", descriptor_class(rank))
              for i, rank in enumerate(ranks)]
    name = "Results" + "_".join(map(str, ranks))
    return type(name, (ctypes.Structure,), {"_fields_": fields})


def descriptor(tensor: torch.Tensor) -> ctypes.Structure:
    """A descriptor of `tensor`'s storage; it keeps `tensor` alive."""
    if not tensor.is_contiguous():
        raise ValueError("descriptor() needs a contiguous tensor")
    desc = descriptor_class(tensor.dim())(tensor.data_ptr(), tensor.data_ptr(),
                                          0)
    for i, (size, stride) in enumerate(zip(tensor.shape, tensor.stride())):
        desc.sizes[i] = size
        desc.strides[i] = stride
    desc.tensor = tensor
    return desc


def take_tensor(desc: ctypes.Structure, dtype: torch.dtype) -> torch.Tensor:
    """Copies a callee-allocated memref into a new tensor and frees it."""
    rank = len(getattr(desc, "sizes", ()))
    sizes = list(desc.sizes) if rank else []
    strides = list(desc.strides) if rank else []
    if 0 in sizes:
        result = torch.empty(sizes, dtype=dtype)
    else:
        if any(s < 0 for s in strides):
            raise ValueError("negative strides are not supported")
        count = desc.offset + 1 + sum((n - 1) * s
                                      for n, s in zip(sizes, strides))
        itemsize = torch.empty((), dtype=dtype).element_size()
        raw = (ctypes.c_char * (count * itemsize)).from_address(desc.aligned)
        flat = torch.frombuffer(raw, dtype=dtype)
        result = flat.as_strided(sizes, strides, desc.offset).clone()
    _libc.free(desc.allocated)
    desc.allocated = desc.aligned = None
    return result


def take_tensors(results: ctypes.Structure,
                 dtypes: list[torch.dtype]) -> list[torch.Tensor]:
    """take_tensor on every descriptor of a results_class struct."""
    descs = [getattr(results, name) for name, _ in results._fields_]
    if len(descs) != len(dtypes):
        raise ValueError(f"{len(descs)} results, {len(dtypes)} dtypes")
    return [take_tensor(d, t) for d, t in zip(descs, dtypes)]
