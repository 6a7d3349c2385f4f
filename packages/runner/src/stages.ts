// The stages of a run: what they are (listTasks, deterministic from the plan and the data, so a
// worker process lists the same tasks as its parent) and how one runs (executeTask).
import { join, relative } from 'node:path';
import {
  BatchSource,
  ComponentRef,
  ConfigError,
  ConfigIssuesError,
  ImageDataset,
  STORE_VERSION,
  SourceRecord,
  SplitName,
  StageConfig,
  TrainingConfig,
  TrialResult,
  TrialSummary,
  canonicalJson,
  convergenceSummary,
  getLogger,
  normalizeComponent,
  unknownNameMessage,
} from '@medtransfer/core';
import { applySubset, createStageSources, loadDataset, requireSplits } from '@medtransfer/data';
import { DEFAULT_CHECKPOINT_EVERY, TrainProgress, TrainResult, removeTrainState, tfjsUsable, train } from '@medtransfer/engine';
import {
  ClassifierModel,
  ExternalWeights,
  InitStrategy,
  applyInit,
  createModel,
  createSlimModel,
  fitWeightsToModel,
  needsPretrained,
  readCheckpoint,
  readWeightSource,
  saveCheckpoint,
} from '@medtransfer/zoo';
import { DATA_SEED, KeyParts, Plan, PlannedTrial, SOURCE_SEED, backboneId, keyOf, sourceKeyParts, trialKeyParts } from './plan';
import type { RunEvent } from './run';
import { machineInfo } from './machine';
import { SOURCE_FILE, writeJsonAtomic, writeTrialResult } from './store';
import { saveTrialWeights } from './trial-weights';

const log = getLogger('runner');

interface Batches {
  train: BatchSource;
  val: BatchSource;
  test?: BatchSource;
}

interface LoadedStage {
  dataset: ImageDataset;
  stage: StageConfig;
  /** Built on first use (a resized split is cached in memory, up to 1 GiB each). */
  readonly batches: Batches;
  /** Drops the batches (rebuilt if used again), so only one target variant holds its images at a time. */
  release(): void;
}

export interface StageContext {
  plan: Plan;
  experimentDir: string;
  backend: string;
  /** The target stage as the first trial uses it; `targetFor` gives each trial its own (imageSize, subset). */
  target: LoadedStage;
  source?: LoadedStage;
  /** Target stages per resolved trial target (canonical JSON), and the loaded datasets per imageSize. */
  variants: Map<string, LoadedStage>;
  loaded: Map<number, ImageDataset>;
  /** External weights (`params.weights`) by backbone id, read once per process. */
  weights: Map<string, ExternalWeights>;
}

interface TaskBase {
  /** 1-based position in the run, for progress output. */
  index: number;
  label: string;
  /** Folder the stage writes. */
  dir: string;
  key: string;
  /** What the key is made of (plan.ts), recorded with the result so a changed part can be named. */
  keyParts: KeyParts;
}

export type Task =
  | (TaskBase & { kind: 'source'; backbone: ComponentRef })
  | (TaskBase & { kind: 'trial'; trial: PlannedTrial; sourceDir?: string; /** index of the source task it needs */ after?: number });

/** source.json of a source stage (validated on read with core's sourceRecordSchema). */
type SourceStageRecord = Omit<SourceRecord, 'backbone' | 'result'> & { backbone: ComponentRef; result: Omit<TrainResult, 'test'> };

const loadRaw = (stage: StageConfig, path: string) =>
  loadDataset(normalizeComponent(stage.dataset), { path: `${path}.dataset`, seed: DATA_SEED, imageSize: stage.imageSize });

