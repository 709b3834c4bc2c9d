import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Generator, nn, tensor, type Tensor } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kdgrad-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A safetensors file written by hand: header JSON, then raw little-endian bytes. */
function handmade(header: object, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

class Small extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3, { padding: 1, generator: new Generator(1) });
  bn = new nn.BatchNorm2d(4);
  fc = new nn.Linear(4, 2, { generator: new Generator(2) });
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.bn.forward(this.conv.forward(x)).relu().mean([2, 3]));
  }
}

describe('safetensors', () => {
  it('round trip: save -> load gives identical outputs, keys, dtypes and metadata', async () => {
    const a = new Small();
    const x = tensor(
      new Float32Array(2 * 3 * 5 * 5).map((_, i) => Math.sin(i)),
      { shape: [2, 3, 5, 5] },
    );
    a.forward(x); // moves the running stats
    a.eval();
    const path = join(dir, 'small.safetensors');
    await nn.saveModule(a, path, { epoch: '3' });
    const b = new Small();
    const { metadata } = await nn.loadModule(b, path);
    b.eval();
    expect(metadata).toEqual({ format: 'pt', epoch: '3' });
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
    const file = await nn.loadSafetensors(path);
    expect(file.tensors['bn.num_batches_tracked']!.dtype).toBe('int32');
    expect(file.tensors['conv.weight']!.shape).toEqual([4, 3, 3, 3]);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]); // atomic write left nothing
  });

  it('writes the layout PyTorch reads: 8-byte length, aligned JSON header, little-endian data', () => {
    const bytes = nn.encodeSafetensors({
      w: tensor([[1, 2]], { dtype: 'float64' }),
      n: tensor([7], { dtype: 'int32' }),
    });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({
      w: { dtype: 'F64', shape: [1, 2], data_offsets: [0, 16] },
      n: { dtype: 'I32', shape: [1], data_offsets: [16, 20] },
    });
    expect(new DataView(bytes.buffer).getFloat64(8 + n + 8, true)).toBe(2);
  });

  it('reads files from other writers: F16, BF16 and I64 (as PyTorch saves num_batches_tracked)', () => {
    const data = new Uint8Array(2 + 2 + 8);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3c00, true); // 1.0 in half precision
    v.setUint16(2, 0xc000, true); // -2.0 in bfloat16
    v.setBigInt64(4, 42n, true);
    const f = nn.decodeSafetensors(
      handmade(
        {
          h: { dtype: 'F16', shape: [], data_offsets: [0, 2] },
          b: { dtype: 'BF16', shape: [1], data_offsets: [2, 4] },
          n: { dtype: 'I64', shape: [], data_offsets: [4, 12] },
        },
        data,
      ),
    );
    expect(f.tensors.h!.item()).toBe(1);
    expect(f.tensors.b!.toArray()).toEqual([-2]);
    expect(f.tensors.n!.item()).toBe(42);
  });

  it('rejects truncated and corrupt files with the file name and what is wrong', async () => {
    const good = nn.encodeSafetensors({ w: tensor([1, 2, 3, 4]) });
    const cases: [string, Uint8Array, RegExp][] = [
      ['tiny', good.subarray(0, 5), /it is 5 bytes long, too short for the 8-byte header length/],
      [
        'cut-header',
        good.subarray(0, 20),
        /header length \d+ \(bytes 0-7\) exceeds the 12 bytes that follow/,
      ],
      [
        'cut-data',
        good.subarray(0, good.length - 3),
        /tensor 'w' needs bytes 0-16 .* only 13 bytes follow the header: the file is truncated/,
      ],
      [
        'bad-json',
        handmade({}, new Uint8Array()).map((b, i) => (i === 8 ? 0x7b + 1 : b)),
        /the JSON header \(bytes 8-9\) does not parse/,
      ],
      [
        'dtype',
        handmade({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
        /tensor 'w' has unsupported dtype "C64"/,
      ],
      [
        'size',
        handmade({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
        /needs 12 bytes but data_offsets span 8/,
      ],
      [
        'gap',
        handmade({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
        /starts at data byte 4, expected 0 \(a gap\)/,
      ],
      [
        'extra',
        handmade({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(8)),
        /4 bytes after the last tensor are not described/,
      ],
    ];
    for (const [name, bytes, pattern] of cases) {
      const path = join(dir, `${name}.safetensors`);
      writeFileSync(path, bytes);
      await expect(nn.loadSafetensors(path), name).rejects.toThrow(
        new RegExp(`${name}.safetensors: not a valid safetensors file: .*${pattern.source}`),
      );
    }
  });

  it('a checkpoint for another architecture is refused with the file name and the key report', async () => {
    const path = join(dir, 'mlp.safetensors');
    await nn.saveModule(new nn.MLP([4, 3]), path);
    await expect(nn.loadModule(new Small(), path)).rejects.toThrow(
      /mlp.safetensors: loadStateDict: state dict does not match Small:\n\s+missing keys: conv.weight/,
    );
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path).length).toBeGreaterThan(8);
  });

  it("a tensor named '__proto__' is kept as a tensor, and a strict load reports it", () => {
    // JSON text with a literal "__proto__" key (an object literal cannot hold one as its own key)
    const json =
      '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    const head = new TextEncoder().encode(json);
    const file = new Uint8Array(8 + head.length + 8);
    new DataView(file.buffer).setBigUint64(0, BigInt(head.length), true);
    file.set(head, 8);
    const { tensors } = nn.decodeSafetensors(file, 'proto.safetensors');
    expect(Object.keys(tensors).sort()).toEqual(['__proto__', 'w']);
    const lin = new nn.Linear(1, 1, { bias: false });
    expect(() => lin.loadStateDict({ weight: tensor([[1]]), ...tensors })).toThrow(
      /unexpected keys: .*__proto__/,
    );
    // and the writer keeps such a name too
    const again = nn.decodeSafetensors(nn.encodeSafetensors(tensors), 'again');
    expect(Object.keys(again.tensors).sort()).toEqual(['__proto__', 'w']);
  });

  it('pads the header to 8 bytes counting UTF-8 bytes (non-ASCII names), so the data stays aligned', () => {
    for (const name of ['température', 'Gewicht_ä', '重み', 'a']) {
      const bytes = nn.encodeSafetensors({ [name]: tensor([1.5, -2], { dtype: 'float64' }) });
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + n) % 8, name).toBe(0);
      expect(
        Array.from(nn.decodeSafetensors(bytes, name).tensors[name]!.toTypedArray()),
        name,
      ).toEqual([1.5, -2]);
    }
  });

  it('writes num_batches_tracked as I64, as PyTorch does, and reads it back', async () => {
    const bn = new nn.BatchNorm2d(3);
    bn.numBatchesTracked!.storage.data[0] = 7;
    const path = join(dir, 'bn.safetensors');
    await nn.saveModule(bn, path);
    const raw = readFileSync(path);
    const n = Number(raw.readBigUInt64LE(0));
    const header = JSON.parse(raw.subarray(8, 8 + n).toString('utf8'));
    expect(header.num_batches_tracked.dtype).toBe('I64');
    expect(header.running_mean.dtype).toBe('F32');
    const back = new nn.BatchNorm2d(3);
    await nn.loadModule(back, path);
    expect(back.numBatchesTracked!.item()).toBe(7);
  });

  it('a save removes temporary files left by a process killed during an earlier save; its own survive', async () => {
    const path = join(dir, 'kill9.safetensors');
    const deadPid = 2 ** 22 + 12345; // above Linux's pid_max, so never a running process
    writeFileSync(`${path}.tmp-${deadPid}-1700000000000`, 'partial');
    writeFileSync(`${path}.tmp-${process.pid}-1700000000001`, 'ours, in flight');
    writeFileSync(join(dir, 'other.safetensors.tmp-1-1'), "another file's");
    await nn.saveSafetensors(path, { x: tensor([1]) });
    const left = readdirSync(dir);
    expect(left).not.toContain(`kill9.safetensors.tmp-${deadPid}-1700000000000`);
    expect(left).toContain(`kill9.safetensors.tmp-${process.pid}-1700000000001`);
    expect(left).toContain('other.safetensors.tmp-1-1');
  });

  it('a directory or a missing path is named in the error; non-regular files are refused', async () => {
    await expect(nn.loadSafetensors(dir)).rejects.toThrow(
      new RegExp(`${dir.replace(/[/.]/g, '\\$&')}: not a regular file \\(a directory\\)`),
    );
    await expect(nn.loadSafetensors(join(dir, 'nope.safetensors'))).rejects.toThrow(
      /nope\.safetensors/,
    );
    await expect(nn.loadSafetensors('/dev/zero')).rejects.toThrow(
      /\/dev\/zero: not a regular file \(a device, pipe or socket\)/,
    );
    await expect(nn.saveSafetensors(dir, { x: tensor([1]) })).rejects.toThrow(
      new RegExp(dir.replace(/[/.]/g, '\\$&')),
    );
  });
});
