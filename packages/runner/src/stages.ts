// The stages of a run: what they are (listTasks, deterministic from the plan and the data, so a
// worker process lists the same tasks as its parent) and how one runs (executeTask).
import { join } from 'node:path';
import {
  BatchSource,
  ComponentRef,
  ImageDataset,
  StageConfig,
  TrainingConfig,
  TrialResult,
  TrialSummary,
  getLogger,
  normalizeComponent,
} from '@medtransfer/core';
import { createBatchSource, loadDataset, requireSplits } from '@medtransfer/data';
import { TrainProgress, TrainResult, train } from '@medtransfer/engine';
import { ClassifierModel, applyInit, createModel, needsPretrained, readCheckpoint, saveCheckpoint } from '@medtransfer/zoo';
import { DATA_SEED, Plan, PlannedTrial, SOURCE_SEED, backboneId, sourceKey, trialKey } from './plan';
import type { RunEvent } from './run';
import { writeJsonAtomic, writeTrialResult } from './store';

const log = getLogger('runner');

interface Batches {
  train: BatchSource;
  val: BatchSource;
  test?: BatchSource;
}

interface LoadedStage {
  dataset: ImageDataset;
  stage: StageConfig;
  batches: Batches;
}

export interface StageContext {
  plan: Plan;
  experimentDir: string;
  backend: string;
  target: LoadedStage;
  source?: LoadedStage;
}

interface TaskBase {
  /** 1-based position in the run, for progress output. */
  index: number;
  label: string;
  /** Folder the stage writes. */
  dir: string;
  key: string;
}

export type Task =
  | (TaskBase & { kind: 'source'; backbone: ComponentRef })
  | (TaskBase & { kind: 'trial'; trial: PlannedTrial; sourceDir?: string; /** index of the source task it needs */ after?: number });

interface SourceRecord {
  key: string;
  backbone: ComponentRef;
  dataset: string;
  result: Omit<TrainResult, 'test'>;
}

function loadStage(stage: StageConfig, path: string, withTest: boolean): LoadedStage {
  const dataset = loadDataset(normalizeComponent(stage.dataset), { path: `${path}.dataset`, seed: DATA_SEED });
  requireSplits(dataset, withTest ? ['train', 'val', 'test'] : ['train', 'val'], dataset.source);
  const opts = { imageSize: stage.imageSize, channels: stage.channels };
  return {
    dataset,
    stage,
    batches: {
      train: createBatchSource(dataset, 'train', opts),
      val: createBatchSource(dataset, 'val', opts),
      test: withTest ? createBatchSource(dataset, 'test', opts) : undefined,
    },
  };
}

/** Loads the datasets a plan needs (the source one only when some trial is pretrained). */
export function createContext(plan: Plan, experimentDir: string, backend: string): StageContext {
  const { config } = plan;
  const target = loadStage(config.target, 'target', true);
  const source = plan.sourceBackbones.length && config.source ? loadStage(config.source, 'source', false) : undefined;
  return { plan, experimentDir, backend, target, source };
}

/** Every stage of the run in order: source stages first, then trials. */
export function listTasks(ctx: StageContext): Task[] {
  const { plan, experimentDir, source, target } = ctx;
  const tasks: Task[] = [];
  const sourceTask = new Map<string, Task>();
  if (source) {
    for (const backbone of plan.sourceBackbones) {
      const key = sourceKey(source.stage, backbone, source.dataset.fingerprint);
      const task: Task = {
        kind: 'source',
        index: tasks.length + 1,
        label: `source ${backboneId(backbone)} on ${source.dataset.name}`,
        dir: join(experimentDir, 'source', `${backboneId(backbone)}-${key}`),
        key,
        backbone,
      };
      tasks.push(task);
      sourceTask.set(backboneId(backbone), task);
    }
  }
  for (const trial of plan.trials) {
    const src = needsPretrained(trial.strategy) ? sourceTask.get(backboneId(trial.backbone)) : undefined;
    tasks.push({
      kind: 'trial',
      index: tasks.length + 1,
      label: trial.name,
      dir: join(experimentDir, trial.dir),
      key: trialKey(plan.config, trial, target.dataset.fingerprint, src?.dir),
      trial,
      sourceDir: src?.dir,
      after: src?.index,
    });
  }
  return tasks;
}

function buildModel(ref: ComponentRef, stage: StageConfig, numClasses: number, seed: number): ClassifierModel {
  return createModel(ref, { inputShape: [stage.imageSize, stage.imageSize, stage.channels], numClasses, seed, path: 'sweep.backbone' });
}

function trainStage(model: ClassifierModel, batches: Batches, training: TrainingConfig, seed: number, onProgress: (p: TrainProgress) => void) {
  return train({ model: model.model, train: batches.train, val: batches.val, test: batches.test, training, seed, onProgress });
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
      const result = await trainStage(model, source.batches, source.stage.training, SOURCE_SEED, onProgress);
      saveCheckpoint(model, task.dir, { key: task.key, dataset: source.dataset.name });
      const record: SourceRecord = { key: task.key, backbone: task.backbone, dataset: source.dataset.name, result };
      writeJsonAtomic(join(task.dir, 'source.json'), record);
      emit({ type: 'done', label, index, total, outcome: result });
    } finally {
      model.dispose();
    }
    return;
  }
  const result = await runTrial(ctx, task, onProgress);
  const { plan } = ctx;
  writeTrialResult(
    task.dir,
    { experiment: plan.config.name, file: plan.file, key: task.key, trial: task.trial, target: plan.config.target, source: task.sourceDir },
    result,
  );
  emit({ type: 'done', label, index, total, outcome: result.summary });
}

async function runTrial(ctx: StageContext, task: Extract<Task, { kind: 'trial' }>, onProgress: (p: TrainProgress) => void): Promise<TrialResult> {
  const { plan, target } = ctx;
  const { trial } = task;
  const model = buildModel(trial.backbone, target.stage, target.dataset.numClasses, trial.seed);
  try {
    if (needsPretrained(trial.strategy) && !task.sourceDir) throw new Error(`internal: no source checkpoint for ${trial.name}`);
    const weights = task.sourceDir ? readCheckpoint(task.sourceDir) : undefined;
    const init = applyInit(model, trial.strategy, weights, trial.seed, trial.initPath);
    if (trial.strategy.kind !== 'scratch') log.info(`${trial.name}: ${init.description}${weights ? ` (from ${task.sourceDir})` : ''}`);
    const r = await trainStage(model, target.batches, target.stage.training, trial.seed, onProgress);
    if (!r.test) throw new Error('internal: training returned no test metrics');
    const summary: TrialSummary = {
      experiment: plan.config.name,
      trial: trial.name,
      key: task.key,
      backbone: backboneId(trial.backbone),
      init: trial.init,
      seed: trial.seed,
      dataset: target.dataset.name,
      task: target.dataset.task,
      test: r.test,
      finalVal: r.finalVal,
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
    model.dispose();
  }
}
