# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""One-line descriptions of exceptions raised by a model's own code.

`describe(error)` is "TypeError: message at file.py:12 (`code`)": the
exception's type, the first line of its message and the innermost frame of
its traceback in the model's code, skipping PyTorch's, wn's, Python's
and generated (`<...>`) frames (with `fallback`, the innermost frame of all
when there is no other; else no location). The exporter's tracing errors
and the wn-export command line use it instead of a traceback.
"""

import os
import sysconfig
import traceback

import torch

_SKIPPED_DIRS = tuple(os.path.realpath(d) + os.sep for d in (
    os.path.dirname(torch.__file__),
    os.path.dirname(os.path.dirname(__file__)),  # the wn package
    sysconfig.get_paths()["stdlib"]))


def _in_user_code(filename: str) -> bool:
    if filename.startswith("<"):
        return False
    return not os.path.realpath(filename).startswith(_SKIPPED_DIRS)


def location(error: BaseException, fallback: bool = False) -> str:
    """'file:line (`code`)' of the innermost frame of the model's code in
    `error`'s traceback (or, with `fallback`, of any code); '' if none."""
    frames = traceback.extract_tb(error.__traceback__)
    frames = [f for f in frames if _in_user_code(f.filename)] or \
        (frames if fallback else [])
    if not frames:
        return ""
    frame = frames[-1]
    code = f" (`{frame.line}`)" if frame.line else ""
    return f"{frame.filename}:{frame.lineno}{code}"


def message(error: BaseException) -> str:
    """'Type: first line of the message' of `error`."""
    name = type(error).__name__
    if isinstance(error, SystemExit):
        return f"SystemExit (exit status {error.code!r})"
    lines = [line for line in str(error).splitlines() if line.strip()]
    if not lines:
        return name
    text = lines[0].strip()
    if len(lines) > 1:
        text += " ..."
    return f"{name}: {text}"


def describe(error: BaseException, fallback: bool = False) -> str:
    """message(error), then ' at ' and location(error) where there is one."""
    where = location(error, fallback)
    return message(error) + (f" at {where}" if where else "")
