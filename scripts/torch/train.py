"""The recipe of `kdgrad train` in PyTorch, for a same-recipe accuracy comparison.

  /usr/bin/python3 scripts/torch/train.py --model resnet20 --epochs 15 --seeds 0 [--threads 2]

SGD (Nesterov, momentum cycled 0.85-0.95 by OneCycleLR, weight decay 5e-4), OneCycleLR (peak lr
0.05, stepped per batch), batch 64, random crop with 4 pixels of padding (black, torchvision's
default, or --crop-fill mean: the training split's mean colour) + horizontal flip, inputs normalised by the training split's channel mean and std; evaluation on the whole test
split after every epoch. Prints one JSON line per epoch and one per run.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F

from kdgrad_torch import build, cifar_dir, load_split

p = argparse.ArgumentParser()
p.add_argument('--model', default='resnet20')
p.add_argument('--epochs', type=int, default=15)
p.add_argument('--seeds', default='0', help='comma-separated seeds')
p.add_argument('--lr', type=float, default=0.05)
p.add_argument('--batch-size', type=int, default=64)
p.add_argument('--weight-decay', type=float, default=5e-4)
p.add_argument('--no-augment', action='store_true')
p.add_argument('--crop-fill', choices=['black', 'mean'], default='black',
               help="the random crop's padding colour (kdgrad's --crop-fill 0 or mean)")
p.add_argument('--threads', type=int, default=2)
p.add_argument('--out', help='save the first seed\'s weights here (safetensors)')
a = p.parse_args()
torch.set_num_threads(a.threads)

d = cifar_dir()
xtr, ytr = load_split(d, 'train')
xte, yte = load_split(d, 'test')
scaled = xtr.astype(np.float64) / 255
mean = scaled.mean(axis=(0, 2, 3))
std = np.sqrt((scaled ** 2).mean(axis=(0, 2, 3)) - mean ** 2)
m_t = torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1)
s_t = torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1)
norm = lambda u8: (u8.float() / 255 - m_t) / s_t
Xtr, Ytr = torch.from_numpy(xtr), torch.from_numpy(ytr)
Xte, Yte = norm(torch.from_numpy(xte)), torch.from_numpy(yte)


def augment(u8, g):
    """RandomCrop(32, padding=4), then RandomHorizontalFlip, per image; returns normalised inputs.
    Black pads the pixels with 0 before normalising (torchvision's fill=0); the mean colour
    normalises to exactly 0, so it pads the normalised images with 0."""
    padded = norm(F.pad(u8, (4, 4, 4, 4))) if a.crop_fill == 'black' else F.pad(norm(u8), (4, 4, 4, 4))
    out = torch.empty(u8.shape, dtype=torch.float32)
    off = torch.randint(0, 9, (u8.shape[0], 2), generator=g)
    flip = torch.rand(u8.shape[0], generator=g) < 0.5
    for i in range(u8.shape[0]):
        dy, dx = int(off[i, 0]), int(off[i, 1])
        crop = padded[i, :, dy:dy + 32, dx:dx + 32]
        out[i] = crop.flip(-1) if flip[i] else crop
    return out


def evaluate(model):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(Yte), 500):
            z = model(Xte[i:i + 500])
            loss += F.cross_entropy(z, Yte[i:i + 500], reduction='sum').item()
            correct += (z.argmax(1) == Yte[i:i + 500]).sum().item()
    return correct / len(Yte), loss / len(Yte)


results = []
for seed in [int(s) for s in a.seeds.split(',')]:
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed + 1)
    model = build(a.model)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, nesterov=True, weight_decay=a.weight_decay)
    steps = a.epochs * ((len(Ytr) + a.batch_size - 1) // a.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps)
    t_run = time.time()
    for epoch in range(a.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(len(Ytr), generator=g)
        for i in range(0, len(perm), a.batch_size):
            idx = perm[i:i + a.batch_size]
            x = norm(Xtr[idx]) if a.no_augment else augment(Xtr[idx], g)
            loss = F.cross_entropy(model(x), Ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        train_s = time.time() - t0
        acc, test_loss = evaluate(model)
        print(json.dumps({'seed': seed, 'epoch': epoch + 1, 'testAccuracy': acc, 'testLoss': test_loss, 'trainSeconds': train_s}), flush=True)
    results.append({'seed': seed, 'testAccuracy': acc, 'seconds': time.time() - t_run})
    if a.out and len(results) == 1:
        from kdgrad_torch import save_safetensors
        save_safetensors(a.out, model.state_dict(), {'format': 'pt', 'kdgrad_model': a.model})
print(json.dumps({'model': a.model, 'epochs': a.epochs, 'torch': torch.__version__, 'threads': a.threads, 'runs': results}), flush=True)
