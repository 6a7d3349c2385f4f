// Representation similarity of stored trials: rebuild each model from its saved weights
// (`report.saveWeights`), run the same probe images through both, collect the activations at the
// end of every layer group, and hand them to the analysis package's CKA / SVCCA / PWCCA.
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ComponentRef, ImageDataset, MedtransferError, SplitName, StageConfig, getLogger, normalizeComponent } from '@medtransfer/core';
import { applySubset, createStageSources, loadDataset } from '@medtransfer/data';
import { ClassifierModel, InitStrategy, MANIFEST_FILE, createInitModel, createModel, loadWeights, readCheckpoint } from '@medtransfer/zoo';
import { SIMILARITY_METRICS, SimilarityMetric, SimilarityResult, SimilarityRow, linearCka, pwcca, svcca, writeSimilarity } from '@medtransfer/analysis';
import { selectBackend } from '@medtransfer/engine';
import { DATA_SEED } from './plan';
import { CONFIG_FILE, readJson } from './store';
import { TrialWeightsWhich, trialWeightsDir } from './trial-weights';

const log = getLogger('similarity');

/** One model to compare: a trial folder and which of its saved weights. */
export interface ModelRef {
  dir: string;
  which: TrialWeightsWhich;
  /** Short name for tables: `<trial folder>` or `<trial folder>@initial`. */
  label: string;
}

/** `<trialDir>` (final weights) or `<trialDir>@initial` / `<trialDir>@final`. */
export function parseModelRef(arg: string): ModelRef {
  const m = /^(.*?)(?:@(initial|final))?$/.exec(arg.replace(/[/\\]+$/, ''));
  const dir = m?.[1] ?? arg;
  const which = (m?.[2] as TrialWeightsWhich | undefined) ?? 'final';
  return { dir, which, label: which === 'final' ? basename(dir) : `${basename(dir)}@${which}` };
}

export interface ProbeOptions {
  /** Probe examples: the first `probe` of the split, in stored order (default 500, or all if fewer). */
  probe?: number;
  /** Split the probe images come from (default `test`). */
  split?: SplitName;
  /**
   * Conv activations: fold the spatial positions into the rows (`fold`, n·h·w × c, default: each
   * position is a data point, as SVCCA treats conv layers) or average over space (`mean`, n × c).
   */
  spatial?: 'mean' | 'fold';
  batchSize?: number;
}

interface StoredTrialConfig {
  trial: { name: string; seed: number; backbone: ComponentRef; model?: ComponentRef; strategy?: InitStrategy };
  target: StageConfig;
}

/** Activations of one layer group: the output of its last layer, as an n × features matrix. */
export interface GroupActivations {
  group: string;
  layer: string;
  rows: number;
  cols: number;
  data: Float32Array;
}

function readTrialConfig(dir: string): StoredTrialConfig {
  const file = join(dir, CONFIG_FILE);
  if (!existsSync(file)) {
    throw new MedtransferError(`${dir}: not a trial folder (no ${CONFIG_FILE}); give a folder results/<experiment>/<trial>/ written by \`medtransfer run\``);
  }
  return readJson<StoredTrialConfig>(file);
}

/** Rebuilds the trial's model (slim trials have their own architecture) and loads the saved weights. */
export function loadTrialModel(ref: ModelRef): { model: ClassifierModel; config: StoredTrialConfig } {
  const config = readTrialConfig(ref.dir);
  const wdir = trialWeightsDir(ref.dir, ref.which);
  if (!existsSync(join(wdir, MANIFEST_FILE))) {
    throw new MedtransferError(
      `${ref.dir}: no saved ${ref.which} weights (${wdir}). Weights are kept only for trials run with \`report: { saveWeights: true }\` ` +
        'in the experiment file; add it and rerun the trial (`medtransfer run <file> --force` reruns finished ones).',
    );
  }
  const ckpt = readCheckpoint(wdir);
  const { manifest } = ckpt;
  const opts = { inputShape: manifest.inputShape, numClasses: manifest.numClasses, seed: config.trial.seed, path: 'sweep.backbone' };
  const strategy = config.trial.strategy;
  const arch = config.trial.model ?? { name: manifest.backbone, params: manifest.params };
  // a strategy with its own architecture (slim) builds it; trials stored without one are plain models
  const model = strategy ? createInitModel(arch, opts, strategy) : createModel(arch, opts);
  try {
    loadWeights(model, ckpt, { strict: true });
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, config };
}

