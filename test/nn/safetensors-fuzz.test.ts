// Fuzzing the safetensors parser: random bytes and mutations of a valid file give either a
// file or one named error (the source and what is wrong), never a stray exception, and never
// more memory than the file could describe.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nn, tensor } from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';

const valid = nn.encodeSafetensors(
  {
    'layer.weight': tensor([
      [1, 2],
      [3, 4],
    ]),
    'layer.bias': tensor([0.5, -0.5], { dtype: 'float64' }),
    n: tensor([7], { dtype: 'int32' }),
    mask: tensor([1, 0, 1], { dtype: 'bool' }),
  },
  { format: 'pt' },
);

function parseOrNamedError(bytes: Uint8Array): void {
  try {
    const { tensors } = nn.decodeSafetensors(bytes, 'fuzz.safetensors');
    // what parses is consistent: every tensor's values fit its shape
    for (const t of Object.values(tensors))
      expect(t.toTypedArray().length).toBe(t.shape.reduce((a, b) => a * b, 1));
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/^fuzz\.safetensors: not a valid safetensors file: /);
  }
}

describe('safetensors parser under fuzzing', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => parseOrNamedError(b)),
      fcParams(300),
    );
  });

  it('a valid file with bytes flipped, cut or inserted', () => {
    const mutation = fc.oneof(
      fc.record({
        kind: fc.constant('flip' as const),
        at: fc.nat(valid.length - 1),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({
        kind: fc.constant('cut' as const),
        at: fc.nat(valid.length - 1),
        value: fc.constant(0),
      }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(valid.length - 1),
        value: fc.integer({ min: 0, max: 255 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
        let b = Uint8Array.from(valid);
        for (const m of ms) {
          const at = m.at % b.length;
          if (m.kind === 'flip') b[at] = m.value;
          else if (m.kind === 'cut') b = b.subarray(0, at);
          else b = Uint8Array.from([...b.subarray(0, at), m.value, ...b.subarray(at)]);
          if (!b.length) break;
        }
        parseOrNamedError(b);
      }),
      fcParams(300),
    );
  });

  it('headers that claim huge shapes or lengths are refused before anything is allocated', () => {
    const header = (h: object) => {
      const json = new TextEncoder().encode(JSON.stringify(h));
      const out = new Uint8Array(8 + json.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    const huge = header({ w: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 4e12] } });
    expect(() => nn.decodeSafetensors(huge, 'fuzz.safetensors')).toThrow(
      /fuzz\.safetensors: .*tensor 'w' needs bytes 0-4000000000000 of the data section .* the file is truncated/,
    );
    const long = new Uint8Array(16);
    new DataView(long.buffer).setBigUint64(0, 2n ** 63n, true);
    expect(() => nn.decodeSafetensors(long, 'fuzz.safetensors')).toThrow(
      /header length 9223372036854775808 .* exceeds the 8 bytes that follow/,
    );
  });
});
