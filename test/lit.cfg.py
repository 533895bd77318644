# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
# -*- Python -*-
# lit configuration for the wn test suite.

import os
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "WN"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
# Helper files of tests live in Inputs/ folders, which lit does not collect.
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.wn_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# The numerical oracle is Debian's PyTorch, which lives in the system Python,
# not in whatever python3 comes first on PATH.
python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"
config.substitutions.append(("%python", python))
config.substitutions.append(("%wn_src_root", config.wn_src_root))
config.substitutions.append(("%wn_obj_root", config.wn_obj_root))
config.substitutions.append(("%wn_tools_dir", config.wn_tools_dir))
config.substitutions.append(("%llvm_tools_dir", config.llvm_tools_dir))
config.substitutions.append(("%llvm_lib_dir", config.llvm_lib_dir))
# What code from --wn-cpu-pipeline needs under mlir-runner: the runner
# utilities (printing) and the OpenMP runtime (the fused strategy's threads).
config.substitutions.append(
    ("%runner_libs",
     ",".join(os.path.join(config.llvm_lib_dir, lib) for lib in
              ("libmlir_c_runner_utils.so", "libmlir_runner_utils.so",
               "libomp.so"))))

# Environment the Python-driven tests read: where the tools are, for wn's
# Python package (python/wn/_tools.py) and the scripts that ask it.
config.environment["WN_TOOLS_DIR"] = config.wn_tools_dir
config.environment["WN_LLVM_TOOLS_DIR"] = config.llvm_tools_dir
config.environment["WN_LLVM_LIBRARY_DIR"] = config.llvm_lib_dir
config.environment["PYTHONDONTWRITEBYTECODE"] = "1"
# The wn package (the product and its test harness, wn.testing) from this
# checkout's python/ folder: the one place the tests get it from, so that
# they need no pip install.
config.environment["PYTHONPATH"] = os.path.join(config.wn_src_root, "python")


def python_has(module):
    try:
        subprocess.run([python, "-c", "import " + module], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


if python_has("torch") and python_has("numpy"):
    config.available_features.add("torch")
if python_has("torchaudio"):
    config.available_features.add("torchaudio")

# AddressSanitizer for generated code (--asan of the differential suite):
# clang's shared runtime, from Debian's libclang-rt-22-dev.
def asan_runtime():
    try:
        path = subprocess.run(
            [os.path.join(config.llvm_tools_dir, "clang"),
             "-print-file-name=libclang_rt.asan-x86_64.so"],
            capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return path if os.path.isabs(path) and os.path.isfile(path) else None


if asan_runtime():
    config.available_features.add("asan")
else:
    lit_config.note("clang has no AddressSanitizer runtime (install "
                    "libclang-rt-22-dev): the ASan tests are skipped")

# The libFuzzer target (tools/wn-fuzz), built by scripts/fuzz.sh in
# build-fuzz/ or by a build configured with -DWN_BUILD_FUZZER=ON.
if os.access(config.wn_fuzzer, os.X_OK):
    config.available_features.add("wn-fuzz")
    config.substitutions.append(("%wn_fuzz", config.wn_fuzzer))
else:
    lit_config.note(f"no wn-fuzz at {config.wn_fuzzer} (scripts/fuzz.sh "
                    "--build-only builds it; it needs clang-22's compiler-rt, "
                    "libclang-rt-22-dev): test/Fuzz is skipped")

# The style check (test/Style) uses LLVM 22's clang-format (clang-format-22).
clang_format = os.path.join(config.llvm_tools_dir, "clang-format")
if os.access(clang_format, os.X_OK):
    config.available_features.add("clang-format")
    config.substitutions.append(("%clang_format", clang_format))
else:
    lit_config.note(f"no {clang_format} (install clang-format-22): "
                    "test/Style is skipped")

tool_dirs = [config.wn_tools_dir, config.llvm_tools_dir]
tools = [
    "wn-opt",
    "wn-translate",
    "wn-example-linear",
    "wn-export",
    "wn-capi-test",
    ToolSubst("mlir-runner", unresolved="fatal"),
    ToolSubst("mlir-translate", unresolved="fatal"),
    ToolSubst("llvm-nm", unresolved="fatal"),
    ToolSubst("llvm-objdump", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)


# The CUDA toolkit (found at configure time) builds libwn_cuda_runtime.so and
# the GPU executables; its bin/ (ptxas, fatbinary) comes first on PATH, where
# wn-opt's gpu-module-to-binary looks for them.
if config.wn_cuda_toolkit:
    config.available_features.add("cuda-toolkit")
    llvm_config.with_environment("PATH", config.wn_cuda_bin_dir,
                                 append_path=True)
    config.substitutions.append(("%ptxas", config.wn_ptxas))
    config.substitutions.append(("%wn_cuda_runtime", config.wn_cuda_runtime))
    config.environment["WN_CUDA_RUNTIME"] = config.wn_cuda_runtime
    # The toolkit's stub driver, which fails every call: the runtime's error
    # reports are tested with it where no GPU is needed.
    if os.path.exists(config.wn_cuda_stub_driver):
        config.available_features.add("cuda-stub")
        config.substitutions.append(("%cuda_stub_driver",
                                     config.wn_cuda_stub_driver))


# Tests that run kernels (REQUIRES: gpu) need a driver and a device: cuInit
# and cuDeviceGetCount > 0, probed in a child process so that lit itself never
# initializes CUDA. Elsewhere they are reported as unsupported.
GPU_PROBE = """
import ctypes
try:
    cuda = ctypes.CDLL("libcuda.so.1")
except OSError:
    raise SystemExit(1)
count = ctypes.c_int(0)
usable = (cuda.cuInit(0) == 0
          and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0
          and count.value > 0)
raise SystemExit(0 if usable else 1)
"""


def gpu_usable():
    try:
        return subprocess.run([python, "-c", GPU_PROBE],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL,
                              timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


if gpu_usable():
    config.available_features.add("gpu")
