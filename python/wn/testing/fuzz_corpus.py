# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The seed corpus of wn-fuzz (tools/wn-fuzz) from the test suite's .mlir files.

Each file is split on `// -----` lines (as --split-input-file does), its
comment-only lines (RUN, CHECK, notes) are dropped, and each piece becomes one
seed per configuration that the file's RUN lines exercise (a pass or pipeline
named there, e.g. --wn-lower-to-loops selects both of its configurations);
a file whose RUN lines name none (round trips, invalid IR) seeds
canonicalize and wn-cpu-pipeline. A seed is the configuration's byte followed
by the MLIR text; the byte is the printable character that selects it
(wn-fuzz takes byte % the number of configurations). The table of
configurations comes from the fuzzer itself (WN_FUZZ_LIST_CONFIGS=1).

    python3 -m wn.testing.fuzz_corpus --fuzzer build-fuzz/bin/wn-fuzz \\
        --out DIR test/
"""

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

DEFAULT_CONFIGS = ("canonicalize", "wn-cpu-pipeline")


def list_configs(fuzzer: str) -> list[tuple[str, str]]:
    """(name, pipeline) of each configuration, in the fuzzer's order."""
    env = dict(os.environ, WN_FUZZ_LIST_CONFIGS="1")
    out = subprocess.run([fuzzer], env=env, capture_output=True, text=True,
                         check=True).stdout
    configs = []
    for line in out.splitlines():
        index, name, pipeline = line.split(" ", 2)
        if int(index) != len(configs):
            raise RuntimeError(f"unexpected configuration line {line!r}")
        configs.append((name, pipeline))
    if not configs:
        raise RuntimeError(f"{fuzzer} listed no configurations")
    return configs


def selector(index: int, count: int) -> int:
    """The printable byte from 'A' on that selects configuration `index`."""
    return ord("A") + (index - ord("A")) % count


def pass_of(pipeline: str) -> str:
    """The pass a configuration runs: builtin.module(NAME{...})."""
    inner = pipeline.split("(", 1)[1]
    return re.split(r"[{()]", inner, maxsplit=1)[0]


def configs_of(text: str, configs: list[tuple[str, str]]) -> list[int]:
    """The configurations the RUN lines of a test file name."""
    run = " ".join(line for line in text.splitlines() if "RUN:" in line)
    chosen = [i for i, (_, pipeline) in enumerate(configs)
              if re.search(r"(^|[-\s(,'\"])" + re.escape(pass_of(pipeline)) +
                           r"($|[\s=(),'\"{])", run)]
    if not chosen:
        chosen = [i for i, (name, _) in enumerate(configs)
                  if name in DEFAULT_CONFIGS]
    return chosen


def pieces(text: str) -> list[str]:
    """The file's pieces without comment-only lines; empty ones dropped."""
    result = []
    for piece in re.split(r"^// -----.*$", text, flags=re.M):
        lines = [line for line in piece.splitlines()
                 if not line.lstrip().startswith("//")]
        body = "\n".join(lines).strip()
        if body:
            result.append(body + "\n")
    return result


def write_corpus(fuzzer: str, out: Path, sources: list[Path]) -> int:
    configs = list_configs(fuzzer)
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for source in sources:
        files = sorted(source.rglob("*.mlir")) if source.is_dir() else [source]
        for path in files:
            text = path.read_text()
            chosen = configs_of(text, configs)
            stem = re.sub(r"[^A-Za-z0-9]+", "_",
                          str(path.relative_to(source) if source.is_dir()
                              else path.name))
            for number, piece in enumerate(pieces(text)):
                for index in chosen:
                    name = f"{stem}-{number}-{configs[index][0]}"
                    data = bytes([selector(index, len(configs))])
                    (out / name).write_bytes(data + piece.encode())
                    count += 1
    return count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="fuzz_corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("--fuzzer", required=True, help="the wn-fuzz binary")
    parser.add_argument("--out", required=True, type=Path,
                        help="the corpus directory to write seeds into")
    parser.add_argument("sources", nargs="+", type=Path,
                        help=".mlir files or directories searched for them")
    args = parser.parse_args(argv)
    count = write_corpus(args.fuzzer, args.out, args.sources)
    print(f"fuzz_corpus: {count} seeds in {args.out}")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
