# torchaudio's real wav2vec2/HuBERT code (Debian's python3-torchaudio 0.13.1,
# which nobody here wrote) exports whole, with the audio length dynamic:
# forward(waveforms, lengths=None) traced with its default, (x, None)
# returned; 73 Linear layers (the projection, 4 attention and 2 feed-forward
# per layer). The numbers are checked at test sizes in
# test/Examples/models.test (the same architecture shrunk); the large
# factories export the same way but take gigabytes to build.
# REQUIRES: torch, torchaudio
# RUN: %python %s | FileCheck %s

import torch
import torchaudio

from wn.export import export_program

torch.manual_seed(0)
for name in ("wav2vec2_base", "hubert_base"):
    model = getattr(torchaudio.models, name)()
    exported = export_program(model, torch.randn(1, 4000), "args",
                              dynamic_dims=[-1])
    text = exported.text
    print(f"{name}: {len(exported.parameters)} parameters, input "
          f"{exported.input_shapes}, outputs {exported.output_shapes}, "
          f"structure {exported.output_structure}, "
          f"{text.count('wn.weight_norm ')} weight norm, "
          f"{text.count('linalg.matmul ')} matmuls")
    print(text[text.index("func.func"):].splitlines()[0][:60])

# CHECK: wav2vec2_base: 210 parameters, input [(1, None)], outputs [(1, None, 768)], structure (0, None), 1 weight norm, 73 matmuls
# CHECK: func.func @forward(%waveforms: tensor<1x?xf32>
# CHECK: hubert_base: 210 parameters, input [(1, None)], outputs [(1, None, 768)], structure (0, None), 1 weight norm, 73 matmuls
# CHECK: func.func @forward(%waveforms: tensor<1x?xf32>
