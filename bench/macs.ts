// Multiply-adds of a training step, for the bench's "best possible" rows (bench/run.ts).
import { layerMacs, type nn } from '../src/index.js';

/**
 * Multiply-adds per image of one training step: every conv and linear layer three times (forward,
 * input gradient, weight gradient) but the first layer's input gradient (images need none).
 */
export function trainingMacsPerImage(model: nn.Module, shape: readonly number[]): number {
  const layers = layerMacs(model, shape);
  return 3 * layers.reduce((a, b) => a + b, 0) - (layers[0] ?? 0);
}
