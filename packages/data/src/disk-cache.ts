// Bounded memory: decode a labelled image list once into an uncompressed on-disk cache (one uint8
// `.npy` per split, NHWC), one image in memory at a time; batches are then read by offset.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataFormatError, getLogger, reportProgress, stableHash, type SplitName, type TaskType } from '@medtransfer/core';
import { decodeImage, fitImage } from './image-decode';
import type { ImageSetOptions, LabelledFile } from './image-set';
import { encodeNpy, readNpy } from './npy';

const log = getLogger('data');

/** Bump when the cache layout or the decoding changes, so old caches are not reused. */
export const DISK_CACHE_VERSION = 1;

/** One split in the cache: images stay on disk, labels (small) in memory. */
export interface DiskSplit {
  /** The `.npy` holding `count × height × width × channels` uint8. */
  file: string;
  /** Byte offset of the first image (the `.npy` header length). */
  dataOffset: number;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  labels: Int32Array;
  labelWidth: number;
}

/** An ImageDataset whose pixels stay in the cache (read with createDiskBatchSource). */
export interface DiskDataset {
  name: string;
  task: TaskType;
  numClasses: number;
  labelNames: string[];
  splits: Partial<Record<SplitName, DiskSplit>>;
  /** Content hash (file bytes, labels, splits, decode params), the same value the in-memory loader gives. */
  fingerprint: string;
  source: string;
  /** The cache folder. */
  dir: string;
}

interface Meta {
  version: number;
  name: string;
  task: TaskType;
  numClasses: number;
  labelNames: string[];
  fingerprint: string;
  source: string;
  splits: Partial<Record<SplitName, { count: number; height: number; width: number; channels: 1 | 3; labelWidth: number }>>;
}

export interface DiskCacheOptions extends ImageSetOptions {
  /** Root folder of caches; each source + decode params gets its own sub-folder. */
  cacheDir: string;
  /** Called after each decoded image (tests sample memory use here). */
  onImage?: (done: number, total: number) => void;
}

/**
 * The cache key: a cheap source fingerprint (each file's key, split, labels, size and mtime) plus
 * the decode parameters. A changed file changes its size or mtime and so the key.
 */
export function diskCacheKey(items: readonly LabelledFile[], opts: ImageSetOptions): string {
  const listing = items.map((it) => {
    const st = statSync(it.file);
    return [it.key, it.split, Array.from(it.labels).join(','), st.size, Math.floor(st.mtimeMs)];
  });
  return `${opts.name.replace(/[^a-z0-9-]/gi, '_')}-${stableHash({ v: DISK_CACHE_VERSION, listing, size: opts.size ?? null, channels: opts.channels, extra: opts.fingerprintExtra })}`;
}

const SPLITS: SplitName[] = ['train', 'val', 'test'];
const npyHeader = (shape: number[]) => encodeNpy({ dtype: 'uint8', shape, data: new Uint8Array(0) });

