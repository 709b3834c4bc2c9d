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
import {
  compareMarkdown,
  runCompare,
  standardMethods,
  verdictOf,
  type CompareResult,
} from '../../src/train/compare.js';
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
      'hint',
      'kd+hint',
      'hint-2stage',
      'at',
      'kd+at',
      'cosine',
      'kd+cosine',
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
      /\| dkd \| DKD: alpha 1, beta 8, T 4 \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d\d ± \d+\.\d\d \| [+-]\d+\.\d\d \([+-]\d+\.\dσ\) (better|worse|inconclusive) \|/,
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
    expect(compareMarkdown(r)).toMatch(
      /\| kd-T4 \| KD, T = 4 \| all diverged \| — \| — \| — \| 1\/1 \|/,
    );
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

describe('feature rows and verdicts', () => {
  it('each feature loss alone and added to KD; the two stages only for the hint', () => {
    const rows = standardMethods(1, 6, 0.9, { featureLayers: 'layer3' });
    const at = rows.find((m) => m.name === 'at')!.kd!;
    expect([at.feature, at.alpha, at.featureLayers]).toEqual(['at', 0, 'layer3']);
    const kdAt = rows.find((m) => m.name === 'kd+at')!.kd!;
    expect([kdAt.feature, kdAt.alpha, kdAt.temperature]).toEqual(['at', 0.9, 4]);
    expect(rows.find((m) => m.name === 'hint-2stage')!.kd!.hintEpochs).toBe(2);
    expect(rows.some((m) => m.name === 'at-2stage')).toBe(false);
    // too few epochs for two stages: no such row
    expect(standardMethods(1, 2).some((m) => m.name === 'hint-2stage')).toBe(false);
  });

  it('a verdict needs two combined standard deviations, and a spread at all', () => {
    expect(verdictOf(0.03, 0.01).verdict).toBe('better');
    expect(verdictOf(-0.03, 0.01).verdict).toBe('worse');
    expect(verdictOf(0.019, 0.01).verdict).toBe('inconclusive');
    expect(verdictOf(0.2, 0)).toEqual({ delta: 0.2, z: null, verdict: 'inconclusive' });
  });

  const run = (method: string, seed: number, accs: number[]) => ({
    method,
    seed,
    status: 'done' as const,
    testAccuracy: accs.at(-1)!,
    softLoss: null,
    hardLoss: null,
    seconds: 1,
    history: accs.map((a, i) => ({ epoch: i + 1, testAccuracy: a })) as never,
  });
  const result = (runs: ReturnType<typeof run>[], epochs: number, names: string[]) =>
    ({
      student: 's',
      teachers: [{ model: 't', path: 't', accuracy: 0.7 }],
      config: { ...base, epochs },
      seeds: [0, 1, 2],
      methods: names.map((name) => ({ name, description: name, kd: null, teachers: [] })),
      runs,
      rows: [],
      seconds: 1,
      total: runs.length,
      stopped: false,
    }) as CompareResult;

  it('reads each row against scratch and plain KD, last and best epoch apart', async () => {
    const { summarize } = await import('../../src/train/compare.js');
    const runs = [0, 1, 2].flatMap((s) => [
      run('scratch', s, [0.3, 0.5 + s / 100]),
      run('kd-T4', s, [0.3, 0.6 + s / 100]),
      run('at', s, [0.62 + s / 100, 0.6 + s / 100]),
    ]);
    const r = result(runs, 2, ['scratch', 'kd-T4', 'at']);
    r.rows = summarize(r.methods, runs);
    const at = r.rows[2]!;
    expect(at.vsScratch!.verdict).toBe('better');
    expect(at.vsKD!.verdict).toBe('inconclusive');
    expect(at.vsKD!.delta).toBeCloseTo(0, 12);
    expect(at.bestMean).toBeCloseTo(0.63, 12);
    expect(r.rows[1]!.vsKD).toBeNull();
    const md = compareMarkdown(r);
    expect(md).toMatch(
      /\| at \| at \| 61\.00 ± 1\.00 \| 63\.00 ± 1\.00 \| \+10\.00 \(\+7\.1σ\) better \| \+0\.00 \(\+0\.0σ\) inconclusive \|/,
    );
    expect(md).toMatch(/inflated: by 0\.67 points on average here \(most, 2\.00, for at\)/);
    expect(md).toMatch(/trained on every training image, tested on every test image;/);
    r.config = { ...r.config, trainLimit: 5000, testLimit: 500 };
    r.methods[2]!.kd = { temperature: 4, feature: 'at' } as never;
    expect(compareMarkdown(r)).toMatch(
      /trained on the first 5000 training images, tested on the first 500 test images; feature terms on the default pair/,
    );
  });

  it('says when nothing was inflated, when one epoch is all, and when no KD row exists', async () => {
    const { summarize } = await import('../../src/train/compare.js');
    const rising = [0, 1].flatMap((s) => [run('scratch', s, [0.3, 0.5 + s / 100])]);
    const r = result(rising, 2, ['scratch']);
    r.rows = summarize(r.methods, rising);
    const md = compareMarkdown(r);
    expect(md).toMatch(/the last epoch was each run's best/);
    expect(md).toMatch(/no kd-T4 row, so no row is read against plain KD/);
    const one = [0, 1].map((s) => run('scratch', s, [0.5]));
    const r1 = result(one, 1, ['scratch']);
    r1.rows = summarize(r1.methods, one);
    expect(compareMarkdown(r1)).toMatch(/With one epoch per run .* the best epoch is the last one/);
  });
});
