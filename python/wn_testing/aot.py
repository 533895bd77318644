"""Ahead-of-time compilation of wn modules into loaded shared libraries.

The sequence (the same as cmake/WNAot.cmake's, see README "Ahead of time"):

    wn-opt in.mlir [passes] --wn-cpu-pipeline[=options] --verify-each=0
        --emit-bytecode -o x.llvm.mlirbc
    wn-translate --mlir-to-object x.llvm.mlirbc -o x.o
    clang -shared -Wl,--no-undefined x.o -lmvec -lm -L<llvm lib>
        -Wl,-rpath,<llvm lib> -lomp -o libx.so

(--verify-each=0: wn-translate verifies the IR once, when it reads it.)

With `sanitize_address`, the object comes from the unoptimized LLVM IR
instead (wn-translate --mlir-to-llvmir), compiled by clang at -O1 (ASan's
usual level; -O3 takes 6 times as long on the differential suite) with
AddressSanitizer, every function instrumented:

    clang -c -O1 -march=native -fveclib=libmvec -fsanitize=address
        -mllvm -force-attribute=sanitize_address x.ll -o x.o
    clang -shared -fsanitize=address -shared-libasan ... -o libx.so

Such a library loads only into a process whose first library is ASan's
runtime (asan_environment(): LD_PRELOAD of asan_runtime()); its buffers
should come from that runtime's malloc, which puts redzones around them.

wn-translate compiles in memory with LLVM's O3 pipeline for the host CPU
(clang's -O3 -march=native) with glibc's libmvec for vectorized math
(-fveclib=libmvec), in parallel partitions; weights go from their MLIR
attributes' bytes straight into the object, never through text. Tools come
from $WN_TOOLS_DIR (wn-opt, wn-translate; default: the build tree next to
this package) and $WN_LLVM_TOOLS_DIR (clang; default /usr/lib/llvm-22/bin).
The library is linked with --no-undefined against libc, libm, libmvec
(glibc's vector math, for loops that call sin or exp) and the OpenMP runtime
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
    """Where wn-opt and wn-translate live."""
    return Path(os.environ.get("WN_TOOLS_DIR", _REPO / "build" / "bin"))


def llvm_tools_dir() -> Path:
    """Where clang (and LLVM's other tools) live."""
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


def asan_runtime() -> Path | None:
    """clang's shared AddressSanitizer runtime, or None without one
    (Debian: libclang-rt-22-dev)."""
    try:
        path = Path(_run([llvm_tools_dir() / "clang",
                          "-print-file-name=libclang_rt.asan-x86_64.so"])
                    .strip())
    except (OSError, ToolError):
        return None
    return path if path.is_absolute() and path.is_file() else None


def asan_environment() -> dict[str, str] | None:
    """os.environ with ASan's runtime preloaded, for a process that loads
    libraries built with sanitize_address; None without the runtime. Leak
    checking is off (Python's own allocations outlive it); the first error
    ends the process with ASan's report."""
    runtime = asan_runtime()
    if runtime is None:
        return None
    env = dict(os.environ)
    env["LD_PRELOAD"] = " ".join(
        [str(runtime), *env.get("LD_PRELOAD", "").split()])
    options = "detect_leaks=0:halt_on_error=1:abort_on_error=0"
    env["ASAN_OPTIONS"] = (options + ":" + env["ASAN_OPTIONS"]
                           if env.get("ASAN_OPTIONS") else options)
    return env


def asan_loaded() -> bool:
    """Whether this process runs with ASan's runtime (preloaded)."""
    try:
        ctypes.CDLL(None).__asan_init
    except AttributeError:
        return False
    return True


def compile_module(mlir_text: str, workdir, pipeline_options: str = "",
                   name: str = "module",
                   passes: Sequence[str] = (),
                   keep_text: bool | None = None,
                   sanitize_address: bool = False) -> ctypes.CDLL:
    """Lowers `mlir_text` with --wn-cpu-pipeline, builds and loads a .so.

    `pipeline_options` is the pipeline's option string, e.g.
    "emit-c-interface=1"; `passes` are wn-opt flags run before the pipeline,
    e.g. ["--wn-cache-weights"] or ["--wn-optimize"]. Files go to `workdir`:
    <name>.mlir (the input), <name>.llvm.mlirbc (the LLVM dialect, bytecode),
    <name>.o and lib<name>.so. With `keep_text` (default: $WN_AOT_KEEP_TEXT
    set and not "0"), also <name>.llvm.mlir and <name>.ll, the textual LLVM
    dialect and LLVM IR before optimization, for reading (slow for large
    constants). With `sanitize_address`, the code is compiled with
    AddressSanitizer from <name>.ll (see the module's docstring); the
    calling process must have ASan's runtime loaded (asan_loaded()).
    """
    if keep_text is None:
        keep_text = os.environ.get("WN_AOT_KEEP_TEXT", "0") not in ("", "0")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    source = workdir / f"{name}.mlir"
    lowered = workdir / f"{name}.llvm.mlirbc"
    obj = workdir / f"{name}.o"
    shared = workdir / f"lib{name}.so"
    source.write_text(mlir_text)
    pipeline = "--wn-cpu-pipeline"
    if pipeline_options:
        pipeline += f"={pipeline_options}"
    # --verify-each=0: the IR is verified once, when wn-translate reads it
    # (a fifth of wn-opt's time for the HiFi-GAN generator).
    _run([tools_dir() / "wn-opt", source, *passes, pipeline,
          "--verify-each=0", "--emit-bytecode", "-o", lowered])
    if keep_text:
        _run([tools_dir() / "wn-opt", lowered, "-o",
              workdir / f"{name}.llvm.mlir"])
    if keep_text or sanitize_address:
        _run([tools_dir() / "wn-translate", "--mlir-to-llvmir", lowered,
              "-o", workdir / f"{name}.ll"])
    sanitizer = []
    if sanitize_address:
        # clang instruments only functions with the sanitize_address
        # attribute, which its front end adds and MLIR's translation does
        # not: force it on every function.
        sanitizer = ["-fsanitize=address"]
        _run([llvm_tools_dir() / "clang", "-c", "-O1", "-march=native",
              "-fveclib=libmvec", "-fPIC", "-Wno-override-module",
              *sanitizer, "-fno-omit-frame-pointer", "-mllvm",
              "-force-attribute=sanitize_address", workdir / f"{name}.ll",
              "-o", obj])
        sanitizer.append("-shared-libasan")
    else:
        _run([tools_dir() / "wn-translate", "--mlir-to-object", lowered,
              "-o", obj])
    libdir = llvm_tools_dir().parent / "lib"
    _run([llvm_tools_dir() / "clang", "-shared", *sanitizer,
          "-Wl,--no-undefined", obj,
          "-lmvec", "-lm", f"-L{libdir}", f"-Wl,-rpath,{libdir}", "-lomp",
          "-o", shared])
    return ctypes.CDLL(str(shared))
