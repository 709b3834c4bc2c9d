// The KD lab's benches, readings and URL state, in Node (the page runs the same code in a Web
// Worker; test/web/lab-e2e.test.ts drives the page itself).
import { describe, expect, it } from 'vitest';
import { data, Generator, vggTeacher } from '../../src/index.js';
import {
  Bench2D,
  CLASSES_2D,
  compareSeeds,
  DATASETS,
  DEFAULTS_2D,
  makePoints,
  readSeeds,
} from '../../web/src/lab/bench2d.js';
import { CifarBench } from '../../web/src/lab/cifar.js';
import { readLive } from '../../web/src/lab/reading.js';
import { DEFAULT_STATE, parseQuery, toQuery } from '../../web/src/lab/url.js';
import { learnableSet } from '../helpers/fixtures.js';

const quick = { teacherSteps: 200 };

describe('2-D data sets', () => {
  it.each(DATASETS)('%s: labels in range, points in the square', (name) => {
    const { x, y } = makePoints(name, 400, new Generator(1));
    expect(Math.max(...y)).toBe(CLASSES_2D[name] - 1);
    expect(Math.min(...y)).toBe(0);
    for (const v of x) expect(Math.abs(v)).toBeLessThan(1.3);
  });
  it('checkerboard: the label is the parity of the 2×2 cell', () => {
    const { x, y } = makePoints('checkerboard', 200, new Generator(2));
    for (let i = 0; i < 200; i++) {
      const cell = Math.floor((x[2 * i]! + 1) * 2) + Math.floor((x[2 * i + 1]! + 1) * 2);
      expect(y[i]).toBe(cell % 2);
    }
  });
});

describe('the 2-D bench', () => {
  it('both students learn: test loss falls and accuracy rises above chance', () => {
    const b = new Bench2D({ ...DEFAULTS_2D }, quick);
    const before = b.metrics();
    b.train(300);
    const after = b.metrics();
    expect(b.teacherAccuracy).toBeGreaterThan(0.9);
    for (const who of ['scratch', 'distilled'] as const) {
      expect(after[who].testLoss, who).toBeLessThan(before[who].testLoss);
      expect(after[who].testAccuracy, who).toBeGreaterThan(0.6); // chance is 1/3
    }
    expect(after.softShare).toBeGreaterThan(0);
    expect(after.softShare).toBeLessThan(1);
  }, 60_000);

  it('twins: with α = 0 the distilled student is its twin, up to float rounding', () => {
    const b = new Bench2D({ ...DEFAULTS_2D, alpha: 0 }, quick);
    const w = (m: typeof b.scratch) => m.parameters().flatMap((p) => Array.from(p.toTypedArray()));
    expect(w(b.distilled)).toEqual(w(b.scratch)); // the same start
    b.train(50);
    // the same loss, computed on a batch that also holds the transfer points: rounding differs
    const [d, s] = [w(b.distilled), w(b.scratch)];
    expect(Math.max(...d.map((v, i) => Math.abs(v - s[i]!)))).toBeLessThan(1e-4);
    expect(b.metrics().softShare).toBe(0);
  }, 60_000);

  it('T and α take effect on the next step without a restart', () => {
    const b = new Bench2D({ ...DEFAULTS_2D }, quick);
    b.train(20);
    const at4 = b.metrics().softShare;
    b.setKnobs({ alpha: 0.2 });
    const lower = b.metrics().softShare;
    expect(lower).toBeLessThan(at4);
    b.setKnobs({ lr: 0.02 });
    expect(b['opt'].distilled.paramGroups[0]!.options.lr).toBe(0.02);
  }, 60_000);

  it('regions: a class and a confidence per grid cell', () => {
    const b = new Bench2D({ ...DEFAULTS_2D, dataset: 'moons' }, quick);
    const r = b.regions('teacher');
    expect(r.cls.length).toBe(r.conf.length);
    expect(Math.max(...r.cls)).toBe(1);
    for (const c of r.conf) expect(c).toBeGreaterThanOrEqual(0.5 - 1e-6);
  }, 60_000);

  it('on the checkerboard with 30 labels, the distilled student is ahead over 3 seeds', () => {
    const r = compareSeeds({ ...DEFAULTS_2D, dataset: 'checkerboard' }, [0, 1, 2], 500, quick);
    expect(r.verdict).toBe('ahead');
    expect(r.text).toMatch(/^After 500 steps the distilled student is ahead by \d+\.\d points/);
  }, 120_000);
});

