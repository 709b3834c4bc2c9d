// Fuzzing the CIFAR-10 reader: random and mutated bytes give a set or one error that names the
// source (and the record and byte offset where it applies).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { data } from '../../src/index.js';
import { fcParams } from '../helpers/arbitraries.js';
import { learnableSet } from '../helpers/fixtures.js';

function readOrNamedError(bytes: Uint8Array): void {
  try {
    const set = data.parseCifarBatch(bytes, 'fuzz.bin');
    expect(set.count * data.RECORD_BYTES).toBe(bytes.length);
    expect(Array.from(set.labels).every((l) => l < 10)).toBe(true);
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(
      /^fuzz\.bin: (the file is empty|size \d+ bytes is not a multiple of the 3073-byte CIFAR-10 record; record \d+ \(at byte offset \d+\)|record \d+ \(byte offset \d+\) has label \d+, outside 0-9)/,
    );
  }
}

describe('CIFAR-10 reader under fuzzing', () => {
  const valid = data.encodeCifarBatch(learnableSet(3, 1));
  it('random bytes (lengths around whole records)', () => {
    const len = fc.oneof(fc.nat(50), fc.constantFrom(3072, 3073, 3074, 6146, 6147));
    fc.assert(
      fc.property(len, fc.integer({ min: 0, max: 255 }), fc.nat(), (n, fill, salt) => {
        readOrNamedError(new Uint8Array(n).map((_, i) => (i * 2654435761 + salt + fill) % 256));
      }),
      fcParams(200),
    );
  });
  it('a valid file with a label changed or bytes cut', () => {
    fc.assert(
      fc.property(
        fc.nat(2),
        fc.integer({ min: 0, max: 255 }),
        fc.nat(valid.length),
        (record, label, cut) => {
          const b = Uint8Array.from(valid);
          b[record * data.RECORD_BYTES] = label;
          readOrNamedError(b);
          readOrNamedError(b.subarray(0, cut));
        },
      ),
      fcParams(200),
    );
  });
});
