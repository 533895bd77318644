"""Writes the PTX of every #gpu.object in an MLIR file (from
gpu-module-to-binary with format=isa) to OUT_PREFIX<index>.ptx.

usage: extract-ptx.py IN.mlir OUT_PREFIX
"""

import re
import sys

# MLIR prints strings with `\XX` hex escapes for quotes, backslashes and
# non-printable bytes.
ASSEMBLY = re.compile(r'#gpu\.object<#nvvm\.target<[^>]*>[^"]*?assembly = "((?:[^"\\]|\\[0-9A-Fa-f]{2}|\\\\)*)"')


def unescape(text):
    return re.sub(r"\\([0-9A-Fa-f]{2}|\\)",
                  lambda m: "\\" if m.group(1) == "\\" else chr(int(m.group(1), 16)),
                  text)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source = open(sys.argv[1], encoding="utf-8").read()
    objects = ASSEMBLY.findall(source)
    if not objects:
        sys.exit(f"extract-ptx: no #gpu.object with PTX assembly in {sys.argv[1]}")
    for index, assembly in enumerate(objects):
        with open(f"{sys.argv[2]}{index}.ptx", "w", encoding="utf-8") as out:
            out.write(unescape(assembly))
        print(f"{sys.argv[2]}{index}.ptx")


if __name__ == "__main__":
    main()
