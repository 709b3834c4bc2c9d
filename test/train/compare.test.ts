// The methods comparison on a tiny fixture set, and the KD losses the trainer builds from a config.
import { describe, expect, it } from 'vitest';
import {
  data,
  DecoupledDistillationLoss,
  Generator,
  LogitStandardizedDistillationLoss,
  randn,
  tensor,
} from '../../src/index.js';
import { buildModel } from '../../src/models/zoo.js';
import { compareSvg } from '../../src/report/plots.js';
import { compareMarkdown, runCompare, standardMethods } from '../../src/train/compare.js';
import { DEFAULT_KD, resolveKD } from '../../src/train/config.js';
import { kdLossParts, makeKDLoss } from '../../src/train/kd-loss.js';
import { learnableSet } from '../helpers/fixtures.js';

const train = learnableSet(96, 1, 60);
const test = learnableSet(64, 2, 60);
const norm = data.channelStats(train);
const base = {
  epochs: 2,
  batchSize: 32,
  lr: 0.05,
  optimizer: 'sgd' as const,
  momentum: 0.9,
  nesterov: true,
  weightDecay: 0,
  schedule: 'constant' as const,
  augment: false,
  clipGradNorm: 5,
  trainLimit: 0,
  testLimit: 0,
};
const teacher = (seed: number) => ({
  model: buildModel('mlp-student', { generator: new Generator(seed) }),
  name: 'mlp-student',
  path: `t${seed}`,
});

describe('standard methods', () => {
  it("lists the issue's set; several-teacher methods only with several teachers", () => {
    expect(standardMethods(1, 10).map((m) => m.name)).toEqual([
      'scratch',
      'kd-T1',
      'kd-T2',
      'kd-T4',
      'adaptive-seed',
      'adaptive-c2f',
      'dkd',
      'lskd',
    ]);
    const two = standardMethods(2, 10);
    expect(two.map((m) => m.name)).toContain('multi-logits');
    expect(two.find((m) => m.name === 'multi-probs')!.teachers).toEqual([0, 1]);
  });
  it('coarse-to-fine reaches T = 1 at the last epoch; the seed schedule falls below 1', () => {
    const c2f = standardMethods(1, 10).find((m) => m.name === 'adaptive-c2f')!.kd!;
    expect(8 * c2f.tempDecay ** 9).toBeCloseTo(1, 12);
    const seed = standardMethods(1, 10).find((m) => m.name === 'adaptive-seed')!.kd!;
    expect(seed.temperature * seed.tempDecay ** 1).toBeLessThan(1);
    expect(seed.minTemp).toBe(0);
  });
});

describe('runCompare', () => {
  it('trains every method over the seeds; one row each with Δ against scratch', async () => {
    const methods = standardMethods(2, 2).filter((m) =>
      ['scratch', 'kd-T4', 'multi-logits', 'dkd', 'lskd'].includes(m.name),
    );
    const r = await runCompare({
      teachers: [teacher(5), teacher(6)],
      student: 'mlp-student',
      train,
      test,
      norm,
      config: base,
      methods,
      seeds: [0, 1],
    });
    expect(r.runs).toHaveLength(10);
    expect(r.rows.map((x) => x.method)).toEqual([
      'scratch',
      'kd-T4',
      'multi-logits',
      'dkd',
      'lskd',
    ]);
    const scratch = r.rows[0]!;
    for (const row of r.rows.slice(1)) {
      expect(row.accuracyMean).not.toBeNull();
      expect(row.delta).toBeCloseTo(row.accuracyMean! - scratch.accuracyMean!, 12);
    }
    expect(r.runs.filter((x) => x.method === 'kd-T4').map((x) => x.seed)).toEqual([0, 1]);
    const md = compareMarkdown(r);
    expect(md).toMatch(
      /\| dkd \| DKD: alpha 1, beta 8, T 4 \| \d+\.\d\d ± \d+\.\d\d \| [+-]\d+\.\d\d/,
    );
    expect(md).toMatch(/teachers 1: mlp-student \(\d+\.\d\d%\), 2: mlp-student/);
    expect(await compareSvg(r)).toMatch(/^<svg[\s\S]*multi-logits/);
  }, 120_000);

  it('flags diverged runs instead of averaging them', async () => {
    const methods = standardMethods(1, 2).filter((m) => ['scratch', 'kd-T4'].includes(m.name));
    const r = await runCompare({
      teachers: [teacher(5)],
      student: 'mlp-student',
      train,
      test,
      norm,
      config: { ...base, lr: 1e12, clipGradNorm: 0 },
      methods,
      seeds: [0],
    });
    expect(r.rows.map((x) => x.diverged)).toEqual([1, 1]);
    expect(r.rows[1]!.accuracyMean).toBeNull();
    expect(compareMarkdown(r)).toMatch(/\| kd-T4 \| KD, T = 4 \| all diverged \| — \| 1\/1 \|/);
  }, 60_000);

  it('names a method that needs a missing teacher', async () => {
    const methods = standardMethods(2, 2).filter((m) => m.name === 'multi-probs');
    await expect(
      runCompare({
        teachers: [teacher(5)],
        student: 'mlp-student',
        train,
        test,
        norm,
        config: base,
        methods,
        seeds: [0],
      }),
    ).rejects.toThrow(/multi-probs needs teacher 2, but 1 teacher\(s\) were given/);
  });
});

