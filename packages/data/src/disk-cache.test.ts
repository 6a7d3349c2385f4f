import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { transformsSchema, type Batch } from '@medtransfer/core';
import { createBatchSource } from './batches';
import { createDiskBatchSource } from './disk-batches';
import { cacheImageFolder, loadImageFolder } from './folder';
import { encodePng } from './image-fixtures';

/** A textured PNG, gray or RGB, different for each `seed`. */
function texture(size: number, seed: number, colour: boolean): Buffer {
  const ch = colour ? 3 : 1;
  const samples = new Uint8Array(size * size * ch);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) for (let c = 0; c < ch; c++) samples[(y * size + x) * ch + c] = (x * (seed + 3) + y * 7 * (c + 1) + seed * 31) % 256;
  }
  return encodePng({ width: size, height: size, colorType: colour ? 2 : 0, bitDepth: 8, samples });
}

function makeFolder(root: string, perClass: number, size: number, colour: (i: number) => boolean, distinct = Infinity): void {
  for (const cls of ['a', 'b', 'c']) {
    mkdirSync(join(root, cls), { recursive: true });
    const cache = new Map<number, Buffer>();
    for (let i = 0; i < perClass; i++) {
      const key = i % distinct;
      if (!cache.has(key)) cache.set(key, texture(size, key + cls.charCodeAt(0), colour(key)));
      writeFileSync(join(root, cls, `${String(i).padStart(5, '0')}.png`), cache.get(key)!);
    }
  }
}

