// Learning-rate schedules (torch.optim.lr_scheduler). Each computes the rate for step t in
// closed form, so its state is one counter and resuming is exact. Call step() once per epoch
// (StepLR, CosineAnnealingLR, LinearLR) or once per batch (OneCycleLR), after optimizer.step().
import type { Optimizer } from './optimizer.js';

export interface SchedulerState {
  lastEpoch: number;
  baseLrs: number[];
}

export abstract class LRScheduler {
  lastEpoch = 0;
  readonly baseLrs: number[];

  /** Subclasses call start() at the end of their constructor, once their settings are set. */
  constructor(readonly optimizer: Optimizer) {
    this.baseLrs = optimizer.paramGroups.map((g) => g.options.lr as number);
  }

  protected start(): void {
    this.apply();
  }

  /** The rate of group i at step t. */
  protected abstract lrAt(t: number, base: number, group: number): number;

  /** Other hyper-parameters to set at step t (OneCycleLR cycles momentum). */
  protected extraAt(_t: number, _group: number): Record<string, number> {
    return {};
  }

  private apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.options.lr = this.lrAt(this.lastEpoch, this.baseLrs[i]!, i);
      Object.assign(g.options, this.extraAt(this.lastEpoch, i));
    });
  }

  step(): void {
    this.lastEpoch += 1;
    this.apply();
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.options.lr as number);
  }

  stateDict(): SchedulerState {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  loadStateDict(sd: SchedulerState): void {
    if (!Number.isInteger(sd?.lastEpoch) || sd.baseLrs?.length !== this.baseLrs.length) {
      throw new RangeError(
        `${this.constructor.name}.loadStateDict: expected {lastEpoch, baseLrs[${this.baseLrs.length}]}`,
      );
    }
    this.lastEpoch = sd.lastEpoch;
    sd.baseLrs.forEach((v, i) => {
      this.baseLrs[i] = v;
    });
    this.apply();
  }
}

/** lr = base · γ^floor(t / stepSize) */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
  ) {
    if (!Number.isInteger(stepSize) || stepSize < 1)
      throw new RangeError(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    super(optimizer);
    this.start();
  }
  protected lrAt(t: number, base: number): number {
    return base * this.gamma ** Math.floor(t / this.stepSize);
  }
}

/**
 * lr = ηmin + (base − ηmin)(1 + cos(π t / tMax)) / 2, as torch's CosineAnnealingLR: past tMax the
 * cosine goes on (the rate rises again, period 2·tMax); step it tMax times to end at ηmin.
 */
export class CosineAnnealingLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly tMax: number,
    readonly etaMin = 0,
  ) {
    if (!(tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be > 0, got ${tMax}`);
    super(optimizer);
    this.start();
  }
  protected lrAt(t: number, base: number): number {
    return this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/** Linear warm-up: the factor goes from startFactor to endFactor over totalIters steps (torch LinearLR). */
export class LinearLR extends LRScheduler {
  constructor(
    optimizer: Optimizer,
    readonly startFactor = 1 / 3,
    readonly endFactor = 1,
    readonly totalIters = 5,
  ) {
    if (!(startFactor > 0 && startFactor <= 1))
      throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${startFactor}`);
    super(optimizer);
    this.start();
  }
  protected lrAt(t: number, base: number): number {
    const f =
      this.startFactor +
      ((this.endFactor - this.startFactor) * Math.min(t, this.totalIters)) / this.totalIters;
    return base * f;
  }
}

export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  divFactor?: number;
  finalDivFactor?: number;
  /** Cycle momentum inversely to the rate, between baseMomentum and maxMomentum (PyTorch's default). */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
}

/**
 * One-cycle policy (Smith 2018), as torch OneCycleLR with cosine annealing: the rate rises from
 * maxLr/divFactor to maxLr over the first pctStart of the steps, then falls to
 * maxLr/(divFactor·finalDivFactor); momentum moves the opposite way. Step once per batch.
 */
export class OneCycleLR extends LRScheduler {
  private readonly o: Required<OneCycleOptions>;

  constructor(optimizer: Optimizer, opts: OneCycleOptions) {
    const o = {
      pctStart: 0.3,
      divFactor: 25,
      finalDivFactor: 1e4,
      cycleMomentum: true,
      baseMomentum: 0.85,
      maxMomentum: 0.95,
      ...opts,
    };
    if (!(o.maxLr > 0)) throw new RangeError(`OneCycleLR: maxLr must be > 0, got ${o.maxLr}`);
    if (!Number.isInteger(o.totalSteps) || o.totalSteps < 2)
      throw new RangeError(`OneCycleLR: totalSteps must be an integer >= 2, got ${o.totalSteps}`);
    if (!(o.pctStart > 0 && o.pctStart < 1))
      throw new RangeError(`OneCycleLR: pctStart must be in (0, 1), got ${o.pctStart}`);
    if (
      o.cycleMomentum &&
      optimizer.paramGroups.some((g) => !('momentum' in g.options) && !('beta1' in g.options))
    ) {
      throw new TypeError(
        'OneCycleLR: cycleMomentum needs an optimizer with momentum (SGD) or beta1 (Adam); pass cycleMomentum: false',
      );
    }
    super(optimizer);
    this.o = o;
    this.start();
  }

  private phase(t: number): { pct: number; up: boolean } {
    const o = this.o;
    const end1 = o.pctStart * o.totalSteps - 1;
    const end2 = o.totalSteps - 1;
    if (t <= end1) return { pct: end1 > 0 ? t / end1 : 1, up: true };
    return { pct: Math.min(1, (t - end1) / (end2 - end1)), up: false };
  }

  private static cos(start: number, end: number, pct: number): number {
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }

  protected lrAt(t: number): number {
    const o = this.o;
    const initial = o.maxLr / o.divFactor;
    const min = initial / o.finalDivFactor;
    const { pct, up } = this.phase(t);
    return up ? OneCycleLR.cos(initial, o.maxLr, pct) : OneCycleLR.cos(o.maxLr, min, pct);
  }

  protected override extraAt(t: number, group: number): Record<string, number> {
    const o = this.o;
    if (!o.cycleMomentum) return {};
    const { pct, up } = this.phase(t);
    const m = up
      ? OneCycleLR.cos(o.maxMomentum, o.baseMomentum, pct)
      : OneCycleLR.cos(o.baseMomentum, o.maxMomentum, pct);
    const key = 'momentum' in this.optimizer.paramGroups[group]!.options ? 'momentum' : 'beta1';
    return { [key]: m };
  }
}