/** Loads a stage's dataset (or reuses `raw`, already loaded at this imageSize) and applies its subset; batches come on first use. */
function loadStage(stage: StageConfig, path: string, withTest: boolean, raw?: ImageDataset): LoadedStage {
  const loaded = raw ?? loadRaw(stage, path);
  const splits: SplitName[] = withTest ? ['train', 'val', 'test'] : ['train', 'val'];
  requireSplits(loaded, splits, loaded.source);
  // A data-scarcity subset replaces the training split; its fingerprint, hence the trial key, changes with it.
  const dataset = stage.subset ? applySubset(loaded, stage.subset, stage.subset.seed ?? DATA_SEED) : loaded;
  const opts = { imageSize: stage.imageSize, channels: stage.channels, transforms: stage.transforms, path };
  let batches: Batches | undefined;
  return {
    dataset,
    stage,
    get batches(): Batches {
      if (!batches) {
        const sources = createStageSources(dataset, splits, opts);
        batches = { train: sources.train, val: sources.val, test: withTest ? sources.test : undefined };
      }
      return batches;
    },
    release: () => {
      // disk-cached splits (`cache: disk`) hold a prefetch worker each: stop them
      for (const src of Object.values(batches ?? {})) void (src as { close?: () => Promise<void> } | undefined)?.close?.();
      batches = undefined;
    },
  };
}

/**
 * The target stage of one trial (its imageSize and data-fraction subset), built once per
 * process; the dataset file is read once per imageSize (folder/DICOM/CSV sources resize to it).
 * `forTraining` keeps only this variant's batches in memory.
 */
export function targetFor(ctx: StageContext, trial: PlannedTrial, forTraining = false): LoadedStage {
  const id = canonicalJson(trial.target);
  let v = ctx.variants.get(id);
  if (!v) {
    // Subsets are drawn from the whole split, so the dataset as loaded is what gets cached.
    let raw = ctx.loaded.get(trial.target.imageSize);
    if (!raw) ctx.loaded.set(trial.target.imageSize, (raw = loadRaw(trial.target, 'target')));
    v = loadStage(trial.target, 'target', true, raw);
    ctx.variants.set(id, v);
  }
  if (forTraining) for (const other of ctx.variants.values()) if (other !== v) other.release();
  return v;
}

/**
 * Reads every external weight source a pretrained trial uses (`params.weights`), once each, with
 * its content fingerprint; a source that cannot be read is a ConfigError naming the field.
 */
async function readExternalWeights(plan: Plan): Promise<Map<string, ExternalWeights>> {
  const out = new Map<string, ExternalWeights>();
  const issues: ConfigError[] = [];
  for (const trial of plan.trials) {
    const id = backboneId(trial.backbone);
    if (!trial.weights || !needsPretrained(trial.strategy) || out.has(id) || issues.some((e) => e.path.startsWith(trial.backbonePath))) continue;
    try {
      const read = await readWeightSource(trial.weights);
      log.info(`${id}: pretrained weights from ${read.weights.source} (${read.weights.tensors.size} tensors, ${read.fingerprint.slice(0, 19)}…)`);
      out.set(id, read);
    } catch (err) {
      if (err instanceof ConfigError || !(err instanceof Error)) throw err;
      issues.push(new ConfigError(`${trial.backbonePath}.params.weights.path`, `cannot use these weights: ${err.message}`, plan.file));
    }
  }
  if (issues.length) throw new ConfigIssuesError(plan.file, issues);
  return out;
}

/**
 * Reads the external weights and loads the datasets a plan needs (the source one only when some
 * trial is pretrained from the source stage), so bad inputs fail before anything trains.
 */
export async function createContext(plan: Plan, experimentDir: string, backend: string, opts: { batches?: boolean } = {}): Promise<StageContext> {
  const { config } = plan;
  const weights = await readExternalWeights(plan);
  const source = plan.sourceBackbones.length && config.source ? loadStage(config.source, 'source', false) : undefined;
  const ctx: StageContext = { plan, experimentDir, backend, source, weights, variants: new Map(), loaded: new Map(), target: undefined as unknown as LoadedStage };
  ctx.target = plan.trials.length ? targetFor(ctx, plan.trials[0]) : loadStage(config.target, 'target', true);
  // Build the first trial's batches now, so transform errors name their field before anything trains.
  if (opts.batches !== false) void [ctx.target.batches, source?.batches];
  return ctx;
}

