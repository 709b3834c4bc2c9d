export { Optimizer } from './optimizer.js';
export type { OptimizerState, ParamGroup } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { LRScheduler, StepLR, CosineAnnealingLR, LinearLR, OneCycleLR } from './lr-scheduler.js';
export type { OneCycleOptions, SchedulerState } from './lr-scheduler.js';
export { clipGradNorm } from './clip.js';
