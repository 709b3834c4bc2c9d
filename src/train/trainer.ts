// Training loop for CIFAR-10 models, from scratch (cross-entropy) or by distillation from one or
// several teachers. Every source of randomness has its own generator, and the state saved after
// any batch (model, optimizer, schedule, generators, partial-epoch sums) continues the run exactly.
import { noGrad } from '../autograd/grad-mode.js';
import { tidy } from '../autograd/tidy.js';
import { Tensor } from '../autograd/tensor.js';
import { allocateUninitialized } from '../tensor/buffer-pool.js';
import { TensorData } from '../tensor/storage.js';
import { takeFirst, type CifarSet } from '../data/cifar.js';
import { augmentedBatch } from '../data/augment.js';
import { BatchLoader } from '../data/loader.js';
import { toImageTensor, type Normalization } from '../data/transforms.js';
import { AdaptiveDistillationLoss } from '../distill/adaptive.js';
import { crossEntropy } from '../nn/functional/loss.js';
import type { Module } from '../nn/module.js';
import { Adam, AdamW } from '../nn/optim/adam.js';
import { clipGradNorm } from '../nn/optim/clip.js';
import { CosineAnnealingLR, OneCycleLR, type LRScheduler } from '../nn/optim/lr-scheduler.js';
import type { Optimizer, OptimizerState } from '../nn/optim/optimizer.js';
import { SGD } from '../nn/optim/sgd.js';
import { Generator, type GeneratorState } from '../tensor/random.js';
import { checkConfig, featurePairs, resolveKD, type KDConfig, type TrainConfig } from './config.js';
import { FeatureDistillation } from './feature-loss.js';
import { forwardWithFeatures } from '../nn/features.js';
import type { DistillationObjective, DistillParts } from '../distill/batch.js';
import { kdLossParts, makeKDLoss } from './kd-loss.js';
import { evaluate } from './evaluate.js';

export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** KD only: mean T²·KL and CE over the epoch, and the temperature used. */
  softLoss?: number;
  hardLoss?: number;
  temperature?: number;
  /** With a feature term: its mean over the epoch (unweighted), and FitNets' stage (1 or 2). */
  featureLoss?: number;
  stage?: 1 | 2;
  seconds: number;
  imagesPerSecond: number;
}

interface Running {
  loss: number;
  soft: number;
  hard: number;
  /** Absent in run states written before feature terms existed. */
  feature?: number;
  correct: number;
  seen: number;
  seconds: number;
}

export interface TrainState {
  epoch: number;
  batch: number;
  loaderAtEpochStart: GeneratorState;
  augment: GeneratorState;
  running: Running;
  history: EpochRecord[];
  scheduler: { lastEpoch: number; baseLrs: number[] };
  /** The run's first batch loss: a later loss EXPLOSION times larger means the run exploded. */
  firstLoss?: number;
}

/** A batch loss this many times the first one is an explosion, not learning (a finite loss can diverge too). */
export const EXPLOSION = 1e4;
/** A test cross-entropy over this many times ln C (an untrained network's) means the run exploded. */
export const EXPLODED_TEST_LOSS = 100;

export interface BatchInfo {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  accuracy: number;
  lr: number;
}
export type RunResult =
  | { status: 'done' | 'stopped' }
  | { status: 'diverged'; epoch: number; batch: number; message: string };

type Forward = Module & { forward(x: Tensor): Tensor };

