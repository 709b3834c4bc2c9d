// jax-js (@jax-js/jax) on its WebAssembly device in Node: matmul 512 and the MLP training step
// (3072-256-128-10, batch 64, softmax cross-entropy, SGD), each as one jit-compiled function
// (jit(valueAndGrad(loss)) for the step), arrays passed with jax-js's .ref ownership rules.
// The CNN, KD-step and conv rows are not run for it (left empty).
import { init, jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { median, type WorkloadResult } from './timing.js';

type Params = {
  w1: JaxArray;
  b1: JaxArray;
  w2: JaxArray;
  b2: JaxArray;
  w3: JaxArray;
  b3: JaxArray;
};

const random = (n: number, scale: number) =>
  Float32Array.from({ length: n }, () => (Math.random() - 0.5) * scale);

export async function runJaxjs(): Promise<WorkloadResult> {
  const notes: string[] = [];
  // the WebAssembly device only: Node has no WebGPU
  const devices = await init('wasm');
  notes.push(`jax-js ${devices.join(', ')} device(s); matmul and the MLP step run under jit`);
  const N = 512;
  const a = np.array(random(N * N, 1)).reshape([N, N]);
  const b = np.array(random(N * N, 1)).reshape([N, N]);
  const mm = jit((x: JaxArray, y: JaxArray) => np.matmul(x, y));
  const mmMs = await median(async () => {
    await mm(a.ref, b.ref).data();
  });

  const B = 64;
  const dense = (i: number, o: number) => np.array(random(i * o, 0.05)).reshape([i, o]);
  let params: Params = {
    w1: dense(3072, 256),
    b1: np.zeros([256]),
    w2: dense(256, 128),
    b2: np.zeros([128]),
    w3: dense(128, 10),
    b3: np.zeros([10]),
  };
  const x = np.array(random(B * 3072, 2)).reshape([B, 3072]);
  const onehot = Float32Array.from({ length: B * 10 }, (_, i) =>
    i % 10 === Math.floor(i / 10) % 10 ? 1 : 0,
  );
  const y = np.array(onehot).reshape([B, 10]);
  const loss = (p: Params, xb: JaxArray, yb: JaxArray) => {
    const h1 = nn.relu(np.matmul(xb, p.w1).add(p.b1));
    const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
    const logits = np.matmul(h2, p.w3).add(p.b3);
    return nn
      .logSoftmax(logits)
      .mul(yb)
      .sum()
      .mul(-1 / B);
  };
  const step = jit(valueAndGrad(loss));
  const refs = (p: Params) =>
    Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.ref])) as Params;
  const stepMs = await median(async () => {
    const [value, g] = step(refs(params), x.ref, y.ref) as [JaxArray, Params];
    params = Object.fromEntries(
      Object.keys(params).map((k) => {
        const key = k as keyof Params;
        return [key, params[key].sub(g[key].mul(0.01))];
      }),
    ) as Params;
    await value.data();
  });
  return {
    matmulGflops: (2 * N ** 3) / (mmMs * 1e6),
    cnnImgPerSec: null,
    mlpImgPerSec: (B * 1000) / stepMs,
    kdStepMicros: null,
    convFwdBwdMs: null,
    notes,
  };
}
