// The experiment file's schema (zod, strict, defaults here) and the types drawn from it.
// Registry names and params (backbones, datasets, inits, optimisers, schedules) are checked by the
// runner, which knows the registries (docs/architecture.md, "Registries").
import { z } from 'zod';
import { metrics } from './metrics';
import { unknownNameMessage } from './suggest';
import { slurmSchema } from './slurm-schema';

export * from './slurm-schema';

const name = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" and "-"');

/** A component reference: a registry name, with parameters. A bare string means no parameters. */
export const componentSchema = z.union([
  z.string(),
  z.strictObject({ name: z.string(), params: z.record(z.string(), z.unknown()).default({}) }),
]);
export type ComponentRef = { name: string; params: Record<string, unknown> };

export function normalizeComponent(ref: z.infer<typeof componentSchema>): ComponentRef {
  return typeof ref === 'string' ? { name: ref, params: {} } : { name: ref.name, params: ref.params ?? {} };
}

/** Early stopping tracks any registered metric, or the validation loss. */
export const earlyStoppingMetrics: readonly string[] = [...metrics.names(), 'loss'];

/**
 * A metric name: a registered metric (core/src/metrics) or one of `extra`. Unknown names fail
 * with the nearest names at their config path; the JSON Schema lists the names registered when it is generated.
 */
function metricName(extra: readonly string[] = []) {
  const valid = () => [...metrics.names(), ...extra];
  return z
    .string()
    .superRefine((value, ctx) => {
      if (!metrics.has(value) && !extra.includes(value)) ctx.addIssue({ code: 'custom', message: unknownNameMessage('metric', value, valid()) });
    })
    .meta({ enum: valid() });
}

export const backendNames = ['auto', 'node-gpu', 'node', 'native', 'wasm', 'cpu'] as const;

/**
 * An initialisation strategy: a registry name (`scratch`, `mean-var`), or a mapping of one name to
 * its parameters (`{transfusion: 2}`, `{slim: {keep: 2}}`). The zoo's init registry checks the name
 * and the parameters, with their config path, when the experiment is planned; the JSON Schema lists
 * the registry's forms under this id.
 */
export const initSchema = z.union([z.string(), z.record(z.string(), z.unknown())]).meta({ id: 'InitConfig' });
export type InitConfig = z.infer<typeof initSchema>;

/**
 * A learning-rate schedule: a registry name (with its defaults) or `{name, ...params}`. The
 * engine's schedule registry checks it and fills its defaults in when the experiment is planned.
 */
export const scheduleSchema = z.union([z.string(), z.looseObject({ name: z.string() })]).meta({ id: 'ScheduleConfig' });
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

/**
 * The fields every optimiser takes. Each optimiser's own fields (`nesterov`, `beta1`, …) are
 * declared by its spec in the engine's optimiser registry, which checks the whole mapping (unknown
 * keys included) when the experiment is planned.
 */
export const optimizerSchema = z
  .looseObject({
    name: z.string().default('adam'),
    lr: z.number().positive().default(1e-3),
    /** SGD momentum; filled in for every optimiser (ignored by the others), as trial keys always held it. */
    momentum: z.number().min(0).max(1).default(0.9),
    /** Rescale all gradients together when their global L2 norm exceeds this. */
    clipNorm: z.number().positive().optional(),
    /** Clamp every gradient entry to [-clipValue, clipValue] (applied before clipNorm). */
    clipValue: z.number().positive().optional(),
    /** Default constant. */
    schedule: scheduleSchema.optional(),
    /** Linear warm-up: lr × step / warmupSteps over the first warmupSteps steps. */
    warmupSteps: z.number().int().nonnegative().optional(),
    /** Learning-rate multiplier per layer group of the backbone (e.g. `{ block1: 0.1 }`); unnamed groups 1. */
    groupLr: z.record(z.string(), z.number().min(0)).optional(),
  })
  .meta({ id: 'OptimizerConfig' });

