"""Optimizer and scheduler parity fixtures (test/fixtures/optim-parity.safetensors), made by real
PyTorch in float64. Each case trains the same small net (Linear 6-5, ReLU, Linear 5-3, cross-
entropy) from the same initial weights on the same fixed batches for STEPS steps, clipping the
gradient norm to 1 before each step, and records the learning rate (and momentum / beta1) used
at every step and the weights after the last step.

  /usr/bin/python3 scripts/torch/optim_parity.py test/fixtures/optim-parity.safetensors
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from kdgrad_torch import save_safetensors

torch.set_default_dtype(torch.float64)
STEPS, BATCH = 60, 8
torch.manual_seed(0)
init = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
xs = torch.randn(STEPS, BATCH, 6)
ys = torch.randint(0, 3, (STEPS, BATCH))

CASES = {
    'sgd': (lambda p: torch.optim.SGD(p, lr=0.1), None),
    'sgd-momentum-dampening-wd': (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.3, weight_decay=1e-2), None),
    'sgd-nesterov-wd': (lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4), None),
    'adam': (lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-3), None),
    'adamw': (lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.05), None),
    'sgd-onecycle': (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4),
                     lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.2, total_steps=STEPS)),
    'adam-onecycle': (lambda p: torch.optim.Adam(p, lr=0.01),
                      lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.02, total_steps=STEPS, pct_start=0.25, div_factor=10, final_div_factor=100)),
    'sgd-cosine': (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5),
                   lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=40, eta_min=0.001)),
    'sgd-step': (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
                 lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=15, gamma=0.5)),
    'adamw-linear': (lambda p: torch.optim.AdamW(p, lr=0.02),
                     lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=25)),
}

out = {f'init.{k}': v for k, v in init.state_dict().items()}
out['x'], out['y'] = xs, ys.to(torch.int32)
meta = {'steps': STEPS, 'batch': BATCH, 'maxNorm': 1.0, 'cases': list(CASES)}
for name, (make_opt, make_sched) in CASES.items():
    net = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    net.load_state_dict(init.state_dict())
    opt = make_opt(net.parameters())
    sched = make_sched(opt) if make_sched else None
    lrs, moms, norms = [], [], []
    for i in range(STEPS):
        g = opt.param_groups[0]
        lrs.append(g['lr'])
        moms.append(g['betas'][0] if 'betas' in g else g.get('momentum', 0.0))
        opt.zero_grad()
        F.cross_entropy(net(xs[i]), ys[i]).backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)))
        opt.step()
        if sched:
            sched.step()
    for k, v in net.state_dict().items():
        out[f'{name}.{k}'] = v
    out[f'{name}.lr'] = torch.tensor(lrs)
    out[f'{name}.momentum'] = torch.tensor(moms)
    out[f'{name}.gradNorm'] = torch.tensor(norms)
save_safetensors(sys.argv[1], out, {'kdgrad_fixture': json.dumps(meta), 'torch': torch.__version__})
print(f'wrote {sys.argv[1]}: {len(CASES)} cases x {STEPS} steps')