/** Every stage of the run in order: source stages first, then trials. */
export function listTasks(ctx: StageContext): Task[] {
  const { plan, experimentDir, source } = ctx;
  const tasks: Task[] = [];
  const sourceTask = new Map<string, Task>();
  if (source) {
    for (const backbone of plan.sourceBackbones) {
      const keyParts = sourceKeyParts(source.stage, backbone, source.dataset.fingerprint);
      const key = keyOf(keyParts);
      const task: Task = {
        kind: 'source',
        index: tasks.length + 1,
        label: `source ${backboneId(backbone)} on ${source.dataset.name}`,
        dir: join(experimentDir, 'source', `${backboneId(backbone)}-${key}`),
        key,
        keyParts,
        backbone,
      };
      tasks.push(task);
      sourceTask.set(backboneId(backbone), task);
    }
  }
  for (const trial of plan.trials) {
    const pretrained = needsPretrained(trial.strategy);
    const external = pretrained && trial.weights ? ctx.weights.get(backboneId(trial.backbone)) : undefined;
    if (pretrained && trial.weights && !external) throw new Error(`internal: weights of ${trial.name} were not read`);
    const src = pretrained && !trial.weights ? sourceTask.get(backboneId(trial.backbone)) : undefined;
    // Pretrained weights are named by what produced them (the source stage's key, the weight file's content), never by a path.
    const from = external ? `weights ${external.spec.kind} ${external.fingerprint}` : src ? `source ${src.key}` : undefined;
    const keyParts = trialKeyParts(trial, targetFor(ctx, trial).dataset.fingerprint, from);
    tasks.push({
      kind: 'trial',
      index: tasks.length + 1,
      label: trial.name,
      dir: join(experimentDir, trial.dir),
      key: keyOf(keyParts),
      keyParts,
      trial,
      sourceDir: src?.dir,
      after: src?.index,
    });
  }
  return tasks;
}

/** The model a stage trains; the `slim` init has its own architecture (kept groups + a new top). */
function buildModel(ref: ComponentRef, stage: StageConfig, numClasses: number, seed: number, strategy?: InitStrategy, initPath?: string): ClassifierModel {
  const opts = { inputShape: [stage.imageSize, stage.imageSize, stage.channels] as [number, number, number], numClasses, seed, path: 'sweep.backbone' };
  return strategy?.kind === 'slim' ? createSlimModel(ref, opts, strategy, initPath) : createModel(ref, opts);
}

/**
 * Folder of a stage's resumable training state (`training.checkpointEvery`). A stage killed
 * mid-run and run again continues from it; it is removed once the stage's result is written,
 * so only an unfinished stage has one.
 */
const resumeDir = (task: Task) => join(task.dir, 'resume');

/** `optimizer.groupLr` (layer group → multiplier) as multipliers per layer name, for the engine. */
function groupLrByLayer(model: ClassifierModel, training: TrainingConfig, path: string): Record<string, number> | undefined {
  const groupLr = training.optimizer.groupLr;
  if (!groupLr) return undefined;
  const out: Record<string, number> = {};
  for (const [group, mult] of Object.entries(groupLr)) {
    const g = model.groups.find((x) => x.name === group);
    if (!g) throw new ConfigError(`${path}.training.optimizer.groupLr.${group}`, `${model.backbone}: ${unknownNameMessage('layer group', group, model.groups.map((x) => x.name))}`);
    for (const layer of g.layers) out[layer] = mult;
  }
  return out;
}

function trainStage(model: ClassifierModel, batches: Batches, training: TrainingConfig, seed: number, onProgress: (p: TrainProgress) => void, task: Task) {
  const checkpoint = { dir: resumeDir(task), every: training.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, key: task.key, keepOnFinish: true };
  const layerLrMultipliers = groupLrByLayer(model, training, task.kind === 'source' ? 'source' : 'target');
  return train({ model: model.model, train: batches.train, val: batches.val, test: batches.test, training, seed, onProgress, checkpoint, layerLrMultipliers });
}