describe('readings', () => {
  const seeds = (d: number[]) => d.map((v, i) => ({ seed: i, scratch: 0.5, distilled: 0.5 + v }));
  it('no difference, one seed, or a spread as large as the mean: inconclusive', () => {
    expect(readSeeds(seeds([0, 0, 0]), 100).text).toMatch(
      /not clearly ahead: \+0\.0 points on average over 3 seeds \(0, 1, 2\), within two standard errors/,
    );
    const one = readSeeds(seeds([0.2]), 100);
    expect(one.verdict).toBe('inconclusive');
    expect(one.text).toMatch(/one seed shows no spread/);
    expect(readSeeds(seeds([0.1, -0.1, 0.05]), 100).verdict).toBe('inconclusive');
  });
  it('a clear difference either way', () => {
    expect(readSeeds(seeds([0.1, 0.12, 0.11]), 100).verdict).toBe('ahead');
    const behind = readSeeds(seeds([-0.1, -0.12, -0.11]), 100);
    expect(behind.verdict).toBe('behind');
    expect(behind.text).toMatch(/behind by 11\.0 points/);
  });
  it('the live reading: ahead, behind, or level within one test item', () => {
    expect(readLive(10, 0.5, 0.6, 500, 'test points')).toMatch(
      /ahead of its twin .* by 10\.0 points on the 500 test points/,
    );
    expect(readLive(10, 0.6, 0.5, 500, 'test points')).toMatch(
      /behind its twin .* by 10\.0 points/,
    );
    expect(readLive(10, 0.5, 0.501, 500, 'test points')).toMatch(/level with its twin/);
  });
});

describe('URL state', () => {
  it('round-trips every knob', () => {
    const s = structuredClone(DEFAULT_STATE);
    Object.assign(s.s2d, { dataset: 'moons', T: 2.5, alpha: 0.3, width: 8, labelled: 12, seed: 7 });
    s.cifar.T = 8;
    s.bench = 'cifar';
    const back = parseQuery(`?${toQuery(s)}`);
    expect(back.problems).toEqual([]);
    expect(back.state).toEqual(s);
  });
  it('names each wrong value and keeps its default', () => {
    const r = parseQuery('?dataset=circles&T=0&width=2.5&alpha=x&bench=3d');
    expect(r.state).toEqual(DEFAULT_STATE);
    expect(r.problems).toEqual([
      'dataset=circles (must be one of moons, spirals, checkerboard)',
      'T=0 (must be a number in [0.5, 20])',
      'alpha=x (must be a number in [0, 1])',
      'width=2.5 (must be an integer in [2, 64])',
      'bench=3d (must be 2d or cifar)',
    ]);
  });
});

describe('the CIFAR bench', () => {
  const train = learnableSet(256, 1);
  const test = learnableSet(128, 2);
  it('both students learn on the same batches; soft targets flatten as T rises', () => {
    const teacher = vggTeacher({ generator: new Generator(3) });
    const b = new CifarBench(train, test, teacher, {
      T: 4,
      alpha: 0.9,
      lr: 0.01,
      batch: 32,
      seed: 0,
    });
    const before = b.evaluate();
    for (let i = 0; i < 40; i++) b.trainStep();
    const after = b.evaluate();
    expect(after.step).toBe(40);
    expect(after.scratch).toBeGreaterThan(Math.max(before.scratch, 0.2)); // chance 0.1
    expect(after.distilled).toBeGreaterThan(0.2);
    expect(b.imagesPerSecond()).toBeGreaterThan(0);
    const entropy = (p: number[]) => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
    const rows = b.softTargets(3);
    for (const r of rows) expect(r.teacher.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
    b.setKnobs({ T: 16 });
    const hot = b.softTargets(3);
    rows.forEach((r, i) => expect(entropy(hot[i]!.teacher)).toBeGreaterThan(entropy(r.teacher)));
    expect(data.CLASS_NAMES.length).toBe(10);
  }, 60_000);
});
