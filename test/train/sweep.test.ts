// The sweep on a tiny fixture set: the table, divergence reported instead of averaged, plots.
import { describe, expect, it } from 'vitest';
import { data, Generator } from '../../src/index.js';
import { learnableSet } from '../helpers/fixtures.js';
import { buildModel } from '../../src/models/zoo.js';
import { accuracyVsTemperatureSvg, trainingCurvesSvg } from '../../src/report/plots.js';
import { bestReading, meanStd, runSweep, sweepMarkdown } from '../../src/train/sweep.js';

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
const kd = {
  alpha: 0.9,
  schedule: 'constant' as const,
  tempDecay: 0.95,
  minTemp: 1,
  average: 'probs' as const,
};

describe('sweep', () => {
  it('mean ± std uses the sample standard deviation', () => {
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
    expect(meanStd([])).toEqual({ mean: null, std: null });
  });

  it('claims significance only from two or more finished seeds per row, in the direction measured', async () => {
    const teacher = buildModel('mlp-student', { generator: new Generator(5) });
    const one = await runSweep({
      teacher,
      teacherModel: 'mlp-student',
      student: 'mlp-student',
      train,
      test,
      norm,
      config: base,
      kd,
      temperatures: [2],
      seeds: [0],
    });
    expect(one.best!.z).toBeNull();
    expect(sweepMarkdown(one)).toMatch(
      /no significance can be claimed: a row has fewer than two finished seeds/,
    );
    expect(sweepMarkdown(one)).not.toMatch(/∞|more than 2σ/);
    const at = (delta: number, z: number | null) => bestReading({ temperature: 2, delta, z });
    expect(at(0.06, 3)).toMatch(
      /\+6\.00 points .* 3\.0 combined standard deviations: distillation helps by more than 2σ/,
    );
    expect(at(-0.4, -5)).toMatch(/-40\.00 points .*: distillation hurts by more than 2σ/);
    expect(at(0.01, 0.5)).toMatch(/within 2σ, so not established/);
    expect(at(0.06, null)).toMatch(/no significance can be claimed/);
  }, 60_000);

  it("runs scratch and KD students over seeds and prints the article's table", async () => {
    const teacher = buildModel('mlp-student', { generator: new Generator(5) });
    const r = await runSweep({
      teacher: teacher,
      teacherModel: 'mlp-student',
      student: 'mlp-student',
      train,
      test,
      norm,
      config: base,
      kd,
      temperatures: [1, 4],
      seeds: [0, 1],
    });
    expect(r.runs).toHaveLength(6);
    expect(r.rows.map((x) => x.label)).toEqual([
      'teacher (mlp-student)',
      'mlp-student from scratch',
      'mlp-student + KD',
      'mlp-student + KD',
    ]);
    expect(r.rows[2]!.softLossMean).not.toBeNull();
    const md = sweepMarkdown(r);
    expect(md).toMatch(
      /\| run \| T \| test accuracy \(mean ± std over 2 seeds\) \| soft loss \(T²·KL\) \| hard loss \(CE\) \|/,
    );
    expect(md).toMatch(/\| mlp-student \+ KD \| 4 \| \d+\.\d\d% ± \d+\.\d\d \|/);
    expect(Object.keys(r.models).sort()).toEqual(['T=1', 'T=4', 'scratch']);
    const svg = await accuracyVsTemperatureSvg(r);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/temperature T/);
    expect(await trainingCurvesSvg(r)).toMatch(/KD T=4/);
  }, 120_000);

  it('reports divergence in the table instead of averaging garbage', async () => {
    const teacher = buildModel('mlp-student', { generator: new Generator(5) });
    const r = await runSweep({
      teacher: teacher,
      teacherModel: 'mlp-student',
      student: 'mlp-student',
      train,
      test,
      norm,
      config: { ...base, lr: 1e12, clipGradNorm: 0 },
      kd,
      temperatures: [4],
      seeds: [0],
    });
    expect(r.runs.every((x) => x.status === 'diverged')).toBe(true);
    expect(r.runs[0]!.message).toMatch(
      /loss (is (NaN|Infinity)|[\d.e+]+ is over 10,000 × the first batch's \([\d.]+\)) at epoch \d+, batch \d+: training diverged/,
    );
    expect(sweepMarkdown(r)).toMatch(/\| mlp-student \+ KD \| 4 \| diverged \(1\/1 seeds\) \|/);
  }, 60_000);
});

describe('runSweep with a feature term', () => {
  it('adds attention transfer to each KD run, not to the student from scratch', async () => {
    const cnn = (seed: number) => buildModel('cnn-student', { generator: new Generator(seed) });
    const r = await runSweep({
      teacher: cnn(9),
      teacherModel: 'cnn-student',
      student: 'cnn-student',
      train,
      test,
      norm,
      config: { ...base, epochs: 1 },
      kd: { ...kd, feature: 'at' as const },
      temperatures: [2, 4],
      seeds: [0],
    });
    const kdRuns = r.runs.filter((x) => x.temperature !== null);
    expect(kdRuns).toHaveLength(2);
    for (const run of kdRuns) expect(run.history[0]!.featureLoss).toBeGreaterThan(0);
    expect(r.runs.find((x) => x.temperature === null)!.history[0]!.featureLoss).toBeUndefined();
  }, 60_000);
});
