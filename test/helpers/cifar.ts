// The shared CIFAR-10 subset for tests: $CIFAR10_DIR or ../shared/data/cifar-10-batches-bin.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED_CIFAR = resolve(
  process.env.CIFAR10_DIR ?? join(import.meta.dirname, '../../../shared/data/cifar-10-batches-bin'),
);
export const hasSharedCifar = existsSync(join(SHARED_CIFAR, 'data_batch_1.bin'));
