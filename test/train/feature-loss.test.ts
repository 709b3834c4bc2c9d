// Feature terms in training: the layer pairs and their checks, the options, the trainer (the term
// trains the student and its regressors; FitNets' first stage leaves the later layers alone), and
// a run with a regressor resumed from its checkpoint exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { data, Generator, randn, tensor } from '../../src/index.js';
import { buildModel } from '../../src/models/zoo.js';
import { loadRunInfo, restoreRun, saveRun, type RunInfo } from '../../src/train/checkpoint.js';
import { DEFAULT_KD, resolveKD, type KDConfig, type TrainConfig } from '../../src/train/config.js';

const kd = (k: Partial<KDConfig>): KDConfig => ({ ...DEFAULT_KD, ...k });
import {
  FEATURE_LOSSES,
  FeatureDistillation,
  parseLayerPairs,
  resolveLayerPairs,
} from '../../src/train/feature-loss.js';
import { Trainer } from '../../src/train/trainer.js';
import { fixtureConfig, learnableSet } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'kdgrad-feature-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const model = (name: string, seed: number) => buildModel(name, { generator: new Generator(seed) });

describe('layer pairs', () => {
  it('parses student:teacher pairs, a name alone meaning the same in both', () => {
    expect(parseLayerPairs('layer3:layer2, 4')).toEqual([
      { student: 'layer3', teacher: 'layer2' },
      { student: '4', teacher: '4' },
    ]);
    for (const bad of ['', 'a:b:c', 'a:', ',a', 'a,,b'])
      expect(() => parseLayerPairs(bad), bad).toThrow(/student:teacher names/);
  });

  it('defaults to the last top-level maps of equal size (resnet8 ← resnet20: layer3)', () => {
    const pairs = resolveLayerPairs('at', undefined, model('resnet8', 1), model('resnet20', 2));
    expect(pairs).toEqual([
      { student: 'layer3', teacher: 'layer3', studentShape: [64, 8, 8], teacherShape: [64, 8, 8] },
    ]);
    // cnn-student ← vgg-teacher: both end on a 4×4 max-pooled map
    const vgg = resolveLayerPairs(
      'hint',
      undefined,
      model('cnn-student', 1),
      model('vgg-teacher', 2),
    );
    expect(vgg[0]).toMatchObject({ studentShape: [32, 4, 4], teacherShape: [64, 4, 4] });
  });

  it('names an unknown layer and lists the ones the model has', () => {
    expect(() =>
      resolveLayerPairs('at', 'layer9:layer3', model('resnet8', 1), model('resnet20', 2)),
    ).toThrow(/the student has no layer named "layer9"; its layers are: conv1, bn1, relu, layer1,/);
    expect(() =>
      resolveLayerPairs('at', 'layer3:nope', model('resnet8', 1), model('resnet20', 2)),
    ).toThrow(/the teacher has no layer named "nope"/);
  });

  it('says what each loss needs of a pair', () => {
    const [s, t] = [model('resnet8', 1), model('resnet20', 2)];
    expect(() => resolveLayerPairs('at', 'layer2:layer3', s, t)).toThrow(
      /at on student layer2 \[32, 16, 16\] and teacher layer3 \[64, 8, 8\]: their maps must have the same height and width/,
    );
    expect(() => resolveLayerPairs('hint', 'layer3:layer2', s, t)).toThrow(
      /a convolution cannot enlarge the student's 8×8 to the teacher's 16×16/,
    );
    expect(() => resolveLayerPairs('cosine', 'layer3:fc', s, t)).toThrow(
      /the teacher's 10 values per sample must pool onto the student's 4096/,
    );
    expect(() => resolveLayerPairs('at', 'fc', s, t)).toThrow(/\[channels, height, width\]/);
  });
});

