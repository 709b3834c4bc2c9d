"""relu(batch_norm(x)) in PyTorch, forward and backward (used by test/nn/bn-relu-torch.test.ts).

  bn_relu.py IN TRAINING OUT   IN holds x, w, b, running_mean, running_var and gy (the output's
                               gradient); OUT gets y and dx, dw, db of (y * gy).sum(), and the
                               running statistics after the call
"""
import sys

import torch

from kdgrad_torch import load_safetensors, save_safetensors

torch.set_num_threads(1)
t = load_safetensors(sys.argv[1])[0]
training = sys.argv[2] == '1'
x, w, b = (t[k].clone().requires_grad_() for k in ('x', 'w', 'b'))
rm, rv = t['running_mean'].clone(), t['running_var'].clone()
y = torch.relu(torch.nn.functional.batch_norm(x, rm, rv, w, b, training=training))
(y * t['gy']).sum().backward()
save_safetensors(
    sys.argv[3],
    {'y': y.detach(), 'dx': x.grad, 'dw': w.grad, 'db': b.grad, 'running_mean': rm,
     'running_var': rv},
)
