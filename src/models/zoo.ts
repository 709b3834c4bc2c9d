// The model zoo for CIFAR-10 (3×32×32 inputs, 10 classes): a VGG-style teacher, two smaller
// students, and the ResNets of resnet.ts. Layer names follow PyTorch's (nn.Sequential numbering,
// torchvision's ResNet names), so checkpoints interoperate with the PyTorch definitions.
import type { Generator } from '../tensor/random.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Flatten, ReLU } from '../nn/layers/activation.js';
import { Linear } from '../nn/layers/linear.js';
import { MaxPool2d } from '../nn/layers/pooling.js';
import { Sequential } from '../nn/layers/container.js';
import { MLP } from '../nn/layers/mlp.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../autograd/tensor.js';
import { zeros } from '../autograd/creation.js';
import { noGrad } from '../autograd/grad-mode.js';
import { cifarResNet, imagenetStyleResNet } from './resnet.js';

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

/** Any zoo model: a Module mapping [B, 3, 32, 32] images to [B, 10] logits. */
export type ZooModel = Module & { forward(x: Tensor): Tensor };

export interface ZooEntry {
  name: string;
  description: string;
  build: (o?: ZooOptions) => ZooModel;
}

const gen = (o: ZooOptions = {}) => o.generator;
const cifar = (depth: number, filters: [number, number, number, number]) => (o?: ZooOptions) =>
  cifarResNet(depth, filters, gen(o));
const C1: [number, number, number, number] = [16, 16, 32, 64];
const C4: [number, number, number, number] = [32, 64, 128, 256];
const seedResNet = (blocks: number[], width: number) => (o?: ZooOptions) =>
  imagenetStyleResNet(blocks, width, gen(o));
const SEED_BLOCKS: Record<string, number[]> = { resnet18: [2, 2, 2, 2], resnet34: [3, 4, 6, 3] };

function entry(name: string, description: string, build: ZooEntry['build']): [string, ZooEntry] {
  return [name, { name, description, build }];
}

/**
 * The zoo, by name. `resnet18` and `resnet34` also come in other widths: `resnet18-w16` has
 * stage widths [16, 32, 64, 128] instead of [64, 128, 256, 512] (the name carries the width, so
 * a checkpoint says which net it holds).
 */
export const ZOO: Record<string, ZooEntry> = Object.assign(
  Object.create(null) as Record<string, ZooEntry>,
  Object.fromEntries([
    entry(
      'vgg-teacher',
      'VGG-style teacher: 2x(conv3x3-BN-ReLU) x [16, 32, 64] + max-pool, Linear(1024, 10)',
      vggTeacher,
    ),
    entry(
      'cnn-student',
      'narrow CNN student: (conv3x3-BN-ReLU) x [8, 16, 32] + max-pool, Linear(512, 10)',
      narrowCnnStudent,
    ),
    entry(
      'mlp-student',
      'MLP student: Flatten, Linear(3072, 256), ReLU, Linear(256, 10)',
      mlpStudent,
    ),
    entry(
      'resnet8',
      'CIFAR ResNet-8 (He et al. 2016; RepDistiller): 1 BasicBlock x [16, 32, 64]',
      cifar(8, C1),
    ),
    entry('resnet14', 'CIFAR ResNet-14: 2 BasicBlocks x [16, 32, 64]', cifar(14, C1)),
    entry('resnet20', 'CIFAR ResNet-20: 3 BasicBlocks x [16, 32, 64]', cifar(20, C1)),
    entry('resnet32', 'CIFAR ResNet-32: 5 BasicBlocks x [16, 32, 64]', cifar(32, C1)),
    entry(
      'resnet8x4',
      'CIFAR ResNet-8x4 (RepDistiller): 1 BasicBlock x [64, 128, 256], stem 32',
      cifar(8, C4),
    ),
    entry(
      'resnet32x4',
      'CIFAR ResNet-32x4 (RepDistiller): 5 BasicBlocks x [64, 128, 256], stem 32',
      cifar(32, C4),
    ),
    entry(
      'resnet18',
      "the article's ResNet-18 for 32x32 (3x3 stem, no max-pool): BasicBlocks [2,2,2,2] x [64..512]",
      seedResNet(SEED_BLOCKS.resnet18!, 64),
    ),
    entry(
      'resnet34',
      "the article's ResNet-34 for 32x32: BasicBlocks [3,4,6,3] x [64..512]",
      seedResNet(SEED_BLOCKS.resnet34!, 64),
    ),
    entry(
      'resnet18-w16',
      'ResNet-18 at a quarter of the width: BasicBlocks [2,2,2,2] x [16, 32, 64, 128]',
      seedResNet(SEED_BLOCKS.resnet18!, 16),
    ),
    entry(
      'resnet34-w16',
      'ResNet-34 at a quarter of the width: BasicBlocks [3,4,6,3] x [16, 32, 64, 128]',
      seedResNet(SEED_BLOCKS.resnet34!, 16),
    ),
  ]),
);

