# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Where wn's tools and LLVM's are: the one place every caller asks.

- `wn_tools_dir()`: the folder of wn-opt and wn-translate. $WN_TOOLS_DIR;
  else the build tree of the checkout this package lives in (<repo>/build/bin,
  which `pip install -e .` keeps: the package stays in python/); else the
  folder of the wn-opt on PATH.
- `llvm_tools_dir()`: the folder of clang, lit and LLVM's other tools.
  $WN_LLVM_TOOLS_DIR; else what CMake found when it configured wn
  (LLVM_TOOLS_BINARY_DIR, written to wn-tools.json next to wn-opt); else
  `llvm-config-22 --bindir` (the LLVM wn is built against).
- `llvm_library_dir()`: the folder of libomp.so and MLIR's runner
  libraries. $WN_LLVM_LIBRARY_DIR; else CMake's LLVM_LIBRARY_DIR from
  wn-tools.json; else `llvm-config-22 --libdir`.

The test suite (test/lit.cfg.py) sets the three variables from its
configured values; scripts ask `python3 -m wn._tools NAME`, which prints one
of wn-tools-dir, llvm-tools-dir, llvm-library-dir or the path of a tool
(wn-opt, clang, lit, ...), and exits with status 1 and the reason when it is
not found.
"""

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# The checkout this package is in: python/wn/_tools.py -> the repository.
_REPO = Path(__file__).resolve().parents[2]

# What CMake writes next to wn-opt (tools/CMakeLists.txt).
CONFIG_FILE = "wn-tools.json"

# The LLVM wn is built against, where nothing was configured.
_LLVM_CONFIG = "llvm-config-22"

_WN_TOOLS = ("wn-opt", "wn-translate", "wn-export")


class MissingToolError(FileNotFoundError):
    """A tool, or the folder of one, is not where wn looks for it; the
    message says where it looked and how to point wn at it."""


def wn_tools_dir() -> Path:
    """The folder of wn-opt and wn-translate (see the module docstring)."""
    if os.environ.get("WN_TOOLS_DIR"):
        return Path(os.environ["WN_TOOLS_DIR"])
    build = _REPO / "build" / "bin"
    if (build / "wn-opt").exists():
        return build
    on_path = shutil.which("wn-opt")
    if on_path:
        return Path(on_path).resolve().parent
    raise MissingToolError(
        f"no wn-opt: not in $WN_TOOLS_DIR (unset), {build} or PATH; build wn "
        f"(scripts/build.sh) or set WN_TOOLS_DIR to the folder of wn-opt and "
        f"wn-translate")


def llvm_tools_dir() -> Path:
    """The folder of clang and LLVM's tools (see the module docstring)."""
    if os.environ.get("WN_LLVM_TOOLS_DIR"):
        return Path(os.environ["WN_LLVM_TOOLS_DIR"])
    return Path(_configured("llvm_tools_dir", "--bindir"))


def llvm_library_dir() -> Path:
    """The folder of LLVM's libraries: libomp.so, MLIR's runner libraries
    (see the module docstring)."""
    if os.environ.get("WN_LLVM_LIBRARY_DIR"):
        return Path(os.environ["WN_LLVM_LIBRARY_DIR"])
    return Path(_configured("llvm_library_dir", "--libdir"))


def tool(name: str) -> Path:
    """The path of one of wn's tools (wn-opt, wn-translate, wn-export) or
    of LLVM's (clang, lit, llvm-nm, ...); not checked to exist."""
    if name in _WN_TOOLS:
        return wn_tools_dir() / name
    return llvm_tools_dir() / name


def _configured(key: str, llvm_config_flag: str) -> str:
    """`key` of the configured wn-tools.json, else llvm-config's answer."""
    config = _config_file()
    if config is not None:
        return config[key]
    llvm_config = shutil.which(_LLVM_CONFIG)
    if llvm_config is None:
        raise MissingToolError(
            f"cannot tell where LLVM is: $WN_LLVM_TOOLS_DIR and "
            f"$WN_LLVM_LIBRARY_DIR are unset, there is no configured "
            f"{CONFIG_FILE} next to wn-opt and no {_LLVM_CONFIG} on PATH; "
            f"configure wn (scripts/build.sh) or set those variables")
    return _llvm_config(llvm_config, llvm_config_flag)


@functools.lru_cache(maxsize=None)
def _llvm_config(llvm_config: str, flag: str) -> str:
    return subprocess.run([llvm_config, flag], capture_output=True, text=True,
                          check=True).stdout.strip()


def _config_file() -> dict | None:
    """The wn-tools.json CMake wrote next to the wn-opt found, if any."""
    try:
        path = wn_tools_dir() / CONFIG_FILE
    except MissingToolError:
        return None
    return _read_config(path) if path.is_file() else None


@functools.lru_cache(maxsize=None)
def _read_config(path: Path) -> dict:
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise MissingToolError(f"{path} is not readable JSON: {error} "
                               f"(reconfigure wn: scripts/build.sh)") from None
    missing = [k for k in ("llvm_tools_dir", "llvm_library_dir")
               if not isinstance(config.get(k), str)]
    if missing:
        raise MissingToolError(f"{path} has no {' or '.join(missing)} "
                               f"(reconfigure wn: scripts/build.sh)")
    return config


_QUERIES = {
    "wn-tools-dir": wn_tools_dir,
    "llvm-tools-dir": llvm_tools_dir,
    "llvm-library-dir": llvm_library_dir,
}


def main(argv=None) -> int:
    """`python3 -m wn._tools NAME`: prints a folder (wn-tools-dir,
    llvm-tools-dir, llvm-library-dir) or a tool's path (wn-opt, clang, lit,
    ...)."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(f"usage: python3 -m wn._tools "
              f"{{{','.join(_QUERIES)},TOOL}}\n\n{__doc__.strip()}",
              file=sys.stdout if argv[:1] in (["-h"], ["--help"])
              else sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    name = argv[0]
    try:
        path = _QUERIES[name]() if name in _QUERIES else tool(name)
    except (MissingToolError, subprocess.CalledProcessError) as error:
        print(f"wn._tools: {error}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
