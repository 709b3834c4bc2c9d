// Bad input gets an error that names the op and what was wrong.
import { describe, expect, it } from 'vitest';
import {
  arange,
  eye,
  full,
  rand,
  randint,
  randn,
  randperm,
  tensor,
  zeros,
  ones,
} from '../../src/index.js';

describe('shape errors name the op and both shapes', () => {
  it.each([
    ['add', () => zeros([2, 3]).add(zeros([4]))],
    ['mul', () => zeros([2, 3]).mul(zeros([3, 2]))],
    [
      'where',
      () =>
        zeros([2])
          .gt(0)
          .bool()
          .eq(zeros([3])),
    ],
  ])('%s', (op, fn) => {
    expect(fn).toThrow(
      new RegExp(`(${op}|eq): shapes \\[\\d(, \\d)?\\] and \\[\\d(, \\d)?\\] cannot be broadcast`),
    );
  });
  it('reshape and view name the requested and the actual shape', () => {
    expect(() => zeros([2, 3]).reshape(4, 2)).toThrow(
      /reshape: shape \[4, 2\] is invalid for input of shape \[2, 3\] \(6 elements\)/,
    );
    expect(() => zeros([2, 3]).reshape(-1, -1)).toThrow(/only one dimension can be -1/);
    expect(() => zeros([2, 3]).expand(3, 3)).toThrow(
      /expand: cannot expand shape \[2, 3\] to \[3, 3\]/,
    );
  });
});

describe('dims out of range', () => {
  it.each([
    ['sum', () => zeros([2, 3]).sum(2)],
    ['softmax', () => zeros([2, 3]).softmax(-3)],
    ['transpose', () => zeros([2, 3]).transpose(0, 5)],
    ['unsqueeze', () => zeros([2]).unsqueeze(3)],
    ['narrow', () => zeros([2]).narrow(1, 0, 1)],
  ])('%s', (op, fn) => {
    expect(fn).toThrow(new RegExp(`${op}: dim -?\\d+ out of range for a tensor of rank \\d`));
  });
  it('permute needs a permutation, narrow a range that fits', () => {
    expect(() => zeros([2, 3]).permute(0, 0)).toThrow(
      /permute: dims \[0, 0\] are not a permutation/,
    );
    expect(() => zeros([4]).narrow(0, 3, 2)).toThrow(
      /narrow: start 3 and length 2 are out of range for dim 0 of size 4/,
    );
    expect(() => zeros([2, 2]).sum([0, 0])).toThrow(/repeats a dimension/);
  });
});

describe('constructors reject input that would produce nonsense', () => {
  it('ragged or non-numeric nested arrays', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(
      /ragged nested array at \[1\]: expected length 2, got length 1/,
    );
    expect(() => tensor([[1, 2], 3] as never)).toThrow(/ragged nested array at \[1\]/);
    expect(() => tensor(['a'] as never)).toThrow(/element at \[0\] is string/);
  });
  it('invalid shapes, sizes and ranges', () => {
    expect(() => zeros([2, -1])).toThrow(/zeros: invalid shape \[2, -1\]/);
    expect(() => ones([1.5])).toThrow(/invalid shape \[1.5\]/);
    expect(() => arange(0, 1, 0)).toThrow(/step must be non-zero/);
    expect(() => arange(0, 5, -1)).toThrow(/wrong sign/);
    expect(() => arange(0, NaN)).toThrow(/end must be finite, got NaN/);
    expect(() => randint(3, 3, [2])).toThrow(/randint: need integers low < high/);
    expect(() => randperm(-1)).toThrow(/randperm: n must be an integer >= 0/);
    expect(() => eye(-2)).toThrow(/eye: invalid shape/);
    expect(() => randn([2], { dtype: 'int32' })).toThrow(/randn: dtype must be float32 or float64/);
    expect(() => rand([2], { dtype: 'float16' as never })).toThrow(/unknown dtype "float16"/);
    expect(() => full([2], 'x' as never)).toThrow(/fill value must be a number/);
    expect(() => tensor(new Float32Array(4), { shape: [3] })).toThrow(
      /shape \[3\] needs 3 values, got 4/,
    );
  });
  it('item() on a multi-element tensor, clamp with min > max', () => {
    expect(() => zeros([2]).item()).toThrow(/only one-element tensors.*\[2\]/);
    expect(() => zeros([2]).clamp(1, 0)).toThrow(/clamp: min 1 is greater than max 0/);
  });
});