/** Decodes `items` into the cache (unless already there) and opens it. */
export function buildDiskCache(items: readonly LabelledFile[], opts: DiskCacheOptions): DiskDataset {
  const dir = join(opts.cacheDir, diskCacheKey(items, opts));
  if (existsSync(join(dir, 'meta.json'))) {
    log.debug(`${opts.name} ${opts.source}: reusing the disk cache ${dir}`);
    return openDiskDataset(dir);
  }
  log.info(`${opts.name} ${opts.source}: decoding ${items.length} images once into the disk cache ${dir} (later loads reuse it)`);
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ v: 1, extra: opts.fingerprintExtra, size: opts.size ?? null, channels: opts.channels, task: opts.task, labels: opts.labelNames }));
  // the common size is needed for the headers: params, or the first image's own
  let height = opts.size ?? 0;
  let width = opts.size ?? 0;
  if (!height) {
    const first = decodeImage(readFileSync(items[0].file), items[0].file, items[0].frame === undefined ? opts : { ...opts, frame: items[0].frame });
    height = first.height;
    width = first.width;
  }
  // auto channels: write RGB, and shrink to gray at the end if no image was in colour
  const ch: 1 | 3 = opts.channels === 1 ? 1 : 3;
  const per = height * width * ch;
  const pixel = new Uint8Array(per);
  const fds = new Map<SplitName, { fd: number; pos: number }>();
  const counts = new Map<SplitName, number>();
  for (const it of items) counts.set(it.split, (counts.get(it.split) ?? 0) + 1);
  for (const s of SPLITS) {
    const n = counts.get(s);
    if (!n) continue;
    const fd = openSync(join(partial, `${s}-images.npy`), 'w');
    const header = npyHeader([n, height, width, ch]);
    writeSync(fd, header);
    fds.set(s, { fd, pos: header.length });
  }
  let anyColour = false;
  const progress = { id: dir, label: `${opts.name} → disk cache`, total: items.length, unit: 'images' };
  reportProgress({ ...progress, done: 0 });
  // items are hashed in list order (as the in-memory loader does), written per split in list order
  try {
    // the frames of a multi-frame file (`frames: all`) are consecutive items: read and hash the file once for them
    let last: { file: string; bytes: Buffer; digest: Buffer } | undefined;
    items.forEach((it, k) => {
      if (last?.file !== it.file) {
        const read = readFileSync(it.file);
        last = { file: it.file, bytes: read, digest: createHash('sha256').update(read).digest() };
      }
      const bytes = last.bytes;
      hash.update(`${it.key}\0${it.split}\0${Array.from(it.labels).join(',')}\0`);
      hash.update(last.digest);
      const img = decodeImage(bytes, it.file, it.frame === undefined ? opts : { ...opts, frame: it.frame });
      if (opts.size === undefined && (img.height !== height || img.width !== width)) {
        throw new DataFormatError(it.file, `is ${img.width}×${img.height} px but ${items[0].file} is ${width}×${height}; images of differing sizes need a common size: set ${opts.sizeField}`);
      }
      anyColour ||= img.channels === 3;
      fitImage(img, height, width, ch, pixel, 0);
      const f = fds.get(it.split)!;
      f.pos += writeSync(f.fd, pixel, 0, per, f.pos);
      opts.onImage?.(k + 1, items.length);
      reportProgress({ ...progress, done: k + 1 });
    });
  } finally {
    for (const f of fds.values()) closeSync(f.fd);
  }
  const channels: 1 | 3 = opts.channels === 'auto' ? (anyColour ? 3 : 1) : opts.channels;
  const meta: Meta = {
    version: DISK_CACHE_VERSION,
    name: opts.name,
    task: opts.task,
    numClasses: opts.numClasses,
    labelNames: opts.labelNames,
    fingerprint: hash.digest('hex').slice(0, 16),
    source: opts.source,
    splits: {},
  };
  for (const s of SPLITS) {
    const n = counts.get(s);
    if (!n) continue;
    if (channels !== ch) toGray(join(partial, `${s}-images.npy`), n, height, width);
    const labels = new Int32Array(n * opts.labelWidth);
    let j = 0;
    for (const it of items) if (it.split === s) labels.set(Array.from(it.labels), opts.labelWidth * j++);
    writeFileSync(join(partial, `${s}-labels.npy`), encodeNpy({ dtype: 'int32', shape: [n, opts.labelWidth], data: labels }));
    meta.splits[s] = { count: n, height, width, channels, labelWidth: opts.labelWidth };
  }
  writeFileSync(join(partial, 'meta.json'), JSON.stringify(meta, null, 1));
  try {
    renameSync(partial, dir);
  } catch (err) {
    // another process finished the same cache first: use theirs
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(join(dir, 'meta.json'))) throw err;
  }
  return openDiskDataset(dir);
}

/** Rewrites an RGB cache file whose images are all gray as one channel, streaming in chunks. */
function toGray(file: string, n: number, h: number, w: number): void {
  const src = openSync(file, 'r');
  const out = `${file}.gray`;
  const dst = openSync(out, 'w');
  try {
    const header = npyHeader([n, h, w, 3]);
    const gray = npyHeader([n, h, w, 1]);
    writeSync(dst, gray);
    const chunkPixels = 1 << 20;
    const buf = new Uint8Array(chunkPixels * 3);
    const g = new Uint8Array(chunkPixels);
    const total = n * h * w;
    for (let p = 0, rpos = header.length, wpos = gray.length; p < total; p += chunkPixels) {
      const m = Math.min(chunkPixels, total - p);
      readSync(src, buf, 0, m * 3, rpos);
      rpos += m * 3;
      for (let i = 0; i < m; i++) g[i] = buf[3 * i];
      wpos += writeSync(dst, g, 0, m, wpos);
    }
  } finally {
    closeSync(src);
    closeSync(dst);
  }
  renameSync(out, file);
}

/** Opens a finished cache folder (as written by buildDiskCache). */
export function openDiskDataset(dir: string): DiskDataset {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
  if (meta.version !== DISK_CACHE_VERSION) throw new DataFormatError(join(dir, 'meta.json'), `cache version ${meta.version}, expected ${DISK_CACHE_VERSION}; delete ${dir} to rebuild it`);
  const splits: Partial<Record<SplitName, DiskSplit>> = {};
  for (const s of SPLITS) {
    const m = meta.splits[s];
    if (!m) continue;
    const file = join(dir, `${s}-images.npy`);
    const expected = npyHeader([m.count, m.height, m.width, m.channels]).length;
    const size = statSync(file).size;
    if (size !== expected + m.count * m.height * m.width * m.channels) {
      throw new DataFormatError(file, `is ${size} bytes, expected ${expected + m.count * m.height * m.width * m.channels}; the cache is damaged — delete ${dir} to rebuild it`);
    }
    const labels = readNpy(readFileSync(join(dir, `${s}-labels.npy`)), join(dir, `${s}-labels.npy`)).data as Int32Array;
    splits[s] = { file, dataOffset: expected, count: m.count, height: m.height, width: m.width, channels: m.channels, labels, labelWidth: m.labelWidth };
  }
  return { name: meta.name, task: meta.task, numClasses: meta.numClasses, labelNames: meta.labelNames, fingerprint: meta.fingerprint, source: meta.source, splits, dir };
}
