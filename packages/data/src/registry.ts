// The dataset registry: `medmnist/<flag>` for the twelve 2D MedMNIST files, and the synthetic
// generators. Each factory validates its params (strict zod) and reports problems with their path.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ComponentRef, ConfigError, ImageDataset, Registry } from '@medtransfer/core';
import { FRACTAL_DEFAULTS, generateFractalDataset } from './fractal';
import { loadMedmnist } from './medmnist';
import { MEDMNIST_INFO, MEDMNIST_SIZES, MEDMNIST_ZENODO } from './medmnist-info';
import { parseParams } from './params';
import { LESION_DEFAULTS, generateLesionDataset } from './synthetic-target';

/** `path` is where the dataset sits in the experiment file (e.g. `target.dataset`); `seed` is the data seed. */
export interface DatasetContext {
  path: string;
  seed: number;
}

export type DatasetFactory = (params: Record<string, unknown>, ctx: DatasetContext) => ImageDataset;

export const datasets = new Registry<DatasetFactory>('dataset');

const int = () => z.number().int();
const seedSchema = int().nonnegative().optional();

const medmnistSchema = z.strictObject({
  /** The `.npz` file; relative paths resolve against the working directory. */
  path: z.string().min(1),
});

for (const info of MEDMNIST_INFO) {
  const name = `medmnist/${info.flag}`;
  datasets.register(name, (params, ctx) => {
    const where = `${ctx.path ? `${ctx.path}.` : ''}params.path`;
    const others = MEDMNIST_SIZES.filter((s) => s !== 28).join(', ');
    const origin =
      `${info.title} files come from the MedMNIST Zenodo record 10519652 (${MEDMNIST_ZENODO}): ${info.flag}.npz ` +
      `holds the 28 px images, ${info.flag}_{size}.npz the ${others} px ones.`;
    const isMapping = typeof params === 'object' && params !== null && !Array.isArray(params);
    if (isMapping && params.path === undefined) {
      throw new ConfigError(where, `missing (required): the .npz file to read. ${origin} Download one and set params.path to where it is saved.`);
    }
    const p = parseParams(medmnistSchema, params, ctx.path, name);
    const file = resolve(process.cwd(), p.path);
    if (!existsSync(file)) {
      throw new ConfigError(
        where,
        `file not found: ${file} (from "${p.path}", relative to ${process.cwd()}). ${origin} Download one and set params.path to where it is saved.`,
      );
    }
    return loadMedmnist(file, info.flag);
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

/** Looks `ref.name` up (an unknown name fails at `${ctx.path}.name` with did-you-mean) and builds the dataset. */
export function loadDataset(ref: ComponentRef, ctx: DatasetContext): ImageDataset {
  const factory = datasets.get(ref.name, ctx.path ? `${ctx.path}.name` : 'name');
  return factory(ref.params ?? {}, ctx);
}
