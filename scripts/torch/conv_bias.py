"""conv2d with a bias in PyTorch, forward and backward (used by test/nn/conv-torch.test.ts).

  conv_bias.py IN STRIDE PADDING OUT [relu]
      IN holds x, w, b and gy (the output's gradient); OUT gets y = conv2d(x, w, b), or
      relu(conv2d(x, w, b)) with `relu`, and dx, dw, db of (y * gy).sum()
"""
import sys

import torch

from kdgrad_torch import load_safetensors, save_safetensors

torch.set_num_threads(1)
t = load_safetensors(sys.argv[1])[0]
stride, padding = int(sys.argv[2]), int(sys.argv[3])
x, w, b = (t[k].clone().requires_grad_() for k in ('x', 'w', 'b'))
y = torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding)
if sys.argv[5:] == ['relu']:
    y = torch.relu(y)
(y * t['gy']).sum().backward()
save_safetensors(sys.argv[4], {'y': y.detach(), 'dx': x.grad, 'dw': w.grad, 'db': b.grad})