describe('the feature term', () => {
  it("FitNets' regressor maps a larger student map onto the teacher's (a valid convolution)", () => {
    const [s, t] = [model('resnet8', 1), model('resnet20', 2)];
    const pairs = resolveLayerPairs('hint', 'layer2:layer3', s, t);
    const term = new FeatureDistillation('hint', pairs, 1, new Generator(0));
    const conv = (term.regressors[0] as unknown as { conv: { weight: { shape: number[] } } }).conv;
    expect(conv.weight.shape).toEqual([64, 32, 9, 9]); // 16×16 → 8×8
    expect(Object.keys(term.stateDict())).toEqual([
      'regressors.0.conv.weight',
      'regressors.0.conv.bias',
    ]);
    const loss = term.forward({ layer2: randn([2, 32, 16, 16]) }, { layer3: randn([2, 64, 8, 8]) });
    expect(loss.shape).toEqual([]);
  });

  it('sums the pairs; attention and cosine terms hold no parameters', () => {
    const [s, t] = [model('resnet8', 1), model('resnet20', 2)];
    const pairs = resolveLayerPairs('at', 'layer2,layer3', s, t);
    const term = new FeatureDistillation('at', pairs, 1000);
    expect(term.parameters()).toHaveLength(0);
    const f = { layer2: randn([2, 32, 16, 16]), layer3: randn([2, 64, 8, 8]) };
    const g = { layer2: randn([2, 32, 16, 16]), layer3: randn([2, 64, 8, 8]) };
    const one = (name: 'layer2' | 'layer3') =>
      new FeatureDistillation(
        'at',
        pairs.filter((p) => p.student === name),
        1,
      )
        .forward(f, g)
        .item();
    expect(term.forward(f, g).item()).toBeCloseTo(one('layer2') + one('layer3'), 6);
  });

  it("the cosine term pools the teacher's values down to the student's size, as the tutorial", () => {
    const pair = { student: 'a', teacher: 'b', studentShape: [2, 1, 1], teacherShape: [4, 1, 1] };
    const term = FEATURE_LOSSES.cosine.make(pair);
    // the teacher's [1, 3, 5, 7] pools to [2, 6]: parallel to [1, 3] (loss 0), orthogonal to [3, -1]
    const t = tensor([[[[1]], [[3]], [[5]], [[7]]]]);
    expect(term.loss(tensor([[[[1]], [[3]]]]), t).item()).toBeCloseTo(0, 6);
    expect(term.loss(tensor([[[[3]], [[-1]]]]), t).item()).toBeCloseTo(1, 6);
  });
});

describe('feature options', () => {
  it("the weight is the loss's own unless given", () => {
    expect(resolveKD(kd({ feature: 'at' }), 1).featureWeight).toBe(1000);
    expect(resolveKD(kd({ feature: 'hint' }), 1).featureWeight).toBe(FEATURE_LOSSES.hint.weight);
    expect(resolveKD(kd({ feature: 'at', featureWeight: 0 }), 1).featureWeight).toBe(0);
    expect(resolveKD(kd({}), 1).feature).toBe('none');
  });
  it('refuses feature options without a feature loss, several teachers, stages for non-hints', () => {
    expect(() => resolveKD(kd({ featureLayers: 'layer3' }), 1)).toThrow(
      /featureLayers needs a feature loss/,
    );
    expect(() => resolveKD(kd({ featureWeight: 3 }), 1)).toThrow(/featureWeight needs a feature/);
    expect(() => resolveKD(kd({ feature: 'at' }), 2)).toThrow(
      /at distils the features of one teacher, but 2 teachers were given/,
    );
    expect(() => resolveKD(kd({ feature: 'at', hintEpochs: 1 }), 1)).toThrow(
      /hintEpochs is for the hint loss/,
    );
    expect(() => resolveKD(kd({ feature: 'hint', featureLayers: 'a:b:c' }), 1)).toThrow(
      /featureLayers must be student:teacher pairs/,
    );
  });
});

const train = learnableSet(64, 1);
const test = learnableSet(32, 2);
const norm = data.channelStats(train);
const config = fixtureConfig({ model: 'cnn-student', weightDecay: 5e-4 });
const teacher = () => model('vgg-teacher', 7);
const trainer = (k: KDConfig, c: Partial<TrainConfig> = {}) =>
  new Trainer(model('cnn-student', 1), train, test, norm, { ...config, ...c }, k, [teacher()]);