/** `resnet18-w<N>` / `resnet34-w<N>`: the article's ResNets at stage widths [N, 2N, 4N, 8N]. */
function widthVariant(name: string): ZooEntry | undefined {
  const m = /^(resnet18|resnet34)-w([1-9][0-9]{0,3})$/.exec(name);
  if (!m) return undefined;
  const width = Number(m[2]);
  return {
    name,
    description: `${m[1]} at stage widths [${width}, ${2 * width}, ${4 * width}, ${8 * width}]`,
    build: seedResNet(SEED_BLOCKS[m[1]!]!, width),
  };
}

/** The zoo entry for a name (width variants included), or undefined. */
export function zooEntry(name: string): ZooEntry | undefined {
  return Object.hasOwn(ZOO, name) ? ZOO[name] : widthVariant(name);
}

export function buildModel(name: string, o: ZooOptions = {}): ZooModel {
  const entry = typeof name === 'string' ? zooEntry(name) : undefined;
  if (!entry) {
    throw new RangeError(
      `unknown model ${JSON.stringify(name)}; choose one of: ${Object.keys(ZOO).join(', ')} (or resnet18-w<N>, resnet34-w<N> for another width)`,
    );
  }
  return entry.build(o);
}

/**
 * Multiply-accumulate count of one forward pass for a 3×32×32 input (conv and linear layers),
 * for any module: runs one image through it and counts what each Conv2d and Linear computed.
 */
export function forwardMacs(model: ZooModel): number {
  return layerMacs(model).reduce((a, b) => a + b, 0);
}

/**
 * Multiply-accumulates per image of each Conv2d and Linear layer in the order the forward pass
 * runs them, for an input of `shape` (one image: [1, ...]). A training step does each layer's
 * count three times (forward, input gradient, weight gradient), except the first layer's input
 * gradient when the images need none.
 */
export function layerMacs(model: Module, shape: readonly number[] = [1, 3, 32, 32]): number[] {
  const macs: number[] = [];
  // forward hooks see each layer's own input and output (a hooked layer is never fused with the
  // ReLU after it, so a Conv2d → ReLU pair runs apart here and its convolution is counted)
  const handles = model.modules().flatMap((m) =>
    m instanceof Conv2d
      ? [
          m.registerForwardHook((_, __, y) => {
            macs.push((y.numel() / y.shape[0]!) * m.inChannels * m.kernelSize[0] * m.kernelSize[1]);
          }),
        ]
      : m instanceof Linear
        ? [
            m.registerForwardHook((_, inputs) => {
              const x = inputs[0] as Tensor;
              macs.push((x.numel() / x.shape[0]!) * m.outFeatures);
            }),
          ]
        : [],
  );
  const wasTraining = model.training;
  try {
    model.eval();
    noGrad(() => (model as unknown as { forward(x: Tensor): Tensor }).forward(zeros(shape)));
  } finally {
    for (const h of handles) h.remove();
    model.train(wasTraining);
  }
  return macs;
}
