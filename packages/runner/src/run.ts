// Runs an experiment: source pretraining once per backbone, then every trial that is not
// already finished with the same key, then the report. Trials run one after another here;
// each writes its folder only when it has finished.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ComponentRef,
  ExperimentConfig,
  ImageDataset,
  Metrics,
  StageConfig,
  TrainingConfig,
  TrialResult,
  TrialSummary,
  getLogger,
  normalizeComponent,
} from '@medtransfer/core';
import { createBatchSource, loadDataset, requireSplits } from '@medtransfer/data';
import { TrainProgress, TrainResult, selectBackend, train } from '@medtransfer/engine';
import { ClassifierModel, createModel, loadWeights, readCheckpoint, saveCheckpoint } from '@medtransfer/zoo';
import { writeReport } from '@medtransfer/analysis';
import { DATA_SEED, PlannedTrial, Plan, SOURCE_SEED, backboneId, sourceKey, trialKey } from './plan';
import { finishedResult, readJson, writeJsonAtomic, writeTrialResult } from './store';

const log = getLogger('runner');

export type RunEvent =
  | { type: 'stage'; label: string; index: number; total: number }
  | { type: 'skip'; label: string; index: number; total: number; reason: string }
  | { type: 'progress'; label: string; index: number; total: number; progress: TrainProgress }
  | { type: 'done'; label: string; index: number; total: number; outcome: StageOutcome };

/** What a finished stage reports to the progress display. */
export interface StageOutcome {
  finalVal: Metrics;
  test?: Metrics;
  trainSeconds: number;
  imagesPerSecond: number;
}

export interface RunOptions {
  /** Root of the result store; the experiment writes to <resultsDir>/<experiment name>/. */
  resultsDir: string;
  /** Rerun finished trials and source stages. */
  force?: boolean;
  /** Overrides the experiment's backend choice. */
  backend?: ExperimentConfig['backend'];
  onEvent?: (e: RunEvent) => void;
}

export interface RunOutcome {
  experimentDir: string;
  backend: string;
  results: TrialResult[];
  ran: number;
  skipped: number;
  reportFiles: string[];
  markdown: string;
}

interface SourceRecord {
  key: string;
  backbone: ComponentRef;
  dataset: string;
  result: Omit<TrainResult, 'test'>;
}

interface LoadedStage {
  dataset: ImageDataset;
  stage: StageConfig;
}

function loadStage(stage: StageConfig, path: string, seed: number): LoadedStage {
  const dataset = loadDataset(normalizeComponent(stage.dataset), { path: `${path}.dataset`, seed });
  return { dataset, stage };
}

function sources(loaded: LoadedStage, withTest: boolean) {
  const { dataset, stage } = loaded;
  requireSplits(dataset, withTest ? ['train', 'val', 'test'] : ['train', 'val'], dataset.source);
  const opts = { imageSize: stage.imageSize, channels: stage.channels };
  return {
    train: createBatchSource(dataset, 'train', opts),
    val: createBatchSource(dataset, 'val', opts),
    test: withTest ? createBatchSource(dataset, 'test', opts) : undefined,
  };
}

function buildModel(ref: ComponentRef, stage: StageConfig, numClasses: number, seed: number, path: string): ClassifierModel {
  return createModel(ref, { inputShape: [stage.imageSize, stage.imageSize, stage.channels], numClasses, seed, path });
}