const datasetCache = new Map<string, ImageDataset>();

function probeDataset(stage: StageConfig): ImageDataset {
  const ref = normalizeComponent(stage.dataset);
  const id = JSON.stringify([ref, stage.subset ?? null]);
  let ds = datasetCache.get(id);
  if (!ds) {
    const loaded = loadDataset(ref, { path: 'target.dataset', seed: DATA_SEED });
    // As in training: a subset replaces the training split, which `normalize: dataset` takes its statistics from.
    ds = stage.subset ? applySubset(loaded, stage.subset, stage.subset.seed ?? DATA_SEED) : loaded;
    datasetCache.set(id, ds);
  }
  return ds;
}

/** Runs the first `probe` images of the split through the model; returns each group's activations. */
export function groupActivations(model: ClassifierModel, stage: StageConfig, opts: ProbeOptions = {}): { dataset: string; count: number; groups: GroupActivations[] } {
  const split = opts.split ?? 'test';
  const ds = probeDataset(stage);
  const source = createStageSources(ds, [split], { imageSize: stage.imageSize, channels: stage.channels, transforms: stage.transforms, path: 'target' })[split];
  const want = Math.min(opts.probe ?? 500, source.count);
  const layers = model.groups.map((g) => g.layers[g.layers.length - 1]);
  const probeModel = tf.model({ inputs: model.model.inputs, outputs: layers.map((l) => model.model.getLayer(l).output as tf.SymbolicTensor) });
  const parts: Float32Array[][] = layers.map(() => []);
  const cols: number[] = layers.map(() => 0);
  let seen = 0;
  for (const batch of source.epoch(opts.batchSize ?? 64)) {
    if (seen >= want) break;
    const take = Math.min(batch.size, want - seen);
    const outs = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, batch.shape).slice(0, take);
      const ys = probeModel.predict(x) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(ys) ? ys : [ys]).map((y) => {
        if (y.rank === 4) return (opts.spatial ?? 'fold') === 'fold' ? y.reshape([-1, y.shape[3]!]) : y.mean([1, 2]);
        return y.reshape([y.shape[0], -1]);
      });
    });
    outs.forEach((t, i) => {
      cols[i] = t.shape[1]!;
      parts[i].push(t.dataSync() as Float32Array);
      t.dispose();
    });
    seen += take;
  }
  const groups = model.groups.map((g, i) => {
    const total = parts[i].reduce((n, p) => n + p.length, 0);
    const data = new Float32Array(total);
    let at = 0;
    for (const p of parts[i]) {
      data.set(p, at);
      at += p.length;
    }
    return { group: g.name, layer: layers[i], rows: total / cols[i], cols: cols[i], data };
  });
  return { dataset: ds.name, count: seen, groups };
}

export interface CompareOptions extends ProbeOptions {
  metrics?: readonly SimilarityMetric[];
  /** SVCCA: fraction of variance kept (default 0.99). */
  keep?: number;
}

function similarity(metric: SimilarityMetric, a: GroupActivations, b: GroupActivations, keep: number): number {
  const x = { data: a.data, rows: a.rows, cols: a.cols };
  const y = { data: b.data, rows: b.rows, cols: b.cols };
  if (metric === 'cka') return linearCka(x, y);
  if (metric === 'svcca') return svcca(x, y, { keep }).similarity;
  return pwcca(x, y).similarity;
}

/**
 * Compares each pair of models on the same probe images, group by group (groups are matched by
 * name, in the first model's order; a group only one model has is skipped).
 */
