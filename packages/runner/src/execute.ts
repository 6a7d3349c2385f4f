// How one task runs: builds its model, initialises a trial from its source checkpoint or external
// weights, trains with a resumable checkpoint, and writes the task's folder (checkpoint + source.json,
// or config.json, curve.jsonl, summary.json).
import { join, relative } from 'node:path';
import { ComponentRef, STORE_VERSION, SourceRecord, TrainingConfig, TrialResult, TrialSummary, convergenceSummary, getLogger } from '@medtransfer/core';
import { DEFAULT_CHECKPOINT_EVERY, TrainProgress, TrainResult, removeTrainState, tfjsUsable, train } from '@medtransfer/engine';
import { ClassifierModel, applyInit, fitWeightsToModel, needsPretrained, readCheckpoint, saveCheckpoint } from '@medtransfer/zoo';
import { buildModel, groupLrByLayer } from './build-model';
import { throughputSubject, trialCost } from './cost-store';
import type { TaskContext } from './context';
import { machineInfo } from './machine';
import { SOURCE_SEED, backboneId } from './plan';
import type { RunEvent } from './run';
import { Batches, targetFor } from './stage-data';
import { SOURCE_FILE, writeJsonAtomic, writeTrialResult } from './store';
import type { Task, TrialTask } from './tasks';
import { saveTrialWeights } from './trial-weights';

const log = getLogger('runner');

/** source.json of a source task (validated on read with core's sourceRecordSchema). */
type SourceTaskRecord = Omit<SourceRecord, 'backbone' | 'result'> & { backbone: ComponentRef; result: Omit<TrainResult, 'test'> };

/**
 * Folder of a task's resumable training state (`training.checkpointEvery`). A task killed
 * mid-run and run again continues from it; it is removed once the task's result is written,
 * so only an unfinished task has one.
 */
const resumeDir = (task: Task) => join(task.dir, 'resume');

function trainTask(model: ClassifierModel, batches: Batches, training: TrainingConfig, seed: number, onProgress: (p: TrainProgress) => void, task: Task) {
  const checkpoint = { dir: resumeDir(task), every: training.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, key: task.key, keepOnFinish: true };
  const layerLrMultipliers = groupLrByLayer(model, training, task.kind === 'source' ? 'source' : 'target');
  return train({ model: model.model, train: batches.train, val: batches.val, test: batches.test, training, seed, onProgress, checkpoint, layerLrMultipliers });
}

/** Runs one task and writes its folder; `total` is the number of tasks, for progress output. */
export async function executeTask(ctx: TaskContext, task: Task, total: number, emit: (e: RunEvent) => void): Promise<void> {
  const { index, label } = task;
  const onProgress = (progress: TrainProgress) => emit({ type: 'progress', label, index, total, progress });
  emit({ type: 'stage', label, index, total });
  if (task.kind === 'source') {
    const source = ctx.source;
    if (!source) throw new Error('internal: a source task without a source stage');
    const model = buildModel(task.backbone, source.stage, source.dataset.numClasses, SOURCE_SEED);
    try {
      const result = await trainTask(model, source.batches, source.stage.training, SOURCE_SEED, onProgress, task);
      saveCheckpoint(model, task.dir, { key: task.key, dataset: source.dataset.name });
      const record: SourceTaskRecord = { key: task.key, storeVersion: STORE_VERSION, keyParts: task.keyParts, backbone: task.backbone, dataset: source.dataset.name, result };
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

async function runTrial(ctx: TaskContext, task: TrialTask, onProgress: (p: TrainProgress) => void): Promise<TrialResult> {
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
    const cost = trialCost(
      ctx.experimentDir,
      model,
      throughputSubject(backboneId(trial.backbone), target.stage, model.numClasses, ctx.backend),
      () => buildModel(trial.model, target.stage, target.dataset.numClasses, trial.seed, trial.strategy, trial.initPath),
      plan.config.report.measureCost !== false,
    );
    const keep = plan.config.report.saveWeights ? { trial: trial.name, key: task.key } : undefined;
    if (keep) saveTrialWeights(model, task.dir, 'initial', keep);
    const r = await trainTask(model, target.batches, target.stage.training, trial.seed, onProgress, task);
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
      cost,
      finishedAt: new Date().toISOString(),
    };
    return { summary, curve: r.curve };
  } finally {
    if (tfjsUsable()) model.dispose(); // see the source task above
  }
}