/** Full garbage collections, so measurements count what is retained, not garbage awaiting the collector. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // twice: V8 frees ArrayBuffer memory on a background sweeper, which the second collection completes
  gc();
  gc();
}

const all = (it: Iterable<Batch>) => [...it].map((b) => ({ x: Array.from(b.x), labels: Array.from(b.labels), size: b.size }));

describe('disk cache (bounded memory)', function () {
  this.timeout(60_000);
  let root: string;
  let cacheDir: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'mt-disk-'));
    cacheDir = mkdtempSync(join(tmpdir(), 'mt-cache-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('gives the same fingerprint, splits and batches as the in-memory loader, with and without prefetch', async () => {
    makeFolder(root, 9, 12, (i) => i === 4);
    const mem = loadImageFolder(root, { seed: 2 });
    const disk = cacheImageFolder(root, { seed: 2, cacheDir });
    expect(disk.fingerprint).to.equal(mem.fingerprint);
    expect(disk.splits.train!.channels).to.equal(3);
    for (const split of ['train', 'val', 'test'] as const) {
      expect(disk.splits[split]!.count).to.equal(mem.splits[split]!.count);
      expect(Array.from(disk.splits[split]!.labels)).to.deep.equal(Array.from(mem.splits[split]!.labels));
    }
    const opts = { imageSize: 16, channels: 1 as const };
    const expected = all(createBatchSource(mem, 'train', opts).epoch(4, 11));
    for (const prefetch of [true, false]) {
      const src = createDiskBatchSource(disk, 'train', { ...opts, prefetch });
      expect(all(src.epoch(4, 11))).to.deep.equal(expected);
      expect(all(src.epoch(4, 11))).to.deep.equal(expected); // a second pass reuses the worker
      [...src.epoch(5, 12)].slice(0, 1); // abandoned mid-epoch, then a full one
      expect(all(src.epoch(4, 11))).to.deep.equal(expected);
      await src.close();
    }
    // with transforms and augmentation: same order, same random stream
    const transforms = transformsSchema.parse({ fit: 'pad', augment: { flip: 'both', rotate: 10, brightness: 0.1 } });
    const augOpts = { imageSize: 16, channels: 3 as const, transforms, augment: true };
    const src = createDiskBatchSource(disk, 'train', augOpts);
    expect(all(src.epoch(3, 5))).to.deep.equal(all(createBatchSource(mem, 'train', augOpts).epoch(3, 5)));
    await src.close();
  });

  it('reuses a finished cache, rebuilds when a file changes, and stores gray sets as one channel', () => {
    makeFolder(root, 4, 8, () => false);
    let decoded = 0;
    const first = cacheImageFolder(root, { cacheDir, onImage: () => decoded++ });
    expect(decoded).to.equal(12);
    expect(first.splits.train!.channels).to.equal(1);
    expect(statSync(first.splits.train!.file).size).to.equal(first.splits.train!.dataOffset + first.splits.train!.count * 64);
    cacheImageFolder(root, { cacheDir, onImage: () => decoded++ });
    expect(decoded).to.equal(12);
    writeFileSync(join(root, 'a', '00000.png'), texture(8, 99, false));
    const changed = cacheImageFolder(root, { cacheDir, onImage: () => decoded++ });
    expect(decoded).to.equal(24);
    expect(changed.dir).to.not.equal(first.dir);
    expect(changed.fingerprint).to.not.equal(first.fingerprint);
    expect(readdirSync(cacheDir).filter((d) => d.includes('partial'))).to.deep.equal([]);
  });

  it('holds one image at a time: memory stays far below the decoded size (in-memory loading does not)', async () => {
    // 3 × 120 RGB images of 192 px = 39.8 MB decoded
    makeFolder(root, 120, 192, () => true, 6);
    const decodedBytes = 360 * 192 * 192 * 3;
    const used = () => {
      collect();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const base = used();
    let buildPeak = -Infinity;
    const disk = cacheImageFolder(root, { cacheDir, valFraction: 0, testFraction: 0, onImage: (k) => k % 40 === 0 && (buildPeak = Math.max(buildPeak, used() - base)) });
    const src = createDiskBatchSource(disk, 'train', { imageSize: 64, channels: 3 });
    let readPeak = -Infinity;
    for (const batch of src.epoch(32, 1)) {
      expect(batch.size).to.be.greaterThan(0);
      readPeak = Math.max(readPeak, used() - base);
    }
    await src.close();
    // reading holds two prefetch slots of raw pixels (2 × 32 × 110 KiB) and the float batch
    const slots = 2 * 32 * 192 * 192 * 3;
    const budget = 16 * 2 ** 20;
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(`      decoded ${mib(decodedBytes)} MiB; retained heap+buffers growth: building the cache ${mib(buildPeak)} MiB, reading an epoch ${mib(readPeak)} MiB (of which prefetch slots ${mib(slots)}); budget ${mib(budget)} MiB`);
    expect(Math.max(buildPeak, readPeak)).to.be.lessThan(budget);
    // the in-memory loader holds it all (this is what the budget guards against)
    const before = used();
    const mem = loadImageFolder(root, { valFraction: 0, testFraction: 0 });
    expect(used() - before).to.be.greaterThan(decodedBytes * 0.9);
    expect(mem.splits.train!.count).to.equal(360);
  });
});

describe('disk cache at scale (MEDTRANSFER_SLOW_TESTS=1)', function () {
  this.timeout(30 * 60_000);
  it('decodes 2 GiB of images and reads an epoch with the process under 1 GiB RSS', async function () {
    if (process.env.MEDTRANSFER_SLOW_TESTS !== '1') {
      console.log('      (skipped: set MEDTRANSFER_SLOW_TESTS=1 to build a 2 GiB cache and measure RSS)');
      this.skip();
    }
    const root = mkdtempSync(join(tmpdir(), 'mt-disk-big-'));
    const cacheDir = mkdtempSync(join(tmpdir(), 'mt-cache-big-'));
    try {
      // 3 × 4800 RGB images of 224 px = 2.02 GiB decoded (16 distinct files per class, copied)
      makeFolder(root, 4800, 224, () => true, 16);
      const decoded = 14400 * 224 * 224 * 3;
      const t0 = Date.now();
      const disk = cacheImageFolder(root, { cacheDir, valFraction: 0.1, testFraction: 0 });
      const buildSeconds = (Date.now() - t0) / 1000;
      const src = createDiskBatchSource(disk, 'train', { imageSize: 224, channels: 3 });
      const t1 = Date.now();
      let images = 0;
      for (const batch of src.epoch(64, 1)) images += batch.size;
      const readSeconds = (Date.now() - t1) / 1000;
      await src.close();
      const maxRss = process.resourceUsage().maxRSS * 1024;
      console.log(
        `      decoded ${(decoded / 2 ** 30).toFixed(2)} GiB in ${buildSeconds.toFixed(0)} s (${(14400 / buildSeconds).toFixed(0)} img/s); ` +
          `an epoch of ${images} images at 224 px in ${readSeconds.toFixed(1)} s (${(images / readSeconds).toFixed(0)} img/s); max RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB`,
      );
      expect(images).to.equal(disk.splits.train!.count);
      expect(maxRss).to.be.lessThan(2 ** 30);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
