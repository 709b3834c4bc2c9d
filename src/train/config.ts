// Training configuration shared by `kdgrad train`, `distill`, `sweep`, `demo` and `compare`: every
// option declared once, in TRAIN_FIELDS and KD_FIELDS. The config types, the library's checks,
// the CLI's options (src/cli/options.ts) and the resume comparison all read these tables.
import type { PaddingMode } from '../data/augment.js';
import { TEACHER_AVERAGES } from '../distill/multi-teacher.js';
import { TEMPERATURE_RANGE } from '../distill/temperature.js';
import {
  checkFields,
  ConfigError,
  field,
  internal,
  optional,
  withFlag,
  type ConfigOf,
  type Field,
} from './fields.js';
import { KD_LOSS_NAMES, KD_LOSSES, type KDLossName } from './kd-loss.js';
import {
  FEATURE_CHOICES,
  FEATURE_LOSS_NAMES,
  FEATURE_LOSSES,
  parseLayerPairs,
  resolveLayerPairs,
  type LayerPair,
} from './feature-loss.js';
import type { ZooModel } from '../models/zoo.js';

export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export const LR_SCHEDULES = ['onecycle', 'cosine', 'constant'] as const;
export const PADDING_MODES = ['constant', 'edge', 'reflect', 'symmetric'] as const;
export const TEMPERATURE_SCHEDULES = ['constant', 'adaptive'] as const;

/** Temperatures a training run accepts (T0 of an adaptive schedule included). */
export const T_RANGE = TEMPERATURE_RANGE.float32;

/** The random crop's fill colour: 'mean' (the data's mean colour) or a pixel value per channel. */
const cropFill: Field<number[] | 'mean'> = {
  help: "constant padding colour: a pixel value, r,g,b, or mean (the data set's mean colour) (default: 0, black, as torchvision)",
  arg: '<colour>',
  check: (v) =>
    v === 'mean' ||
    (Array.isArray(v) &&
      v.length === 3 &&
      v.every((x) => typeof x === 'number' && x >= 0 && x <= 255))
      ? null
      : "must be 'mean' or three pixel values 0-255",
  parse: (raw) => {
    if (raw.trim() === 'mean') return 'mean';
    const parts = raw.split(',');
    const values = parts.map((x) => Number(x.trim()));
    // an empty part ('1,,2', ',,') is a typo, not a 0
    if (
      (values.length !== 1 && values.length !== 3) ||
      parts.some((x) => !/\S/.test(x)) ||
      values.some((x) => !(x >= 0 && x <= 255))
    )
      throw new RangeError(
        `must be 'mean', a pixel value 0-255 or r,g,b, got ${JSON.stringify(raw)}`,
      );
    return values.length === 1 ? [values[0]!, values[0]!, values[0]!] : values;
  },
};

export const TRAIN_FIELDS = {
  model: field.string('model from the zoo'),
  epochs: field.positiveInt('epochs'),
  batchSize: field.positiveInt('batch size'),
  lr: field.positive('peak learning rate (one-cycle) or constant rate'),
  optimizer: field.choice('optimizer', OPTIMIZERS),
  momentum: field.nonNegative(
    'SGD momentum (Nesterov; under --lr-schedule onecycle the schedule cycles it 0.95 → 0.85 itself)',
  ),
  nesterov: internal(field.boolean('Nesterov momentum')),
  weightDecay: field.nonNegative('weight decay'),
  schedule: withFlag(field.choice('learning-rate schedule', LR_SCHEDULES), 'lr-schedule'),
  augment: field.boolean('random crop + flip'),
  cropPaddingMode: optional(
    field.choice("random crop padding (torchvision's padding_mode)", PADDING_MODES, '<mode>'),
  ),
  cropFill: optional(cropFill),
  clipGradNorm: field.nonNegative('clip the global gradient norm (0: off)'),
  seed: field.int('random seed (data order, augmentation, initialisation)'),
  trainLimit: field.nonNegativeInt('use only the first N training images (0: all)'),
  testLimit: field.nonNegativeInt('evaluate on the first N test images (0: all)'),
};

export type TrainConfig = ConfigOf<typeof TRAIN_FIELDS>;
// the crop's padding mode is the augmentation's own type
export type { PaddingMode };

/** Which losses (and temperature schedule) a KD option is for: given for another, it does nothing. */
export interface AppliesTo {
  losses: readonly KDLossName[];
  schedule?: (typeof TEMPERATURE_SCHEDULES)[number];
}

const forLosses = <V>(f: Field<V>, a: AppliesTo): Field<V> & { appliesTo: AppliesTo } => ({
  ...f,
  appliesTo: a,
});

