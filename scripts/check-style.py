#!/usr/bin/env python3
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Checks the repository's sources against its style: C and C++ formatted by
clang-format (.clang-format: LLVM style), and every source file (C, C++,
TableGen, Python, shell, CMake) carrying the SPDX license line.

    scripts/check-style.py [--fix] [--clang-format PATH] [--root DIR]

Prints one line per problem and exits 1 when there is any; --fix formats
the C and C++ files in place (license lines are added by hand). test/Style
runs it in the test suite.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Where sources live; test inputs (.mlir, .test) and generated or build
# trees are not sources.
SOURCE_DIRS = ["bench", "cmake", "examples", "include", "lib", "python",
               "runtime", "scripts", "test", "tools"]
SKIP_DIRS = {"Inputs", "__pycache__", "build", "Output"}
C_LIKE = {".c", ".cpp", ".h"}
LICENSED = C_LIKE | {".td", ".py", ".sh", ".cmake"}
LICENSED_NAMES = {"CMakeLists.txt", "lit.local.cfg", "wn-export"}
SPDX = "SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception"


def sources(root):
    if (root / "CMakeLists.txt").exists():
        yield root / "CMakeLists.txt"
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                path = Path(dirpath) / name
                if path.suffix in LICENSED or name in LICENSED_NAMES:
                    # lit test files written in Python are tests, not sources.
                    if top == "test" and path.suffix == ".py" and \
                            name not in ("lit.cfg.py",):
                        continue
                    yield path


def find_clang_format(given):
    if given:
        return given
    candidates = [shutil.which("clang-format-22"), shutil.which("clang-format")]
    try:
        bindir = subprocess.run(["llvm-config-22", "--bindir"], text=True,
                                capture_output=True, check=True).stdout.strip()
        candidates.insert(0, os.path.join(bindir, "clang-format"))
    except (OSError, subprocess.CalledProcessError):
        pass
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true",
                        help="format the C and C++ files in place")
    parser.add_argument("--clang-format", help="the clang-format to use")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the tree to check (default: this repository)")
    args = parser.parse_args()

    clang_format = find_clang_format(args.clang_format)
    if not clang_format:
        print("check-style: no clang-format (install clang-format-22)",
              file=sys.stderr)
        return 2
    problems = 0
    files = list(sources(args.root))
    for path in files:
        relative = path.relative_to(args.root)
        if SPDX not in path.read_text(errors="replace"):
            print(f"{relative}: no '{SPDX}' line")
            problems += 1
        if path.suffix not in C_LIKE:
            continue
        if args.fix:
            subprocess.run([clang_format, "-i", str(path)], check=True)
            continue
        result = subprocess.run([clang_format, "--dry-run", str(path)],
                                capture_output=True, text=True)
        lines = [line for line in result.stderr.splitlines()
                 if ": warning: code should be clang-formatted" in line]
        if result.returncode != 0 or lines:
            first = lines[0].split(": warning")[0] if lines else \
                result.stderr.strip()
            print(f"{relative}: not clang-formatted ({len(lines)} places, "
                  f"first at {Path(first).name if lines else first}); run "
                  "scripts/check-style.py --fix")
            problems += 1
    print(f"check-style: {len(files)} files, {problems} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
