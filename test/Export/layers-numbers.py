# Every supported layer exported, compiled (--wn-optimize and
# --wn-cpu-pipeline), run and compared with float64 PyTorch on the same
# float32 weights and input: max |y - y64| / max |y64| <= 1e-5, with weights
# as constants (weight norm folded) and as arguments (fused or computed per
# call). The weights are perturbed so that w != v.
# REQUIRES: torch
# RUN: rm -rf %t && %python %s %t | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: 25 layer cases OK

import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

from wn.export import export_program
from wn.export.compiled import compile_exported

torch.manual_seed(0)
workdir = sys.argv[1]


class Lambda(nn.Module):
    def __init__(self, fn, *params):
        super().__init__()
        self.fn = fn
        self.params = nn.ParameterList(params)

    def forward(self, x):
        return self.fn(x, *self.params)


def gelu_mix(x):
    return F.gelu(x) - F.gelu(x, approximate="tanh") * torch.sigmoid(x)


def snake(x, alpha):
    return x + (alpha + 1e-9).reciprocal() * torch.sin(alpha * x).pow(2)


def reductions(x):
    # [2, 6, 5]: every reduction, with and without keepdim, broadcast back
    a = x - x.max(dim=-1, keepdim=True)[0] + x.mean((0, 2), keepdim=True)
    b = torch.var(x, 1, keepdim=True) + x.std(dim=2, unbiased=False)[..., None]
    c = x.sum(1).unsqueeze(1) * x.amax(dim=(1, 2), keepdim=True) - x.amin(-1, True)
    return a + b + c + torch.max(x, x * 0.5 + 0.1) + x.min() + x.sum()


def softmaxes(x):
    return F.softmax(x, dim=-1) + torch.log_softmax(x, 1) * x.softmax(0)


def matmuls(x):
    # [2, 3, 4, 5]
    y = x @ x.transpose(-1, -2)                       # batched [.., 4, 4]
    z = torch.matmul(x[0], x[1, 0].t())                # [3, 4, 4] @ [5, 4]
    w = torch.bmm(x[0], x[1].transpose(1, 2))          # bmm
    v = x[0, 0, 0] @ x[1, 1].t()                       # 1-D @ 2-D: [4]
    return y + z + w + v + x[0, 0] @ x[1, 1, 0]        # 2-D @ 1-D: [4]


def joins(x):
    # [2, 3, 5]
    y = torch.cat([x, x * 2, x[:, :1]], dim=1)
    return torch.cat((y, torch.stack([x, -x], dim=1).flatten(1, 2)), -2)


def pads(x):
    # [2, 3, 6]
    y = F.pad(x, (2, 3), mode="reflect") + F.pad(x, (1, 4), "replicate")
    z = F.pad(x[None], (1, 1, 2, 0), mode="reflect")[0]
    return y.sum(-1, keepdim=True) + F.pad(z, (1, 1), value=0.5)[:, 1:4]


def activations(x):
    return (F.elu(x) + F.elu(x, 0.5) * F.silu(x) + F.softplus(x, 2, 1) +
            F.hardtanh(x, -0.5, 0.5) + F.relu6(x * 4) + F.mish(x) +
            torch.clamp(x, min=-0.2) + x.clip(max=0.3))


class Defaulted(nn.Module):
    """forward(x, lengths=None) returning (y, None), as wav2vec2's."""

    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(3, 4, 3), dim=2)

    def forward(self, x, lengths=None):
        y = self.conv(x)
        if lengths is not None:
            y = y * lengths
        return y, lengths


def reshapes(x):
    y = x.transpose(1, 2).reshape(2, -1).unsqueeze(0).flatten(1)
    return y.view(2, 5, 3)[:, 1:, ::2].permute(2, 0, 1).contiguous() / 3


