"""Calls scale(buf, factor) of a library from build-gpu-exe.sh through its C
interface (_mlir_ciface_scale) and compares with torch on the host.

usage: call-scale.py LIBSCALE.so
"""

import ctypes
import sys

import torch

from wn.memref import descriptor


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    library = ctypes.CDLL(sys.argv[1])
    scale = library._mlir_ciface_scale
    scale.restype = None
    x = torch.arange(1000, dtype=torch.float32) * 0.5
    for call, factor in (("first", 3.0), ("second", 0.25)):
        expected = x * factor
        desc = descriptor(x)
        scale.argtypes = [ctypes.POINTER(type(desc)), ctypes.c_float]
        scale(ctypes.byref(desc), factor)
        mismatches = int((x != expected).sum())
        print(f"{call} call: {x.numel()} elements, {mismatches} mismatches, "
              f"y[999] = {x[999].item():g}")


if __name__ == "__main__":
    main()
