// Params (strict zod schemas), loaders, inputs and location params of the `folder`, `dicom` and
// `csv` datasets; registry.ts registers them. Relative paths resolve against the working directory.
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { ImageDataset } from '@medtransfer/core';
import { CACHE_MODES, resolveCache, type CacheMode } from './cache-choice';
import { csvItems, UNCERTAINTY_POLICIES } from './csv-manifest';
import { prepareDicomItems, type DicomImageDataset } from './dicom-dataset';
import { buildDiskCache } from './disk-cache';
import { diskImageDataset } from './disk-split';
import { folderItems } from './folder';
import { DatasetSpec, inputAt, paramsField } from './dataset-spec';
import { buildImageSet, type ImageSetOptions, type LabelledFile } from './image-set';
import { defaultCacheDir } from './medmnist-cache';

const fraction = () => z.number().min(0).max(0.9);

/** Decode and size params shared by the three datasets. */
const common = {
  /** Square output size in px; absent → the stage's imageSize when the runner passes it, else the images' own common size. */
  size: z.number().int().min(8).max(1024).optional(),
  /** Output channels; `auto` → 3 if any image is colour, else 1. */
  channels: z.union([z.literal(1), z.literal(3), z.literal('auto')]).default('auto'),
  /** 16-bit PNGs: `full` maps 0…65535 to 0…255; `minmax` stretches each image's own range. */
  png16: z.enum(['full', 'minmax']).default('full'),
  /** DICOM VOI window: absent or `file` → each file's first Window Center/Width (else its min…max); `none` → min…max; or one window (values after rescale). */
  window: z.union([z.enum(['file', 'none']), z.strictObject({ center: z.number(), width: z.number().min(1) })]).optional(),
  /** Multi-frame DICOM: `middle` (default, frame ⌊n/2⌋), `first`, `all` (each frame an image with the file's labels) or a 0-based frame index. */
  frames: z.union([z.enum(['first', 'middle', 'all']), z.number().int().min(0)]).optional(),
  /** Shares drawn for val/test when the source has no such split (seeded, stratified). */
  valFraction: fraction().default(0.1),
  testFraction: fraction().default(0.1),
  /** Seed of that split; default the experiment's data seed. */
  seed: z.number().int().nonnegative().optional(),
  /**
   * `memory` decodes every image into memory; `disk` decodes once into an uncompressed cache and reads batches by offset (datasets larger than memory);
   * `auto` is `disk` when the decoded images would exceed 1 GiB (MEDTRANSFER_DISK_CACHE_ABOVE_MB), else `memory`.
   */
  cache: z.enum(CACHE_MODES).default('auto'),
  /** Root of the disk caches (default `<medtransfer cache>/images`, i.e. under $MEDTRANSFER_CACHE or ~/.cache/medtransfer). */
  cacheDir: z.string().min(1).optional(),
};

/** Where `cache: disk` writes: `cacheDir` (relative to the working directory) or the user cache. */
const diskCacheDir = (p: { cacheDir?: string }) => (p.cacheDir ? resolve(process.cwd(), p.cacheDir) : join(defaultCacheDir(), 'images'));

type CommonParams = { cache: CacheMode; cacheDir?: string; frames?: 'first' | 'middle' | 'all' | number };

/** `window: file` is the default (no override): left out, so fingerprints stay those of files loaded without it. */
const decodeWindow = <P extends { window?: unknown }>(p: P) => ({ ...p, window: p.window === 'file' ? undefined : p.window }) as P & { window?: Exclude<P['window'], 'file'> };

/**
 * Builds a listed image-file dataset in memory or in the disk cache, after reading its DICOM headers:
 * `frames: all` expands multi-frame files, and the DICOM summary is recorded as `dataset.dicom`.
 */
function buildListed(listed: { items: LabelledFile[]; setOptions: ImageSetOptions }, p: CommonParams): DicomImageDataset {
  const prepared = prepareDicomItems(listed.items, listed.setOptions, p.frames);
  const cache = resolveCache(p.cache, prepared.items, prepared.setOptions);
  const ds: DicomImageDataset =
    cache === 'disk'
      ? diskImageDataset(buildDiskCache(prepared.items, { ...prepared.setOptions, cacheDir: diskCacheDir(p) }))
      : (buildImageSet(prepared.items, prepared.setOptions) as ImageDataset);
  if (prepared.summary) ds.dicom = prepared.summary;
  return ds;
}

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

const folderFix = (name: 'folder' | 'dicom') =>
  `Point path at a folder holding one sub-folder per class (or train/, val/, test/ with class sub-folders) of ${name === 'dicom' ? 'DICOM files (.dcm, .dicom)' : 'images (PNG, JPEG, DICOM)'}.`;

/** `folder` and `dicom`: the same layout, DICOM reading only .dcm/.dicom files. */
function folderSpec(name: 'folder' | 'dicom'): DatasetSpec<typeof folderParamsSchema> {
  return {
    schema: folderParamsSchema,
    inputs: (p, ctx) => [inputAt(ctx, 'path', p.path, 'folder', folderFix(name))],
    locationParams: ['path', 'cacheDir'],
    load: (p, ctx) => {
      const root = resolve(process.cwd(), p.path);
      const opts = {
        ...decodeWindow(p),
        name,
        size: p.size ?? ctx.imageSize,
        seed: p.seed ?? ctx.seed,
        extensions: name === 'dicom' ? ['.dcm', '.dicom'] : undefined,
        paramsPath: paramsField(ctx),
      };
      return buildListed(folderItems(root, opts), p);
    },
  };
}

export const folderDataset = folderSpec('folder');
export const dicomDataset = folderSpec('dicom');

export const csvDataset: DatasetSpec<typeof csvParamsSchema> = {
  schema: csvParamsSchema,
  inputs: (p, ctx) => [
    inputAt(ctx, 'file', p.file, 'file', `Point file at the CSV manifest: a header row naming the image column (imageColumn, default "Path") and the label columns, then one row per image.`),
    ...(p.root === undefined
      ? []
      : [inputAt(ctx, 'root', p.root, 'folder', "Set root to the folder the image paths in the CSV are relative to, or leave it out to use the CSV's folder.")]),
  ],
  // `root` only says where the images are: their keys in the fingerprint are the paths as the CSV writes them.
  locationParams: ['file', 'root', 'cacheDir'],
  load: (p, ctx) => {
    const file = resolve(process.cwd(), p.file);
    const opts = {
      ...decodeWindow(p),
      root: p.root === undefined ? undefined : resolve(process.cwd(), p.root),
      size: p.size ?? ctx.imageSize,
      seed: p.seed ?? ctx.seed,
      paramsPath: paramsField(ctx),
    };
    return buildListed(csvItems(file, opts), p);
  },
};
