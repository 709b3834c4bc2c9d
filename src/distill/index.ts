// distill: KD losses as graph ops, temperature schedules, gradient inspection.
export { DistillationLoss, distillationParts } from './kd.js';
export type { KDParts, KDOptions } from './kd.js';
export { AdaptiveDistillationLoss } from './adaptive.js';
export type { AdaptiveKDOptions } from './adaptive.js';
export { MultiTeacherDistillationLoss, normalizeWeights } from './multi-teacher.js';
export type { MultiTeacherOptions } from './multi-teacher.js';
export { DecoupledDistillationLoss, decoupledKL } from './dkd.js';
export type { DKDOptions, DKDParts } from './dkd.js';
export { LogitStandardizedDistillationLoss, standardizeLogits } from './standardized.js';
export { adaptiveTemperature, asTemperature } from './temperature.js';
export type { TemperatureLike } from './temperature.js';
export {
  attentionMap,
  attentionTransferLoss,
  hintLoss,
  hiddenRepresentationLoss,
  HintRegressor,
  hintRegressorFor,
} from './features.js';
export { gradientReport, inspectDistillation, formatGradientReport } from './inspect.js';
export type { GradientReport } from './inspect.js';
