// `kdgrad download` against a local HTTP server on 127.0.0.1 serving a tarball built here.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data } from '../../src/index.js';
import { downloadCifar10 } from '../../src/data/download.js';

const dir = mkdtempSync(join(tmpdir(), 'kdgrad-dl-'));
let server: Server;
let url = '';
let archive: Buffer;
let md5 = '';
const ranges: string[] = [];

beforeAll(async () => {
  const src = join(dir, 'src', 'cifar-10-batches-bin');
  mkdirSync(src, { recursive: true });
  const set = {
    images: new Uint8Array(4 * data.IMAGE_BYTES).fill(7),
    labels: Uint8Array.of(0, 1, 2, 3),
    count: 4,
  };
  writeFileSync(join(src, 'data_batch_1.bin'), data.encodeCifarBatch(set));
  writeFileSync(join(src, 'test_batch.bin'), data.encodeCifarBatch(set));
  writeFileSync(join(src, 'batches.meta.txt'), data.CLASS_NAMES.join('\n'));
  const tgz = join(dir, 'cifar.tar.gz');
  await tar.c({ gzip: true, file: tgz, cwd: join(dir, 'src') }, ['cifar-10-batches-bin']);
  archive = readFileSync(tgz);
  md5 = createHash('md5').update(archive).digest('hex');
  server = createServer((req, res) => {
    if (req.url !== '/cifar-10-binary.tar.gz') {
      res.writeHead(404);
      res.end();
      return;
    }
    const range = req.headers.range;
    if (range) {
      ranges.push(range);
      const start = Number(/bytes=(\d+)-/.exec(range)![1]);
      // as real servers: a range that starts at or past the end is not satisfiable
      if (start >= archive.length) {
        res.writeHead(416, { 'content-range': `bytes */${archive.length}` });
        res.end();
        return;
      }
      res.writeHead(206, {
        'content-length': archive.length - start,
        'content-range': `bytes ${start}-${archive.length - 1}/${archive.length}`,
      });
      res.end(archive.subarray(start));
      return;
    }
    res.writeHead(200, { 'content-length': archive.length });
    res.end(archive);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('download', () => {
  it('fetches, checks the MD5, unpacks, and reports progress', async () => {
    const dest = join(dir, 'ok');
    const seen: number[] = [];
    const out = await downloadCifar10({ url, md5, dest, onProgress: (r) => seen.push(r) });
    expect(out).toBe(join(dest, 'cifar-10-batches-bin'));
    expect((await data.loadCifarSplit(out, 'train')).count).toBe(4);
    expect(seen.at(-1)).toBe(archive.length);
  });

  it('rejects a wrong checksum and leaves nothing behind', async () => {
    const dest = join(dir, 'bad');
    await expect(downloadCifar10({ url, md5: '0'.repeat(32), dest })).rejects.toThrow(
      /MD5 [0-9a-f]{32} does not match the expected 0{32}; the file was deleted and nothing was unpacked/,
    );
    expect(readdirSync(dest)).toEqual([]);
  });

  it('resumes a partial download with a Range request', async () => {
    const dest = join(dir, 'resume');
    mkdirSync(dest);
    writeFileSync(join(dest, 'cifar-10-binary.tar.gz.part'), archive.subarray(0, 100));
    ranges.length = 0;
    await downloadCifar10({ url, md5, dest });
    expect(ranges).toEqual(['bytes=100-']);
    expect(readFileSync(join(dest, 'cifar-10-binary.tar.gz')).equals(archive)).toBe(true);
    expect(existsSync(join(dest, 'cifar-10-binary.tar.gz.part'))).toBe(false);
  });

  it('kdgrad download works from the command line', async () => {
    const dest = join(dir, 'cli');
    const root = join(import.meta.dirname, '../..');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(root, 'bin/kdgrad.mjs'),
        'download',
        '--url',
        url,
        '--md5',
        md5,
        '--dest',
        dest,
        '--json',
      ],
      { cwd: root },
    );
    expect(JSON.parse(stdout).dir).toBe(join(dest, 'cifar-10-batches-bin'));
    await expect(
      promisify(execFile)(
        process.execPath,
        [
          join(root, 'bin/kdgrad.mjs'),
          'download',
          '--url',
          url.replace('cifar', 'missing'),
          '--md5',
          md5,
          '--dest',
          join(dir, 'cli2'),
        ],
        { cwd: root },
      ),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /download of http:\/\/127.0.0.1:\d+\/missing-10-binary.tar.gz failed: HTTP 404/,
      ),
    });
  });

  it('a complete .part left by a stopped run is finished (HTTP 416), not refused', async () => {
    const dest = join(dir, 'complete-part');
    mkdirSync(dest);
    writeFileSync(join(dest, 'cifar-10-binary.tar.gz.part'), archive);
    ranges.length = 0;
    expect(await downloadCifar10({ url, md5, dest })).toBe(join(dest, 'cifar-10-batches-bin'));
    expect(ranges).toEqual([`bytes=${archive.length}-`]);
  });

  it('a network failure says what failed and that a rerun resumes; a bad md5 is refused before any request', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`;
    await expect(downloadCifar10({ url: dead, md5, dest: join(dir, 'dead') })).rejects.toThrow(
      new RegExp(
        `download of ${dead.replace(/[.]/g, '\\.')} failed \\(ECONNREFUSED\\); nothing arrived: run the same command again`,
      ),
    );
    // a server that dies mid-body leaves a .part, and the message says a rerun resumes
    const dying = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': archive.length });
      res.write(archive.subarray(0, 50));
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((resolve) => dying.listen(0, '127.0.0.1', resolve));
    const cut = `http://127.0.0.1:${(dying.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
    await expect(downloadCifar10({ url: cut, md5, dest: join(dir, 'cut') })).rejects.toThrow(
      /failed \(.+\); what arrived is kept in .*cifar-10-binary\.tar\.gz\.part: run the same command again to resume/,
    );
    dying.close();
    ranges.length = 0;
    await expect(downloadCifar10({ url, md5: 'abc', dest: join(dir, 'badmd5') })).rejects.toThrow(
      /md5 must be 32 hexadecimal digits, got "abc"/,
    );
    expect(existsSync(join(dir, 'badmd5'))).toBe(false);
  });

  it('npm start (kdgrad demo) with no data folder downloads into ./data and goes on; offline it says what to do', async () => {
    const root = join(import.meta.dirname, '../..');
    const cwd = join(dir, 'fresh-machine');
    mkdirSync(cwd);
    const env = { ...process.env };
    delete env.CIFAR10_DIR;
    const args = [
      join(root, 'bin/kdgrad.mjs'),
      'demo',
      '--epochs',
      '1',
      '--seeds',
      '1',
      '--temperatures',
      '2',
      '--batch-size',
      '4',
      '--out-dir',
      'report',
    ];
    const { stderr } = await promisify(execFile)(
      process.execPath,
      [...args, '--download-url', url, '--download-md5', md5],
      { cwd, env },
    );
    expect(stderr).toMatch(
      /No CIFAR-10 folder found .*: downloading http:\/\/127\.0\.0\.1:\d+\/cifar-10-binary\.tar\.gz into \.\/data/,
    );
    expect(existsSync(join(cwd, 'data/cifar-10-batches-bin/test_batch.bin'))).toBe(true);
    expect(existsSync(join(cwd, 'report/sweep.md'))).toBe(true);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/cifar-10-binary.tar.gz`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline = join(dir, 'offline-machine');
    mkdirSync(offline);
    await expect(
      promisify(execFile)(process.execPath, [...args, '--download-url', deadUrl], {
        cwd: offline,
        env,
      }),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(
        /failed \(ECONNREFUSED\)[\s\S]*Without network: copy the official CIFAR-10 binary files into \.\/data\/cifar-10-batches-bin, or point CIFAR10_DIR/,
      ),
    });
  }, 120_000);

  it('gives up on a server that never answers or trickles, keeping what arrived; other failures are said as what they are', async () => {
    const open: import('node:net').Socket[] = [];
    const slowServer = createServer((req, res) => {
      open.push(req.socket);
      if (req.url === '/silent') return; // accepts, never answers
      res.writeHead(200, { 'content-length': '1000000' });
      const timer = setInterval(() => res.write('x'), 100); // 10 bytes/s
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((ok) => slowServer.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(slowServer.address() as AddressInfo).port}`;
    try {
      const fast = { md5, windowSeconds: 1, minBytesPerSecond: 100 };
      const t0 = Date.now();
      await expect(
        downloadCifar10({ ...fast, url: `${base}/silent`, dest: join(dir, 'silent') }),
      ).rejects.toThrow(/download of .*\/silent failed \(no data for 1 s\); nothing arrived/);
      await expect(
        downloadCifar10({ ...fast, url: `${base}/trickle`, dest: join(dir, 'trickle') }),
      ).rejects.toThrow(
        /failed \(only \d+ bytes in 1 s \(under 100 bytes\/s\)\); what arrived is kept in .*\.part: run the same command again to resume/,
      );
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      for (const s of open) s.destroy();
      slowServer.close();
    }
    await expect(
      downloadCifar10({ url: 'not a url', md5, dest: join(dir, 'badurl') }),
    ).rejects.toThrow(/download: "not a url" is not a valid URL/);
    // an archive that is not a tarball: the error names it
    const notTar = join(dir, 'nottar');
    mkdirSync(notTar, { recursive: true });
    const junk = Buffer.from('this is not a tar.gz');
    writeFileSync(join(notTar, 'cifar-10-binary.tar.gz'), junk);
    await expect(
      downloadCifar10({ url, md5: createHash('md5').update(junk).digest('hex'), dest: notTar }),
    ).rejects.toThrow(/nottar\/cifar-10-binary\.tar\.gz: cannot unpack/);
  }, 60_000);
});
