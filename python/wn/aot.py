# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Ahead-of-time compilation of wn modules: the one compile path.

CMake (cmake/WNAot.cmake), the exporter (wn.export.compile), the scripts
(scripts/build-gpu-exe.sh for its host code) and the tests all compile
through this module. The sequence:

    wn-opt in.mlir [passes] --wn-cpu-pipeline[=options] --verify-each=0
        --emit-bytecode -o x.llvm.mlirbc
    wn-translate --mlir-to-object x.llvm.mlirbc -o x.o
    clang -shared -Wl,--no-undefined x.o -lmvec -lm -L<llvm lib>
        -Wl,-rpath,<llvm lib> -lomp -o libx.so

(--verify-each=0: wn-translate verifies the IR once, when it reads it.)

From the command line (`python3 -m wn.aot --help`):

    python3 -m wn.aot in.mlir -o x.o        # an object file (CMake's)
    python3 -m wn.aot in.mlir -o libx.so    # a shared library
    python3 -m wn.aot --lowered --opt-level 2 --mcpu x86-64 --veclib none \\
        x.llvm.mlir -o x.o                  # LLVM dialect in, any x86-64

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
attributes' bytes straight into the object, never through text. Tools are
found by wn._tools (wn-opt and wn-translate in $WN_TOOLS_DIR or the build
tree; clang and libomp where CMake found LLVM). The library is linked with
--no-undefined against libc, libm, libmvec (glibc's vector math, for loops
that call sin or exp) and the OpenMP runtime (libomp, from the LLVM library
directory) alone, so code that needs any MLIR runtime library fails to link.

