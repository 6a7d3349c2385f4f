// The dataset registry: `medmnist/<flag>` for the twelve 2D MedMNIST files, CIFAR-10, image folders,
// DICOM, CSV manifests and the synthetic generators. Each entry parses its params (strict zod,
// problems reported with their path) and declares the files it reads and its location-only params.
import { resolve } from 'node:path';
import { z } from 'zod';
import { ComponentRef, ConfigError, MedtransferError, Registry, type ImageDataset } from '@medtransfer/core';
import { loadCifar10 } from './cifar10';
import { DatasetContext, DatasetEntry, DatasetInput, DatasetSpec, InputContext, defineDataset, inputAt, inputProblem, paramsField } from './dataset-spec';
import { csvDataset, dicomDataset, folderDataset } from './image-datasets';
import { FRACTAL_DEFAULTS, generateFractalDataset } from './fractal';
import { loadMedmnist } from './medmnist';
import { cacheFillHint, cachedMedmnistFile, dataGetCommand, defaultCacheDir, medmnistCachePath } from './medmnist-cache';
import { MEDMNIST_INFO, MEDMNIST_SIZES, MEDMNIST_ZENODO, type MedmnistInfo } from './medmnist-info';
import { LESION_DEFAULTS, generateLesionDataset } from './synthetic-target';

export const datasets = new Registry<DatasetEntry>('dataset');

/** One line per dataset: its spec (schema, loader, inputs, location params) under its name. */
function register<S extends z.ZodObject>(name: string, spec: DatasetSpec<S>): void {
  datasets.register(name, defineDataset(name, spec));
}

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
type MedmnistParams = z.infer<typeof medmnistSchema>;

/** Where the official files come from, for every message about a missing or unusable one. */
function medmnistOrigin(info: MedmnistInfo): string {
  const others = MEDMNIST_SIZES.filter((s) => s !== 28).join(', ');
  return (
    `${info.title} files come from the MedMNIST Zenodo record 10519652 (${MEDMNIST_ZENODO}): ${info.flag}.npz ` +
    `holds the 28 px images, ${info.flag}_{size}.npz the ${others} px ones.`
  );
}

const medmnistCacheDir = (p: MedmnistParams) => (p.cacheDir === undefined ? defaultCacheDir() : resolve(process.cwd(), p.cacheDir));

/** The `.npz` a MedMNIST dataset reads: `params.path`, or without it the official file in the cache. */
function medmnistInput(info: MedmnistInfo, p: MedmnistParams, ctx: InputContext): DatasetInput {
  const origin = medmnistOrigin(info);
  if (p.path !== undefined) {
    return inputAt(
      ctx,
      'path',
      p.path,
      'file',
      `${origin} Download one (\`${dataGetCommand(info.flag, p.size)}\`) and set params.path to where it is saved, or leave params.path out to use the cache.`,
    );
  }
  const size = p.size ?? 28;
  const cacheDir = medmnistCacheDir(p);
  return {
    param: 'path',
    field: paramsField(ctx),
    given: '',
    resolved: medmnistCachePath(info.flag, size, cacheDir),
    kind: 'file',
    fix: `It is the official file from the cache (params.path is not set): ${cacheFillHint(info.flag, size, cacheDir)}. ${origin}`,
  };
}

