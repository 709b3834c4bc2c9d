// The speed targets `npm run bench` prints are verdicts computed from the run's numbers: checked
// here on made-up runs, at the thresholds, with peers missing and with nothing in common.
import { describe, expect, it } from 'vitest';
import type { SimdPeak } from '../bench/probe.js';
import { bestImgPerSec, disturbedProbe, speedTargets, TARGETS } from '../bench/targets.js';
import type { WorkloadResult } from '../bench/timing.js';

const peak: SimdPeak = {
  oneThread: 30,
  allThreads: 50,
  threads: 2,
  fused: { oneThread: 40, allThreads: 80 },
  fusedNote: '',
  limit: 80,
};
const macs = { cnn: 10e6, mlp: 2e6 };
const result = (r: Partial<WorkloadResult>): WorkloadResult => ({
  matmulGflops: null,
  cnnImgPerSec: null,
  mlpImgPerSec: null,
  kdStepMicros: null,
  convFwdBwdMs: null,
  notes: [],
  ...r,
});
const find = (rows: ReturnType<typeof speedTargets>, start: string) => {
  const r = rows.find((x) => x.what.startsWith(start));
  if (!r) throw new Error(`no row starting "${start}" in ${rows.map((x) => x.what).join('; ')}`);
  return r;
};

describe('bench speed targets', () => {
  it('reads shares of the best possible at the higher peak, met exactly at the threshold', () => {
    const best = bestImgPerSec(80, macs.cnn); // 4,000 img/s
    expect(best).toBe(4000);
    const at = (cnn: number) =>
      find(
        speedTargets({
          kdgrad: result({ cnnImgPerSec: cnn, stepMacsPerImage: macs }),
          js: {},
          peak,
        }),
        'CNN training ≥ 65%',
      );
    expect(at(best * TARGETS.cnnShare)).toEqual({
      what: 'CNN training ≥ 65% of its best possible',
      value: '65% of its best possible',
      met: true,
    });
    expect(at(best * 0.64).met).toBe(false);
    // the teacher epoch: 2·macs·images at 80 GFLOPS is 5 s; 10 s reaches half of it
    const teacher = { kdgrad: 10, torch: null, images: 20_000, macsPerImage: 10e6 };
    const rows = speedTargets({ kdgrad: result({}), js: {}, teacher, peak });
    expect(find(rows, 'vgg-teacher epoch ≥')).toMatchObject({
      value: '50% of its best possible',
      met: false,
    });
    // without PyTorch the comparisons with it are not judged
    for (const what of [
      'CNN training ≥ 0.75×',
      'MLP training ≥ 0.6×',
      'vgg-teacher epoch ≤',
      'KD loss step',
    ]) {
      expect(find(rows, what)).toMatchObject({ value: '—', met: null });
    }
  });

  it('compares with PyTorch in the right direction for rates and for times', () => {
    const rows = speedTargets({
      kdgrad: result({ cnnImgPerSec: 750, mlpImgPerSec: 590, kdStepMicros: 100 }),
      pytorch: result({ cnnImgPerSec: 1000, mlpImgPerSec: 1000, kdStepMicros: 100 }),
      js: {},
      teacher: { kdgrad: 17.5, torch: 10, images: 1, macsPerImage: 1 },
      peak: null,
    });
    expect(find(rows, 'CNN training ≥ 0.75×')).toMatchObject({ value: '0.75×', met: true });
    expect(find(rows, 'MLP training ≥ 0.6×')).toMatchObject({ value: '0.59×', met: false });
    expect(find(rows, 'vgg-teacher epoch ≤')).toMatchObject({
      value: "1.75× PyTorch's time",
      met: true,
    });
    // equal times are not "faster"
    expect(find(rows, 'KD loss step').met).toBe(false);
    // no peak measured: the shares are not judged
    expect(find(rows, 'CNN training ≥ 65%')).toMatchObject({ value: '—', met: null });
  });

  it('judges each JavaScript peer by its closest workload, and says when none is shared', () => {
    const rows = speedTargets({
      kdgrad: result({ matmulGflops: 40, mlpImgPerSec: 9000, kdStepMicros: 100 }),
      js: {
        jaxjs: result({ matmulGflops: 8, mlpImgPerSec: 4737 }), // ×5 and ×1.9
        convnetjs: result({ kdStepMicros: 250 }), // lower is better: ×2.5
        'tfjs-wasm': result({ cnnImgPerSec: 100 }), // kdgrad has no CNN number here
      },
      peak,
    });
    expect(find(rows, '≥ 2× jaxjs')).toEqual({
      what: '≥ 2× jaxjs on every workload both run',
      value: 'closest: MLP ×1.9 (2 workloads)',
      met: false,
    });
    expect(find(rows, '≥ 2× convnetjs')).toMatchObject({
      value: 'closest: KD step ×2.5 (1 workload)',
      met: true,
    });
    expect(find(rows, '≥ 2× tfjs-wasm')).toMatchObject({
      value: 'no workload in common',
      met: null,
    });
    expect(find(rows, 'matmul 512')).toMatchObject({ value: '50%', met: false });
  });

  it('calls the shares inconclusive when the probe did not scale with the threads', () => {
    // a real run on a busy machine: fused 44.3 GFLOPS on one thread, 46.0 on two
    const busy: SimdPeak = { ...peak, fused: { oneThread: 44.3, allThreads: 46 }, limit: 49.7 };
    expect(disturbedProbe(busy)).toMatch(
      /fused multiply-add 44.3 GFLOPS on 1 thread, 46.0 on 2\), so the peak is too low/,
    );
    const rows = speedTargets({
      kdgrad: result({ matmulGflops: 48.7, cnnImgPerSec: 1416, stepMacsPerImage: macs }),
      pytorch: result({ cnnImgPerSec: 1000 }),
      js: {},
      teacher: { kdgrad: 17.8, torch: 13.4, images: 10_000, macsPerImage: 29.23e6 },
      peak: busy,
    });
    for (const what of ['CNN training ≥ 65%', 'vgg-teacher epoch ≥', 'matmul 512']) {
      const r = find(rows, what);
      expect(r.met).toBe('inconclusive');
      expect(r.value).toMatch(/the probe did not scale/);
    }
    // a share that cannot be computed stays unjudged, and the comparisons with PyTorch still are
    expect(find(rows, 'MLP training ≥ 65%')).toMatchObject({ value: '—', met: null });
    expect(find(rows, 'CNN training ≥ 0.75×')).toMatchObject({ met: true });
    // the plain probe disturbed counts too; a probe that scaled, or one thread, is trusted
    expect(disturbedProbe({ ...peak, allThreads: 40 })).toMatch(/plain multiply-add 30.0/);
    expect(disturbedProbe({ ...peak, allThreads: 45 })).toBeNull(); // exactly 0.75 × 2 × 30
    expect(disturbedProbe(peak)).toBeNull();
    expect(disturbedProbe({ ...peak, threads: 1, allThreads: 30, fused: null })).toBeNull();
    expect(
      find(speedTargets({ kdgrad: result({ matmulGflops: 48 }), js: {}, peak }), 'matmul'),
    ).toMatchObject({ value: '60%', met: true });
  });
});
