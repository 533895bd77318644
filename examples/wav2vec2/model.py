# Part of the wn project, under the Apache License v2.0 with LLVM Exceptions.
# See the LICENSE file for license information.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""wav2vec2 (Baevski et al. 2020): the whole model as torchaudio 0.13 ships
it (`torchaudio.models.wav2vec2_base()`: the convolutional feature
extractor with GroupNorm, the feature projection, the weight-normed
positional convolution and 12 transformer layers; real code nobody here
wrote, from Debian's python3-torchaudio), and its positional convolution
embedding alone (transformers' Wav2Vec2PositionalConvEmbedding and
Wav2Vec2SamePadLayer in plain PyTorch): a grouped Conv1d(768, 768, kernel
128, padding 64, groups 16) weight-normed over dim=2, the kernel axis (128
norms of 36,864 elements each), then dropping the extra last frame and
GELU, on [batch, frames, hidden].
"""

import torch
import torch.nn as nn
from torch.nn.utils import weight_norm


class SamePad(nn.Module):
    def __init__(self, num_conv_pos_embeddings):
        super().__init__()
        self.num_pad_remove = 1 if num_conv_pos_embeddings % 2 == 0 else 0

    def forward(self, hidden_states):
        if self.num_pad_remove > 0:
            hidden_states = hidden_states[:, :, :-self.num_pad_remove]
        return hidden_states


class PositionalConvEmbedding(nn.Module):
    def __init__(self, hidden_size=768, num_conv_pos_embeddings=128,
                 num_conv_pos_embedding_groups=16):
        super().__init__()
        self.conv = nn.Conv1d(hidden_size, hidden_size,
                              kernel_size=num_conv_pos_embeddings,
                              padding=num_conv_pos_embeddings // 2,
                              groups=num_conv_pos_embedding_groups)
        self.conv = weight_norm(self.conv, name="weight", dim=2)
        self.padding = SamePad(num_conv_pos_embeddings)
        self.activation = nn.GELU()

    def forward(self, hidden_states):
        hidden_states = hidden_states.transpose(1, 2)
        hidden_states = self.conv(hidden_states)
        hidden_states = self.padding(hidden_states)
        hidden_states = self.activation(hidden_states)
        hidden_states = hidden_states.transpose(1, 2)
        return hidden_states


def perturb(model: nn.Module, seed: int) -> nn.Module:
    """g scaled so that w != v (weight_norm starts with g = ||v||)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("weight_g"):
                p.mul_(1 + 0.5 * torch.rand(p.shape, generator=generator))
    return model


def examples(small: bool):
    """(title, model, input) of torchaudio's whole wav2vec2: wav2vec2_base()
    on 1 s of 16 kHz audio, or the same architecture shrunk (2 layers of
    width 48)."""
    import torchaudio  # python3-torchaudio; only the whole model needs it
    torch.manual_seed(0)
    if small:
        model = torchaudio.models.wav2vec2_model(
            extractor_mode="group_norm",
            extractor_conv_layer_config=[(16, 10, 5), (16, 3, 2),
                                         (16, 2, 2)],
            extractor_conv_bias=False, encoder_embed_dim=48,
            encoder_projection_dropout=0.1, encoder_pos_conv_kernel=16,
            encoder_pos_conv_groups=4, encoder_num_layers=2,
            encoder_num_heads=4, encoder_attention_dropout=0.1,
            encoder_ff_interm_features=96, encoder_ff_interm_dropout=0.1,
            encoder_dropout=0.1, encoder_layer_norm_first=False,
            encoder_layer_drop=0.1, aux_num_out=None)
        return [("torchaudio wav2vec2 (small: 2 layers, 48 wide, pos conv "
                 "k16 groups 4)", perturb(model, 4), torch.randn(1, 400))]
    return [("torchaudio wav2vec2_base() whole (feature extractor, pos conv, "
             "12 layers), 1 s of 16 kHz audio",
             perturb(torchaudio.models.wav2vec2_base(), 4),
             torch.randn(1, 16000))]


def blocks(small: bool):
    """(title, model, input, time dim) of the positional convolution
    alone."""
    torch.manual_seed(0)
    if small:
        model = PositionalConvEmbedding(48, 16, 4)
        x = torch.randn(1, 24, 48)
        title = "wav2vec2 positional conv (small: 48 ch, k16, groups 4)"
    else:
        model = PositionalConvEmbedding()
        # 2 s of 16 kHz audio: 99 frames of the feature encoder.
        x = torch.randn(1, 99, 768)
        title = ("wav2vec2-base positional conv (768 ch, k128, groups 16, "
                 "dim=2), 99 frames")
    return [(title, perturb(model, 2), x, -2)]  # [batch, frames, hidden]
