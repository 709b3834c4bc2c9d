// The speed targets of `npm run bench`, read off one run's numbers: each row says what was aimed
// for, what this run measured and whether it is met ('—' when a number it needs is missing, e.g.
// PyTorch not installed). Kept apart from run.ts so the verdicts can be tested on made-up runs.
import type { SimdPeak } from './probe.js';
import type { WorkloadResult } from './timing.js';

export interface TeacherEpoch {
  /** Seconds of kdgrad's epoch, and PyTorch's (null when PyTorch did not run). */
  kdgrad: number;
  torch: number | null;
  images: number;
  macsPerImage: number;
}

export interface TargetInputs {
  kdgrad: WorkloadResult;
  pytorch?: WorkloadResult;
  /** The JavaScript peers that ran (tfjs-cpu, tfjs-wasm, convnetjs, jaxjs). */
  js: Record<string, WorkloadResult>;
  teacher?: TeacherEpoch | null;
  peak?: SimdPeak | null;
}

export interface TargetRow {
  what: string;
  value: string;
  /** null: a number it needs is missing; 'inconclusive': the numbers cannot decide it. */
  met: boolean | null | 'inconclusive';
}

// What the targets ask, in one place
export const TARGETS = {
  /** Share of the best possible (all multiply-adds at the SIMD peak) a training step reaches. */
  cnnShare: 0.65,
  mlpShare: 0.65,
  teacherShare: 0.55,
  /** kdgrad's images per second ÷ PyTorch's. */
  cnnVsTorch: 0.75,
  mlpVsTorch: 0.6,
  /** kdgrad's epoch time ÷ PyTorch's, at most. */
  teacherVsTorch: 1.75,
  /** How many times better than every JavaScript peer on every workload both run. */
  vsJs: 2,
  matmulShare: 0.6,
  /**
   * A probe on n threads that reads below this fraction of n times its one-thread reading was
   * disturbed (the machine was busy), so a peak taken from it is too low to judge shares by.
   */
  probeScaling: 0.75,
} as const;

/**
 * Why the peak cannot be trusted, or null: a family of the probe (plain or fused multiply-add)
 * whose all-thread reading did not scale with the threads.
 */
export function disturbedProbe(peak: SimdPeak | null | undefined): string | null {
  if (!peak || peak.threads < 2) return null;
  const families: [string, { oneThread: number; allThreads: number } | null][] = [
    ['plain multiply-add', peak],
    ['fused multiply-add', peak.fused],
  ];
  for (const [name, f] of families) {
    if (!f || !num(f.oneThread) || !num(f.allThreads)) continue;
    if (f.allThreads < TARGETS.probeScaling * peak.threads * f.oneThread)
      return (
        `the probe did not scale with the threads (${name} ${f.oneThread.toFixed(1)} GFLOPS on ` +
        `1 thread, ${f.allThreads.toFixed(1)} on ${peak.threads}), so the peak is too low to judge by`
      );
  }
  return null;
}

type Workload = 'matmulGflops' | 'cnnImgPerSec' | 'mlpImgPerSec' | 'kdStepMicros' | 'convFwdBwdMs';
const WORKLOADS: [Workload, string, 'higher' | 'lower'][] = [
  ['matmulGflops', 'matmul', 'higher'],
  ['cnnImgPerSec', 'CNN', 'higher'],
  ['mlpImgPerSec', 'MLP', 'higher'],
  ['kdStepMicros', 'KD step', 'lower'],
  ['convFwdBwdMs', 'conv2d', 'lower'],
];

const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
const num = (v: number | null | undefined): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Images per second if every multiply-add of a step ran at the peak and nothing else took time. */
export const bestImgPerSec = (peakGflops: number, macsPerImage: number) =>
  (peakGflops * 1e9) / (2 * macsPerImage);

