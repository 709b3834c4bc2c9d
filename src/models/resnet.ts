// ResNets for 32×32 inputs. Two families, each as its reference defines it:
// - the CIFAR ResNets of He et al. (2016) in RepDistiller's form: a 3×3 stem, three stages of
//   BasicBlocks (depth = 6n + 2) with strides 1, 2, 2, global average pooling, fc;
// - the article's ResNet-18 / ResNet-34 (torchvision's BasicBlock [2,2,2,2] / [3,4,6,3]) adapted to
//   CIFAR: 3×3 stride-1 stem and no max-pool, four stages with strides 1, 2, 2, 2.
// State-dict names are torchvision's (conv1, bn1, layer1.0.conv1, ..., fc), so weights trained
// in PyTorch load strictly.
import type { Tensor } from '../autograd/tensor.js';
import { kaimingNormal_ } from '../nn/init.js';
import { ReLU } from '../nn/layers/activation.js';
import { BatchNorm2d, batchNormThenRelu } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/container.js';
import { Conv2d } from '../nn/layers/conv.js';
import { Linear } from '../nn/layers/linear.js';
import { GlobalAvgPool2d } from '../nn/layers/pooling.js';
import { BasicBlock } from '../nn/layers/residual.js';
import { Module } from '../nn/module.js';
import type { Generator } from '../tensor/random.js';

export interface ResNetOptions {
  /** Stem width, then one width per stage, e.g. [16, 16, 32, 64]. */
  filters: number[];
  /** BasicBlocks per stage, e.g. [3, 3, 3] for resnet20. */
  blocks: number[];
  numClasses?: number;
  generator?: Generator;
}

/** conv3×3 stem → BN → ReLU → stages of BasicBlocks → global average pool → fc. */
export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu = new ReLU();
  readonly stages: Sequential[];
  readonly avgpool = new GlobalAvgPool2d();
  readonly fc: Linear;

  constructor(readonly options: ResNetOptions) {
    super();
    const { filters, blocks } = options;
    if (filters.length !== blocks.length + 1) {
      throw new RangeError(
        `ResNet: filters needs one width for the stem and one per stage (${blocks.length + 1}), got ${filters.length}`,
      );
    }
    for (const v of [...filters, ...blocks]) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(
          `ResNet: filters and blocks must be positive integers, got [${filters}] and [${blocks}]`,
        );
    }
    const g = options.generator ? { generator: options.generator } : {};
    this.conv1 = new Conv2d(3, filters[0]!, 3, { padding: 1, bias: false, ...g });
    this.bn1 = new BatchNorm2d(filters[0]!);
    let inPlanes = filters[0]!;
    this.stages = blocks.map((n, s) => {
      const planes = filters[s + 1]!;
      const layer: BasicBlock[] = [];
      for (let b = 0; b < n; b++) {
        layer.push(new BasicBlock(inPlanes, planes, { stride: b === 0 && s > 0 ? 2 : 1, ...g }));
        inPlanes = planes;
      }
      return new Sequential(...layer);
    });
    this.fc = new Linear(inPlanes, options.numClasses ?? 10, g);
    // as torchvision and RepDistiller: He-normal (fan_out) convolutions; BN weight 1, bias 0
    for (const m of this.modules()) {
      if (m instanceof Conv2d)
        kaimingNormal_(m.weight, { mode: 'fan_out', nonlinearity: 'relu', ...g });
    }
  }

  /** torchvision's names: layer1, layer2, ... for the stages. */
  override namedChildren(): [string, Module][] {
    return [
      ['conv1', this.conv1],
      ['bn1', this.bn1],
      ['relu', this.relu],
      ...this.stages.map((l, i): [string, Module] => [`layer${i + 1}`, l]),
      ['avgpool', this.avgpool],
      ['fc', this.fc],
    ];
  }

  /** [B, C] features before the classifier (what feature-based KD methods distil). */
  features(x: Tensor): Tensor {
    let h = batchNormThenRelu(this.bn1, this.relu, this.conv1.forward(x)); // relu(bn1(·)), fused
    for (const stage of this.stages) h = stage.forward(h);
    return this.avgpool.forward(h);
  }

  forward(x: Tensor): Tensor {
    return this.fc.forward(this.features(x));
  }
}

/** RepDistiller's CIFAR ResNet of depth 6n + 2: n BasicBlocks in each of three stages. */
export function cifarResNet(
  depth: number,
  filters: [number, number, number, number],
  generator?: Generator,
): ResNet {
  if ((depth - 2) % 6 !== 0 || depth < 8)
    throw new RangeError(`cifarResNet: depth must be 6n + 2 (8, 14, 20, 32, ...), got ${depth}`);
  const n = (depth - 2) / 6;
  return new ResNet({ filters, blocks: [n, n, n], ...(generator ? { generator } : {}) });
}

/** torchvision's ResNet-18 / 34 layout for 32×32 inputs; width 64 is the original. */
export function imagenetStyleResNet(
  blocks: number[],
  width: number,
  generator?: Generator,
): ResNet {
  return new ResNet({
    filters: [width, width, 2 * width, 4 * width, 8 * width],
    blocks,
    ...(generator ? { generator } : {}),
  });
}
