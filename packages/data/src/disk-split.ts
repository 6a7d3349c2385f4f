// Splits whose pixels stay in the disk cache (`cache: disk` in a dataset's params): an ImageDataset
// the runner handles like any other, whose batch sources and statistics read the cache by offset.
import { closeSync, openSync, readSync } from 'node:fs';
import { type ImageDataset, type ImageSplit, MedtransferError, type SplitName } from '@medtransfer/core';
import { type DiskBatchOptions, type DiskBatchSource, createDiskBatchSource } from './disk-batches';
import type { DiskDataset } from './disk-cache';
import { type Normalization, channelStatsOf } from './transforms';

/** An ImageSplit backed by a cache split; reading `images` throws (the pixels are not in memory). */
export interface DiskImageSplit extends ImageSplit {
  readonly disk: DiskDataset;
  readonly diskSplit: SplitName;
  /** A subset: the cache indices of its images, in order (labels are already the subset's). */
  readonly indices?: Int32Array;
}

export const isDiskSplit = (s: ImageSplit | undefined): s is DiskImageSplit => !!s && 'disk' in s && 'diskSplit' in s;

function diskImageSplit(disk: DiskDataset, split: SplitName, labels: Int32Array, indices?: Int32Array): DiskImageSplit {
  const d = disk.splits[split]!;
  const out = { labels, count: indices ? indices.length : d.count, height: d.height, width: d.width, channels: d.channels, labelWidth: d.labelWidth, disk, diskSplit: split, indices };
  // not enumerable, so spreads and JSON skip it; code that needs the pixels gets a clear error
  Object.defineProperty(out, 'images', {
    enumerable: false,
    get() {
      throw new MedtransferError(`${disk.source}: the ${split} images stay in the disk cache ${disk.dir} (cache: disk) and are not held in memory; read them with createDiskBatchSource`);
    },
  });
  return out as DiskImageSplit;
}

/** The cache as an ImageDataset (same name, task, labels and fingerprint as the in-memory loader). */
export function diskImageDataset(disk: DiskDataset): ImageDataset {
  const splits: ImageDataset['splits'] = {};
  for (const [name, s] of Object.entries(disk.splits) as [SplitName, NonNullable<DiskDataset['splits'][SplitName]>][]) splits[name] = diskImageSplit(disk, name, s.labels);
  return { name: disk.name, task: disk.task, numClasses: disk.numClasses, labelNames: disk.labelNames, splits, fingerprint: disk.fingerprint, source: disk.source };
}

/** The images at `positions` of a disk split (a data-scarcity subset), still on disk. */
export function selectDiskImages(s: DiskImageSplit, positions: Int32Array): DiskImageSplit {
  const lw = s.labelWidth;
  const labels = new Int32Array(positions.length * lw);
  positions.forEach((p, j) => labels.set(s.labels.subarray(p * lw, (p + 1) * lw), j * lw));
  const indices = s.indices ? positions.map((p) => s.indices![p]) : Int32Array.from(positions);
  return diskImageSplit(s.disk, s.diskSplit, labels, indices);
}

/** A batch source over a disk split (subset included); close it to stop its prefetch worker. */
export function diskSplitSource(s: DiskImageSplit, opts: DiskBatchOptions): DiskBatchSource {
  return createDiskBatchSource(s.disk, s.diskSplit, { ...opts, select: s.indices ? { indices: s.indices, labels: s.labels } : undefined });
}

/** channelStats of a disk split, streamed one image at a time (same sums in the same order as in memory). */
export function diskChannelStats(s: DiskImageSplit, channels: 1 | 3): Normalization {
  const d = s.disk.splits[s.diskSplit]!;
  const per = d.height * d.width * d.channels;
  const buf = new Uint8Array(per);
  const fd = openSync(d.file, 'r');
  try {
    return channelStatsOf(s.count, d.height * d.width, d.channels, channels, (i) => {
      const k = s.indices ? s.indices[i] : i;
      let got = 0;
      while (got < per) {
        const r = readSync(fd, buf, got, per - got, d.dataOffset + k * per + got);
        if (r === 0) throw new MedtransferError(`${d.file}: short read at image ${k}; the cache is damaged — delete ${s.disk.dir} to rebuild it`);
        got += r;
      }
      return buf;
    });
  } finally {
    closeSync(fd);
  }
}
