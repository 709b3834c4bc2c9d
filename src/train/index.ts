// Training, evaluation and run checkpoints: what `kdgrad train` / `distill` / `sweep` are built on.
export { Trainer } from './trainer.js';
export type { EpochRecord, TrainState, BatchInfo, RunResult } from './trainer.js';
export { evaluate } from './evaluate.js';
export type { Evaluation } from './evaluate.js';
export { TEACHER_RECIPE, DEFAULT_KD, checkConfig } from './config.js';
export type { TrainConfig, KDConfig } from './config.js';
export { saveRun, loadRunInfo, restoreRun, statePath } from './checkpoint.js';
export type { RunInfo } from './checkpoint.js';
export { runSweep, sweepMarkdown, meanStd } from './sweep.js';
export type { SweepOptions, SweepResult, SweepRow, SweepRun } from './sweep.js';
export {
  FEATURE_LOSSES,
  FEATURE_LOSS_NAMES,
  FeatureDistillation,
  parseLayerPairs,
  resolveLayerPairs,
} from './feature-loss.js';
export type { FeatureLossName, LayerPair } from './feature-loss.js';
