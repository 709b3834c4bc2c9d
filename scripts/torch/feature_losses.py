"""Feature-distillation losses as their reference code computes them, in float64: attention
transfer (Zagoruyko & Komodakis; RepDistiller's at_loss with F.normalize), FitNets' hint loss
(nn.MSELoss), and the PyTorch KD tutorial's hidden-representation loss (CosineEmbeddingLoss,
target 1). Reads the student and teacher features from IN; writes each loss and its gradient with
respect to the student features to OUT.

  /usr/bin/python3 scripts/torch/feature_losses.py IN OUT
"""
import sys

import torch
import torch.nn.functional as F

from kdgrad_torch import load_safetensors, save_safetensors


def at(x, p=2):
    return F.normalize(x.pow(p).mean(1).view(x.size(0), -1))


t_in, out = sys.argv[1], sys.argv[2]
x, _ = load_safetensors(t_in)
results = {}
for name, fn, s_key, t_key in [
    ('at', lambda s, t: (at(s) - at(t)).pow(2).mean(), 's4', 't4'),
    ('hint', lambda s, t: torch.nn.MSELoss()(s, t), 's4', 's4t'),
    (
        'hidden',
        lambda s, t: torch.nn.CosineEmbeddingLoss()(
            s.flatten(1), t.flatten(1), torch.ones(s.size(0), dtype=torch.float64)
        ),
        's4',
        's4t',
    ),
]:
    s = x[s_key].detach().clone().double().requires_grad_(True)  # a fresh leaf per loss
    t = x[t_key].double()
    loss = fn(s, t)
    loss.backward()
    results[f'{name}_loss'] = loss.detach().reshape(1)
    results[f'{name}_grad'] = s.grad
save_safetensors(out, results)
