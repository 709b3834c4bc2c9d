// The trainer at library level: a snapshot taken mid-epoch continues bit for bit; KD runs the
// teacher in eval mode; a diverging run stops at the bad batch.
import { describe, expect, it } from 'vitest';
import {
  data,
  Generator,
  memoryStats,
  resetMemoryStats,
  setPoolLimit,
  tidy,
} from '../../src/index.js';
import { fixtureConfig, learnableSet } from '../helpers/fixtures.js';
import { buildModel } from '../../src/models/zoo.js';
import { Trainer } from '../../src/train/trainer.js';
import type { TrainConfig } from '../../src/train/config.js';

const train = learnableSet(80, 1);
const test = learnableSet(40, 2);
const norm = data.channelStats(train);
const config: TrainConfig = fixtureConfig({
  model: 'cnn-student',
  weightDecay: 5e-4,
  schedule: 'onecycle',
  augment: true,
  seed: 4,
});
const weights = (t: Trainer) =>
  Object.values(t.model.stateDict()).map((p) => Array.from(p.toTypedArray()));

describe('Trainer', () => {
  it('a snapshot restored into a fresh trainer continues exactly', async () => {
    const straight = new Trainer(
      buildModel('cnn-student', { generator: new Generator(4) }),
      train,
      test,
      norm,
      config,
    );
    await straight.run();
    const first = new Trainer(
      buildModel('cnn-student', { generator: new Generator(4) }),
      train,
      test,
      norm,
      config,
    );
    let batches = 0;
    expect((await first.run({ shouldStop: () => ++batches >= 7 })).status).toBe('stopped');
    const snap = structuredClone(first.snapshot());
    const second = new Trainer(
      buildModel('cnn-student', { generator: new Generator(99) }),
      train,
      test,
      norm,
      config,
    );
    second.model.loadStateDict(first.model.stateDict());
    second.restore(snap);
    expect((await second.run()).status).toBe('done');
    expect(weights(second)).toEqual(weights(straight));
    expect(second.state.history).toHaveLength(2);
    expect(second.state.history.map((h) => h.testAccuracy)).toEqual(
      straight.state.history.map((h) => h.testAccuracy),
    );
  }, 60_000);

  it('distillation keeps the teacher in eval mode and records the soft and hard losses', async () => {
    const teacher = buildModel('cnn-student', { generator: new Generator(1) });
    teacher.train();
    const t = new Trainer(
      buildModel('mlp-student', { generator: new Generator(2) }),
      train,
      test,
      norm,
      { ...config, model: 'mlp-student', epochs: 1, augment: false },
      {
        temperature: 3,
        alpha: 0.9,
        schedule: 'constant',
        tempDecay: 0.95,
        minTemp: 1,
        average: 'probs',
      },
      [teacher],
    );
    expect(teacher.training).toBe(false);
    await t.run();
    const h = t.state.history[0]!;
    expect(h.temperature).toBe(3);
    expect(h.softLoss).toBeGreaterThan(0);
    expect(h.hardLoss).toBeGreaterThan(0);
  }, 60_000);

  it("computes the teacher cache chunk by chunk, each chunk reusing the last one's buffers (even inside a step's tidy)", () => {
    const kd = {
      temperature: 3,
      alpha: 0.9,
      schedule: 'constant' as const,
      tempDecay: 1,
      minTemp: 1,
      average: 'probs' as const,
    };
    const cfg = { ...config, model: 'mlp-student', epochs: 1, augment: false };
    const trainer = (n: number) =>
      new Trainer(
        buildModel('mlp-student', { generator: new Generator(2) }),
        learnableSet(n, 3),
        test,
        norm,
        cfg,
        kd,
        [buildModel('cnn-student', { generator: new Generator(1) })],
      );
    const freshBytes = (t: Trainer) => {
      setPoolLimit(0); // empty the free lists
      setPoolLimit(512 * 2 ** 20);
      resetMemoryStats();
      tidy(() => {
        t.getTeacherCache();
      });
      return memoryStats().freshBytes;
    };
    const oneChunk = freshBytes(trainer(100));
    const big = trainer(1000);
    // ten chunks in one scope: held until the scope ends, they would need ten times one chunk's memory
    expect(freshBytes(big)).toBeLessThan(2 * oneChunk);
    expect(big.getTeacherCache()![0]!.length).toBe(1000 * 10);
  }, 60_000);

  it('stops at the first non-finite loss without taking the step', async () => {
    const t = new Trainer(
      buildModel('mlp-student', { generator: new Generator(2) }),
      train,
      test,
      norm,
      { ...config, model: 'mlp-student', lr: 1e15, schedule: 'constant', augment: false },
    );
    const r = await t.run();
    expect(r.status).toBe('diverged');
    if (r.status === 'diverged')
      expect(r.message).toMatch(/training diverged \(lower --lr, or use --clip-grad-norm\)/);
    expect(weights(t).every((w) => w.every(Number.isFinite))).toBe(true);
  }, 60_000);

  it('rejects an invalid configuration with the option name', () => {
    expect(
      () => new Trainer(buildModel('mlp-student'), train, test, norm, { ...config, epochs: 0 }),
    ).toThrow(/^epochs must be a positive integer, got 0$/);
    expect(
      () =>
        new Trainer(
          buildModel('mlp-student'),
          train,
          test,
          norm,
          config,
          {
            temperature: 2,
            alpha: 0.5,
            schedule: 'constant',
            tempDecay: 1,
            minTemp: 0,
            average: 'probs',
          },
          [],
        ),
    ).toThrow(/at least one teacher/);
  });

  it('a finite loss that explodes is divergence too, never "done"', async () => {
    const t = new Trainer(
      buildModel('mlp-student', { generator: new Generator(1) }),
      train,
      test,
      norm,
      { ...config, model: 'mlp-student', lr: 50, schedule: 'constant', augment: false, epochs: 3 },
    );
    const r = await t.run();
    expect(r.status).toBe('diverged');
    expect((r as { message: string }).message).toMatch(
      /(over 10,000 × the first batch's|loss is (NaN|Infinity)|is not finite)/,
    );
  });

  it('a non-finite weight ends the run before that epoch is recorded or saved, even when every loss stays finite', async () => {
    const t = new Trainer(
      buildModel('cnn-student', { generator: new Generator(1) }),
      train,
      test,
      norm,
      { ...config, augment: false, epochs: 2 },
    );
    let saved = 0;
    // an infinite running variance: train-mode batches never read it, and in eval x / sqrt(inf) = 0 is finite
    const runningVar = t.model.stateDict()['1.running_var']!;
    const r = await t.run({
      onBatch: (i) => {
        if (i.epoch === 1 && i.batch === 1) (runningVar.storage.data as Float32Array)[0] = Infinity;
      },
      onEpoch: () => {
        saved++;
      },
    });
    expect(r.status).toBe('diverged');
    expect((r as { message: string }).message).toMatch(
      /^weight 1\.running_var is not finite after epoch 2: training diverged .*this epoch is not saved/,
    );
    expect(saved).toBe(1);
    expect(t.state.history).toHaveLength(1);
  });

  it('a finite test loss far above ln C (an exploded network) ends the run before that epoch is saved', async () => {
    const t = new Trainer(
      buildModel('mlp-student', { generator: new Generator(1) }),
      train,
      test,
      norm,
      { ...config, model: 'mlp-student', augment: false, epochs: 2 },
    );
    let saved = 0;
    // weights scaled up by 1e6 after the last batch of epoch 1: logits of ~1e6, every value finite
    const r = await t.run({
      onBatch: (i) => {
        if (i.epoch !== 0 || i.batch !== i.batches) return;
        for (const p of t.model.parameters()) {
          const d = p.storage.data as Float32Array;
          for (let j = 0; j < d.length; j++) d[j] = d[j]! * 1e6;
        }
      },
      onEpoch: () => {
        saved++;
      },
    });
    expect(r.status).toBe('diverged');
    expect((r as { message: string }).message).toMatch(
      /^the test loss [\d.e+]+ is over 100 · ln 10 = 230\.3 after epoch 1: training diverged .*this epoch is not saved/,
    );
    expect(saved).toBe(0);
    expect(t.state.history).toHaveLength(0);
  });

  it("a shuffled batch gets its own images' teacher logits from the cache (looked up by image index, not batch position)", () => {
    const teacher = buildModel('cnn-student', { generator: new Generator(8) });
    const kd = {
      temperature: 4,
      alpha: 0.9,
      schedule: 'constant' as const,
      tempDecay: 0.95,
      minTemp: 1,
      average: 'probs' as const,
    };
    const t = new Trainer(
      buildModel('mlp-student', { generator: new Generator(1) }),
      train,
      test,
      norm,
      { ...config, model: 'mlp-student', augment: false },
      kd,
      [teacher],
    );
    const idx = Int32Array.from([57, 3, 41, 0, 12]);
    const x = data.toImageTensor(train, idx, norm);
    const got = (
      t as unknown as {
        teacherLogits(x: unknown, idx: Int32Array): { toTypedArray(): Float32Array }[];
      }
    )
      .teacherLogits(x, idx)[0]!
      .toTypedArray();
    teacher.eval();
    const want = teacher.forward(x).toTypedArray();
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});
