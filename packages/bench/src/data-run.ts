// The data-pipeline benchmark: MedMNIST-style uint8 arrays through the stage's batch sources
// (plain and augmented), PNG folder decoding, PNG and DICOM folders decoded into the disk cache
// (the first pass) and batches read back from it, each timed with tinybench, then the yardstick
// net's training step in the same process.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { type BatchSource, type ImageDataset, MedtransferError, type TransformsConfig, setLogSink, transformsSchema } from '@medtransfer/core';
import { cacheImageFolder, createDiskBatchSource, createStageSources, encodeDicom, encodePng, generateLesionDataset, loadDataset, loadImageFolder } from '@medtransfer/data';
import { type DataBenchOptions, defaultBatch } from './data-args';
import type { DataBenchReport, DataRow } from './data-report';
import { currentLoad, describeMachine } from './machine';
import { measureJs } from './measure';

/** The augmentation the table calls `augmented`: every random transform at once. */
export const BENCH_AUGMENT: TransformsConfig = transformsSchema.parse({
  augment: { flip: 'both', rotate: 10, randomResizedCrop: { scale: [0.6, 1] }, brightness: 0.2, contrast: 0.2 },
});

const log = (msg: string) => process.stderr.write(`[bench:data] ${msg}\n`);

/** Images/s and margin of `fn`, which handles `images` images per call. */
function time(name: string, fn: () => void, images: number, seconds: number): { imagesPerSecond: number; rme: number } {
  const ms = seconds * 1000;
  const bench = new Bench({ name, time: ms, iterations: 3, warmupIterations: 1, warmupTime: Math.min(1000, ms * 0.2), throws: true });
  bench.add(name, fn);
  bench.runSync();
  const r = bench.getTask(name)?.result;
  if (!r || r.state !== 'completed') throw new MedtransferError(`benchmark "${name}" did not complete`);
  return { imagesPerSecond: images / (r.latency.mean / 1000), rme: r.latency.rme };
}

/** Walks one whole epoch (reading every pixel so nothing is skipped lazily). */
function epoch(source: BatchSource, batch: number, seed: number): number {
  let sum = 0;
  for (const b of source.epoch(batch, seed)) sum += b.x[0] + b.x[b.x.length - 1];
  return sum;
}

/** Writes the dataset's training images as gray PNGs, one sub-folder per class. */
function writePngFolder(ds: ImageDataset, dir: string): void {
  const s = ds.splits.train!;
  const per = s.height * s.width * s.channels;
  for (let i = 0; i < s.count; i++) {
    const cls = join(dir, `class-${s.labels[i]}`);
    mkdirSync(cls, { recursive: true });
    const png = encodePng({ width: s.width, height: s.height, colorType: s.channels === 3 ? 2 : 0, bitDepth: 8, samples: s.images.subarray(i * per, (i + 1) * per) });
    writeFileSync(join(cls, `${String(i).padStart(6, '0')}.png`), png);
  }
}

/**
 * The same images as uncompressed DICOM (Explicit VR Little Endian), CT-like: 16 bits allocated,
 * 12 stored (the uint8 value × 16), MONOCHROME2, a window spanning the 12 bits.
 */
function writeDicomFolder(ds: ImageDataset, dir: string): void {
  const s = ds.splits.train!;
  const per = s.height * s.width;
  for (let i = 0; i < s.count; i++) {
    const cls = join(dir, `class-${s.labels[i]}`);
    mkdirSync(cls, { recursive: true });
    const pixels = Array.from(s.images.subarray(i * per, (i + 1) * per), (v) => v * 16);
    const file = encodeDicom({ rows: s.height, cols: s.width, pixels, bitsAllocated: 16, bitsStored: 12, modality: 'CT', windowCenter: 2048, windowWidth: 4096, pixelSpacing: [0.7, 0.7] });
    writeFileSync(join(cls, `${String(i).padStart(6, '0')}.dcm`), file);
  }
}

/** The params under which a bench folder loads: gray, all images in `train`, in the disk cache. */
const diskParams = (path: string, cacheDir: string) => ({ path, cache: 'disk', cacheDir, channels: 1, valFraction: 0, testFraction: 0 });