export function speedTargets({
  kdgrad: k,
  pytorch: t,
  js,
  teacher,
  peak,
}: TargetInputs): TargetRow[] {
  const rows: TargetRow[] = [];
  const row = (
    what: string,
    value: number | null,
    text: (v: number) => string,
    met: (v: number) => boolean,
  ) =>
    rows.push({
      what,
      value: value === null ? '—' : text(value),
      met: value === null ? null : met(value),
    });
  const limit = peak?.limit ?? null;
  const disturbed = disturbedProbe(peak);
  /** The rows read against the peak: inconclusive when the probe was disturbed. */
  const againstPeak = () => {
    const r = rows[rows.length - 1]!;
    if (disturbed && r.met !== null) {
      r.met = 'inconclusive';
      r.value = `${r.value}; ${disturbed}`;
    }
  };
  const share = (have: number | null | undefined, macs: number | undefined) =>
    num(have) && num(limit) && num(macs) ? have / bestImgPerSec(limit, macs) : null;
  const ofBest = (v: number) => `${pct(v)} of its best possible`;

  row(
    `CNN training ≥ ${pct(TARGETS.cnnShare)} of its best possible`,
    share(k.cnnImgPerSec, k.stepMacsPerImage?.cnn),
    ofBest,
    (v) => v >= TARGETS.cnnShare,
  );
  againstPeak();
  row(
    `MLP training ≥ ${pct(TARGETS.mlpShare)} of its best possible`,
    share(k.mlpImgPerSec, k.stepMacsPerImage?.mlp),
    ofBest,
    (v) => v >= TARGETS.mlpShare,
  );
  againstPeak();
  const teacherShare =
    teacher && num(limit) && num(teacher.kdgrad)
      ? (2 * teacher.macsPerImage * teacher.images) / (limit * 1e9) / teacher.kdgrad
      : null;
  row(
    `vgg-teacher epoch ≥ ${pct(TARGETS.teacherShare)} of its best possible`,
    teacherShare,
    ofBest,
    (v) => v >= TARGETS.teacherShare,
  );
  againstPeak();

  const vs = (key: 'cnnImgPerSec' | 'mlpImgPerSec') =>
    t && num(k[key]) && num(t[key]) ? k[key] / t[key] : null;
  const times = (v: number) => `${v.toFixed(2)}×`;
  row(
    `CNN training ≥ ${TARGETS.cnnVsTorch}× PyTorch`,
    vs('cnnImgPerSec'),
    times,
    (v) => v >= TARGETS.cnnVsTorch,
  );
  row(
    `MLP training ≥ ${TARGETS.mlpVsTorch}× PyTorch`,
    vs('mlpImgPerSec'),
    times,
    (v) => v >= TARGETS.mlpVsTorch,
  );
  const epoch = teacher && num(teacher.torch) ? teacher.kdgrad / teacher.torch : null;
  row(
    `vgg-teacher epoch ≤ ${TARGETS.teacherVsTorch}× PyTorch's time`,
    epoch,
    (v) => `${v.toFixed(2)}× PyTorch's time`,
    (v) => v <= TARGETS.teacherVsTorch,
  );
  const kd =
    t && num(k.kdStepMicros) && num(t.kdStepMicros) ? t.kdStepMicros / k.kdStepMicros : null;
  row(
    'KD loss step faster than PyTorch',
    kd,
    (v) => `PyTorch's time ÷ kdgrad's = ${v.toFixed(2)}`,
    (v) => v > 1,
  );

  // every JavaScript peer, on the workloads both measured: the closest one decides
  for (const [name, r] of Object.entries(js)) {
    const ratios = WORKLOADS.flatMap(([key, label, better]) => {
      const mine = k[key];
      const theirs = r[key];
      if (!num(mine) || !num(theirs)) return [];
      return [{ label, ratio: better === 'higher' ? mine / theirs : theirs / mine }];
    });
    const closest = ratios.length ? ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a)) : null;
    rows.push({
      what: `≥ ${TARGETS.vsJs}× ${name} on every workload both run`,
      value: closest
        ? `closest: ${closest.label} ×${closest.ratio.toFixed(1)} ` +
          `(${ratios.length} workload${ratios.length === 1 ? '' : 's'})`
        : 'no workload in common',
      met: closest ? closest.ratio >= TARGETS.vsJs : null,
    });
  }

  const mm = num(k.matmulGflops) && num(limit) ? k.matmulGflops / limit : null;
  row(
    `matmul 512 ≥ ${pct(TARGETS.matmulShare)} of the SIMD peak (${peak?.threads ?? '?'} threads)`,
    mm,
    pct,
    (v) => v >= TARGETS.matmulShare,
  );
  againstPeak();
  return rows;
}
