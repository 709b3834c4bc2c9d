// Run checkpoints that were damaged or tampered with: named errors, never an epoch of NaN.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { data, Generator, nn } from '../../src/index.js';
import { buildModel } from '../../src/models/zoo.js';
import {
  loadRunInfo,
  restoreRun,
  saveRun,
  statePath,
  type RunInfo,
} from '../../src/train/checkpoint.js';
import type { TrainConfig } from '../../src/train/config.js';
import { Trainer } from '../../src/train/trainer.js';
import { fixtureConfig, learnableSet } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kdgrad-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const train = learnableSet(64, 1);
const test = learnableSet(32, 2);
const norm = data.channelStats(train);
const config: TrainConfig = fixtureConfig({ schedule: 'onecycle' });
const info: RunInfo = { command: 'train', config, kd: null, teachers: [] };

async function savedRun(name: string): Promise<string> {
  const out = join(dir, name);
  const t = new Trainer(
    buildModel('mlp-student', { generator: new Generator(1) }),
    train,
    test,
    norm,
    config,
  );
  let n = 0;
  await t.run({ shouldStop: () => ++n >= 6 });
  await saveRun(out, t, info);
  return out;
}

/** Rewrites the state file's metadata with `edit` applied to the parsed JSON (or raw text). */
async function tamper(out: string, edit: (meta: Record<string, any>) => unknown): Promise<void> {
  const { tensors, metadata } = await nn.loadSafetensors(statePath(out));
  const meta = JSON.parse(metadata.kdgrad!);
  const next = edit(meta);
  await nn.saveSafetensors(statePath(out), tensors, {
    kdgrad: typeof next === 'string' ? next : JSON.stringify(meta),
  });
}

describe('damaged training states', () => {
  it('a good state loads and restores', async () => {
    const out = await savedRun('good.safetensors');
    const { meta, tensors } = await loadRunInfo(out);
    const t = new Trainer(
      buildModel('mlp-student', { generator: new Generator(9) }),
      train,
      test,
      norm,
      config,
    );
    restoreRun(t, meta, tensors);
    expect([t.state.epoch, t.state.batch]).toEqual([1, 1]);
  });

  it.each([
    [
      'JSON that does not parse',
      () => '{"command": "train", ',
      /the 'kdgrad' metadata is not valid JSON/,
    ],
    [
      'no state',
      (m: Record<string, any>) => {
        delete m.state;
      },
      /corrupt training state: state is missing/,
    ],
    [
      'an epoch outside the run',
      (m: Record<string, any>) => {
        m.state.epoch = 7;
      },
      /state\.epoch is 7, expected 0-2/,
    ],
    [
      'a negative batch',
      (m: Record<string, any>) => {
        m.state.batch = -3;
      },
      /state\.batch is -3/,
    ],
    [
      'a broken generator state',
      (m: Record<string, any>) => {
        m.state.augment = { s: [1, 2] };
      },
      /generator state .* invalid/,
    ],
    [
      'partial sums that cannot be',
      (m: Record<string, any>) => {
        m.state.running.correct = 99;
        m.state.running.seen = 5;
      },
      /state\.running .* invalid/,
    ],
    [
      'an unknown command',
      (m: Record<string, any>) => {
        m.command = 'rm -rf';
      },
      /command is "rm -rf"/,
    ],
  ])('%s: the file and what is wrong are named', async (_what, edit, want) => {
    const out = await savedRun(`bad-${Math.random().toString(36).slice(2)}.safetensors`);
    await tamper(out, edit as (m: Record<string, any>) => unknown);
    const err = await loadRunInfo(out).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(want);
    expect(err?.message).toContain(statePath(out));
  });

  it('a batch index past the end of an epoch is refused when restoring (it would train nothing)', async () => {
    const out = await savedRun('batch.safetensors');
    await tamper(out, (m) => {
      m.state.batch = 1_000_000;
    });
    const { meta, tensors } = await loadRunInfo(out);
    const t = new Trainer(
      buildModel('mlp-student', { generator: new Generator(9) }),
      train,
      test,
      norm,
      config,
    );
    expect(() => restoreRun(t, meta, tensors)).toThrow(
      /state\.batch is 1000000, but an epoch of this run has 4 batches/,
    );
  });
});