This module imports only the standard library.
"""

import argparse
import ctypes
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from wn._tools import (MissingToolError, llvm_library_dir, llvm_tools_dir,
                       wn_tools_dir)

__all__ = ["MissingToolError", "ToolError", "asan_environment", "asan_loaded",
           "asan_runtime", "compile_module", "compile_object", "link_shared",
           "llvm_library_dir", "llvm_tools_dir", "lower", "run_tool",
           "tools_dir", "translate_to_object"]

# wn-translate --mlir-to-object's flags for a target other than this CPU
# (its defaults: --opt-level=3 --mcpu=native --veclib=libmvec).
TRANSLATE_OPTIONS = ("opt_level", "mcpu", "mattr", "veclib")


def tools_dir() -> Path:
    """Where wn-opt and wn-translate live (wn._tools.wn_tools_dir)."""
    return wn_tools_dir()


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


def lower(source, lowered, passes: Sequence[str] = (),
          pipeline_options: str = "") -> None:
    """wn-opt: `source` through `passes` and --wn-cpu-pipeline (with
    `pipeline_options`, e.g. "emit-c-interface=1") into the LLVM dialect,
    written as bytecode to `lowered`."""
    pipeline = "--wn-cpu-pipeline"
    if pipeline_options:
        pipeline += f"={pipeline_options}"
    # --verify-each=0: the IR is verified once, when wn-translate reads it
    # (a fifth of wn-opt's time for the HiFi-GAN generator).
    _run([tools_dir() / "wn-opt", source, *passes, pipeline,
          "--verify-each=0", "--emit-bytecode", "-o", lowered])


def translate_to_object(lowered, obj, opt_level: int | None = None,
                        mcpu: str | None = None, mattr: str | None = None,
                        veclib: str | None = None) -> None:
    """wn-translate --mlir-to-object: the LLVM dialect in `lowered` (text
    or bytecode) into the object file `obj`. By default for this CPU at O3
    with libmvec; `opt_level`, `mcpu` ("x86-64": any x86-64), `mattr` and
    `veclib` ("none": scalar libm calls) set wn-translate's --opt-level,
    --mcpu, --mattr and --veclib."""
    flags = [f"--{name.replace('_', '-')}={value}"
             for name, value in (("opt_level", opt_level), ("mcpu", mcpu),
                                 ("mattr", mattr), ("veclib", veclib))
             if value is not None]
    _run([tools_dir() / "wn-translate", "--mlir-to-object", *flags, lowered,
          "-o", obj])


def link_shared(obj, shared, sanitizer: Sequence[str] = ()) -> None:
    """clang: the object `obj` into the shared library `shared`, linked
    with --no-undefined against libmvec, libm and LLVM's libomp (found
    through an rpath of the LLVM library directory). `sanitizer`: clang's
    flags for a sanitized link, e.g. ["-fsanitize=address",
    "-shared-libasan"]."""
    libdir = llvm_library_dir()
    _run([llvm_tools_dir() / "clang", "-shared", *sanitizer,
          "-Wl,--no-undefined", obj,
          "-lmvec", "-lm", f"-L{libdir}", f"-Wl,-rpath,{libdir}", "-lomp",
          "-o", shared])


def compile_object(source, obj, workdir, passes: Sequence[str] = (),
                   pipeline_options: str = "", lowered_input: bool = False,
                   keep_text: bool = False, **translate_options) -> Path:
    """Compiles the MLIR file `source` into the object file `obj`: lower()
    into <workdir>/<name>.llvm.mlirbc (<name>: `obj`'s stem), then
    translate_to_object() with `translate_options` (see there). With
    `lowered_input`, `source` is already in the LLVM dialect and goes
    straight to wn-translate. With `keep_text`, also <name>.llvm.mlir and
    <name>.ll in `workdir`. Returns `obj`."""
    unknown = set(translate_options) - set(TRANSLATE_OPTIONS)
    if unknown:
        raise TypeError(f"unknown translate option(s): {sorted(unknown)} "
                        f"(known: {', '.join(TRANSLATE_OPTIONS)})")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    name = Path(obj).stem
    lowered = Path(source)
    if not lowered_input:
        lowered = workdir / f"{name}.llvm.mlirbc"
        lower(source, lowered, passes, pipeline_options)
    if keep_text:
        _keep_text(lowered, workdir, name)
    translate_to_object(lowered, obj, **translate_options)
    return Path(obj)


def _keep_text(lowered: Path, workdir: Path, name: str) -> None:
    """<name>.llvm.mlir and <name>.ll, the textual LLVM dialect and LLVM IR
    before optimization, for reading (not the first where it is `lowered`
    itself)."""
    text = workdir / f"{name}.llvm.mlir"
    if text.resolve() != lowered.resolve():
        _run([tools_dir() / "wn-opt", lowered, "-o", text])
    _run([tools_dir() / "wn-translate", "--mlir-to-llvmir", lowered,
          "-o", workdir / f"{name}.ll"])


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
    sanitizer = []
    if not sanitize_address:
        compile_object(source, obj, workdir, passes, pipeline_options,
                       keep_text=keep_text)
    else:
        lower(source, lowered, passes, pipeline_options)
        if keep_text:
            _keep_text(lowered, workdir, name)
        else:
            _run([tools_dir() / "wn-translate", "--mlir-to-llvmir", lowered,
                  "-o", workdir / f"{name}.ll"])
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
    link_shared(obj, shared, sanitizer)
    return ctypes.CDLL(str(shared))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        # The console script (pyproject.toml) or python3 -m wn.aot.
        prog=("wn-aot" if Path(sys.argv[0]).name == "wn-aot"
              else "python3 -m wn.aot"),
        description="Compile an MLIR file with wn ahead of time (wn-opt "
                    "--wn-cpu-pipeline, wn-translate --mlir-to-object, "
                    "clang for a shared library): the sequence of "
                    "cmake/WNAot.cmake, wn.export and the tests.")
    parser.add_argument("input", help="the MLIR file (text or bytecode)")
    parser.add_argument("-o", "--output", required=True,
                        help="the object file (.o) or shared library (.so)")
    parser.add_argument("--emit", choices=("object", "shared"),
                        help="what to write (default: from -o's suffix, .o "
                             "or .so)")
    parser.add_argument("--pass", dest="passes", action="append", default=[],
                        metavar="FLAG",
                        help="a wn-opt flag run before --wn-cpu-pipeline, "
                             "e.g. --pass=--wn-optimize (repeatable)")
    parser.add_argument("--pipeline-options", default="", metavar="OPTIONS",
                        help="--wn-cpu-pipeline's options, e.g. "
                             "'emit-c-interface=1'")
    parser.add_argument("--lowered", action="store_true",
                        help="the input is already in the LLVM dialect: no "
                             "wn-opt")
    parser.add_argument("--work-dir", metavar="DIR",
                        help="where the intermediate files go and stay "
                             "(default: a temporary folder, removed)")
    parser.add_argument("--keep-text", action="store_true",
                        help="also write <name>.llvm.mlir and <name>.ll to "
                             "the work folder")
    target = parser.add_argument_group(
        "target", "wn-translate's options for another target than this CPU "
                  "(default: O3, -march=native, libmvec)")
    target.add_argument("--opt-level", type=int, choices=range(4),
                        metavar="{0,1,2,3}")
    target.add_argument("--mcpu", metavar="CPU",
                        help="e.g. x86-64 (any x86-64 CPU)")
    target.add_argument("--mattr", metavar="FEATURES")
    target.add_argument("--veclib", choices=("libmvec", "none"))
    return parser


def main(argv=None) -> int:
    """`python3 -m wn.aot IN.mlir -o OUT.o|OUT.so`; see --help. Exits with
    1 and the failing command with its stderr when a step fails (or the
    tool that is missing), 2 on a bad command line."""
    parser = _parser()
    args = parser.parse_args(argv)
    output = Path(args.output)
    emit = args.emit or {".o": "object", ".so": "shared"}.get(output.suffix)
    if emit is None:
        parser.error(f"cannot tell what to write from -o {args.output} "
                     f"(a .o or .so name, or --emit object|shared)")
    if args.lowered and (args.passes or args.pipeline_options):
        parser.error("--lowered input takes no --pass or --pipeline-options "
                     "(it is past wn-opt)")
    if not Path(args.input).is_file():
        parser.error(f"no input file '{args.input}'")
    translate = {k: getattr(args, k) for k in TRANSLATE_OPTIONS}
    try:
        with tempfile.TemporaryDirectory(prefix="wn-aot-") as tmp:
            workdir = Path(args.work_dir or tmp)
            obj = output if emit == "object" else \
                workdir / (output.stem.removeprefix("lib") + ".o")
            compile_object(args.input, obj, workdir, args.passes,
                           args.pipeline_options, args.lowered,
                           args.keep_text, **translate)
            if emit == "shared":
                link_shared(obj, output)
    except ToolError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr, end="")
        return 1
    except OSError as error:
        # A tool not found (MissingToolError, or a missing executable), an
        # unwritable output.
        if error.filename is not None and not isinstance(
                error, MissingToolError):
            error = f"{error.filename}: {error.strerror}"
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
