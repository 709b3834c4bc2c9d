// The lab's settings in the URL (?dataset=spirals&T=4&…): every knob of the 2-D bench and the
// T and α of the CIFAR bench, so that a state can be shared. A value out of range or unknown is
// dropped for its default and named, never silently kept.
import { DATASETS, DEFAULTS_2D, type Dataset, type Settings2D } from './bench2d.js';

/** Each numeric knob: its range and whether it must be an integer. */
export const RANGES: Record<Exclude<keyof Settings2D, 'dataset'>, [number, number, boolean]> = {
  T: [0.5, 20, false],
  alpha: [0, 1, false],
  lr: [0.001, 0.05, false],
  width: [2, 64, true],
  labelled: [4, 200, true],
  transfer: [0, 1000, true],
  seed: [0, 100, true],
};

export interface LabState {
  s2d: Settings2D;
  cifar: { T: number; alpha: number };
  /** Which bench is shown first. */
  bench: '2d' | 'cifar';
}

export const DEFAULT_STATE: LabState = {
  s2d: { ...DEFAULTS_2D },
  cifar: { T: 4, alpha: 0.9 },
  bench: '2d',
};

/** The state a query string describes, and the parameters that were wrong (kept at defaults). */
export function parseQuery(query: string): { state: LabState; problems: string[] } {
  const q = new URLSearchParams(query);
  const state: LabState = structuredClone(DEFAULT_STATE);
  const problems: string[] = [];
  const num = (key: string, range: [number, number, boolean]): number | null => {
    const raw = q.get(key);
    if (raw === null) return null;
    const v = Number(raw);
    const [lo, hi, int] = range;
    if (
      raw.trim() === '' ||
      !Number.isFinite(v) ||
      v < lo ||
      v > hi ||
      (int && !Number.isInteger(v))
    ) {
      problems.push(`${key}=${raw} (must be ${int ? 'an integer' : 'a number'} in [${lo}, ${hi}])`);
      return null;
    }
    return v;
  };
  const ds = q.get('dataset');
  if (ds !== null) {
    if ((DATASETS as readonly string[]).includes(ds)) state.s2d.dataset = ds as Dataset;
    else problems.push(`dataset=${ds} (must be one of ${DATASETS.join(', ')})`);
  }
  for (const key of Object.keys(RANGES) as (keyof typeof RANGES)[]) {
    const v = num(key, RANGES[key]);
    if (v !== null) state.s2d[key] = v;
  }
  const cT = num('cT', RANGES.T);
  if (cT !== null) state.cifar.T = cT;
  const cA = num('cAlpha', RANGES.alpha);
  if (cA !== null) state.cifar.alpha = cA;
  const bench = q.get('bench');
  if (bench === '2d' || bench === 'cifar') state.bench = bench;
  else if (bench !== null) problems.push(`bench=${bench} (must be 2d or cifar)`);
  return { state, problems };
}

/** The query string of a state (every knob, so a link reproduces it exactly). */
export function toQuery(state: LabState): string {
  const q = new URLSearchParams();
  q.set('bench', state.bench);
  q.set('dataset', state.s2d.dataset);
  for (const key of Object.keys(RANGES) as (keyof typeof RANGES)[])
    q.set(key, String(state.s2d[key]));
  q.set('cT', String(state.cifar.T));
  q.set('cAlpha', String(state.cifar.alpha));
  return q.toString();
}
