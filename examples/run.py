#!/usr/bin/python3
"""Runs the model examples end to end: each is exported with wn_export,
compiled with wn-opt (--wn-optimize, --wn-cpu-pipeline) and wn-translate
(--mlir-to-object), run, compared with PyTorch and timed against PyTorch
eager.

    examples/run.py [hifigan|wav2vec2|dac|all ...] [--small] [--no-time]

(scripts/run-example.sh installs and builds first, then runs this.)
"""

import argparse
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "python"))

from wn_export.example import TOLERANCE, run_example  # noqa: E402

MODELS = ("hifigan", "wav2vec2", "dac")


def load(name):
    spec = importlib.util.spec_from_file_location(
        f"{name}_model", HERE / name / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default="all",
                        choices=MODELS + ("all",))
    parser.add_argument("--small", action="store_true",
                        help="small sizes (the test suite's)")
    parser.add_argument("--no-time", action="store_true",
                        help="check numbers only")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE)
    parser.add_argument("--workdir", help="keep intermediate files here")
    args = parser.parse_args()
    names = MODELS if "all" in args.models else args.models
    ok = True
    for name in names:
        for i, (title, model, x) in enumerate(load(name).examples(args.small)):
            workdir = Path(args.workdir) / f"{name}{i}" if args.workdir \
                else None
            ok &= run_example(title, model, x, workdir, args.tolerance,
                              time_it=not args.no_time)
            print()
    print("all examples OK" if ok else "SOME EXAMPLES FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
