# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Compare the wn-compiled weight-normed Linear with PyTorch's own module.

Reads the buffers wn-example-linear wrote to a folder, rebuilds the layer as
torch.nn.utils.weight_norm(nn.Linear(256, 128)) with the same v, g and b, runs
it on the same x, and compares w and y. Exits non-zero on a mismatch.
"""
import sys

import numpy as np
import torch

BATCH, OUT, IN = 8, 128, 256
TOLERANCE = 1e-5  # max abs error relative to max |reference|, float32 data


def load(folder, name, shape):
    return torch.from_numpy(np.fromfile(f"{folder}/{name}.f32", dtype=np.float32).reshape(shape))


def main():
    folder = sys.argv[1]
    x, v, g, b = (load(folder, "x", (BATCH, IN)), load(folder, "v", (OUT, IN)),
                  load(folder, "g", (OUT, 1)), load(folder, "b", (OUT,)))
    w_wn, y_wn = load(folder, "w", (OUT, IN)), load(folder, "y", (BATCH, OUT))

    layer = torch.nn.utils.weight_norm(torch.nn.Linear(IN, OUT), dim=0)
    with torch.no_grad():
        layer.weight_v.copy_(v)
        layer.weight_g.copy_(g)
        layer.bias.copy_(b)
        y_torch = layer(x)  # the forward hook recomputes weight from v and g
        w_torch = layer.weight.clone()

    ok = True
    print(f"{'tensor':<8}{'max |wn - torch|':>20}{'relative':>12}{'tolerance':>12}")
    for name, ours, ref in (("w", w_wn, w_torch), ("y", y_wn, y_torch)):
        err = (ours - ref).abs().max().item()
        rel = err / ref.abs().max().item()
        good = bool(torch.isfinite(ours).all()) and rel <= TOLERANCE
        ok &= good
        print(f"{name:<8}{err:>20.3g}{rel:>12.3g}{TOLERANCE:>12.0e}  {'OK' if good else 'MISMATCH'}")
    print("PyTorch check: " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
