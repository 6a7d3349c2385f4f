// Params (strict zod schemas) and registry factories of the `folder`, `dicom` and `csv` datasets;
// registry.ts registers them. Relative paths resolve against the working directory.
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { ImageDataset } from '@medtransfer/core';
import { cacheCsvManifest, loadCsvManifest, UNCERTAINTY_POLICIES } from './csv-manifest';
import { diskImageDataset } from './disk-split';
import { cacheImageFolder, loadImageFolder } from './folder';
import { defaultCacheDir } from './medmnist-cache';
import { parseParams } from './params';

/** What a factory needs from the registry's context (mirrors registry.ts DatasetContext). */
interface Ctx {
  path: string;
  seed: number;
  imageSize?: number;
}

const fraction = () => z.number().min(0).max(0.9);

/** Decode and size params shared by the three datasets. */
const common = {
  /** Square output size in px; absent → the stage's imageSize when the runner passes it, else the images' own common size. */
  size: z.number().int().min(8).max(1024).optional(),
  /** Output channels; `auto` → 3 if any image is colour, else 1. */
  channels: z.union([z.literal(1), z.literal(3), z.literal('auto')]).default('auto'),
  /** 16-bit PNGs: `full` maps 0…65535 to 0…255; `minmax` stretches each image's own range. */
  png16: z.enum(['full', 'minmax']).default('full'),
  /** DICOM VOI window (after rescale) overriding the files' Window Center/Width. */
  window: z.strictObject({ center: z.number(), width: z.number().min(1) }).optional(),
  /** Shares drawn for val/test when the source has no such split (seeded, stratified). */
  valFraction: fraction().default(0.1),
  testFraction: fraction().default(0.1),
  /** Seed of that split; default the experiment's data seed. */
  seed: z.number().int().nonnegative().optional(),
  /** `memory` decodes every image into memory; `disk` decodes once into an uncompressed cache and reads batches by offset (datasets larger than memory). */
  cache: z.enum(['memory', 'disk']).default('memory'),
  /** Root of the disk caches (default `<medtransfer cache>/images`, i.e. under $MEDTRANSFER_CACHE or ~/.cache/medtransfer). */
  cacheDir: z.string().min(1).optional(),
};

/** Where `cache: disk` writes: `cacheDir` (relative to the working directory) or the user cache. */
const diskCacheDir = (p: { cacheDir?: string }) => (p.cacheDir ? resolve(process.cwd(), p.cacheDir) : join(defaultCacheDir(), 'images'));

export const folderParamsSchema = z.strictObject({
  /** Folder with one sub-folder per class, or train/ val/ test/ each with class sub-folders. */
  path: z.string().min(1),
  /** Ignore files that are not images instead of failing on them. */
  skipOther: z.boolean().default(false),
  ...common,
});

export const csvParamsSchema = z.strictObject({
  /** The CSV manifest. */
  file: z.string().min(1),
  /** Folder the image paths are relative to; default the CSV's folder. */
  root: z.string().min(1).optional(),
  imageColumn: z.string().min(1).default('Path'),
  labelColumns: z.array(z.string().min(1)).min(1),
  uncertainty: z.enum(UNCERTAINTY_POLICIES).default('u-ignore'),
  blank: z.enum(['zero', 'mask']).default('zero'),
  frontalOnly: z.boolean().default(false),
  viewColumn: z.string().min(1).default('Frontal/Lateral'),
  frontalValue: z.string().default('Frontal'),
  splitColumn: z.string().min(1).optional(),
  ...common,
});

function folderLike(name: 'folder' | 'dicom', params: Record<string, unknown>, ctx: Ctx): ImageDataset {
  const p = parseParams(folderParamsSchema, params, ctx.path, name);
  const root = resolve(process.cwd(), p.path);
  const opts = {
    ...p,
    name,
    size: p.size ?? ctx.imageSize,
    seed: p.seed ?? ctx.seed,
    extensions: name === 'dicom' ? ['.dcm', '.dicom'] : undefined,
    paramsPath: `${ctx.path ? `${ctx.path}.` : ''}params`,
  };
  return p.cache === 'disk' ? diskImageDataset(cacheImageFolder(root, { ...opts, cacheDir: diskCacheDir(p) })) : loadImageFolder(root, opts);
}

export const folderDataset = (params: Record<string, unknown>, ctx: Ctx) => folderLike('folder', params, ctx);
export const dicomDataset = (params: Record<string, unknown>, ctx: Ctx) => folderLike('dicom', params, ctx);

export function csvDataset(params: Record<string, unknown>, ctx: Ctx): ImageDataset {
  const p = parseParams(csvParamsSchema, params, ctx.path, 'csv');
  const file = resolve(process.cwd(), p.file);
  const opts = {
    ...p,
    root: p.root === undefined ? undefined : resolve(process.cwd(), p.root),
    size: p.size ?? ctx.imageSize,
    seed: p.seed ?? ctx.seed,
    paramsPath: `${ctx.path ? `${ctx.path}.` : ''}params`,
  };
  return p.cache === 'disk' ? diskImageDataset(cacheCsvManifest(file, { ...opts, cacheDir: diskCacheDir(p) })) : loadCsvManifest(file, opts);
}