describe('the KD loss of a run', () => {
  const g = new Generator(3);
  const s = randn([6, 10], { generator: g });
  const t = randn([6, 10], { generator: g });
  const y = Int32Array.from([0, 1, 2, 3, 4, 5]);

  it('dkd warm-up counts epochs from 1 as mdistiller: the first epoch weighs 1/warmup', () => {
    const loss = makeKDLoss(resolveKD({ ...DEFAULT_KD, loss: 'dkd', warmup: 4 }, 1), 1);
    expect(loss).toBeInstanceOf(DecoupledDistillationLoss);
    const full = new DecoupledDistillationLoss({ temperature: 4, warmup: 0 }).parts(s, t, y);
    const kdFull = full.loss.item() - full.hardLoss.item();
    expect(kdLossParts(loss, s, [t], y, 0).softLoss.item()).toBeCloseTo(kdFull / 4, 5);
    expect(kdLossParts(loss, s, [t], y, 3).softLoss.item()).toBeCloseTo(kdFull, 5);
  });

  it('lskd uses the standardised loss with the configured eps', () => {
    const loss = makeKDLoss(
      resolveKD({ ...DEFAULT_KD, loss: 'lskd', temperature: 2, lskdEps: 1e-3 }, 1),
      1,
    );
    expect(loss).toBeInstanceOf(LogitStandardizedDistillationLoss);
    const want = new LogitStandardizedDistillationLoss({
      temperature: 2,
      alpha: DEFAULT_KD.alpha,
      eps: 1e-3,
    }).forward(s, t, tensor(Array.from(y), { dtype: 'int32' }));
    expect(kdLossParts(loss, s, [t], y, 0).loss.item()).toBeCloseTo(want.item(), 6);
  });

  it('refuses combinations it cannot train, naming the options', () => {
    expect(() => resolveKD({ ...DEFAULT_KD, loss: 'dkd' }, 2)).toThrow(
      /several teachers work with loss kd \(average probs or logits .*\), not with loss dkd/,
    );
    expect(() => resolveKD({ ...DEFAULT_KD, schedule: 'adaptive' }, 2)).toThrow(
      /adaptive temperature schedule takes one teacher/,
    );
    expect(() => resolveKD({ ...DEFAULT_KD, loss: 'lskd', schedule: 'adaptive' }, 1)).toThrow(
      /adaptive temperature schedule is for loss kd, not loss lskd/,
    );
    expect(() => resolveKD({ ...DEFAULT_KD, loss: 'nope' as never }, 1)).toThrow(
      /^loss must be one of kd, dkd, lskd, got "nope"$/,
    );
    expect(() => resolveKD({ ...DEFAULT_KD, dkdBeta: -1 }, 1)).toThrow(
      /^dkdBeta must be a number >= 0, got -1$/,
    );
    // a run file written before `loss` existed reads as kd
    const { loss: _drop, ...old } = DEFAULT_KD;
    expect(resolveKD(old, 1).loss).toBe('kd');
  });
});
