"""PyTorch twins of kdgrad's pieces, for cross-checks: a minimal safetensors reader/writer (the
`safetensors` package is not in Debian), the CIFAR-10 binary reader, and the zoo's ResNets with
torchvision's module names. Run with Debian's python3-torch: /usr/bin/python3."""
import json
import os
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32, 'I64': torch.int64,
          'F16': torch.float16, 'U8': torch.uint8, 'BOOL': torch.bool}
NAMES = {v: k for k, v in DTYPES.items()}
NP = {'F32': np.float32, 'F64': np.float64, 'I32': np.int32, 'I64': np.int64, 'F16': np.float16,
      'U8': np.uint8, 'BOOL': np.bool_}


def load_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    meta = header.pop('__metadata__', {})
    base = 8 + n
    out = {}
    for name, info in header.items():
        a, b = info['data_offsets']
        arr = np.frombuffer(raw[base + a:base + b], dtype=NP[info['dtype']]).reshape(info['shape'])
        out[name] = torch.from_numpy(arr.copy())
    return out, meta


def save_safetensors(path, tensors, metadata=None):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[name] = {'dtype': NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header['__metadata__'] = metadata
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(chunks))


def read_cifar(path):
    """One official binary batch: records of 1 label byte + 3072 pixel bytes."""
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)


def cifar_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    for d in [os.environ.get('CIFAR10_DIR'), os.path.join(here, '../../data/cifar-10-batches-bin'),
              os.path.join(here, '../../../shared/data/cifar-10-batches-bin')]:
        if d and os.path.exists(os.path.join(d, 'test_batch.bin')):
            return d
    raise SystemExit('CIFAR-10 folder not found: set CIFAR10_DIR')


def load_split(d, split):
    names = ['test_batch.bin'] if split == 'test' else sorted(
        f for f in os.listdir(d) if f.startswith('data_batch_') and f.endswith('.bin'))
    parts = [read_cifar(os.path.join(d, f)) for f in names]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNet(nn.Module):
    def __init__(self, filters, blocks, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, filters[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(filters[0])
        self.relu = nn.ReLU(inplace=True)
        inplanes = filters[0]
        for s, n in enumerate(blocks):
            layer = []
            for b in range(n):
                layer.append(BasicBlock(inplanes, filters[s + 1], 2 if b == 0 and s > 0 else 1))
                inplanes = filters[s + 1]
            setattr(self, f'layer{s + 1}', nn.Sequential(*layer))
        self.nstages = len(blocks)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for s in range(self.nstages):
            x = getattr(self, f'layer{s + 1}')(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU()]


def vgg_teacher():
    """kdgrad's vgg-teacher with nn.Sequential numbering (0.weight, 1.running_mean, ...)."""
    layers, cin = [], 3
    for c in (16, 32, 64):
        layers += conv_bn_relu(cin, c) + conv_bn_relu(c, c) + [nn.MaxPool2d(2)]
        cin = c
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(64 * 4 * 4, 10))


def cnn_student():
    layers, cin = [], 3
    for c in (8, 16, 32):
        layers += conv_bn_relu(cin, c) + [nn.MaxPool2d(2)]
        cin = c
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(32 * 4 * 4, 10))


C1, C4 = [16, 16, 32, 64], [32, 64, 128, 256]
ZOO = {
    'vgg-teacher': vgg_teacher, 'cnn-student': cnn_student,
    'mlp-student': lambda: nn.Sequential(nn.Flatten(), nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 10)),
    'resnet8': lambda: ResNet(C1, [1, 1, 1]), 'resnet14': lambda: ResNet(C1, [2, 2, 2]),
    'resnet20': lambda: ResNet(C1, [3, 3, 3]), 'resnet32': lambda: ResNet(C1, [5, 5, 5]),
    'resnet8x4': lambda: ResNet(C4, [1, 1, 1]), 'resnet32x4': lambda: ResNet(C4, [5, 5, 5]),
}


def build(name):
    if name in ZOO:
        return ZOO[name]()
    for depth, blocks in (('18', [2, 2, 2, 2]), ('34', [3, 4, 6, 3])):
        prefix = f'resnet{depth}'
        if name == prefix or name.startswith(prefix + '-w'):
            w = 64 if name == prefix else int(name[len(prefix) + 2:])
            return ResNet([w, w, 2 * w, 4 * w, 8 * w], blocks)
    raise SystemExit(f'unknown model {name}')
