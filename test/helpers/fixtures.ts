// A small learnable CIFAR-shaped set: each image's brightness depends on its label.
import { data, Generator } from '../../src/index.js';
import type { TrainConfig } from '../../src/train/config.js';

export function learnableSet(count: number, seed: number, noise = 50): data.CifarSet {
  const g = new Generator(seed);
  const labels = Uint8Array.from({ length: count }, () => g.integer(0, 10));
  const images = new Uint8Array(count * data.IMAGE_BYTES).map((_, i) =>
    Math.min(255, labels[Math.floor(i / data.IMAGE_BYTES)]! * 20 + g.integer(0, noise)),
  );
  return { images, labels, count };
}

/** A small SGD training configuration for fixture sets, with `overrides`. */
export function fixtureConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    model: 'mlp-student',
    epochs: 2,
    batchSize: 16,
    lr: 0.05,
    optimizer: 'sgd',
    momentum: 0.9,
    nesterov: true,
    weightDecay: 0,
    schedule: 'constant',
    augment: false,
    clipGradNorm: 0,
    seed: 1,
    trainLimit: 0,
    testLimit: 0,
    ...overrides,
  };
}