export const trainingSchema = z
  .strictObject({
    /** Length of training in optimiser steps; or give `epochs`. */
    steps: z.number().int().positive().optional(),
    epochs: z.number().positive().optional(),
    batchSize: z.number().int().positive().default(32),
    optimizer: optimizerSchema.default({ name: 'adam', lr: 1e-3, momentum: 0.9 }),
    /** Evaluate on the validation split every N steps, or `epoch` (each pass), and at the end. */
    evalEvery: z.union([z.number().int().positive(), z.literal('epoch')]).default(50),
    /**
     * Track the best validation checkpoint on `metric`; stop after `patience` validations
     * without an improvement of more than `minDelta` (no patience: never stop early).
     */
    earlyStopping: z
      .strictObject({
        metric: metricName(['loss']).default('auc'),
        patience: z.number().int().positive().optional(),
        minDelta: z.number().min(0).default(0),
      })
      .optional(),
    /** Test metrics of the `final` model or the `best-val` checkpoint (default: best-val with earlyStopping, else final). */
    testFrom: z.enum(['final', 'best-val']).optional(),
    /**
     * Save a resumable training state every N optimiser steps (default 200; 0: never). It does
     * not change results, so it is optional: absent leaves trial keys as they were.
     */
    checkpointEvery: z.number().int().nonnegative().optional(),
  })
  .refine((t) => (t.steps === undefined) !== (t.epochs === undefined), {
    message: 'give exactly one of "steps" or "epochs"',
  });

/**
 * A data-scarcity subset of the training split, stratified by class and nested (for one seed the
 * 10 % subset lies inside the 20 % one): `{fraction: 0.1}` or `{perClass: 50}`. `seed` defaults to
 * the run's data seed.
 */
export const subsetSchema = z.union([
  z.strictObject({ fraction: z.number().gt(0).max(1), seed: z.number().int().nonnegative().optional() }),
  z.strictObject({ perClass: z.number().int().min(1), seed: z.number().int().nonnegative().optional() }),
]);
export type SubsetConfig = z.infer<typeof subsetSchema>;

export const normalizePresets = ['medmnist', 'imagenet', 'dataset'] as const;
const unitPair = z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)]);

/** Preprocessing and (training-only) augmentation; absent = resize bilinear, normalise 0.5/0.5. */
export const transformsSchema = z.strictObject({
  /** Stored size → imageSize: interpolate, zero-pad centred (the MedMNIST+ protocol), or centre-crop. */
  fit: z.enum(['resize', 'pad', 'crop']).default('resize'),
  /** Interpolation for `fit: resize` and augmentation; nearest is what MedMNIST v2's 224 px baselines used. */
  interpolation: z.enum(['bilinear', 'nearest']).default('bilinear'),
  /** Centre-crop the stored image to this many pixels (a side) before fitting. */
  centerCrop: z.number().int().min(1).optional(),
  /** medmnist = mean 0.5 / std 0.5; imagenet = ImageNet mean/std; dataset = per-channel statistics of the training split; or explicit values (one per channel, or one for all). */
  normalize: z
    .union([
      z.enum(normalizePresets),
      z.strictObject({ mean: z.array(z.number()).min(1).max(3), std: z.array(z.number().positive()).min(1).max(3) }),
    ])
    .default('medmnist'),
  /** Random augmentation of training batches (never validation or test), seeded by the run. */
  augment: z
    .strictObject({
      flip: z.enum(['none', 'horizontal', 'vertical', 'both']).default('none'),
      /** Rotation by a uniform angle in [-rotate, rotate] degrees, zero fill. */
      rotate: z.number().min(0).max(180).default(0),
      /** Crop a random area fraction `scale` with aspect ratio in `ratio`, resized to imageSize (Inception-style). */
      randomResizedCrop: z
        .strictObject({ scale: unitPair.default([0.08, 1]), ratio: z.tuple([z.number().positive(), z.number().positive()]).default([3 / 4, 4 / 3]) })
        .optional(),
      /** Multiply by a factor in [1 − b, 1 + b]. */
      brightness: z.number().min(0).max(1).default(0),
      /** Scale the distance from the image's mean gray by a factor in [1 − c, 1 + c]. */
      contrast: z.number().min(0).max(1).default(0),
    })
    .optional(),
});
export type TransformsConfig = z.infer<typeof transformsSchema>;

export const stageSchema = z.strictObject({
  dataset: componentSchema,
  /** Images are resized to imageSize × imageSize before training. */
  imageSize: z.number().int().min(8).max(512).default(28),
  /** Input channels the model sees: gray images are repeated to 3 when this is 3. */
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  /** Train on a stratified, seeded, nested subset of the training split (absent: all of it). */
  subset: subsetSchema.optional(),
  /** Preprocessing and augmentation (absent: bilinear resize, 0.5/0.5 normalisation, no augmentation). */
  transforms: transformsSchema.optional(),
  training: trainingSchema,
});

