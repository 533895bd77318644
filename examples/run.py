#!/usr/bin/python3
# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Runs the model examples end to end: each is exported with wn.export,
compiled with wn-opt (--wn-optimize, --wn-cpu-pipeline) and wn-translate
(--mlir-to-object), run, compared with PyTorch and timed against PyTorch
eager.

    examples/run.py [hifigan|wav2vec2|dac|all ...] [--blocks] [--small]
                    [--static] [--no-time]

Each model runs whole (the HiFi-GAN V1 generator, torchaudio's
wav2vec2_base(), the DAC decoder); --blocks runs their pieces as well
(ResBlock1 and an upsampling stage, the positional convolution, a residual
unit).

(scripts/run-example.sh installs and builds first, then runs this with
this checkout's wn package on PYTHONPATH, scripts/wn-env.sh; elsewhere the
package must be importable: `pip install -e .`, see the README.)
"""

import argparse
import importlib.util
import sys
from pathlib import Path

from wn.export.example import TOLERANCE, run_example

HERE = Path(__file__).resolve().parent

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
    parser.add_argument("--blocks", action="store_true",
                        help="the models' blocks as well")
    parser.add_argument("--static", action="store_true",
                        help="compile for the example's length only (by "
                             "default the time axis is dynamic and each "
                             "library is checked at three lengths)")
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
        module = load(name)
        cases = module.examples(args.small)
        if args.blocks:
            cases += module.blocks(args.small)
        for i, (title, model, x, *time_dim) in enumerate(cases):
            workdir = Path(args.workdir) / f"{name}{i}" if args.workdir \
                else None
            dim = None if args.static else (time_dim or [-1])[0]
            ok &= run_example(title, model, x, workdir, args.tolerance,
                              time_it=not args.no_time, time_dim=dim)
            print()
    print("all examples OK" if ok else "SOME EXAMPLES FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