CASES = [
    ("Conv1d dim 0, stride 2, padding 2, dilation 2",
     weight_norm(nn.Conv1d(4, 6, 3, stride=2, padding=2, dilation=2)),
     (2, 4, 11)),
    ("Conv1d groups 3, dim None", weight_norm(
        nn.Conv1d(6, 9, 5, padding="same", groups=3), dim=None), (1, 6, 10)),
    ("Conv1d groups 2, dim 2 (wav2vec2's)", weight_norm(
        nn.Conv1d(8, 8, 4, padding=2, groups=2), dim=2), (2, 8, 9)),
    ("Conv1d k1 no bias, dim -2", weight_norm(
        nn.Conv1d(5, 3, 1, bias=False), dim=-2), (1, 5, 4)),
    ("Conv2d dim 0", weight_norm(nn.Conv2d(3, 4, (3, 2), stride=(2, 1),
                                           padding=(1, 0))), (2, 3, 7, 5)),
    ("Conv2d groups 2 dim 1", weight_norm(
        nn.Conv2d(4, 6, 3, padding=1, groups=2, dilation=(1, 2)), dim=1),
     (1, 4, 6, 8)),
    ("ConvTranspose1d polyphase (k16, s8, p4)", weight_norm(
        nn.ConvTranspose1d(8, 4, 16, stride=8, padding=4)), (1, 8, 5)),
    ("ConvTranspose1d polyphase groups 2, output_padding", weight_norm(
        nn.ConvTranspose1d(6, 4, 6, stride=3, groups=2, output_padding=1)),
     (2, 6, 4)),
    ("ConvTranspose1d dilation 2 (scatter)", weight_norm(
        nn.ConvTranspose1d(6, 4, 5, stride=2, padding=1, dilation=2,
                           output_padding=1), dim=None), (2, 6, 5)),
    ("Linear dim 0 on [B, T, in]", weight_norm(nn.Linear(7, 5)), (2, 3, 7)),
    ("Linear dim 1 on [in]", weight_norm(nn.Linear(7, 5), dim=1), (7,)),
    ("LeakyReLU, ReLU, Tanh", nn.Sequential(nn.LeakyReLU(0.2), nn.Tanh(),
                                            nn.Linear(4, 4), nn.ReLU()),
     (3, 4)),
    ("GELU (exact and tanh), sigmoid", Lambda(gelu_mix), (3, 8)),
    ("Snake (DAC)", Lambda(snake, nn.Parameter(torch.rand(1, 3, 1) + 0.5)),
     (2, 3, 6)),
    ("reshapes, slices, permute, scalar division", Lambda(reshapes),
     (2, 3, 5)),
    ("LayerNorm, F.layer_norm over 2 dims", nn.Sequential(
        nn.LayerNorm(8), Lambda(lambda x: F.layer_norm(x, (5, 8), eps=1e-3)),
        nn.LayerNorm((5, 8), elementwise_affine=False)), (2, 5, 8)),
    ("GroupNorm 2 groups, 4 groups of 1 (wav2vec2's), F.group_norm",
     nn.Sequential(nn.GroupNorm(2, 4), nn.GroupNorm(4, 4, affine=False),
                   Lambda(lambda x: F.group_norm(x, 1))), (2, 4, 7)),
    ("sum, mean, var, std, max, min, amax, amin",
     Lambda(reductions), (2, 6, 5)),
    ("softmax, log_softmax, nn.Softmax", nn.Sequential(
        Lambda(softmaxes), nn.Softmax(1), nn.LogSoftmax(-1)), (3, 4, 6)),
    ("matmul, @, bmm, 1-D operands", Lambda(matmuls), (2, 3, 4, 5)),
    ("cat, stack", Lambda(joins), (2, 3, 5)),
    ("reflect, replicate and constant pads",
     nn.Sequential(Lambda(pads), nn.ReflectionPad1d((2, 1)),
                   nn.ReplicationPad1d(3), nn.ConstantPad1d((1, 0), 2.0)),
     (2, 3, 6)),
    ("ELU, SiLU, Softplus, Hardtanh, ReLU6, Mish, clamp", nn.Sequential(
        Lambda(activations), nn.ELU(0.7), nn.SiLU(), nn.Softplus(0.5, 3),
        nn.ReLU6(), nn.Hardtanh(-2, 0.5), nn.Mish()), (3, 9)),
    ("forward(x, lengths=None) -> (y, None)", Defaulted(), (2, 3, 6)),
    ("Conv1d reflect padding, stride 2; Conv2d replicate", nn.Sequential(
        weight_norm(nn.Conv1d(4, 4, 5, stride=2, padding=2,
                              padding_mode="reflect")),
        Lambda(lambda x: x[:, None]),
        nn.Conv2d(1, 2, 3, padding=(1, 2), padding_mode="replicate")),
     (2, 4, 9)),
]

with torch.no_grad():
    for _, model, _ in CASES:
        for name, p in model.named_parameters():
            if name.endswith(("weight_g", "bias")):
                p.mul_(1 + torch.rand(p.shape))

ok = 0
for i, (title, model, shape) in enumerate(CASES):
    model.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        reference = model.double()(x.double())
        model.float()
    if isinstance(reference, tuple):  # (y, None)
        reference = reference[0]
    errors = []
    for weights in ("constants", "args"):
        exported = export_program(model, x, weights)
        compiled = compile_exported(exported, f"{workdir}/{i}-{weights}")
        y = compiled(x)
        if isinstance(y, tuple):
            y = y[0]
        scale = reference.abs().max().item()
        errors.append((y.double() - reference).abs().max().item() / scale
                      if y.shape == reference.shape else float("inf"))
    verdict = "OK" if max(errors) <= 1e-5 else "FAIL"
    ok += verdict == "OK"
    print(f"{title:55} constants {errors[0]:.2e} args {errors[1]:.2e} "
          f"{verdict}")
if ok == len(CASES):
    print(f"{ok} layer cases OK")