export async function runPlan(plan: Plan, opts: RunOptions): Promise<RunOutcome> {
  const { config } = plan;
  const experimentDir = resolve(opts.resultsDir, config.name);
  const backend = await selectBackend(opts.backend ?? config.backend);
  const emit = opts.onEvent ?? (() => undefined);

  const target = loadStage(config.target, 'target', DATA_SEED);
  const targetSources = sources(target, true);
  const total = plan.sourceBackbones.length + plan.trials.length;
  let index = 0;
  let ran = 0;
  let skipped = 0;

  // 1. Source pretraining, once per backbone.
  const sourceKeys = new Map<string, string>();
  if (plan.sourceBackbones.length && config.source) {
    const source = loadStage(config.source, 'source', DATA_SEED);
    const srcBatches = sources(source, false);
    for (const ref of plan.sourceBackbones) {
      index++;
      const key = sourceKey(config.source, ref, source.dataset.fingerprint);
      const dir = join(experimentDir, 'source', `${backboneId(ref)}-${key}`);
      sourceKeys.set(backboneId(ref), dir);
      const label = `source ${backboneId(ref)} on ${source.dataset.name}`;
      const recordFile = join(dir, 'source.json');
      if (!opts.force && existsSync(recordFile) && readJson<SourceRecord>(recordFile).key === key) {
        skipped++;
        emit({ type: 'skip', label, index, total, reason: 'checkpoint exists' });
        continue;
      }
      emit({ type: 'stage', label, index, total });
      const model = buildModel(ref, config.source, source.dataset.numClasses, SOURCE_SEED, 'sweep.backbone');
      try {
        const result = await trainStage(model, srcBatches, config.source.training, SOURCE_SEED, (p) =>
          emit({ type: 'progress', label, index, total, progress: p }),
        );
        saveCheckpoint(model, dir, { key, dataset: source.dataset.name });
        const record: SourceRecord = { key, backbone: ref, dataset: source.dataset.name, result };
        writeJsonAtomic(recordFile, record);
        ran++;
        emit({ type: 'done', label, index, total, outcome: result });
      } finally {
        model.dispose();
      }
    }
  }

  // 2. Target trials.
  const results: TrialResult[] = [];
  for (const trial of plan.trials) {
    index++;
    const sourceDir = sourceKeys.get(backboneId(trial.backbone));
    const key = trialKey(config, trial, target.dataset.fingerprint, sourceDir);
    const dir = join(experimentDir, trial.dir);
    const label = trial.name;
    const existing = opts.force ? undefined : finishedResult(dir, key);
    if (existing) {
      skipped++;
      results.push(existing);
      emit({ type: 'skip', label, index, total, reason: 'finished' });
      continue;
    }
    emit({ type: 'stage', label, index, total });
    const result = await runTrial(config, trial, target, targetSources, key, sourceDir, backend.name, (p) =>
      emit({ type: 'progress', label, index, total, progress: p }),
    );
    writeTrialResult(dir, { experiment: config.name, file: plan.file, key, trial, target: config.target, source: sourceDir }, result);
    results.push(result);
    ran++;
    emit({ type: 'done', label, index, total, outcome: result.summary });
  }

  const report = await writeReport(results, experimentDir, {
    experiment: config.name,
    metric: config.report.metric,
    threshold: config.report.threshold,
  });
  return { experimentDir, backend: backend.name, results, ran, skipped, reportFiles: report.files, markdown: report.markdown };
}

function trainStage(
  model: ClassifierModel,
  batches: ReturnType<typeof sources>,
  training: TrainingConfig,
  seed: number,
  onProgress: (p: TrainProgress) => void,
): Promise<TrainResult> {
  return train({ model: model.model, train: batches.train, val: batches.val, test: batches.test, training, seed, onProgress });
}

async function runTrial(
  config: ExperimentConfig,
  trial: PlannedTrial,
  target: LoadedStage,
  batches: ReturnType<typeof sources>,
  key: string,
  sourceDir: string | undefined,
  backend: string,
  onProgress: (p: TrainProgress) => void,
): Promise<TrialResult> {
  const model = buildModel(trial.backbone, config.target, target.dataset.numClasses, trial.seed, 'sweep.backbone');
  try {
    if (trial.init === 'pretrained') {
      if (!sourceDir) throw new Error(`internal: no source checkpoint for ${trial.name}`);
      const report = loadWeights(model, readCheckpoint(sourceDir), { exclude: model.headLayers });
      log.info(
        `${trial.name}: loaded ${report.matched.length} pretrained tensors from ${sourceDir}; ` +
          `head freshly initialised (${report.skipped.length} tensors skipped)`,
      );
    }
    const r = await trainStage(model, batches, config.target.training, trial.seed, onProgress);
    if (!r.test) throw new Error('internal: training returned no test metrics');
    const summary: TrialSummary = {
      experiment: config.name,
      trial: trial.name,
      key,
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
      backend,
      params: model.paramCount,
      finishedAt: new Date().toISOString(),
    };
    return { summary, curve: r.curve };
  } finally {
    model.dispose();
  }
}
