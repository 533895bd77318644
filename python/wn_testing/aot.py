"""Ahead-of-time compilation of wn modules into loaded shared libraries.

Tools come from $WN_TOOLS_DIR (wn-opt; default: the build tree next to this
package) and $WN_LLVM_TOOLS_DIR (mlir-translate, clang; default
/usr/lib/llvm-22/bin). The library is built for the host CPU (-march=native)
and linked with --no-undefined against libc, libm, libmvec (glibc's vector
math, for loops that call sin or exp) and the OpenMP runtime
(libomp, from the LLVM library directory) alone, so code that needs any MLIR
runtime library fails to link.
"""

import ctypes
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def tools_dir() -> Path:
    """Where wn-opt lives."""
    return Path(os.environ.get("WN_TOOLS_DIR", _REPO / "build" / "bin"))


def llvm_tools_dir() -> Path:
    """Where mlir-translate and clang live."""
    return Path(os.environ.get("WN_LLVM_TOOLS_DIR", "/usr/lib/llvm-22/bin"))


class ToolError(RuntimeError):
    """A compilation step failed; carries its command and stderr."""

    def __init__(self, cmd: list[str], returncode: int, stderr: str):
        self.cmd = cmd
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"command failed with exit code {returncode}: "
                         f"{' '.join(map(str, cmd))}\n{stderr}")


def run_tool(cmd: list) -> str:
    """Runs a tool; returns its stdout; raises ToolError on failure."""
    return _run(cmd)


def _run(cmd: list) -> str:
    cmd = [str(c) for c in cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise ToolError(cmd, proc.returncode, proc.stderr)
    return proc.stdout


def compile_module(mlir_text: str, workdir, pipeline_options: str = "",
                   name: str = "module",
                   passes: Sequence[str] = ()) -> ctypes.CDLL:
    """Lowers `mlir_text` with --wn-cpu-pipeline, builds and loads a .so.

    `pipeline_options` is the pipeline's option string, e.g.
    "emit-c-interface=1"; `passes` are wn-opt flags run before the pipeline,
    e.g. ["--wn-cache-weights"] or ["--wn-optimize"]. Intermediate files go to `workdir`.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / f"{name}.mlir"
    lowered = workdir / f"{name}.llvm.mlir"
    llvm_ir = workdir / f"{name}.ll"
    shared = workdir / f"lib{name}.so"
    source.write_text(mlir_text)
    pipeline = "--wn-cpu-pipeline"
    if pipeline_options:
        pipeline += f"={pipeline_options}"
    _run([tools_dir() / "wn-opt", source, *passes, pipeline, "-o", lowered])
    _run([llvm_tools_dir() / "mlir-translate", "--mlir-to-llvmir", lowered,
          "-o", llvm_ir])
    libdir = llvm_tools_dir().parent / "lib"
    # libmvec: glibc's vector math, so that loops calling sin, exp, ...
    # (Snake, GELU) vectorize.
    _run([llvm_tools_dir() / "clang", "-O3", "-march=native",
          "-fveclib=libmvec", "-shared", "-fPIC", "-Wno-override-module",
          "-Wl,--no-undefined", llvm_ir, "-lmvec", "-lm", f"-L{libdir}", f"-Wl,-rpath,{libdir}", "-lomp", "-o",
          shared])
    return ctypes.CDLL(str(shared))