/** Layer pairs as given ('layer3:layer3,layer2'): the syntax here, the names against the models. */
const layerPairs: Field<string> = {
  help:
    'feature layers as student:teacher pairs, comma-separated (a name alone: the same in both; ' +
    'default: the last pair of maps of equal size; kdgrad models --layers <model> lists them)',
  arg: '<pairs>',
  check: (v) => {
    if (typeof v !== 'string') return 'must be a string of student:teacher pairs';
    try {
      parseLayerPairs(v);
      return null;
    } catch (e) {
      return `must be student:teacher pairs (${(e as Error).message})`;
    }
  },
  parse: (raw) => {
    parseLayerPairs(raw);
    return raw;
  },
};

/** The feature-distillation options: added to any loss above (--feature none: off). */
export const FEATURE_FIELDS = {
  /** Absent in run files written before it existed: read as 'none'. */
  feature: optional(
    field.choice(
      'feature term added to the loss: none, ' +
        FEATURE_LOSS_NAMES.map((n) => `${n} (${FEATURE_LOSSES[n].summary})`).join(', '),
      FEATURE_CHOICES,
    ),
  ),
  featureLayers: optional(layerPairs),
  featureWeight: optional(
    field.nonNegative(
      "beta, the feature term's weight (default: " +
        FEATURE_LOSS_NAMES.map((n) => `${n} ${+FEATURE_LOSSES[n].weight.toPrecision(3)}`).join(
          ', ',
        ) +
        ')',
    ),
  ),
  hintEpochs: optional(
    field.nonNegativeInt(
      "FitNets' two stages: the first N epochs train the student up to its guided layer on " +
        'the hint alone, the rest on the KD loss alone ' +
        '(0: one stage, the hint added throughout, as the toolkits do)',
    ),
  ),
};

export const KD_FIELDS = {
  /** Absent in run files written before it existed: read as 'kd'. */
  loss: optional(
    field.choice(
      KD_LOSS_NAMES.map((name) => `${name} (${KD_LOSSES[name].summary})`).join(', '),
      KD_LOSS_NAMES,
    ),
  ),
  temperature: field.between(
    'temperature T (T0 for --schedule adaptive)',
    T_RANGE[0],
    T_RANGE[1],
    '<T>',
  ),
  alpha: forLosses(field.between('weight of the T²·KL term; CE gets 1 − alpha', 0, 1, '<a>'), {
    losses: ['kd', 'lskd'],
  }),
  schedule: forLosses(field.choice('temperature schedule', TEMPERATURE_SCHEDULES), {
    losses: ['kd'],
  }),
  tempDecay: forLosses(
    field.positive('T_e = max(min-temp, T0 · decay^e), e = 0, 1, ..., kept within [0.05, 1000]'),
    { losses: ['kd'], schedule: 'adaptive' },
  ),
  minTemp: forLosses(field.nonNegative('floor for T'), { losses: ['kd'], schedule: 'adaptive' }),
  average: forLosses(field.choice('with several teachers, average', TEACHER_AVERAGES, '<how>'), {
    losses: ['kd'],
  }),
  dkdAlpha: optional(forLosses(field.nonNegative('weight of TCKD'), { losses: ['dkd'] })),
  dkdBeta: optional(forLosses(field.nonNegative('weight of NCKD'), { losses: ['dkd'] })),
  warmup: optional(
    forLosses(
      field.nonNegative(
        'the KD term ramps up as min(e / warmup, 1), e counted from 1 as mdistiller',
      ),
      { losses: ['dkd'] },
    ),
  ),
  lskdEps: optional(
    forLosses(field.nonNegative("epsilon added to the logits' standard deviation"), {
      losses: ['lskd'],
    }),
  ),
  ...FEATURE_FIELDS,
};

export type KDConfig = ConfigOf<typeof KD_FIELDS>;

/**
 * A checked KD configuration, every field present but the layer pairs (absent: the default pair,
 * found against the models; see resolveLayerPairs).
 */
export type ResolvedKD = Required<Omit<KDConfig, 'featureLayers' | 'featureWeight'>> & {
  featureLayers?: string;
  /** Set by resolveKD when a feature loss is chosen (given, or the loss's own). */
  featureWeight?: number;
};

export const TEACHER_RECIPE: TrainConfig = {
  model: 'vgg-teacher',
  epochs: 30,
  batchSize: 64,
  lr: 0.05,
  optimizer: 'sgd',
  momentum: 0.9,
  nesterov: true,
  weightDecay: 5e-4,
  schedule: 'onecycle',
  augment: true,
  clipGradNorm: 0,
  seed: 0,
  trainLimit: 0,
  testLimit: 0,
};

