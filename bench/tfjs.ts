// TF.js 4.22 (cpu: plain JavaScript; wasm: XNNPACK with SIMD, one thread) on the same workloads.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { median, type WorkloadResult } from './timing.js';

export async function runTfjs(backend: 'cpu' | 'wasm'): Promise<WorkloadResult> {
  const tf = await import('@tensorflow/tfjs');
  const notes: string[] = [];
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = dirname(
      require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'),
    );
    wasm.setWasmPaths(`${join(dist, '/')}`);
    wasm.setThreadsCount?.(1);
  }
  await tf.setBackend(backend);
  await tf.ready();
  const tryRun = async <T>(name: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (e) {
      notes.push(`TF.js ${backend} ${name}: cannot (${(e as Error).message.split('\n')[0]})`);
      return null;
    }
  };
  const a = tf.randomNormal([512, 512]);
  const b = tf.randomNormal([512, 512]);
  const mm = await tryRun('matmul', () =>
    median(() => tf.tidy(() => tf.matMul(a, b).dataSync()), { min: 5 }),
  );
  const labels = tf
    .oneHot(
      tf.tensor1d(
        Array.from({ length: 64 }, (_, i) => i % 10),
        'int32',
      ),
      10,
    )
    .toFloat();
  const trainRate = async (
    model: import('@tensorflow/tfjs').Sequential,
    x: import('@tensorflow/tfjs').Tensor,
  ) => {
    const opt = tf.train.momentum(0.01, 0.9);
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() =>
          tf.losses.softmaxCrossEntropy<
            import('@tensorflow/tfjs').Tensor,
            import('@tensorflow/tfjs').Scalar
          >(labels, model.predict(x) as import('@tensorflow/tfjs').Tensor),
        );
      });
    const ms = await median(
      async () => {
        step();
        await tf.nextFrame?.();
      },
      { warmup: 1, min: 1, budgetMs: 3000 },
    );
    return (64 * 1000) / ms;
  };
  const cnn = await tryRun('CNN training', () => {
    const m = tf.sequential();
    m.add(
      tf.layers.conv2d({
        inputShape: [32, 32, 3],
        filters: 16,
        kernelSize: 5,
        padding: 'same',
        activation: 'relu',
      }),
    );
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 20, kernelSize: 5, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.conv2d({ filters: 20, kernelSize: 5, padding: 'same', activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 10 }));
    return trainRate(m, tf.randomNormal([64, 32, 32, 3]));
  });
  const mlp = await tryRun('MLP training', () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [3072], units: 256, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 128, activation: 'relu' }));
    m.add(tf.layers.dense({ units: 10 }));
    return trainRate(m, tf.randomNormal([64, 3072]));
  });
  const s = tf.randomNormal([64, 10]);
  const t = tf.randomNormal([64, 10]);
  const y = labels;
  const T = 4;
  const kdLoss = (st: import('@tensorflow/tfjs').Tensor) => {
    const logq = tf.logSoftmax(tf.div(st, T));
    const logp = tf.logSoftmax(tf.div(t, T));
    const kl = tf.div(tf.sum(tf.mul(tf.exp(logp), tf.sub(logp, logq))), 64);
    return tf.add<import('@tensorflow/tfjs').Scalar>(
      tf.mul(kl, 0.9 * T * T),
      tf.mul(tf.losses.softmaxCrossEntropy(y, st), 0.1),
    );
  };
  const kdGrad = tf.grad(kdLoss);
  const kd = await tryRun('KD step', () =>
    median(() => tf.tidy(() => kdGrad(s).dataSync()), { warmup: 1000, min: 100, budgetMs: 2000 }),
  );
  const x = tf.randomNormal([64, 32, 32, 3]);
  const w = tf.randomNormal([5, 5, 3, 16]);
  const convGrad = tf.grads(
    (xx: import('@tensorflow/tfjs').Tensor, ww: import('@tensorflow/tfjs').Tensor) =>
      tf.sum(tf.conv2d(xx as never, ww as never, 1, 'same')),
  );
  const conv = await tryRun('conv2d fwd+bwd', () =>
    median(
      () =>
        tf.tidy(() => {
          convGrad([x, w]).forEach((v) => v.dataSync());
        }),
      { warmup: 1, min: 2 },
    ),
  );
  return {
    matmulGflops: mm === null ? null : (2 * 512 ** 3) / (mm * 1e6),
    cnnImgPerSec: cnn,
    mlpImgPerSec: mlp,
    kdStepMicros: kd === null ? null : kd * 1000,
    convFwdBwdMs: conv,
    notes,
  };
}
