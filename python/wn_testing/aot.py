"""Ahead-of-time compilation of wn modules into loaded shared libraries.

Tools come from $WN_TOOLS_DIR (wn-opt; default: the build tree next to this
package) and $WN_LLVM_TOOLS_DIR (mlir-translate, clang, llvm-readelf;
default /usr/lib/llvm-22/bin). The MLIR C runner library, from
$WN_LLVM_LIB_DIR (default /usr/lib/llvm-22/lib), is linked only if the code
uses it (--as-needed); `needed_libraries` tells whether it did.
"""

import ctypes
import os
import subprocess
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def tools_dir() -> Path:
    """Where wn-opt lives."""
    return Path(os.environ.get("WN_TOOLS_DIR", _REPO / "build" / "bin"))


def llvm_tools_dir() -> Path:
    """Where mlir-translate, clang and llvm-readelf live."""
    return Path(os.environ.get("WN_LLVM_TOOLS_DIR", "/usr/lib/llvm-22/bin"))


def llvm_lib_dir() -> Path:
    """Where libmlir_c_runner_utils lives."""
    return Path(os.environ.get("WN_LLVM_LIB_DIR", "/usr/lib/llvm-22/lib"))


class ToolError(RuntimeError):
    """A compilation step failed; carries its command and stderr."""

    def __init__(self, cmd: list[str], returncode: int, stderr: str):
        self.cmd = cmd
        self.returncode = returncode
        self.stderr = stderr
        super().__init__(f"command failed with exit code {returncode}: "
                         f"{' '.join(map(str, cmd))}\n{stderr}")


def _run(cmd: list) -> str:
    cmd = [str(c) for c in cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        raise ToolError(cmd, proc.returncode, proc.stderr)
    return proc.stdout


def compile_module(mlir_text: str, workdir, pipeline_options: str = "",
                   name: str = "module") -> ctypes.CDLL:
    """Lowers `mlir_text` with --wn-cpu-pipeline, builds and loads a .so.

    `pipeline_options` is the pipeline's option string, e.g.
    "emit-c-interface=1". Intermediate files go to `workdir`.
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
    _run([tools_dir() / "wn-opt", source, pipeline, "-o", lowered])
    _run([llvm_tools_dir() / "mlir-translate", "--mlir-to-llvmir", lowered,
          "-o", llvm_ir])
    lib_dir = llvm_lib_dir()
    _run([llvm_tools_dir() / "clang", "-O2", "-shared", "-fPIC",
          "-Wno-override-module", llvm_ir, "-o", shared, "-Wl,--as-needed",
          f"-L{lib_dir}", "-lmlir_c_runner_utils", f"-Wl,-rpath,{lib_dir}"])
    return ctypes.CDLL(str(shared))


def needed_libraries(shared_library) -> list[str]:
    """The DT_NEEDED entries of a shared library."""
    out = _run([llvm_tools_dir() / "llvm-readelf", "--needed-libs",
                shared_library])
    return [line.strip() for line in out.splitlines()[1:-1]]