export const DEFAULT_KD: ResolvedKD = {
  loss: 'kd',
  temperature: 4,
  alpha: 0.9,
  schedule: 'constant',
  tempDecay: 0.95,
  minTemp: 1,
  average: 'probs',
  dkdAlpha: 1,
  dkdBeta: 8,
  warmup: 20,
  lskdEps: 1e-7,
  feature: 'none',
  hintEpochs: 0,
};

/**
 * A KD configuration with every field present (defaults for the absent ones), checked: each
 * value against its field, then the combinations the chosen loss can train (ConfigError names the
 * field; the CLI shows it as its flag).
 */
export function resolveKD(kd: KDConfig, teachers: number): ResolvedKD {
  // an option read as undefined (not given) keeps its default
  const given = Object.fromEntries(Object.entries(kd).filter(([, v]) => v !== undefined));
  const c = { ...DEFAULT_KD, ...given } as ResolvedKD;
  // temperature's range is where every loss is checked in float32 (test/distill): beyond it the
  // soft term underflows (T → 0) or the float32 KL cancels to noise, even negative (T ≥ 1e5)
  checkFields(KD_FIELDS, c);
  const loss = KD_LOSSES[c.loss];
  if (teachers > 1 && !loss.severalTeachers) {
    const several = KD_LOSS_NAMES.filter((n) => KD_LOSSES[n].severalTeachers);
    throw new ConfigError(
      'loss',
      '',
      (name) =>
        `several teachers work with ${several.map((n) => `${name('loss')} ${n}`).join(' or ')} ` +
        `(${name('average')} probs or logits sets how their targets combine), ` +
        `not with ${name('loss')} ${c.loss}`,
      KD_FIELDS,
    );
  }
  if (c.schedule === 'adaptive' && teachers > 1) {
    throw new ConfigError(
      'schedule',
      '',
      (name) =>
        `the adaptive temperature schedule takes one teacher; with several teachers use ${name('schedule')} constant`,
      KD_FIELDS,
    );
  }
  if (c.schedule === 'adaptive' && !loss.adaptive) {
    throw new ConfigError(
      'schedule',
      '',
      (name) =>
        `the adaptive temperature schedule is for ${name('loss')} kd, not ${name('loss')} ${c.loss}`,
      KD_FIELDS,
    );
  }
  return resolveFeature(c, given, teachers);
}

/** The feature options checked together; the weight, when not given, is the loss's own. */
function resolveFeature(c: ResolvedKD, given: Partial<KDConfig>, teachers: number): ResolvedKD {
  const kind = c.feature;
  const forbid = (key: keyof KDConfig, what: string) => {
    throw new ConfigError(key, '', (name) => `${name(key)} ${what}`, KD_FIELDS);
  };
  if (kind === 'none') {
    for (const key of ['featureLayers', 'featureWeight'] as const)
      if (given[key] !== undefined)
        forbid(key, `needs a feature loss: give --feature ${FEATURE_LOSS_NAMES.join(' | ')}`);
  } else if (teachers > 1) {
    forbid(
      'feature',
      `${kind} distils the features of one teacher, but ${teachers} teachers were given`,
    );
  }
  if (c.hintEpochs > 0 && kind !== 'hint')
    forbid('hintEpochs', `is for the hint loss (--feature hint), not ${kind}`);
  return kind === 'none' || given.featureWeight !== undefined
    ? c
    : { ...c, featureWeight: FEATURE_LOSSES[kind].weight };
}

/** FitNets' first stage must leave epochs for the second (ConfigError on hintEpochs). */
export function checkStages(kd: ResolvedKD, epochs: number): void {
  if (kd.hintEpochs >= epochs)
    throw new ConfigError(
      'hintEpochs',
      '',
      (name) =>
        `${name('hintEpochs')} ${kd.hintEpochs} leaves no epoch for the second stage: ` +
        `the run has ${epochs} epochs`,
      KD_FIELDS,
    );
}

/** Checks every field of a training configuration (ConfigError names the first wrong one). */
export function checkConfig(c: TrainConfig): void {
  checkFields(TRAIN_FIELDS, c);
}

/**
 * The layer pairs of a resolved feature configuration on these models (ConfigError on
 * featureLayers naming what does not fit), checked with FitNets' stages against the epochs.
 */
export function featurePairs(
  kd: ResolvedKD,
  epochs: number,
  student: ZooModel,
  teacher: ZooModel,
): LayerPair[] {
  if (kd.feature === 'none') return [];
  checkStages(kd, epochs);
  try {
    return resolveLayerPairs(kd.feature, kd.featureLayers, student, teacher);
  } catch (e) {
    const why = (e as Error).message;
    const describe = (name: (f: string) => string) => `${name('featureLayers')}: ${why}`;
    throw new ConfigError('featureLayers', why, describe, KD_FIELDS);
  }
}
