export {
  parseCifarBatch,
  encodeCifarBatch,
  concatSets,
  takeFirst,
  RECORD_BYTES,
  IMAGE_BYTES,
  NUM_CLASSES,
  CLASS_NAMES,
} from './cifar.js';
export type { CifarSet } from './cifar.js';
export { resolveCifarDir, loadCifarSplit, loadClassNames, DEFAULT_DIRS } from './folder.js';
export { channelStats, toImageTensor, labelsAt } from './transforms.js';
export type { Normalization } from './transforms.js';
export { augmentedBatch } from './augment.js';
export type { AugmentOptions, PaddingMode } from './augment.js';
export { BatchLoader } from './loader.js';
export type { LoaderOptions } from './loader.js';
export { downloadCifar10, CIFAR10_URL, CIFAR10_MD5 } from './download.js';
export type { DownloadOptions } from './download.js';
