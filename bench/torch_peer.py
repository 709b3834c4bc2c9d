"""PyTorch's side of `npm run bench`: the same workloads as bench/kdgrad.ts, timed the same way
(warm-up, then the median of repeated runs within a time budget), printed as one JSON line.
Run by bench/run.ts with Debian's python3-torch (/usr/bin/python3), THREADS threads."""
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
threads = int(os.environ.get('THREADS', '2'))
torch.set_num_threads(threads)


def median(fn, warmup=2, least=3, budget=4.0):
    for _ in range(warmup):
        fn()
    times, start = [], time.perf_counter()
    while len(times) < least or (time.perf_counter() - start < budget and len(times) < 200):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return times[len(times) // 2]


def train_img_per_sec(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad(set_to_none=False)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return x.shape[0] * 1000 / median(step, warmup=3, least=5)


a, b = torch.randn(512, 512), torch.randn(512, 512)
with torch.no_grad():
    mm = median(lambda: a @ b, least=10)
y = torch.arange(64) % 10
convnetjs = nn.Sequential(
    nn.Conv2d(3, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 20, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(20, 20, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(320, 10))
cnn = train_img_per_sec(convnetjs, torch.randn(64, 3, 32, 32), y)
mlp = train_img_per_sec(nn.Sequential(nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)), torch.randn(64, 3072), y)
s = torch.randn(64, 10, requires_grad=True)
t = torch.randn(64, 10)
T, alpha = 4.0, 0.9


def kd_step():
    s.grad = None
    soft = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction='batchmean') * T * T
    (alpha * soft + (1 - alpha) * F.cross_entropy(s, y)).backward()
kd = median(kd_step, warmup=3000, least=200, budget=2.0)
x = torch.randn(64, 3, 32, 32, requires_grad=True)
w = torch.randn(16, 3, 5, 5, requires_grad=True)


def conv():
    x.grad = w.grad = None
    F.conv2d(x, w, padding=2).sum().backward()
cv = median(conv, least=5)
blas = 'unknown BLAS'
for line in torch.__config__.show().splitlines():
    if 'BLAS_INFO' in line:
        blas = line.strip().split('BLAS_INFO=')[1].split(',')[0]
print(json.dumps({
    'matmulGflops': 2 * 512 ** 3 / (mm * 1e6), 'cnnImgPerSec': cnn, 'mlpImgPerSec': mlp, 'kdStepMicros': kd * 1000, 'convFwdBwdMs': cv,
    'notes': [f'pytorch: torch {torch.__version__} (Debian python3-torch), {threads} threads (torch.get_num_threads() = {torch.get_num_threads()}), '
              f'built with BLAS_INFO={blas} (libblas.so.3 as the Debian alternatives pick it), '
              f'OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY", "unset")}, one process'],
}))
