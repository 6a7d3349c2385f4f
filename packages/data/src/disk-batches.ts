// Batches read by offset from a disk cache (disk-cache.ts): a worker thread reads the next batch's
// bytes into shared memory while the current batch trains; preprocessing matches createBatchSource.
import { closeSync, openSync, readSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { type Batch, type ImageSplit, MedtransferError, Rng, type SplitName } from '@medtransfer/core';
import type { BatchOptions, ImageBatchSource } from './batches';
import type { DiskDataset, DiskSplit } from './disk-cache';
import { resizeBilinear } from './resize';
import { createPreprocessor, mapChannels, resolveNormalization } from './transforms';

export interface DiskBatchOptions extends BatchOptions {
  /** Read the next batch in a worker thread while the current one is used (default true). */
  prefetch?: boolean;
  /** Only these cache images, in this order (a data-scarcity subset), with their labels (`indices.length × labelWidth`). */
  select?: { indices: Int32Array; labels: Int32Array };
}

/** A batch source over a cache split; `close()` stops the prefetch worker. */
export interface DiskBatchSource extends ImageBatchSource {
  close(): Promise<void>;
}

/** Index runs [start, length] of consecutive image indices, so sequential batches are one read. */
function runs(indices: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  for (let j = 0; j < indices.length; j++) {
    const last = out[out.length - 1];
    if (last && indices[j] === last[0] + last[1]) last[1]++;
    else out.push([indices[j], 1]);
  }
  return out;
}

function readImages(fd: number, split: DiskSplit, indices: ArrayLike<number>, dst: Uint8Array): void {
  const per = split.height * split.width * split.channels;
  let at = 0;
  for (const [start, n] of runs(indices)) {
    const want = n * per;
    let got = 0;
    while (got < want) {
      const r = readSync(fd, dst, at + got, want - got, split.dataOffset + (start * per + got));
      if (r === 0) throw new MedtransferError(`${split.file}: short read at image ${start}; the cache is damaged — delete its folder to rebuild it`);
      got += r;
    }
    at += want;
  }
}

// Plain JS (workers do not go through ts-node): reads the requested images into a slot of the
// shared buffer, then publishes the request's sequence number in ctrl[slot].
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { file, dataOffset, per, slotBytes, data, ctrl } = workerData;
const fd = fs.openSync(file, 'r');
const bytes = new Uint8Array(data);
const flags = new Int32Array(ctrl);
parentPort.on('message', (m) => {
  if (m.close) { fs.closeSync(fd); parentPort.close(); return; }
  let ok = 1;
  try {
    let at = m.slot * slotBytes;
    for (const [start, n] of m.runs) {
      const want = n * per;
      let got = 0;
      while (got < want) {
        const r = fs.readSync(fd, bytes, at + got, want - got, dataOffset + (start * per + got));
        if (r === 0) throw new Error('short read');
        got += r;
      }
      at += want;
    }
  } catch (e) { ok = 0; }
  Atomics.store(flags, 2 + m.slot, ok);
  Atomics.store(flags, m.slot, m.seq);
  Atomics.notify(flags, m.slot);
});
`;

/** Batches of one cache split, with the order, augmentation stream and pixels of createBatchSource. */
export function createDiskBatchSource(ds: DiskDataset, split: SplitName, opts: DiskBatchOptions): DiskBatchSource {
  const s = ds.splits[split];
  if (!s) throw new MedtransferError(`${ds.dir}: the cache has no ${split} split (it has ${Object.keys(ds.splits).join(', ')})`);
  const { imageSize, channels } = opts;
  const mean = opts.mean ?? 0.5;
  const std = opts.std ?? 0.5;
  const { height: H, width: W, channels: C } = s;
  const per = H * W * C;
  const outLen = imageSize * imageSize * channels;
  const halfPixel = opts.halfPixelCenters ?? true;
  const tmp = new Float32Array(H * W * channels);
  // A one-batch window that the preprocessor reads image j of; its pixels are swapped per batch.
  const window: ImageSplit = { images: new Uint8Array(0), labels: new Int32Array(0), count: 0, height: H, width: W, channels: C, labelWidth: s.labelWidth };
  const t = opts.transforms;
  if (t && t.normalize === 'dataset' && !opts.normalization) {
    throw new MedtransferError('normalize: dataset on a disk-cached split needs its statistics passed as options.normalization');
  }
  const pre = t ? createPreprocessor(window, imageSize, channels, t, opts.normalization ?? resolveNormalization(t, channels)) : null;
  const augmenting = !!(pre && opts.augment && t?.augment);
  const basic = (j: number, out: Float32Array, offset: number) => {
    const px = window.images.subarray(j * per, (j + 1) * per);
    const resize = H !== imageSize || W !== imageSize;
    mapChannels(px, H * W, C, channels, resize ? tmp : out, resize ? 0 : offset);
    if (resize) resizeBilinear(tmp, H, W, channels, imageSize, imageSize, out, offset, halfPixel);
    for (let k = 0; k < outLen; k++) out[offset + k] = (out[offset + k] / 255 - mean) / std;
  };

  const useWorker = opts.prefetch ?? true;
  let worker: Worker | null = null;
  let shared: Uint8Array | null = null;
  let flags: Int32Array | null = null;
  let slotBytes = 0;
  let seq = 0;
  let fd: number | null = null;
  const ensureWorker = (batchSize: number) => {
    if (worker && slotBytes >= batchSize * per) return;
    if (worker) void worker.terminate();
    slotBytes = batchSize * per;
    const data = new SharedArrayBuffer(2 * slotBytes);
    const ctrl = new SharedArrayBuffer(16);
    shared = new Uint8Array(data);
    flags = new Int32Array(ctrl);
    worker = new Worker(WORKER, { eval: true, workerData: { file: s.file, dataOffset: s.dataOffset, per, slotBytes, data, ctrl } });
    worker.unref();
  };
  const request = (slot: number, indices: ArrayLike<number>): number => {
    const id = ++seq;
    worker!.postMessage({ slot, seq: id, runs: runs(indices) });
    return id;
  };
  const await_ = (slot: number, id: number): Uint8Array => {
    for (;;) {
      const v = Atomics.load(flags!, slot);
      if (v === id) break;
      Atomics.wait(flags!, slot, v, 1000);
    }
    if (Atomics.load(flags!, 2 + slot) !== 1) throw new MedtransferError(`${s.file}: reading the cache failed; delete ${ds.dir} to rebuild it`);
    return shared!.subarray(slot * slotBytes, (slot + 1) * slotBytes);
  };

  const lw = s.labelWidth;
  const sel = opts.select;
  const count = sel ? sel.indices.length : s.count;
  const allLabels = sel ? sel.labels : s.labels;
  return {
    count,
    task: ds.task,
    numClasses: ds.numClasses,
    split,
    imageSize,
    channels,
    labelWidth: lw,
    labels: allLabels,
    *epoch(batchSize: number, shuffleSeed?: number): Generator<Batch> {
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new MedtransferError(`batchSize must be a positive integer, received ${batchSize}`);
      const order = shuffleSeed === undefined ? null : new Rng(shuffleSeed).permutation(count);
      const augRng = augmenting ? new Rng(shuffleSeed ?? 0).fork('augment') : null;
      // positions in the split (or subset) → their images' indices in the cache
      const positionsOf = (start: number) => {
        const size = Math.min(batchSize, count - start);
        return order ? order.subarray(start, start + size) : Int32Array.from({ length: size }, (_, b) => start + b);
      };
      const indicesOf = (start: number) => (sel ? positionsOf(start).map((p) => sel.indices[p]) : positionsOf(start));
      if (useWorker) ensureWorker(batchSize);
      else if (fd === null) fd = openSync(s.file, 'r');
      const own = useWorker ? null : new Uint8Array(batchSize * per);
      let pending = useWorker && count > 0 ? request(0, indicesOf(0)) : 0;
      for (let start = 0, b = 0; start < count; start += batchSize, b++) {
        const idx = indicesOf(start);
        const pos = sel ? positionsOf(start) : idx;
        let pixels: Uint8Array;
        if (useWorker) {
          pixels = await_(b % 2, pending);
          // the other slot's batch is done with: read the next batch while this one is used
          if (start + batchSize < count) pending = request((b + 1) % 2, indicesOf(start + batchSize));
        } else {
          readImages(fd!, s, idx, own!);
          pixels = own!;
        }
        window.images = pixels;
        window.count = idx.length;
        const size = idx.length;
        const x = new Float32Array(size * outLen);
        const labels = new Int32Array(size * lw);
        for (let j = 0; j < size; j++) {
          if (pre && augRng) pre.augment(j, x, j * outLen, augRng);
          else if (pre) pre.prepare(j, x, j * outLen);
          else basic(j, x, j * outLen);
          labels.set(allLabels.subarray(pos[j] * lw, (pos[j] + 1) * lw), j * lw);
        }
        yield { x, shape: [size, imageSize, imageSize, channels], labels, labelWidth: lw, size };
      }
    },
    async close() {
      if (fd !== null) closeSync(fd);
      fd = null;
      if (worker) await worker.terminate();
      worker = null;
    },
  };
}
