# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Compiles every differential case for the GPU and has ptxas check the PTX.

The differential suite's cases (every element type, rank, dim spelling, g
layout, static and dynamic shape, calling style, eps, norm result, zero
slices and elements, 7-element and 10^6-element slices) and the backward
suite's GPU cases (differential_backward.gpu_cases: wn.weight_norm_backward,
16 per element type taken evenly from its suite) are written into
one module, compiled with `wn-opt --wn-gpu-pipeline=chip=C format=isa` for
each chip, and every embedded PTX module is assembled by ptxas for that chip.
No GPU is needed. ptxas is $WN_PTXAS, else /usr/local/cuda/bin/ptxas, else
the one on PATH.

    python -m wn.testing.ptx_check [--chips sm_80,sm_90] [--seed N]
                                   [--pipeline-options OPTIONS]
                                   [--backward-only]
"""

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from wn import aot
from wn.testing import differential_backward
from wn.testing.differential import generate_cases
from wn.testing.weight_norm import weight_norm_func

# An object of a gpu.binary: its target attribute, then (after optional
# properties) the PTX as an MLIR string literal.
_OBJECT = re.compile(
    r'#gpu\.object<#nvvm\.target<([^>]*)>,\s*'
    r'(?:properties = \{[^}]*\},\s*)?(?:assembly = )?"((?:[^"\\]|\\.)*)"',
    re.S)


def find_ptxas() -> str | None:
    for candidate in (os.environ.get("WN_PTXAS"),
                      "/usr/local/cuda/bin/ptxas", shutil.which("ptxas")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def unescape(literal: str) -> str:
    """The text of an MLIR string literal's body (\\XX hex escapes)."""
    out = bytearray()
    i = 0
    while i < len(literal):
        c = literal[i]
        if c == "\\":
            nxt = literal[i + 1]
            if nxt in '\\"':
                out.append(ord(nxt))
                i += 2
                continue
            out.append(int(literal[i + 1:i + 3], 16))
            i += 3
            continue
        out.extend(c.encode())
        i += 1
    return out.decode()


def ptx_modules(lowered: str) -> list[tuple[str, str]]:
    """(target attribute, PTX text) of every object in `lowered`."""
    return [(target, unescape(body))
            for target, body in _OBJECT.findall(lowered)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ptx_check",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--chips", default="sm_80,sm_90")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pipeline-options", default="",
                        help="more --wn-gpu-pipeline options, e.g. "
                        "'strategy=columns block-size=128'")
    parser.add_argument("--backward-only", action="store_true",
                        help="only the backward cases")
    args = parser.parse_args(argv)
    ptxas = find_ptxas()
    if ptxas is None:
        print("ptx_check: no ptxas (set WN_PTXAS or install the CUDA "
              "toolkit); nothing checked")
        return 1
    cases = [] if args.backward_only else generate_cases(args.seed)
    backward_cases = differential_backward.gpu_cases(args.seed)
    text = "".join(
        weight_norm_func(c.name, c.shape, c.dim, c.layout, c.elem, c.dynamic,
                         c.style, c.eps, c.with_norm) for c in cases) + "".join(
        differential_backward.func_text(c) for c in backward_cases)
    failures = checked = 0
    with tempfile.TemporaryDirectory(prefix="wn-ptx-") as tmp:
        tmp = Path(tmp)
        source = tmp / "cases.mlir"
        source.write_text(text)
        for chip in [c for c in args.chips.split(",") if c]:
            options = f"chip={chip} format=isa {args.pipeline_options}"
            lowered = aot.run_tool([aot.tools_dir() / "wn-opt", source,
                                    f"--wn-gpu-pipeline={options.strip()}"])
            modules = ptx_modules(lowered)
            kernels = 0
            for i, (target, ptx) in enumerate(modules):
                if f'chip = "{chip}"' not in target:
                    failures += 1
                    print(f"FAIL {chip}: object {i} targets {target}")
                    continue
                # Unresolved functions (e.g. libdevice's __nv_sqrt) pass
                # ptxas but fail when the driver loads the module.
                externs = re.findall(r"\.extern \.func[^;]*?(\w+)\s*\(",
                                     ptx)
                if externs:
                    failures += 1
                    print(f"FAIL {chip}: module {i} calls external functions "
                          f"{sorted(set(externs))}")
                path = tmp / f"{chip}-{i}.ptx"
                path.write_text(ptx)
                kernels += ptx.count(".entry ")
                proc = subprocess.run([ptxas, f"-arch={chip}", str(path),
                                       "-o", os.devnull],
                                      capture_output=True, text=True)
                checked += 1
                if proc.returncode:
                    failures += 1
                    print(f"FAIL {chip}: ptxas rejected module {i}:\n"
                          f"{proc.stderr}")
            print(f"{chip}: {len(cases)} cases, {len(backward_cases)} "
                  f"backward cases, {len(modules)} PTX modules "
                  f"({kernels} kernels) "
                  f"{'accepted' if not failures else 'with failures'} by "
                  f"ptxas")
            # Every case with elements has at least one kernel (static empty
            # tensors need none).
            nonempty = sum(1 for c in [*cases, *backward_cases]
                           if math.prod(c.shape) > 0)
            if len(modules) < nonempty:
                failures += 1
                print(f"FAIL {chip}: {len(modules)} PTX modules for "
                      f"{nonempty} non-empty cases")
    print(f"ptx_check: {checked - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