const weights = (t: Trainer) =>
  Object.fromEntries(
    Object.entries(t.model.stateDict()).map(([k, v]) => [k, Array.from(v.toTypedArray())]),
  );

describe('training with a feature term', () => {
  it('changes the training and trains the regressor; the record holds the term', async () => {
    const plain = trainer(kd({ temperature: 4, alpha: 0 }));
    const hinted = trainer(kd({ temperature: 4, alpha: 0, feature: 'hint' }));
    const before = Array.from(hinted.features!.regressors[0]!.parameters()[0]!.toTypedArray());
    await plain.run();
    await hinted.run();
    const [p, h] = [plain.state.history, hinted.state.history];
    expect(h[1]!.featureLoss).toBeGreaterThan(0);
    expect(p[1]!.featureLoss).toBeUndefined();
    expect(h[1]!.trainLoss).not.toBeCloseTo(p[1]!.trainLoss, 6);
    const after = Array.from(hinted.features!.regressors[0]!.parameters()[0]!.toTypedArray());
    expect(after).not.toEqual(before);
    expect(hinted.state.history[0]!.stage).toBeUndefined();
  }, 60_000);

  it("FitNets' first stage trains only up to the guided layer, the second everything", async () => {
    // guided layer '4' (the second conv block's conv): layers after it get no gradient
    const t = trainer(
      kd({ temperature: 4, feature: 'hint', featureLayers: '4:7', hintEpochs: 1 }),
      { epochs: 2 },
    );
    const w0 = weights(t);
    let firstEpoch: Record<string, number[]> | null = null;
    await t.run({ onEpoch: () => void (firstEpoch ??= weights(t)) });
    const w1 = firstEpoch!;
    expect(w1['0.weight']).not.toEqual(w0['0.weight']); // before the guided layer
    expect(w1['4.weight']).not.toEqual(w0['4.weight']); // the guided layer
    expect(w1['8.weight']).toEqual(w0['8.weight']); // after: untouched, even by weight decay
    expect(w1['13.weight']).toEqual(w0['13.weight']);
    const w2 = weights(t);
    expect(w2['13.weight']).not.toEqual(w1['13.weight']);
    expect(t.state.history.map((r) => r.stage)).toEqual([1, 2]);
  }, 60_000);

  it('refuses a first stage that leaves no epoch for the second', () => {
    expect(() => trainer(kd({ temperature: 4, feature: 'hint', hintEpochs: 2 }))).toThrow(
      /hintEpochs 2 leaves no epoch for the second stage: the run has 2 epochs/,
    );
    expect(() => trainer(kd({ temperature: 4, feature: 'at', featureLayers: 'nope' }))).toThrow(
      /featureLayers: the student has no layer named "nope"/,
    );
  });

  it('a run with a regressor, stopped and resumed from its checkpoint, ends as one run', async () => {
    const k = kd({ temperature: 4, feature: 'hint' });
    const whole = trainer(k);
    await whole.run();
    const out = join(dir, 'hint.safetensors');
    const first = trainer(k);
    let n = 0;
    await first.run({ shouldStop: () => ++n >= 3 });
    const info: RunInfo = {
      command: 'distill',
      config,
      kd: k,
      teachers: [{ path: 't', model: 'vgg-teacher' }],
    };
    await saveRun(out, first, info);
    const { meta, tensors } = await loadRunInfo(out);
    expect(Object.keys(tensors).some((k) => k.startsWith('feature.regressors.0.'))).toBe(true);
    const resumed = trainer(k);
    restoreRun(resumed, meta, tensors);
    await resumed.run();
    expect(weights(resumed)).toEqual(weights(whole));
    expect(resumed.features!.stateDict()['regressors.0.conv.weight']!.toTypedArray()).toEqual(
      whole.features!.stateDict()['regressors.0.conv.weight']!.toTypedArray(),
    );
  }, 60_000);
});