export const reportSchema = z.strictObject({
  /** Validation metric and threshold for "steps to threshold" (Transfusion used AUC 0.91 on Retina): any registered metric. */
  metric: metricName().default('auc'),
  threshold: z.number().min(0).max(1).default(0.8),
  /** Also a relative threshold: `fraction` of the run's `final` or `best` validation value. */
  relative: z.strictObject({ fraction: z.number().gt(0).max(1), of: z.enum(['final', 'best']).default('final') }).optional(),
  /**
   * Keep each target trial's weights at initialisation and after training (`<trial>/weights/{initial,final}/`),
   * for `medtransfer similarity`. Not part of the trial key: turning it on later does not rerun finished trials.
   */
  saveWeights: z.boolean().optional(),
  /**
   * Time each architecture's training step, evaluation pass and single-image latency once per input size
   * and backend (`<experiment>/cost/`), for `figures compare`; default true. Not part of any trial key.
   */
  measureCost: z.boolean().optional(),
});

/** The axes a sweep varies; each is a key of the trial name (`target[backbone=…,init=…,seed=…]`). */
export const sweepAxisNames = ['backbone', 'imageSize', 'dataFraction', 'init', 'seed'] as const;
export type SweepAxis = (typeof sweepAxisNames)[number];

const sweepImageSize = z.number().int().min(8).max(512);
const sweepFraction = z.number().gt(0).max(1);
const sweepSeed = z.number().int().nonnegative();

/** One row of `sweep.tied`: values of several axes that go together (e.g. a backbone and its input size). */
export const tiedRowSchema = z.strictObject({
  backbone: componentSchema.optional(),
  imageSize: sweepImageSize.optional(),
  dataFraction: sweepFraction.optional(),
  init: initSchema.optional(),
});

/**
 * A combination not to run, and why. A trial is skipped when it matches every axis the entry
 * names: `backbone` by name (`resnet50`) or id (`cbr-small-1a2b3c`), `init` by strategy id
 * (`transfusion-2`), the others by value.
 */
export const skipSchema = z.strictObject({
  backbone: z.string().optional(),
  imageSize: sweepImageSize.optional(),
  dataFraction: sweepFraction.optional(),
  init: z.string().optional(),
  seed: sweepSeed.optional(),
  reason: z.string().min(1, 'say why the combination is skipped'),
});
export type SkipConfig = z.infer<typeof skipSchema>;

/**
 * The trials of an experiment: the cartesian product of the grid axes (and of the `tied` rows,
 * which count as one axis), minus `skip`. Absent axes take one value: init `scratch`, imageSize
 * `target.imageSize`, dataFraction the whole training split (or `target.subset`), seed [1].
 */
export const sweepSchema = z.strictObject({
  backbone: z.array(componentSchema).min(1).optional(),
  init: z.array(initSchema).min(1).optional(),
  /** Target image sizes (the source stage keeps its own `imageSize`). */
  imageSize: z.array(sweepImageSize).min(1).optional(),
  /** Fractions of the target training split: a stratified, nested subset each (1 = all of it). */
  dataFraction: z.array(sweepFraction).min(1).optional(),
  /** Seeds as an explicit repeat axis: a list, or `{repeat: n, start: 1}` for seeds start … start + n − 1. */
  seed: z
    .union([z.array(sweepSeed).min(1), z.strictObject({ repeat: z.number().int().min(1).max(1000), start: sweepSeed.default(1) })])
    .optional(),
  /** Axes that vary together: each row is one value of the group; rows name the same axes. */
  tied: z.array(tiedRowSchema).min(1).optional(),
  skip: z.array(skipSchema).optional(),
});
export type SweepConfig = z.infer<typeof sweepSchema>;

export const experimentSchema = z.strictObject({
  $schema: z.string().optional(),
  name,
  description: z.string().default(''),
  backend: z.enum(backendNames).default('auto'),
  /** Seeds (one trial each); the same as `sweep.seed`, kept for existing files. Default [1]. */
  seeds: z.array(z.number().int().nonnegative()).min(1).optional(),
  /** Source pretraining, run once per backbone; needed by `init: pretrained`. */
  source: stageSchema.optional(),
  target: stageSchema,
  sweep: sweepSchema,
  report: reportSchema.default({ metric: 'auc', threshold: 0.8 }),
  /** Resources for `medtransfer slurm` (its flags override these); not part of any trial key. */
  slurm: slurmSchema.optional(),
});

export type ExperimentConfig = z.infer<typeof experimentSchema>;
export type StageConfig = z.infer<typeof stageSchema>;
export type TrainingConfig = z.infer<typeof trainingSchema>;
export type OptimizerConfig = z.infer<typeof optimizerSchema>;
export type EarlyStoppingConfig = NonNullable<TrainingConfig['earlyStopping']>;
export type ReportConfig = z.infer<typeof reportSchema>;
