// The model zoo for CIFAR-10 (3×32×32 inputs, 10 classes): a VGG-style teacher and two smaller
// students. Layer names follow PyTorch's nn.Sequential numbering, so checkpoints interoperate
// with the equivalent PyTorch definitions (written out in each doc comment).
import type { Generator } from '../tensor/random.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten, ReLU } from '../nn/layers/activation.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pool.js';
import { Sequential } from '../nn/layers/container.js';
import { MLP } from '../nn/layers/mlp.js';
import type { Module } from '../nn/module.js';

export interface ZooOptions {
  generator?: Generator;
}

const g = (o: ZooOptions) => (o.generator ? { generator: o.generator } : {});

/** conv3x3(pad 1) → BatchNorm → ReLU */
function convBnRelu(cin: number, cout: number, o: ZooOptions): Module[] {
  return [new Conv2d(cin, cout, 3, { padding: 1, ...g(o) }), new BatchNorm2d(cout), new ReLU()];
}

/**
 * VGG-style teacher: three stages of two (conv3x3 + BN + ReLU) with 16, 32, 64 channels, each
 * followed by 2×2 max-pooling, then Linear(1024 → 10). 82,778 parameters.
 * PyTorch: nn.Sequential(conv(3,16), bn, relu, conv(16,16), bn, relu, MaxPool2d(2), ..., Flatten(), Linear(1024, 10))
 */
export function vggTeacher(o: ZooOptions = {}): Sequential {
  const layers: Module[] = [];
  let cin = 3;
  for (const c of [16, 32, 64]) {
    layers.push(...convBnRelu(cin, c, o), ...convBnRelu(c, c, o), new MaxPool2d(2));
    cin = c;
  }
  layers.push(new Flatten(), new Linear(64 * 4 * 4, 10, g(o)));
  return new Sequential(...layers);
}

/**
 * Narrow CNN student: one (conv3x3 + BN + ReLU) per stage with 8, 16, 32 channels, each followed
 * by 2×2 max-pooling, then Linear(512 → 10). 11,274 parameters (about 1/7 of the teacher).
 */
export function narrowCnnStudent(o: ZooOptions = {}): Sequential {
  const layers: Module[] = [];
  let cin = 3;
  for (const c of [8, 16, 32]) {
    layers.push(...convBnRelu(cin, c, o), new MaxPool2d(2));
    cin = c;
  }
  layers.push(new Flatten(), new Linear(32 * 4 * 4, 10, g(o)));
  return new Sequential(...layers);
}

/** MLP student 3072 → 256 → 10 (789,258 parameters, but no convolution: a weak image model). */
export function mlpStudent(o: ZooOptions = {}): Sequential {
  return new MLP([3072, 256, 10], g(o));
}

export interface ZooEntry {
  name: string;
  description: string;
  build: (o?: ZooOptions) => Sequential;
}

export const ZOO: Record<string, ZooEntry> = {
  'vgg-teacher': { name: 'vgg-teacher', description: 'VGG-style teacher: 2x(conv3x3-BN-ReLU) x [16, 32, 64] + max-pool, Linear(1024, 10)', build: vggTeacher },
  'cnn-student': { name: 'cnn-student', description: 'narrow CNN student: (conv3x3-BN-ReLU) x [8, 16, 32] + max-pool, Linear(512, 10)', build: narrowCnnStudent },
  'mlp-student': { name: 'mlp-student', description: 'MLP student: Flatten, Linear(3072, 256), ReLU, Linear(256, 10)', build: mlpStudent },
};

export function buildModel(name: string, o: ZooOptions = {}): Sequential {
  const entry = ZOO[name];
  if (!entry) throw new RangeError(`unknown model ${JSON.stringify(name)}; choose one of: ${Object.keys(ZOO).join(', ')}`);
  return entry.build(o);
}

/** Multiply-accumulate count of one forward pass for a 3×32×32 input (conv and linear layers). */
export function forwardMacs(model: Sequential): number {
  let h = 32;
  let w = 32;
  let macs = 0;
  for (const m of model.layers) {
    if (m instanceof Conv2d) {
      h = Math.floor((h + 2 * m.padding[0] - m.kernelSize[0]) / m.stride[0]) + 1;
      w = Math.floor((w + 2 * m.padding[1] - m.kernelSize[1]) / m.stride[1]) + 1;
      macs += m.outChannels * h * w * m.inChannels * m.kernelSize[0] * m.kernelSize[1];
    } else if (m instanceof MaxPool2d) {
      const k = typeof m.kernelSize === 'number' ? m.kernelSize : m.kernelSize[0];
      h = Math.floor(h / k);
      w = Math.floor(w / k);
    } else if (m instanceof Linear) {
      macs += m.inFeatures * m.outFeatures;
    }
  }
  return macs;
}