async function measureSize(o: DataBenchOptions, size: number, rows: DataRow[], tmp: string): Promise<void> {
  const batch = o.batch ?? defaultBatch(size);
  const n = o.images;
  const sec = o.timeSeconds;
  const ds = generateLesionDataset({ train: n, val: 0, test: 0, size, difficulty: 0.5, seed: 7 });
  const add = (pipeline: string, t: { imagesPerSecond: number; rme: number }, extra: Partial<DataRow> = {}) => {
    rows.push({ size, pipeline, batch, ...t, ...extra });
    log(`${size} px ${pipeline}: ${t.imagesPerSecond.toFixed(0)} images/s`);
  };
  const stage = (transforms?: TransformsConfig) => createStageSources(ds, ['train'], { imageSize: size, channels: 3, transforms }).train;
  // (a) arrays → float batches, as training sees them (gray → 3 channels, normalised)
  const plain = stage();
  add('arrays, plain', time('plain', () => epoch(plain, batch, 1), n, sec));
  const aug = stage(BENCH_AUGMENT);
  let seed = 0;
  add('arrays, augmented', time('augmented', () => epoch(aug, batch, ++seed), n, sec));
  // (b) a PNG folder decoded by the `folder` dataset (once per load)
  const folder = join(tmp, `png-${size}`);
  writePngFolder(ds, folder);
  add('PNG folder decode', time('decode', () => void loadImageFolder(folder, { channels: 1, valFraction: 0, testFraction: 0 }), n, sec), { once: true });
  // (c) batches read by offset from the disk cache (the OS page cache is warm after the first epoch)
  const disk = cacheImageFolder(folder, { channels: 1, valFraction: 0, testFraction: 0, cacheDir: join(tmp, 'cache') });
  const diskPlain = createDiskBatchSource(disk, 'train', { imageSize: size, channels: 3 });
  const diskAug = createDiskBatchSource(disk, 'train', { imageSize: size, channels: 3, transforms: BENCH_AUGMENT, augment: true });
  try {
    add('disk cache, plain', time('disk plain', () => epoch(diskPlain, batch, ++seed), n, sec), { note: 'prefetch worker, warm page cache' });
    add('disk cache, augmented', time('disk augmented', () => epoch(diskAug, batch, ++seed), n, sec));
  } finally {
    await diskPlain.close();
    await diskAug.close();
  }
  // (d) the first pass: a PNG and a DICOM folder decoded into a fresh disk cache through the
  // dataset registry, as a run does (DICOM headers read, every file decoded and written once)
  const dicom = join(tmp, `dicom-${size}`);
  writeDicomFolder(ds, dicom);
  const ctx = { path: 'bench', seed: 0 };
  let builds = 0;
  const firstPass = (name: 'folder' | 'dicom', path: string) => () => {
    const cacheDir = join(tmp, `first-pass-${++builds}`);
    loadDataset({ name, params: diskParams(path, cacheDir) }, ctx);
    rmSync(cacheDir, { recursive: true, force: true });
  };
  // each build says where it decodes to: not once per timed iteration
  const restoreLog = setLogSink((level, line) => level !== 'info' && log(line));
  try {
    add('PNG folder → disk cache', time('png first pass', firstPass('folder', folder), n, sec), { once: true, note: 'first pass: decode + write' });
    add('DICOM folder → disk cache', time('dicom first pass', firstPass('dicom', dicom), n, sec), { once: true, note: 'first pass: 16-bit, uncompressed' });
  } finally {
    restoreLog();
  }
  // (e) training batches from the DICOM folder's cache: the stage's source, prefetch worker
  const dicomDisk = loadDataset({ name: 'dicom', params: diskParams(dicom, join(tmp, 'cache-dicom')) }, ctx);
  const dicomBatches = createStageSources(dicomDisk, ['train'], { imageSize: size, channels: 3 }).train as BatchSource & { close?: () => Promise<void> };
  try {
    add('DICOM disk cache, plain', time('dicom disk plain', () => epoch(dicomBatches, batch, ++seed), n, sec), { note: 'prefetch worker, warm page cache' });
  } finally {
    await dicomBatches.close?.();
  }
}

/** Runs every measurement; rows get the step time of their size. */
export async function runDataBench(o: DataBenchOptions): Promise<DataBenchReport> {
  const machine = describeMachine();
  const rows: DataRow[] = [];
  const steps: DataBenchReport['steps'] = [];
  let backend = o.backend;
  const tmp = mkdtempSync(join(tmpdir(), 'medtransfer-bench-data-'));
  try {
    for (const size of o.sizes) {
      const batch = o.batch ?? defaultBatch(size);
      const first = rows.length;
      await measureSize(o, size, rows, tmp);
      log(`${o.net} training step at ${size} px, batch ${batch} on ${o.backend} …`);
      try {
        const r = await measureJs({ net: o.net, size, backend: o.backend, batch, timeSeconds: o.timeSeconds });
        backend = r.backend;
        steps.push({ size, batch, stepSeconds: r.train.meanSeconds });
        for (const row of rows.slice(first)) row.stepSeconds = r.train.meanSeconds;
      } catch (err) {
        steps.push({ size, batch, error: (err as Error).message });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  machine.loadEnd = currentLoad();
  const report: DataBenchReport = { machine, net: o.net, backend, settings: { images: o.images, timeSeconds: o.timeSeconds }, rows, steps };
  if (o.json) writeFileSync(o.json, JSON.stringify(report, null, 2));
  return report;
}
