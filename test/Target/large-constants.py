# RUN: %python %s %t | FileCheck %s

"""--mlir-to-object's large constants and partitions, end to end.

A module in the LLVM dialect with globals of every kind of dense initializer
(a DenseElementsAttr of i32, a nested array of f64, a DenseResourceElementsAttr
of f32, all above the 4 KiB from which the bytes are copied raw, a small
table and a splat that take LLVM's ordinary path) and functions that read
them, one internal, is compiled whole and in three partitions, linked into a
shared library and called: every value read back must be the one in the
module. While LLVM optimizes, the large constants are declarations (their
bytes come after), the others ordinary initializers. In the object, only the
public functions are global symbols: the globals and the internal function
stay local whatever the partitions.
"""

import ctypes
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

tools = Path(os.environ["WN_TOOLS_DIR"])
llvm_tools = Path(os.environ["WN_LLVM_TOOLS_DIR"])
work = Path(sys.argv[1])
work.mkdir(parents=True, exist_ok=True)

TABLE = list(range(1024))
NESTED = [[0.25 * r + c for c in range(256)] for r in range(4)]
BLOB = [0.5 * i - 7.0 for i in range(2048)]
SMALL = [7, 8, 9, 10]
blob_hex = "04000000" + struct.pack(f"<{len(BLOB)}f", *BLOB).hex().upper()


def getter(name, global_name, array_type, element, indices, linkage=""):
    """llvm.func @name(i64...) -> element: load global[indices]."""
    args = ", ".join(f"%i{k}: i64" for k in range(len(indices)))
    index_list = ", ".join(f"%i{k}" for k in range(len(indices)))
    return f"""
llvm.func {linkage}@{name}({args}) -> {element} {{
  %base = llvm.mlir.addressof @{global_name} : !llvm.ptr
  %p = llvm.getelementptr %base[0, {index_list}] : (!llvm.ptr, {", ".join(["i64"] * len(indices))}) -> !llvm.ptr, {array_type}
  %v = llvm.load %p : !llvm.ptr -> {element}
  llvm.return %v : {element}
}}"""


module = f"""
llvm.mlir.global private constant @table(dense<{TABLE}> : tensor<1024xi32>) {{addr_space = 0 : i32, alignment = 64 : i64}} : !llvm.array<1024 x i32>
llvm.mlir.global private constant @nested(dense<{NESTED}> : tensor<4x256xf64>) {{addr_space = 0 : i32, alignment = 64 : i64}} : !llvm.array<4 x array<256 x f64>>
llvm.mlir.global private constant @blob(dense_resource<blob> : tensor<2048xf32>) {{addr_space = 0 : i32, alignment = 64 : i64}} : !llvm.array<2048 x f32>
llvm.mlir.global private constant @small(dense<{SMALL}> : tensor<4xi32>) {{addr_space = 0 : i32, alignment = 16 : i64}} : !llvm.array<4 x i32>
llvm.mlir.global private constant @splat(dense<3.0> : tensor<2048xf32>) {{addr_space = 0 : i32, alignment = 64 : i64}} : !llvm.array<2048 x f32>
{getter("table_at", "table", "!llvm.array<1024 x i32>", "i32", [0])}
{getter("nested_at", "nested", "!llvm.array<4 x array<256 x f64>>", "f64", [0, 1])}
{getter("blob_at_internal", "blob", "!llvm.array<2048 x f32>", "f32", [0], "internal ")}
llvm.func @blob_at(%i: i64) -> f32 {{
  %v = llvm.call @blob_at_internal(%i) : (i64) -> f32
  llvm.return %v : f32
}}
{getter("small_at", "small", "!llvm.array<4 x i32>", "i32", [0])}
{getter("splat_at", "splat", "!llvm.array<2048 x f32>", "f32", [0])}

{{-#
  dialect_resources: {{
    builtin: {{
      blob: "0x{blob_hex}"
    }}
  }}
#-}}
"""
(work / "constants.mlir").write_text(module)


def run(cmd):
    return subprocess.run([str(c) for c in cmd], check=True,
                          capture_output=True, text=True).stdout


# The module as LLVM's optimizer first sees it.
ir = subprocess.run([str(tools / "wn-translate"), "--mlir-to-object",
                     "--partitions=1", str(work / "constants.mlir"), "-o",
                     os.devnull, "-print-after=globalopt"],
                    check=True, capture_output=True, text=True).stderr
for name in ("table", "nested", "blob", "small", "splat"):
    match = re.search(rf"^@{name} = (.*)$", ir, re.MULTILINE)
    print(f"optimized as: @{name} = {match.group(1)[:90] if match else None}")

for partitions in (1, 3):
    obj = work / f"constants-{partitions}.o"
    lib = work / f"libconstants-{partitions}.so"
    run([tools / "wn-translate", "--mlir-to-object",
         f"--partitions={partitions}", work / "constants.mlir", "-o", obj])
    symbols = run([llvm_tools / "llvm-nm", obj])
    exported = sorted(line.split()[-1] for line in symbols.splitlines()
                      if re.match(r"^\S* *[A-Z] ", line))
    local = sorted(line.split()[-1] for line in symbols.splitlines()
                   if re.match(r"^\S+ [a-z] (table|nested|blob|small|splat)",
                               line))
    print(f"partitions={partitions} global symbols: {' '.join(exported)}")
    print(f"partitions={partitions} local symbols: {' '.join(local)}")
    run([llvm_tools / "clang", "-shared", "-Wl,--no-undefined", obj,
         "-o", lib])
    library = ctypes.CDLL(str(lib))
    results = {}
    for name, restype, nargs in (("table_at", ctypes.c_int32, 1),
                                 ("nested_at", ctypes.c_double, 2),
                                 ("blob_at", ctypes.c_float, 1),
                                 ("small_at", ctypes.c_int32, 1),
                                 ("splat_at", ctypes.c_float, 1)):
        fn = getattr(library, name)
        fn.restype = restype
        fn.argtypes = [ctypes.c_int64] * nargs
        results[name] = fn
    checks = {
        "table": all(results["table_at"](i) == TABLE[i] for i in range(1024)),
        "nested": all(results["nested_at"](r, c) == NESTED[r][c]
                      for r in range(4) for c in range(256)),
        "blob": all(results["blob_at"](i) == BLOB[i] for i in range(2048)),
        "small": all(results["small_at"](i) == SMALL[i] for i in range(4)),
        "splat": all(results["splat_at"](i) == 3.0 for i in range(2048)),
    }
    print(f"partitions={partitions} values: " +
          " ".join(f"{k}={'OK' if v else 'WRONG'}" for k, v in checks.items()))

# CHECK: optimized as: @table = external hidden {{.*}}constant [1024 x i32]
# CHECK: optimized as: @nested = external hidden {{.*}}constant [4 x [256 x double]]
# CHECK: optimized as: @blob = external hidden {{.*}}constant [2048 x float]
# CHECK: optimized as: @small = private {{.*}}constant [4 x i32] [i32 7, i32 8
# CHECK: optimized as: @splat = private {{.*}}constant [2048 x float] [float 3.0
# CHECK: partitions=1 global symbols: blob_at nested_at small_at splat_at table_at
# CHECK: partitions=1 values: table=OK nested=OK blob=OK small=OK splat=OK
# CHECK: partitions=3 global symbols: blob_at nested_at small_at splat_at table_at
# CHECK: partitions=3 local symbols: {{.*}}blob
# CHECK-SAME: nested
# CHECK-SAME: table
# CHECK: partitions=3 values: table=OK nested=OK blob=OK small=OK splat=OK
