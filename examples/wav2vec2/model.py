"""wav2vec2's positional convolution embedding (Baevski et al. 2020;
transformers' Wav2Vec2PositionalConvEmbedding and Wav2Vec2SamePadLayer), in
plain PyTorch: a grouped Conv1d(768, 768, kernel 128, padding 64, groups 16)
weight-normed over dim=2, the kernel axis (128 norms of 36,864 elements
each), then dropping the extra last frame and GELU. Input and output are
[batch, frames, hidden].
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


def examples(small: bool):
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
    with torch.no_grad():
        model.conv.weight_g.mul_(1 + 0.5 * torch.rand(model.conv.weight_g.shape))
    return [(title, model, x)]
