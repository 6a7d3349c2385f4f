// `cache: auto` (the default of the folder, DICOM and CSV datasets): hold the decoded images in
// memory while they are small, and decode them once into the disk cache when they would not be.
import { readFileSync } from 'node:fs';
import { ConfigError, getLogger } from '@medtransfer/core';
import { decodeImage } from './image-decode';
import type { ImageSetOptions, LabelledFile } from './image-set';

export const CACHE_MODES = ['auto', 'memory', 'disk'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

/** `cache: auto` decodes into the disk cache above this many decoded bytes (1 GiB) … */
export const AUTO_DISK_CACHE_MIB = 1024;
/** … or above this many MiB when the variable is set (0: always the disk cache). */
export const AUTO_DISK_CACHE_ENV = 'MEDTRANSFER_DISK_CACHE_ABOVE_MB';

const log = getLogger('data');

/**
 * The decoded size of a listed dataset: images × size² × channels. Without `size` or with
 * `channels: auto`, the first image (decoded) stands for all; every image is fitted to one size.
 */
export function decodedBytes(items: readonly LabelledFile[], opts: ImageSetOptions): { bytes: number; height: number; width: number; channels: number } {
  let height = opts.size ?? 0;
  let width = opts.size ?? 0;
  let channels = opts.channels === 'auto' ? 0 : opts.channels;
  if (items.length && (!height || !channels)) {
    const first = decodeImage(readFileSync(items[0].file), items[0].file, opts);
    height ||= first.height;
    width ||= first.width;
    channels ||= first.channels;
  }
  return { bytes: items.length * height * width * channels, height, width, channels };
}

/** The limit of `cache: auto` in bytes: the variable (MiB) if set, else 1 GiB. */
export function autoDiskCacheBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[AUTO_DISK_CACHE_ENV];
  if (raw === undefined || raw === '') return AUTO_DISK_CACHE_MIB * 2 ** 20;
  const mib = Number(raw);
  if (!(Number.isFinite(mib) && mib >= 0)) throw new ConfigError(AUTO_DISK_CACHE_ENV, `expected a number of MiB ≥ 0 (0: always the disk cache), received "${raw}"`);
  return mib * 2 ** 20;
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(b >= 10 * 2 ** 30 ? 0 : 2)} GiB`;

export interface ResolveCacheOptions {
  env?: NodeJS.ProcessEnv;
  /** Why this dataset cannot use the disk cache (e.g. `frames: all`); `auto` then stays in memory, with a warning when large. */
  diskUnavailable?: string;
}

/** Where a listed dataset's decoded images go: `memory` and `disk` as asked; `auto` by their decoded size. */
export function resolveCache(cache: CacheMode, items: readonly LabelledFile[], opts: ImageSetOptions, o: ResolveCacheOptions = {}): 'memory' | 'disk' {
  if (cache !== 'auto') return cache;
  const limit = autoDiskCacheBytes(o.env);
  const est = decodedBytes(items, opts);
  if (est.bytes <= limit) return 'memory';
  const what = `${opts.name} ${opts.source}: ${items.length} images ≈ ${gib(est.bytes)} decoded (${est.width}×${est.height}×${est.channels}), above the ${gib(limit)} of cache: auto`;
  if (o.diskUnavailable) {
    log.warn(`${what}, but ${o.diskUnavailable}: they stay in memory`);
    return 'memory';
  }
  log.info(`${what}, so they go to the disk cache (cache: memory keeps them in memory; ${AUTO_DISK_CACHE_ENV} moves the limit)`);
  return 'disk';
}
