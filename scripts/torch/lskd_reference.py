"""Logit-standardised KD (Sun et al., CVPR 2024) as its authors' code computes it, in float64:
z = (x - mean) / (1e-7 + std_unbiased) per row; L = alpha * T^2 * KL_batchmean(softmax(z_t/T) ||
softmax(z_s/T)) + (1 - alpha) * CE(s, y). Reads s, t, y from IN; writes the loss and dL/ds to OUT.

  /usr/bin/python3 scripts/torch/lskd_reference.py IN OUT T ALPHA
"""
import sys

import torch
import torch.nn.functional as F

from kdgrad_torch import load_safetensors, save_safetensors


def normalize(logit):
    return (logit - logit.mean(dim=-1, keepdim=True)) / (1e-7 + logit.std(dim=-1, keepdim=True))


t_in, out, T, alpha = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
x, _ = load_safetensors(t_in)
s = x['s'].double().requires_grad_(True)
t = x['t'].double()
y = x['y'].long()
kl = F.kl_div(F.log_softmax(normalize(s) / T, dim=1), F.softmax(normalize(t) / T, dim=1), reduction='batchmean')
loss = alpha * T * T * kl + (1 - alpha) * F.cross_entropy(s, y)
loss.backward()
save_safetensors(out, {'loss': loss.detach().reshape(1), 'grad': s.grad})