export function compareTrials(pairs: ReadonlyArray<readonly [ModelRef, ModelRef]>, opts: CompareOptions = {}): SimilarityResult {
  const metrics = opts.metrics ?? SIMILARITY_METRICS;
  const cache = new Map<string, { dataset: string; count: number; groups: GroupActivations[]; backbone: string }>();
  const activations = (ref: ModelRef) => {
    const id = `${resolve(ref.dir)}@${ref.which}`;
    let hit = cache.get(id);
    if (!hit) {
      const { model, config } = loadTrialModel(ref);
      try {
        hit = { ...groupActivations(model, config.target, opts), backbone: model.backbone };
      } finally {
        model.dispose();
      }
      cache.set(id, hit);
    }
    return hit;
  };
  const rows: SimilarityRow[] = [];
  let probe = { dataset: '', count: 0 };
  for (const [ra, rb] of pairs) {
    const a = activations(ra);
    const b = activations(rb);
    if (a.dataset !== b.dataset || a.count !== b.count) {
      throw new MedtransferError(
        `${ra.label} was trained on ${a.dataset} and ${rb.label} on ${b.dataset}: similarity needs the same probe images for both; compare trials of the same dataset`,
      );
    }
    probe = { dataset: a.dataset, count: a.count };
    const pair = `${ra.label} vs ${rb.label}`;
    a.groups.forEach((ga, depth) => {
      const gb = b.groups.find((g) => g.group === ga.group);
      if (!gb) return;
      if (ga.rows !== gb.rows) {
        log.warn(`${pair}: group ${ga.group} skipped: ${ga.rows} vs ${gb.rows} rows (different spatial sizes; use --spatial mean to compare them)`);
        return;
      }
      const sizes = { rows: ga.rows, featuresA: ga.cols, featuresB: gb.cols };
      for (const metric of metrics) rows.push({ pair, a: ra.label, b: rb.label, group: ga.group, depth, metric, value: similarity(metric, ga, gb, opts.keep ?? 0.99), ...sizes });
    });
  }
  return {
    format: 'medtransfer-similarity',
    version: 1,
    probe: { ...probe, split: opts.split ?? 'test', spatial: opts.spatial ?? 'fold' },
    models: [...new Set(pairs.flat().map((r) => r.label))].map((label) => {
      const ref = pairs.flat().find((r) => r.label === label)!;
      return { label, dir: ref.dir, which: ref.which, backbone: activations(ref).backbone };
    }),
    rows,
  };
}

export interface SimilarityRunOptions extends CompareOptions {
  /** Also compare each model with its own initial weights. */
  withInit?: boolean;
  /** Output folder (default `<experiment>/similarity/<a>--<b>/` beside the trials). */
  out?: string;
  /** Compute backend (default: the best that loads). */
  backend?: Parameters<typeof selectBackend>[0];
}

/**
 * `medtransfer similarity a [b]`: a vs b (final weights unless `@initial`); with `withInit` (or
 * when only `a` is given) each model against its own initialisation too. Writes similarity.json,
 * .md, .html and the similarity-by-layer figure.
 */
export async function runSimilarity(a: string, b: string | undefined, opts: SimilarityRunOptions = {}) {
  await selectBackend(opts.backend ?? 'auto');
  const ra = parseModelRef(a);
  const rb = b === undefined ? undefined : parseModelRef(b);
  const initOf = (r: ModelRef): ModelRef => ({ ...r, which: 'initial', label: `${basename(r.dir)}@initial` });
  const pairs: [ModelRef, ModelRef][] = [];
  if (rb) pairs.push([ra, rb]);
  if (!rb || opts.withInit) for (const r of rb ? [ra, rb] : [ra]) if (r.which === 'final') pairs.push([r, initOf(r)]);
  if (!pairs.length) throw new MedtransferError('similarity: nothing to compare; give two trial folders, or one trial folder (compared with its own initialisation)');
  const result = compareTrials(pairs, opts);
  const out = opts.out ?? join(dirname(resolve(ra.dir)), 'similarity', rb ? `${ra.label}--${rb.label}` : `${ra.label}--initial`);
  return { result, out, ...(await writeSimilarity(result, out)) };
}
