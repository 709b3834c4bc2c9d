// A seeded, shuffling batch loader: each epoch is a permutation drawn from its own generator,
// whose state (saved at the start of the epoch) reproduces the epoch exactly on resume.
import { Generator, type GeneratorState } from '../tensor/random.js';

export interface LoaderOptions {
  batchSize: number;
  shuffle?: boolean;
  /** Drop a last batch smaller than batchSize (default false). */
  dropLast?: boolean;
  seed?: number;
}

export class BatchLoader {
  readonly generator: Generator;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;

  constructor(
    readonly size: number,
    opts: LoaderOptions,
  ) {
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1)
      throw new RangeError(
        `BatchLoader: batchSize must be a positive integer, got ${opts.batchSize}`,
      );
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`BatchLoader: the data set is empty`);
    this.batchSize = opts.batchSize;
    this.shuffle = opts.shuffle ?? true;
    this.dropLast = opts.dropLast ?? false;
    this.generator = new Generator(opts.seed ?? 0);
  }

  get batchesPerEpoch(): number {
    return this.dropLast
      ? Math.floor(this.size / this.batchSize)
      : Math.ceil(this.size / this.batchSize);
  }

  /** The batches of the next epoch (advances the generator by one permutation). */
  nextEpoch(): Int32Array[] {
    const order = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) order[i] = i;
    if (this.shuffle) {
      for (let i = this.size - 1; i > 0; i--) {
        const j = this.generator.integer(0, i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
    }
    const batches: Int32Array[] = [];
    for (let b = 0; b < this.batchesPerEpoch; b++)
      batches.push(
        order.subarray(b * this.batchSize, Math.min(this.size, (b + 1) * this.batchSize)),
      );
    return batches;
  }

  getState(): GeneratorState {
    return this.generator.getState();
  }

  setState(state: GeneratorState): void {
    this.generator.setState(state);
  }
}
