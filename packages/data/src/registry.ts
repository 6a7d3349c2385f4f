// The dataset registry: `medmnist/<flag>` for the twelve 2D MedMNIST files, and the synthetic
// generators. Each factory validates its params (strict zod) and reports problems with their path.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ComponentRef, ConfigError, ImageDataset, MedtransferError, Registry } from '@medtransfer/core';
import { loadCifar10 } from './cifar10';
import { csvDataset, dicomDataset, folderDataset } from './image-datasets';
import { FRACTAL_DEFAULTS, generateFractalDataset } from './fractal';
import { loadMedmnist } from './medmnist';
import { cachedMedmnistFile, defaultCacheDir } from './medmnist-cache';
import { MEDMNIST_INFO, MEDMNIST_SIZES, MEDMNIST_ZENODO } from './medmnist-info';
import { parseParams } from './params';
import { LESION_DEFAULTS, generateLesionDataset } from './synthetic-target';

/** `path` is where the dataset sits in the experiment file (e.g. `target.dataset`); `seed` is the data seed. */
export interface DatasetContext {
  path: string;
  seed: number;
  /** The stage's imageSize, when known: image-folder, DICOM and CSV datasets resize to it unless params.size says otherwise. */
  imageSize?: number;
}

export type DatasetFactory = (params: Record<string, unknown>, ctx: DatasetContext) => ImageDataset;

export const datasets = new Registry<DatasetFactory>('dataset');

const int = () => z.number().int();
const seedSchema = int().nonnegative().optional();

const medmnistSchema = z.strictObject({
  /** The `.npz` file; relative paths resolve against the working directory. Absent: the cached official file. */
  path: z.string().min(1).optional(),
  /** Image size of the official file to use from the cache (28, 64, 128 or 224); with `path`, checked against the file. */
  size: z.literal([...MEDMNIST_SIZES]).optional(),
  /** Cache folder to look in instead of $MEDTRANSFER_CACHE / the user's cache dir. */
  cacheDir: z.string().min(1).optional(),
});

for (const info of MEDMNIST_INFO) {
  const name = `medmnist/${info.flag}`;
  datasets.register(name, (params, ctx) => {
    const where = `${ctx.path ? `${ctx.path}.` : ''}params.path`;
    const others = MEDMNIST_SIZES.filter((s) => s !== 28).join(', ');
    const origin =
      `${info.title} files come from the MedMNIST Zenodo record 10519652 (${MEDMNIST_ZENODO}): ${info.flag}.npz ` +
      `holds the 28 px images, ${info.flag}_{size}.npz the ${others} px ones.`;
    const p = parseParams(medmnistSchema, params, ctx.path, name);
    if (p.path === undefined) {
      // No path: the official file from the cache (`medtransfer data get`), verified against its MD5.
      const cacheDir = p.cacheDir === undefined ? defaultCacheDir() : resolve(process.cwd(), p.cacheDir);
      let file: string;
      try {
        file = cachedMedmnistFile(info.flag, p.size ?? 28, cacheDir);
      } catch (err) {
        if (err instanceof MedtransferError) throw new ConfigError(`${ctx.path ? `${ctx.path}.` : ''}params`, `${err.message}. ${origin}`);
        throw err;
      }
      return loadMedmnist(file, info.flag);
    }
    const file = resolve(process.cwd(), p.path);
    if (!existsSync(file)) {
      throw new ConfigError(
        where,
        `file not found: ${file} (from "${p.path}", relative to ${process.cwd()}). ${origin} Download one (\`medtransfer data get ${info.flag}\`) and set params.path to where it is saved, or leave params.path out to use the cache.`,
      );
    }
    const ds = loadMedmnist(file, info.flag);
    const first = Object.values(ds.splits)[0];
    if (p.size !== undefined && first && first.height !== p.size) {
      throw new ConfigError(`${ctx.path ? `${ctx.path}.` : ''}params.size`, `is ${p.size} but ${file} holds ${first.height}×${first.width} images; drop size or point path at the ${p.size} px file`);
    }
    return ds;
  });
}

export const fractalParamsSchema = z.strictObject({
  classes: int().min(2).max(1000).default(FRACTAL_DEFAULTS.classes),
  perClass: int().min(1).max(100000).default(FRACTAL_DEFAULTS.perClass),
  valPerClass: int().min(0).max(100000).default(FRACTAL_DEFAULTS.valPerClass),
  testPerClass: int().min(0).max(100000).default(FRACTAL_DEFAULTS.testPerClass),
  size: int().min(8).max(512).default(FRACTAL_DEFAULTS.size),
  channels: z.literal([1, 3]).default(FRACTAL_DEFAULTS.channels),
  points: int().min(1).max(10_000_000).optional(),
  variation: z.number().min(0).max(0.5).default(FRACTAL_DEFAULTS.variation),
  seed: seedSchema,
});

datasets.register('synthetic/fractal', (params, ctx) => {
  const { seed, ...p } = parseParams(fractalParamsSchema, params, ctx.path, 'synthetic/fractal');
  return generateFractalDataset({ ...p, seed: seed ?? ctx.seed });
});

export const lesionParamsSchema = z.strictObject({
  train: int().min(0).max(1_000_000).default(LESION_DEFAULTS.train),
  val: int().min(0).max(1_000_000).default(LESION_DEFAULTS.val),
  test: int().min(0).max(1_000_000).default(LESION_DEFAULTS.test),
  size: int().min(8).max(512).default(LESION_DEFAULTS.size),
  difficulty: z.number().min(0).max(1).default(LESION_DEFAULTS.difficulty),
  seed: seedSchema,
});

datasets.register('synthetic/lesions', (params, ctx) => {
  const { seed, ...p } = parseParams(lesionParamsSchema, params, ctx.path, 'synthetic/lesions');
  return generateLesionDataset({ ...p, seed: seed ?? ctx.seed });
});

export const cifar10ParamsSchema = z.strictObject({
  /** The cifar-10-batches-bin folder (or the folder holding it); relative paths resolve against the working directory. */
  path: z.string().min(1),
  /** Fraction of the 50,000 training images held out (the last ones) as the validation split. */
  valFraction: z.number().min(0).max(0.9).default(0.1),
});

datasets.register('cifar10', (params, ctx) => {
  const p = parseParams(cifar10ParamsSchema, params, ctx.path, 'cifar10');
  return loadCifar10(resolve(process.cwd(), p.path), { valFraction: p.valFraction });
});

datasets.register('folder', folderDataset);
datasets.register('dicom', dicomDataset);
datasets.register('csv', csvDataset);

/** Looks `ref.name` up (an unknown name fails at `${ctx.path}.name` with did-you-mean) and builds the dataset. */
export function loadDataset(ref: ComponentRef, ctx: DatasetContext): ImageDataset {
  const factory = datasets.get(ref.name, ctx.path ? `${ctx.path}.name` : 'name');
  return factory(ref.params ?? {}, ctx);
}
