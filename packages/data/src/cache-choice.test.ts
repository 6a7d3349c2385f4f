// `cache: auto`: small datasets stay in memory, large ones stream image by image into the disk
// cache (checked structurally: the cache files grow by one image per progress report and no split
// holds its pixels in memory), and the second load reuses the cache without decoding.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, setLogSink, setProgressSink, type ProgressReport } from '@medtransfer/core';
import { AUTO_DISK_CACHE_ENV, autoDiskCacheBytes, decodedBytes, resolveCache } from './cache-choice';
import { isDiskSplit } from './disk-split';
import { folderItems } from './folder';
import { encodePng } from './image-fixtures';
import { loadDataset } from './registry';

const PER_CLASS = 1500;
const SIDE = 8;

/** `n` tiny gray PNGs per class (a, b), each different. */
function writeFolder(root: string, n: number): void {
  for (const [c, cls] of ['a', 'b'].entries()) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < n; i++) {
      const samples = new Uint8Array(SIDE * SIDE).map((_, p) => (p * 7 + i * 13 + c * 101) % 256);
      writeFileSync(join(root, cls, `${String(i).padStart(5, '0')}.png`), encodePng({ width: SIDE, height: SIDE, colorType: 0, bitDepth: 8, samples }));
    }
  }
}

/** Bytes written so far to the `*-images.npy` files of a cache folder being built. */
function imageFileBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('-images.npy'))) total += statSync(join(dir, f)).size;
  return total;
}

describe('cache: auto', function () {
  this.timeout(120_000);
  let root: string;
  let cacheDir: string;
  let restoreLog: () => void;
  const logged: string[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'mt-auto-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'mt-auto-cache-'));
    writeFolder(root, PER_CLASS);
    restoreLog = setLogSink((_level, line) => logged.push(line));
  });
  after(() => {
    restoreLog();
    delete process.env[AUTO_DISK_CACHE_ENV];
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('estimates the decoded size and takes the limit from the environment (1 GiB by default)', () => {
    const { items, setOptions } = folderItems(root, {});
    expect(decodedBytes(items, setOptions)).to.deep.equal({ bytes: 2 * PER_CLASS * SIDE * SIDE, height: SIDE, width: SIDE, channels: 1 });
    expect(decodedBytes(items, { ...setOptions, size: 32, channels: 3 }).bytes).to.equal(2 * PER_CLASS * 32 * 32 * 3);
    expect(autoDiskCacheBytes({})).to.equal(2 ** 30);
    expect(autoDiskCacheBytes({ [AUTO_DISK_CACHE_ENV]: '0.5' })).to.equal(2 ** 19);
    expect(() => autoDiskCacheBytes({ [AUTO_DISK_CACHE_ENV]: 'lots' })).to.throw(ConfigError, /MEDTRANSFER_DISK_CACHE_ABOVE_MB: expected a number of MiB ≥ 0/);
    expect(resolveCache('auto', items, setOptions, { env: {} })).to.equal('memory');
    expect(resolveCache('auto', items, setOptions, { env: { [AUTO_DISK_CACHE_ENV]: '0.1' } })).to.equal('disk');
    expect(resolveCache('memory', items, setOptions, { env: { [AUTO_DISK_CACHE_ENV]: '0' } })).to.equal('memory');
    expect(resolveCache('disk', items, setOptions, { env: {} })).to.equal('disk');
    expect(resolveCache('auto', items, setOptions, { env: { [AUTO_DISK_CACHE_ENV]: '0' }, diskUnavailable: 'frames: all cannot' })).to.equal('memory');
    expect(logged.some((l) => l.includes('but frames: all cannot: they stay in memory'))).to.equal(true);
  });

  it(`streams ${2 * PER_CLASS} PNGs into the disk cache image by image above the limit, then reuses it`, () => {
    const ref = { name: 'folder', params: { path: root, cacheDir } };
    const ctx = { path: 'target.dataset', seed: 0 };
    const memory = loadDataset({ name: 'folder', params: { path: root, cache: 'memory' } }, ctx);
    // below the default limit (1 GiB): the default (auto) keeps them in memory
    expect(isDiskSplit(loadDataset(ref, ctx).splits.train)).to.equal(false);

    process.env[AUTO_DISK_CACHE_ENV] = '0.1'; // 100 KiB; the images are 188 KiB decoded
    const reports: ProgressReport[] = [];
    const written: Array<[number, number]> = [];
    const restore = setProgressSink((p) => {
      reports.push(p);
      // what has reached the cache files when the k-th image is reported (sampled: stat is not free)
      if (p.done % 250 === 0) written.push([p.done, imageFileBytes(`${p.id}.partial-${process.pid}`)]);
    });
    let first;
    try {
      first = loadDataset(ref, ctx);
    } finally {
      restore();
    }
    const n = 2 * PER_CLASS;
    // decoded incrementally: one report per image, in order, each after its pixels were written
    expect(reports.map((r) => r.done)).to.deep.equal(Array.from({ length: n + 1 }, (_, k) => k));
    expect(reports.every((r) => r.total === n && r.unit === 'images' && r.label === 'folder → disk cache')).to.equal(true);
    // (channels: auto writes RGB and shrinks a gray set to one channel at the end)
    expect(written.length).to.equal(n / 250 + 1);
    const headers = written[0][1];
    for (const [done, bytes] of written) expect(bytes - headers, `after ${done} images`).to.equal(done * SIDE * SIDE * 3);
    // no split holds the pixels: they are read from the cache by offset
    for (const split of ['train', 'val', 'test'] as const) {
      const s = first.splits[split]!;
      expect(isDiskSplit(s), split).to.equal(true);
      expect(() => s.images, split).to.throw(/stay in the disk cache/);
      expect(s.count).to.equal(memory.splits[split]!.count);
      expect(Array.from(s.labels)).to.deep.equal(Array.from(memory.splits[split]!.labels));
    }
    expect(first.fingerprint).to.equal(memory.fingerprint);
    expect(logged.some((l) => /folder .*: 3000 images ≈ 0\.00 GiB decoded \(8×8×1\), above the 0\.00 GiB of cache: auto, so they go to the disk cache/.test(l))).to.equal(true, logged.join('\n'));

    // the second pass opens the finished cache: nothing decoded, nothing reported
    const again: ProgressReport[] = [];
    const restore2 = setProgressSink((p) => again.push(p));
    let second;
    try {
      second = loadDataset(ref, ctx);
    } finally {
      restore2();
    }
    expect(again).to.deep.equal([]);
    expect(second.fingerprint).to.equal(first.fingerprint);
    expect(readdirSync(cacheDir)).to.have.length(1);
    expect(readdirSync(cacheDir)[0]).to.match(/^folder-[0-9a-f]+$/);
  });
});
