# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""MLIR text building blocks: types, literals, SSA names, affine maps and the
dense_resource blobs of embedded weights."""

import math
import re
import struct

import torch

ELEMENT_TYPES = {torch.float32: "f32", torch.float64: "f64"}


def tensor_type(shape, elem: str) -> str:
    """tensor<AxBx..elem>, `?` for the dims that are not ints (dynamic
    sizes, symbolic.Sym)."""
    dims = "".join(f"{n}x" if isinstance(n, int) else "?x" for n in shape)
    return f"tensor<{dims}{elem}>"


def float_literal(x: float, elem: str) -> str:
    """`x` rounded to `elem`, spelled so that MLIR reads back that exact
    value: the shortest decimal of the rounded double (every f32 is a
    double), or the bit pattern for infinities and NaN."""
    if elem == "f32":
        bits = struct.unpack("<I", struct.pack("<f", x))[0]
        value = struct.unpack("<f", struct.pack("<I", bits))[0]
        hexbits = f"0x{bits:08X}"
    else:
        bits = struct.unpack("<Q", struct.pack("<d", x))[0]
        value = x
        hexbits = f"0x{bits:016X}"
    if not math.isfinite(value):
        return hexbits
    text = repr(float(value))
    if "." not in text:  # 1e-09 -> 1.0e-09: MLIR float literals need a '.'
        mantissa, _, exponent = text.partition("e")
        text = mantissa + ".0" + ("e" + exponent if exponent else "")
    return text


def affine_map(rank: int, results) -> str:
    dims = ", ".join(f"d{i}" for i in range(rank))
    return f"affine_map<({dims}) -> ({', '.join(results)})>"


def identity_map(rank: int) -> str:
    return affine_map(rank, [f"d{i}" for i in range(rank)])


def resource_blob(tensor: torch.Tensor) -> str:
    """The hex blob of a dense_resource: the alignment (the element size) as
    a little-endian u32, then the raw little-endian elements."""
    data = tensor.detach().contiguous().cpu().numpy()
    data = data.astype(data.dtype.newbyteorder("<"), copy=False)
    return "0x" + struct.pack("<I", data.itemsize).hex().upper() + \
        data.tobytes().hex().upper()


class Names:
    """Unique SSA names (and resource keys) derived from readable hints."""

    def __init__(self):
        self._used: set[str] = set()

    def fresh(self, hint: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", hint) or "v"
        if base[0].isdigit():
            base = "v" + base
        name, i = base, 0
        while name in self._used:
            i += 1
            name = f"{base}_{i}"
        self._used.add(name)
        return name
