// Tensor methods of their own: pinMemory() / isPinned(), the copy that lives in the wasm kernels'
// memory. Where that memory is shared (Node with the wasm kernels) a large float32 tensor must
// come back pinned; everywhere (the TypeScript-kernel project too) the copy has the same values,
// is a leaf, and computes what the original computes, bit for bit.
import { describe, expect, it } from 'vitest';
import { F, Generator, nn, randn, tidy } from '../../src/index.js';
import { RESIDENT_MIN, residentF32 } from '../../src/tensor/backend/index.js';

/** Whether this run can pin at all: a resident block is made only with shared wasm memory. */
const canPin = residentF32(RESIDENT_MIN) !== null;

const bits = (a: ArrayLike<number>) => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));

describe('pinMemory', () => {
  it('pins a large float32 tensor where the memory is shared, with the same values', () => {
    const x = randn([64, 3072], { generator: new Generator(1) });
    const p = x.pinMemory();
    expect(x.isPinned()).toBe(false);
    expect(p.isPinned()).toBe(canPin);
    expect(p.shape).toEqual([64, 3072]);
    expect(p.dtype).toBe('float32');
    expect(bits(p.toTypedArray())).toEqual(bits(x.toTypedArray()));
    // a copy: writing the original's buffer does not reach it
    x.storage.data[0] = 123;
    expect(p.toTypedArray()[0]).not.toBe(123);
  });

  it('gives an ordinary copy for small, float64 and integer tensors', () => {
    const g = new Generator(2);
    for (const t of [
      randn([10], { generator: g }),
      randn([200, 100], { generator: g, dtype: 'float64' }),
      randn([200, 100], { generator: g }).int(),
    ]) {
      const p = t.pinMemory();
      expect(p.isPinned()).toBe(false);
      expect(p.dtype).toBe(t.dtype);
      expect(bits(p.toTypedArray())).toEqual(bits(t.toTypedArray()));
    }
  });

  it('copies a strided view into contiguous order', () => {
    const x = randn([300, 100], { generator: new Generator(3) });
    const view = x.transpose(0, 1);
    const p = view.pinMemory();
    expect(p.isPinned()).toBe(canPin);
    expect(p.shape).toEqual([100, 300]);
    expect(p.isContiguous()).toBe(true);
    expect(bits(p.toTypedArray())).toEqual(bits(view.contiguous().toTypedArray()));
  });

  it('outlives a tidy() scope it was made in, and a training step reads it as the original', () => {
    const g = new Generator(4);
    const x = randn([64, 3072], { generator: g });
    const pinned = tidy(() => x.pinMemory());
    tidy(() => randn([64, 3072], { generator: g }).sum()); // a scope that reuses buffers
    expect(bits(pinned.toTypedArray())).toEqual(bits(x.toTypedArray()));
    const grads = (input: typeof x) => {
      const net = new nn.MLP([3072, 32, 10], { generator: new Generator(5) });
      tidy(() => {
        F.crossEntropy(net.forward(input), [1, 2, 3, 4].concat(Array(60).fill(0))).backward();
      });
      return net.parameters().map((q) => bits(q.grad!.toTypedArray()));
    };
    expect(grads(pinned)).toEqual(grads(x));
  });

  it('refuses a tensor that requires grad, naming its shape', () => {
    const w = randn([3, 4], { generator: new Generator(6) }).requiresGrad_();
    expect(() => w.pinMemory()).toThrow(/pinMemory: the tensor of shape \[3, 4\] requires grad/);
    expect(w.detach().pinMemory().requiresGrad).toBe(false);
  });
});