for (const info of MEDMNIST_INFO) {
  const name = `medmnist/${info.flag}`;
  register(name, {
    schema: medmnistSchema,
    inputs: (p, ctx) => [medmnistInput(info, p, ctx)],
    locationParams: ['path', 'cacheDir'],
    load: (p, ctx) => {
      if (p.path === undefined) {
        // No path: the official file from the cache (`medtransfer data get`), verified against its MD5.
        let file: string;
        try {
          file = cachedMedmnistFile(info.flag, p.size ?? 28, medmnistCacheDir(p));
        } catch (err) {
          if (err instanceof MedtransferError) throw new ConfigError(paramsField(ctx), `${err.message}. ${medmnistOrigin(info)}`);
          throw err;
        }
        return loadMedmnist(file, info.flag);
      }
      const file = resolve(process.cwd(), p.path);
      const ds = loadMedmnist(file, info.flag);
      const first = Object.values(ds.splits)[0];
      if (p.size !== undefined && first && first.height !== p.size) {
        throw new ConfigError(`${paramsField(ctx)}.size`, `is ${p.size} but ${file} holds ${first.height}×${first.width} images; drop size or point path at the ${p.size} px file`);
      }
      return ds;
    },
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

register('synthetic/fractal', {
  schema: fractalParamsSchema,
  load: ({ seed, ...p }, ctx) => generateFractalDataset({ ...p, seed: seed ?? ctx.seed }),
});

export const lesionParamsSchema = z.strictObject({
  train: int().min(0).max(1_000_000).default(LESION_DEFAULTS.train),
  val: int().min(0).max(1_000_000).default(LESION_DEFAULTS.val),
  test: int().min(0).max(1_000_000).default(LESION_DEFAULTS.test),
  size: int().min(8).max(512).default(LESION_DEFAULTS.size),
  difficulty: z.number().min(0).max(1).default(LESION_DEFAULTS.difficulty),
  seed: seedSchema,
});

register('synthetic/lesions', {
  schema: lesionParamsSchema,
  load: ({ seed, ...p }, ctx) => generateLesionDataset({ ...p, seed: seed ?? ctx.seed }),
});

export const cifar10ParamsSchema = z.strictObject({
  /** The cifar-10-batches-bin folder (or the folder holding it); relative paths resolve against the working directory. */
  path: z.string().min(1),
  /** Fraction of the 50,000 training images held out (the last ones) as the validation split. */
  valFraction: z.number().min(0).max(0.9).default(0.1),
});

register('cifar10', {
  schema: cifar10ParamsSchema,
  inputs: (p, ctx) => [
    inputAt(ctx, 'path', p.path, 'folder', 'Point path at the cifar-10-batches-bin folder extracted from cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html), or at the folder holding it.'),
  ],
  locationParams: ['path'],
  load: (p) => loadCifar10(resolve(process.cwd(), p.path), { valFraction: p.valFraction }),
});

register('folder', folderDataset);
register('dicom', dicomDataset);
register('csv', csvDataset);

const entryOf = (name: string, ctx: InputContext) => datasets.get(name, ctx.path ? `${ctx.path}.name` : 'name');

/** The files and folders `ref` reads (its params parsed: a bad one throws a ConfigError at its field; an unknown name at `${ctx.path}.name`). */
export function datasetInputs(ref: ComponentRef, ctx: InputContext): DatasetInput[] {
  return entryOf(ref.name, ctx).inputs(ref.params ?? {}, ctx);
}

/** One ConfigError per input of `ref` that is missing or of the other kind (a folder where a file belongs), at the input's field. */
export function checkDatasetInputs(ref: ComponentRef, ctx: InputContext): ConfigError[] {
  return datasetInputs(ref, ctx).flatMap((input) => {
    const problem = inputProblem(input);
    return problem === undefined ? [] : [new ConfigError(input.field, problem)];
  });
}

/** The params keys of dataset `name` that only say where its data is (moving the data changes them, never its content or fingerprint). */
export function datasetLocationParams(name: string): readonly string[] {
  return datasets.get(name).locationParams;
}

/** Looks `ref.name` up (an unknown name fails at `${ctx.path}.name` with did-you-mean), checks its inputs exist, and builds the dataset. */
export function loadDataset(ref: ComponentRef, ctx: DatasetContext): ImageDataset {
  const [missing] = checkDatasetInputs(ref, ctx);
  if (missing) throw missing;
  return entryOf(ref.name, ctx).load(ref.params ?? {}, ctx);
}
