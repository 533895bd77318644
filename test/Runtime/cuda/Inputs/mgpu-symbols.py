"""Compares the mgpu* functions host objects call with those the CUDA runtime
library exports, and prints what is missing and what else it exports.

usage: mgpu-symbols.py LLVM_NM RUNTIME.so HOST.o...
"""

import subprocess
import sys


def symbols(llvm_nm, *arguments):
    output = subprocess.run([llvm_nm, "--format=just-symbols", *arguments],
                            check=True, capture_output=True, text=True).stdout
    return set(output.split())


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    llvm_nm, runtime, objects = sys.argv[1], sys.argv[2], sys.argv[3:]
    needed = set()
    for obj in objects:
        needed |= {name for name in symbols(llvm_nm, "--undefined-only", obj)
                   if name.startswith("mgpu")}
    exported = symbols(llvm_nm, "-D", "--defined-only", runtime)
    print("needed:", " ".join(sorted(needed)))
    print("missing:", " ".join(sorted(needed - exported)) or "none")
    print("exported besides mgpu*:",
          " ".join(sorted(n for n in exported if not n.startswith("mgpu")))
          or "none")


if __name__ == "__main__":
    main()