/** The first parameter or buffer holding NaN or ±inf, as 'weight <name>', or null. */
function firstNonFinite(model: Module): string | null {
  for (const [name, t] of Object.entries(model.stateDict())) {
    if (t.dtype !== 'float32' && t.dtype !== 'float64') continue;
    const d = t.storage.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return `weight ${name}`;
  }
  return null;
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly scheduler: LRScheduler | null;
  readonly loader: BatchLoader;
  readonly augmentGen: Generator;
  readonly train: CifarSet;
  readonly test: CifarSet;
  state: TrainState;
  private readonly kdLoss: DistillationObjective | null;
  /** The feature term (its regressors are trained with the model), or null. */
  readonly features: FeatureDistillation | null = null;
  /** FitNets' first stage lasts this many epochs (0: one stage). */
  private readonly hintEpochs: number = 0;
  /** Without augmentation each image always looks the same, so teacher logits are computed once, per image index. */
  private teacherCache: Float32Array[] | null = null;
  /** The same for the first teacher's feature layers, by layer name. */
  private featureCache: Record<string, Float32Array> | null = null;

  constructor(
    readonly model: Forward,
    train: CifarSet,
    test: CifarSet,
    readonly norm: Normalization,
    readonly config: TrainConfig,
    readonly kd: KDConfig | null = null,
    readonly teachers: readonly Forward[] = [],
    opts: { teacherCache?: Float32Array[]; featureCache?: Record<string, Float32Array> } = {},
  ) {
    checkConfig(config);
    this.teacherCache = opts.teacherCache ?? null;
    this.featureCache = opts.featureCache ?? null;
    this.train = config.trainLimit ? takeFirst(train, config.trainLimit) : train;
    this.test = config.testLimit ? takeFirst(test, config.testLimit) : test;
    if (kd && !teachers.length) throw new RangeError('distillation needs at least one teacher');
    for (const t of teachers) t.eval(); // the teacher's batch-norm statistics and dropout stay frozen
    const c = config;
    const resolved = kd ? resolveKD(kd, teachers.length) : null;
    if (resolved && resolved.feature !== 'none') {
      const pairs = featurePairs(resolved, c.epochs, model, teachers[0]!);
      const generator = new Generator(c.seed * 7919 + 3);
      const weight = resolved.featureWeight!;
      this.features = new FeatureDistillation(resolved.feature, pairs, weight, generator);
      this.hintEpochs = resolved.hintEpochs;
    }
    // the regressors of a feature term learn with the student
    const params = [...model.parameters(), ...(this.features?.parameters() ?? [])];
    this.optimizer =
      c.optimizer === 'sgd'
        ? new SGD(params, {
            lr: c.lr,
            momentum: c.momentum,
            nesterov: c.nesterov && c.momentum > 0,
            weightDecay: c.weightDecay,
          })
        : new (c.optimizer === 'adam' ? Adam : AdamW)(params, {
            lr: c.lr,
            weightDecay: c.weightDecay,
          });
    this.loader = new BatchLoader(this.train.count, {
      batchSize: c.batchSize,
      shuffle: true,
      seed: c.seed * 7919 + 1,
    });
    this.augmentGen = new Generator(c.seed * 7919 + 2);
    const total = c.epochs * this.loader.batchesPerEpoch;
    this.scheduler =
      c.schedule === 'onecycle'
        ? new OneCycleLR(this.optimizer, {
            maxLr: c.lr,
            totalSteps: Math.max(2, total),
            cycleMomentum: c.optimizer === 'sgd' && c.momentum > 0,
          })
        : c.schedule === 'cosine'
          ? new CosineAnnealingLR(this.optimizer, total)
          : null;
    this.kdLoss = resolved ? makeKDLoss(resolved, teachers.length) : null;
    this.state = {
      epoch: 0,
      batch: 0,
      loaderAtEpochStart: this.loader.getState(),
      augment: this.augmentGen.getState(),
      running: { loss: 0, soft: 0, hard: 0, correct: 0, seen: 0, seconds: 0 },
      history: [],
      scheduler: { lastEpoch: 0, baseLrs: [] },
    };
  }

  get batchesPerEpoch(): number {
    return this.loader.batchesPerEpoch;
  }

  temperatureAt(epoch: number): number | undefined {
    if (!this.kd) return undefined;
    return this.kdLoss instanceof AdaptiveDistillationLoss
      ? this.kdLoss.temperatureAt(epoch)
      : this.kd.temperature;
  }

  /** Per-teacher logits of every training image (computed on first use when augmentation is off). */
  getTeacherCache(): Float32Array[] | null {
    if (this.config.augment || !this.teachers.length) return null;
    this.teacherLogits(toImageTensor(this.train, [0], this.norm), Int32Array.of(0));
    return this.teacherCache;
  }

  /** Teacher logits for the batch: looked up by image index (no augmentation) or computed on the same augmented images. */
  private teacherLogits(x: Tensor, idx: Int32Array): Tensor[] {
    if (this.config.augment) return noGrad(() => this.teachers.map((t) => t.forward(x)));
    this.teacherCache ??= this.teachers.map((t) =>
      noGrad(() => {
        const C = 10;
        const out = new Float32Array(this.train.count * C);
        for (let start = 0; start < this.train.count; start += 100) {
          // a scope per chunk: this runs inside the first step's tidy(), which would otherwise
          // hold every chunk's activations until the step ends
          tidy(() => {
            const ids = Int32Array.from(
              { length: Math.min(100, this.train.count - start) },
              (_, i) => start + i,
            );
            out.set(t.forward(toImageTensor(this.train, ids, this.norm)).toTypedArray(), start * C);
          });
        }
        return out;
      }),
    );
    return this.teacherCache.map((cache) => {
      const rows = allocateUninitialized('float32', idx.length * 10);
      idx.forEach((i, r) => rows.set(cache.subarray(i * 10, i * 10 + 10), r * 10));
      return new Tensor(new TensorData(rows, [idx.length, 10]));
    });
  }

  /** The first teacher's feature layers for the batch: from the per-image cache, or computed. */
  private teacherFeatures(x: Tensor, idx: Int32Array): Record<string, Tensor> {
    const layers = this.features!.teacherLayers;
    const teacher = this.teachers[0]!;
    if (this.config.augment) return noGrad(() => forwardWithFeatures(teacher, x, layers).features);
    const missing = layers.filter((name) => !this.featureCache?.[name]);
    if (missing.length)
      this.featureCache = { ...this.featureCache, ...this.cacheFeatures(teacher, missing) };
    const pairs = this.features!.pairs;
    return Object.fromEntries(
      layers.map((name) => {
        const cache = this.featureCache![name]!;
        const shape = pairs.find((p) => p.teacher === name)!.teacherShape;
        const per = cache.length / this.train.count;
        const rows = allocateUninitialized('float32', idx.length * per);
        idx.forEach((i, r) => rows.set(cache.subarray(i * per, (i + 1) * per), r * per));
        return [name, new Tensor(new TensorData(rows, [idx.length, ...shape]))];
      }),
    );
  }

  /** The teacher's `layers` for every training image, computed in chunks of 100. */
  private cacheFeatures(teacher: Forward, layers: string[]): Record<string, Float32Array> {
    return noGrad(() => {
      const out: Record<string, Float32Array> = {};
      for (let start = 0; start < this.train.count; start += 100) {
        tidy(() => {
          const ids = Int32Array.from(
            { length: Math.min(100, this.train.count - start) },
            (_, i) => start + i,
          );
          const f = forwardWithFeatures(teacher, toImageTensor(this.train, ids, this.norm), layers);
          for (const name of layers) {
            const values = f.features[name]!.toTypedArray() as Float32Array;
            const per = values.length / ids.length;
            (out[name] ??= new Float32Array(this.train.count * per)).set(values, start * per);
          }
        });
      }
      return out;
    });
  }

  /** The teacher-feature cache (filled on first use when augmentation is off), to share. */
  getFeatureCache(): Record<string, Float32Array> | null {
    if (this.config.augment || !this.features) return null;
    this.teacherFeatures(toImageTensor(this.train, [0], this.norm), Int32Array.of(0));
    return this.featureCache;
  }

  /** In FitNets' first stage: the hint alone trains the student up to its guided layer. */
  private inHintStage(epoch: number): boolean {
    return epoch < this.hintEpochs;
  }

  /** Loss of one batch (and its parts for KD); the model is in train mode. */
  private lossOf(
    x: Tensor,
    y: Int32Array,
    idx: Int32Array,
    epoch: number,
  ): { loss: Tensor; parts?: DistillParts; logits: Tensor; feature?: Tensor } {
    if (!this.kdLoss) {
      const logits = this.model.forward(x);
      return { loss: crossEntropy(logits, y), logits };
    }
    if (!this.features) {
      const logits = this.model.forward(x);
      const parts = kdLossParts(this.kdLoss, logits, this.teacherLogits(x, idx), y, epoch);
      return { loss: parts.loss, parts, logits };
    }
    const f = this.features;
    const { output: logits, features } = forwardWithFeatures(this.model, x, f.studentLayers);
    const feature = f.forward(features, this.teacherFeatures(x, idx));
    // the KD parts are reported in both stages; only the stage's own loss is trained
    const parts = kdLossParts(this.kdLoss, logits, this.teacherLogits(x, idx), y, epoch);
    const weighted = feature.mul(f.weight);
    const loss = this.inHintStage(epoch)
      ? weighted
      : this.hintEpochs > 0
        ? parts.loss
        : parts.loss.add(weighted);
    return { loss, parts, logits, feature };
  }

  /**
   * Trains until the configured number of epochs, a stop request, or a non-finite loss. It yields
   * to the event loop after every batch, so a SIGINT handler can ask it to stop.
   */
  async run(
    hooks: {
      onBatch?(i: BatchInfo): void;
      onEpoch?(r: EpochRecord): void | Promise<void>;
      shouldStop?(): boolean;
    } = {},
  ): Promise<RunResult> {
    const c = this.config;
    this.model.train();
    while (this.state.epoch < c.epochs) {
      const epoch = this.state.epoch;
      this.loader.setState(this.state.loaderAtEpochStart);
      const batches = this.loader.nextEpoch();
      const r = this.state.running;
      for (let b = this.state.batch; b < batches.length; b++) {
        const t0 = performance.now();
        const idx = batches[b]!;
        const step = this.step(idx, epoch);
        const diverged = this.divergence(step.value, epoch, b);
        if (diverged) return diverged;
        this.scheduler?.step();
        r.loss += step.value * idx.length;
        if (this.kdLoss) {
          r.soft += step.soft * idx.length;
          r.hard += step.hard * idx.length;
        }
        if (this.features) r.feature = (r.feature ?? 0) + step.feature * idx.length;
        r.correct += step.correct;
        r.seen += idx.length;
        r.seconds += (performance.now() - t0) / 1000;
        this.state.batch = b + 1;
        this.state.augment = this.augmentGen.getState();
        hooks.onBatch?.({
          epoch,
          batch: b + 1,
          batches: batches.length,
          loss: r.loss / r.seen,
          accuracy: r.correct / r.seen,
          lr: this.optimizer.paramGroups[0]!.options.lr as number,
        });
        await new Promise((resolve) => setImmediate(resolve));
        if (hooks.shouldStop?.() && b + 1 < batches.length) return { status: 'stopped' };
      }
      const ev = evaluate(this.model, this.test, this.norm);
      const bad = this.unsafeEpoch(ev);
      if (bad) {
        const message = `${bad} after epoch ${epoch + 1}: training diverged (lower --lr, or use --clip-grad-norm); this epoch is not saved`;
        return { status: 'diverged', epoch, batch: batches.length, message };
      }
      const record = this.record(epoch, ev);
      this.state.history.push(record);
      this.state.epoch = epoch + 1;
      this.state.batch = 0;
      this.state.loaderAtEpochStart = this.loader.getState();
      this.state.running = { loss: 0, soft: 0, hard: 0, correct: 0, seen: 0, seconds: 0 };
      await hooks.onEpoch?.(record);
      if (hooks.shouldStop?.() && this.state.epoch < c.epochs) return { status: 'stopped' };
    }
    return { status: 'done' };
  }

  /** One optimizer step on the batch `idx`, inside tidy(): its buffers are reused by the next. */
  private step(
    idx: Int32Array,
    epoch: number,
  ): { value: number; soft: number; hard: number; feature: number; correct: number } {
    const c = this.config;
    const y = Int32Array.from(idx, (i) => this.train.labels[i]!);
    return tidy(() => {
      const x = c.augment
        ? augmentedBatch(this.train, idx, this.norm, this.augmentGen, {
            paddingMode: c.cropPaddingMode ?? 'constant',
            fill: c.cropFill ?? 0,
          })
        : toImageTensor(this.train, idx, this.norm);
      // in FitNets' first stage the layers after the guided one are not reached: their grads stay
      // null and the optimizer skips them, as PyTorch's does (no update, not even weight decay)
      this.optimizer.zeroGrad({ setToNone: false });
      const { loss, parts, logits, feature } = this.lossOf(x, y, idx, epoch);
      const value = loss.item();
      if (!Number.isFinite(value)) return { value, soft: 0, hard: 0, feature: 0, correct: 0 };
      loss.backward();
      const params = this.optimizer.paramGroups.flatMap((g) => g.params);
      if (c.clipGradNorm > 0) clipGradNorm(params, c.clipGradNorm);
      this.optimizer.step();
      const pred = logits.argmax(1).toTypedArray();
      return {
        value,
        soft: parts ? parts.softLoss.item() : 0,
        hard: parts ? parts.hardLoss.item() : 0,
        feature: feature ? feature.item() : 0,
        correct: y.reduce((s, v, i) => s + (pred[i] === v ? 1 : 0), 0),
      };
    });
  }

  /** A non-finite batch loss, or one far above the first batch's, ends the run (else null). */
  private divergence(value: number, epoch: number, b: number): RunResult | null {
    this.state.firstLoss ??= value;
    const exploded =
      Number.isFinite(value) && value > EXPLOSION * Math.max(this.state.firstLoss, 1e-3);
    if (Number.isFinite(value) && !exploded) return null;
    this.augmentGen.setState(this.state.augment); // leave the state at the last good batch
    const what = exploded
      ? `loss ${value.toPrecision(4)} is over ${EXPLOSION.toLocaleString('en-US')} × the first batch's (${this.state.firstLoss.toPrecision(4)})`
      : `loss is ${value}`;
    return {
      status: 'diverged',
      epoch,
      batch: b,
      message: `${what} at epoch ${epoch + 1}, batch ${b + 1}: training diverged (lower --lr, or use --clip-grad-norm)`,
    };
  }

  /**
   * Why an epoch must not be kept, or null: a finite training loss can hide weights that went to
   * ±inf or NaN on the way, or a test loss far above the untrained network's ln C.
   */
  private unsafeEpoch(ev: ReturnType<typeof evaluate>): string | null {
    const classes = ev.perClass.length;
    const limit = EXPLODED_TEST_LOSS * Math.log(classes);
    if (!Number.isFinite(ev.loss)) return `the test loss is ${ev.loss}`;
    if (ev.loss > limit)
      return `the test loss ${ev.loss.toPrecision(3)} is over ${EXPLODED_TEST_LOSS} · ln ${classes} = ${limit.toFixed(1)}`;
    const weight = firstNonFinite(this.model);
    return weight ? `${weight} is not finite` : null;
  }

  /** The epoch's record from the running sums and the evaluation. */
  private record(epoch: number, ev: ReturnType<typeof evaluate>): EpochRecord {
    const r = this.state.running;
    const T = this.temperatureAt(epoch);
    return {
      epoch: epoch + 1,
      lr: this.optimizer.paramGroups[0]!.options.lr as number,
      trainLoss: r.loss / r.seen,
      trainAccuracy: r.correct / r.seen,
      testLoss: ev.loss,
      testAccuracy: ev.accuracy,
      ...(this.kd ? { softLoss: r.soft / r.seen, hardLoss: r.hard / r.seen, temperature: T! } : {}),
      ...(this.features
        ? {
            featureLoss: (r.feature ?? 0) / r.seen,
            ...(this.hintEpochs > 0 ? { stage: this.inHintStage(epoch) ? 1 : 2 } : {}),
          }
        : {}),
      seconds: r.seconds,
      imagesPerSecond: r.seen / r.seconds,
    };
  }

  /** Everything needed to resume: JSON-able state plus the optimizer's buffers. */
  snapshot(): { state: TrainState; optimizer: OptimizerState } {
    return {
      state: {
        ...this.state,
        scheduler: this.scheduler ? this.scheduler.stateDict() : { lastEpoch: 0, baseLrs: [] },
      },
      optimizer: this.optimizer.stateDict(),
    };
  }

  restore(snap: { state: TrainState; optimizer: OptimizerState }): void {
    this.optimizer.loadStateDict(snap.optimizer);
    if (this.scheduler && snap.state.scheduler.baseLrs.length)
      this.scheduler.loadStateDict(snap.state.scheduler);
    this.state = structuredClone(snap.state);
    this.augmentGen.setState(this.state.augment);
    this.loader.setState(this.state.loaderAtEpochStart);
  }
}