/** Runs one stage and writes its folder; `total` is the number of stages, for progress output. */
export async function executeTask(ctx: StageContext, task: Task, total: number, emit: (e: RunEvent) => void): Promise<void> {
  const { index, label } = task;
  const onProgress = (progress: TrainProgress) => emit({ type: 'progress', label, index, total, progress });
  emit({ type: 'stage', label, index, total });
  if (task.kind === 'source') {
    const source = ctx.source;
    if (!source) throw new Error('internal: a source task without a source stage');
    const model = buildModel(task.backbone, source.stage, source.dataset.numClasses, SOURCE_SEED);
    try {
      const result = await trainStage(model, source.batches, source.stage.training, SOURCE_SEED, onProgress, task);
      saveCheckpoint(model, task.dir, { key: task.key, dataset: source.dataset.name });
      const record: SourceStageRecord = { key: task.key, storeVersion: STORE_VERSION, keyParts: task.keyParts, backbone: task.backbone, dataset: source.dataset.name, result };
      writeJsonAtomic(join(task.dir, SOURCE_FILE), record);
      removeTrainState(resumeDir(task));
      emit({ type: 'done', label, index, total, outcome: result });
    } finally {
      // after the wasm heap ran out every tfjs call fails, and would hide train's error
      if (tfjsUsable()) model.dispose();
    }
    return;
  }
  const result = await runTrial(ctx, task, onProgress);
  const { plan } = ctx;
  writeTrialResult(
    task.dir,
    {
      experiment: plan.config.name,
      file: plan.file,
      key: task.key,
      keyParts: task.keyParts,
      trial: task.trial,
      target: task.trial.target,
      // relative to the experiment folder, so a copied store says the same
      source: task.sourceDir === undefined ? undefined : relative(ctx.experimentDir, task.sourceDir),
      machine: machineInfo(),
    },
    result,
  );
  removeTrainState(resumeDir(task));
  emit({ type: 'done', label, index, total, outcome: result.summary });
}

async function runTrial(ctx: StageContext, task: Extract<Task, { kind: 'trial' }>, onProgress: (p: TrainProgress) => void): Promise<TrialResult> {
  const { plan } = ctx;
  const { trial } = task;
  const target = targetFor(ctx, trial, true);
  const model = buildModel(trial.model, target.stage, target.dataset.numClasses, trial.seed, trial.strategy, trial.initPath);
  try {
    const external = needsPretrained(trial.strategy) && trial.weights ? ctx.weights.get(backboneId(trial.backbone)) : undefined;
    if (needsPretrained(trial.strategy) && !task.sourceDir && !external) throw new Error(`internal: no pretrained weights for ${trial.name}`);
    // External weights are fitted to the model first: classifier dropped, RGB first conv summed for 1 channel (both logged).
    const weights = external ? fitWeightsToModel(model, external.weights).weights : task.sourceDir ? readCheckpoint(task.sourceDir) : undefined;
    const init = applyInit(model, trial.strategy, weights, trial.seed, trial.initPath);
    if (trial.strategy.kind !== 'scratch') log.info(`${trial.name}: ${init.description}${weights ? ` (from ${weights.source})` : ''}`);
    const keep = plan.config.report.saveWeights ? { trial: trial.name, key: task.key } : undefined;
    if (keep) saveTrialWeights(model, task.dir, 'initial', keep);
    const r = await trainStage(model, target.batches, target.stage.training, trial.seed, onProgress, task);
    if (!r.test) throw new Error('internal: training returned no test metrics');
    if (keep) saveTrialWeights(model, task.dir, 'final', keep);
    const summary: TrialSummary = {
      experiment: plan.config.name,
      trial: trial.name,
      key: task.key,
      storeVersion: STORE_VERSION,
      keyParts: task.keyParts,
      backbone: backboneId(trial.backbone),
      init: trial.init,
      seed: trial.seed,
      imageSize: trial.imageSize,
      ...(trial.dataFraction === undefined ? {} : { dataFraction: trial.dataFraction }),
      dataset: target.dataset.name,
      task: target.dataset.task,
      test: r.test,
      finalVal: r.finalVal,
      testFrom: r.testFrom,
      ...(r.bestStep === undefined ? {} : { bestStep: r.bestStep, bestVal: r.bestVal }),
      stoppedEarly: r.stoppedEarly,
      plannedSteps: r.plannedSteps,
      convergence: convergenceSummary(r.curve, plan.config.report),
      steps: r.steps,
      imagesSeen: r.imagesSeen,
      trainSeconds: r.trainSeconds,
      evalSeconds: r.evalSeconds,
      imagesPerSecond: r.imagesPerSecond,
      backend: ctx.backend,
      params: model.paramCount,
      finishedAt: new Date().toISOString(),
    };
    return { summary, curve: r.curve };
  } finally {
    if (tfjsUsable()) model.dispose(); // see the source stage above
  }
}
