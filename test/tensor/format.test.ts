import { describe, expect, it } from 'vitest';
import { arange, tensor } from '../../src/index.js';

describe('toString prints like PyTorch', () => {
  it('shows values, shape, dtype and the grad_fn name', () => {
    expect(tensor([1.5, 2]).toString()).toBe('tensor([1.5000, 2.0000])');
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).toString(),
    ).toBe('tensor([[1., 2.],\n        [3., 4.]], shape=[2, 2])');
    expect(tensor([1, 2], { dtype: 'float64', requiresGrad: true }).toString()).toBe(
      'tensor([1., 2.], dtype=float64, requiresGrad=true)',
    );
    const y = tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(y.toString()).toBe('tensor([2., 4.], gradFn=<MulBackward>)');
    expect(tensor(0.5).toString()).toBe('tensor(0.5000, shape=[])');
    expect(tensor([1e-6, 1]).toString()).toBe('tensor([1.0000e-6, 1.0000e+0])');
    expect(tensor([NaN, Infinity, -Infinity]).toString()).toBe('tensor([ nan,  inf, -inf])');
    expect(tensor([1, 2], { dtype: 'int32' }).toString()).toBe('tensor([1, 2], dtype=int32)');
    expect(tensor([true, false]).toString()).toBe('tensor([ true, false], dtype=bool)');
  });
  it('summarises large tensors with ...', () => {
    const s = arange(2000).to('float32').reshape(2, 1000).toString();
    expect(s).toBe(
      'tensor([[   0.,    1.,    2., ...,  997.,  998.,  999.],\n        [1000., 1001., 1002., ..., 1997., 1998., 1999.]], shape=[2, 1000])',
    );
  });
});
