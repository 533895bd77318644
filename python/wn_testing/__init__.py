"""Helpers to compile wn modules ahead of time and call them from Python.

- `aot`: wn-opt, wn-translate and clang to a loaded shared library.
- `memref`: ctypes memref descriptors for torch tensors (wn_export.runtime's).
- `weight_norm`: MLIR text of wn.weight_norm test functions.
"""
