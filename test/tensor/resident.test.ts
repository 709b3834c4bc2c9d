// Resident arrays (src/tensor/resident.ts): large float32 parameters, their gradients, SGD's
// momentum and the buffer pool's arrays live in the kernels' shared memory and the kernels use
// them in place. Results must be the bits the copying path gives.
import { describe, expect, it } from 'vitest';
import { F, Generator, nn, optim, randn, tensor, tidy } from '../../src/index.js';
import { residentOffset } from '../../src/tensor/backend/wasm/memory.js';

const plain = (a: Float32Array) => Float32Array.from(a); // an ordinary copy: the kernels copy it in

describe('resident arrays', () => {
  it('large float32 parameters, their gradients and momentum buffers are resident; small ones are not', () => {
    const g = new Generator(1);
    const big = new nn.Parameter(randn([200, 100], { generator: g }));
    const small = new nn.Parameter(randn([10, 10], { generator: g }));
    expect(residentOffset(big.storage.data)).toBeGreaterThanOrEqual(65536);
    expect(residentOffset(small.storage.data)).toBe(-1);
    big.square().sum().backward();
    expect(residentOffset(big.grad!.storage.data)).toBeGreaterThanOrEqual(65536);
    const opt = new optim.SGD([big], { lr: 0.1, momentum: 0.9 });
    opt.step();
    opt.step();
    const buf = (
      opt as unknown as { state: Map<unknown, { momentumBuffer: Float32Array }> }
    ).state.get(big)!.momentumBuffer;
    expect(residentOffset(buf)).toBeGreaterThanOrEqual(65536);
  });

  it('the buffer pool makes resident arrays inside tidy() (recycled at its end), ordinary ones outside', () => {
    const g = new Generator(4);
    const x = randn([128, 200], { generator: g });
    expect(residentOffset(x.relu().storage.data)).toBe(-1); // outside a scope only the GC frees it
    const at: number[] = [];
    for (let i = 0; i < 3; i++)
      tidy(() => {
        at.push(residentOffset(x.relu().storage.data));
      });
    expect(at[0]).toBeGreaterThanOrEqual(65536);
    expect(at).toEqual([at[0], at[0], at[0]]); // the same block, step after step
  });

  it("products with a resident operand (batched, so read at an offset) give the copying path's bits", () => {
    const g = new Generator(2);
    const w = new nn.Parameter(randn([3, 80, 90], { generator: g }));
    const b = new nn.Parameter(randn([90, 300], { generator: g }));
    const x = randn([90, 300], { generator: g });
    expect(residentOffset(w.storage.data)).toBeGreaterThanOrEqual(0);
    const wCopy = tensor(plain(w.storage.data as Float32Array)).reshape([3, 80, 90]);
    const bCopy = tensor(plain(b.storage.data as Float32Array)).reshape([90, 300]);
    expect(Array.from(w.matmul(x).toTypedArray())).toEqual(
      Array.from(wCopy.matmul(x).toTypedArray()),
    );
    // inside tidy() the batched product's output is resident too (from the buffer pool), written
    // at an offset per batch: against float64 (the TypeScript kernels), which shares none of that
    const want = w.double().matmul(x.double()).toTypedArray();
    tidy(() => {
      const got = w.matmul(x);
      expect(residentOffset(got.storage.data)).toBeGreaterThanOrEqual(0);
      got
        .toTypedArray()
        .forEach((v, i) =>
          expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want[i]!))),
        );
    });
    expect(Array.from(w.matmul(b).toTypedArray())).toEqual(
      Array.from(wCopy.matmul(bCopy).toTypedArray()),
    );
    expect(Array.from(x.t().matmul(b.t().contiguous().t()).toTypedArray())).toEqual(
      Array.from(x.t().matmul(bCopy.t().contiguous().t()).toTypedArray()),
    );
  });

  it('a gradient accumulated into a resident buffer is updated in place, bit for bit', () => {
    const g = new Generator(3);
    const w = new nn.Parameter(randn([64, 300], { generator: g }));
    const x = randn([300, 64], { generator: g });
    const loss = () => F.relu(w.matmul(x)).square().sum();
    loss().backward();
    const first = plain(w.grad!.storage.data as Float32Array);
    const buffer = w.grad!.storage.data;
    loss().backward();
    expect(w.grad!.storage.data).toBe(buffer); // the same array, written in place
    const want = first.map((v) => Math.fround(v + v));
    expect(Array.from(w.grad!.storage.data)).toEqual(Array.from(want));
  });
});

// A resident block comes back when the garbage collector takes its array: parameters made and
// dropped over and over must not grow the kernels' memory. Run in a child process with
// --expose-gc, so collection (and the finalizers after it) can be forced.
describe('resident blocks are reused once their arrays are collected', () => {
  it('a thousand dropped 80 KB parameters use a few blocks, not a thousand', async () => {
    const { execFileSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const root = join(import.meta.dirname, '../..');
    const script = `
      import { nn, randn } from ${JSON.stringify(join(root, 'src/index.ts'))};
      import { residentMemory } from ${JSON.stringify(join(root, 'src/tensor/backend/index.ts'))};
      const tick = () => new Promise((r) => setTimeout(r, 0));
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 50; i++) new nn.Parameter(randn([20000]));
        globalThis.gc(); await tick(); // finalizers run after a collection, between tasks
      }
      console.log(JSON.stringify(residentMemory()));
    `;
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const { arrays, bytes } = JSON.parse(out.trim().split('\n').at(-1)!) as {
      arrays: number;
      bytes: number;
    };
    expect(arrays).toBe(1000);
    expect(bytes).toBeLessThanOrEqual(100 * 80_000); // at most one round's worth and change
  }, 60_000);
});
