// `medtransfer upgrade`: re-keys the results of an experiment written by store version 1, whose
// keys hashed the source checkpoint's absolute folder (so a copied store reran every pretrained
// trial). A result is re-keyed only when its old key is recomputed exactly from the experiment
// file, the data and the folder its config.json names: then it is the result the current plan
// asks for, and gets the current key. Anything that does not check out is left as it is (and reruns).
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { STORE_VERSION, StageConfig, ComponentRef, parseRecord, sourceRecordSchema, stableHash } from '@medtransfer/core';
import { needsPretrained } from '@medtransfer/zoo';
import { PROJECT_VERSION, Plan, PlannedTrial, SOURCE_SEED, backboneId } from './plan';
import { TaskContext, createContext } from './context';
import { SourceTask, TrialTask, listTasks } from './tasks';
import { CONFIG_FILE, SOURCE_FILE, SUMMARY_FILE, readJson, readStoredTrial, writeJsonAtomic } from './store';

/** A stage as store version 1 keyed it: only `training.checkpointEvery` left out. */
function legacyStage(stage: StageConfig): StageConfig {
  const { checkpointEvery: _ignored, ...training } = stage.training;
  return { ...stage, training: training as StageConfig['training'] };
}

/** The store version 1 key of a source checkpoint. */
export function legacySourceKey(stage: StageConfig, backbone: ComponentRef, datasetFingerprint: string): string {
  return stableHash({ version: PROJECT_VERSION, stage: legacyStage(stage), backbone, seed: SOURCE_SEED, datasetFingerprint });
}

/** The store version 1 key of a trial: `source` was the source checkpoint's absolute folder (or the weights' fingerprint). */
export function legacyTrialKey(trial: PlannedTrial, datasetFingerprint: string, source: string | undefined): string {
  return stableHash({
    version: PROJECT_VERSION,
    target: legacyStage(trial.target),
    backbone: trial.weights ? trial.model : trial.backbone,
    init: trial.strategy,
    seed: trial.seed,
    datasetFingerprint,
    source: needsPretrained(trial.strategy) ? source : undefined,
  });
}

export interface UpgradeOutcome {
  experimentDir: string;
  /** Task folders re-keyed (relative to the experiment folder). */
  upgraded: string[];
  /** Already written by the current store version. */
  current: number;
  /** Version 1 results that did not check out, with why: they rerun on the next `run`. */
  kept: { dir: string; why: string }[];
}

/** Re-keys the version 1 results of `plan` in `resultsDir` that check out; see the file comment. */
export async function upgradeStore(plan: Plan, resultsDir: string): Promise<UpgradeOutcome> {
  const experimentDir = resolve(resultsDir, plan.config.name);
  const ctx = await createContext(plan, experimentDir, 'upgrade', { batches: false });
  const tasks = listTasks(ctx);
  const out: UpgradeOutcome = { experimentDir, upgraded: [], current: 0, kept: [] };
  // the version 1 folder name of each source task → the task
  const sourceByOldName = new Map<string, SourceTask>();
  for (const task of tasks) {
    if (task.kind !== 'source' || !ctx.source) continue;
    const old = `${backboneId(task.backbone)}-${legacySourceKey(ctx.source.stage, task.backbone, ctx.source.dataset.fingerprint)}`;
    sourceByOldName.set(old, task);
    upgradeSource(task, join(experimentDir, 'source', old), old, out);
  }
  for (const task of tasks) if (task.kind === 'trial') upgradeTrial(task, ctx.weights.size ? externalOf(ctx, task) : undefined, sourceByOldName, experimentDir, out);
  return out;
}

function externalOf(ctx: TaskContext, task: TrialTask): string | undefined {
  const external = needsPretrained(task.trial.strategy) && task.trial.weights ? ctx.weights.get(backboneId(task.trial.backbone)) : undefined;
  return external ? `weights ${external.spec.kind} ${external.fingerprint}` : undefined;
}

function upgradeSource(task: SourceTask, oldDir: string, oldName: string, out: UpgradeOutcome): void {
  const file = join(oldDir, SOURCE_FILE);
  if (!existsSync(file)) return;
  const record = parseRecord(sourceRecordSchema, readFileSync(file, 'utf8'), file, 'source stage record');
  if ((record.storeVersion ?? 1) >= STORE_VERSION) return;
  if (record.key !== oldName.slice(oldName.lastIndexOf('-') + 1)) {
    out.kept.push({ dir: oldDir, why: `source.json holds key ${record.key}, not the one its folder name says` });
    return;
  }
  if (existsSync(task.dir)) {
    out.kept.push({ dir: oldDir, why: `${task.dir} exists already` });
    return;
  }
  renameSync(oldDir, task.dir);
  writeJsonAtomic(join(task.dir, SOURCE_FILE), { ...record, key: task.key, storeVersion: STORE_VERSION, keyParts: task.keyParts });
  out.upgraded.push(relative(out.experimentDir, task.dir));
}

function upgradeTrial(task: TrialTask, external: string | undefined, sourceByOldName: Map<string, SourceTask>, experimentDir: string, out: UpgradeOutcome): void {
  const stored = readStoredTrial(task.dir);
  if (stored.state !== 'finished') return;
  const { summary } = stored.result;
  if ((summary.storeVersion ?? 1) >= STORE_VERSION) {
    out.current++;
    return;
  }
  const keep = (why: string): void => void out.kept.push({ dir: task.dir, why });
  const configFile = join(task.dir, CONFIG_FILE);
  if (!existsSync(configFile)) return keep(`no ${CONFIG_FILE} to tell where its pretrained weights came from`);
  const config = readJson<Record<string, unknown> & { source?: string }>(configFile);
  const pretrainedFromSource = needsPretrained(task.trial.strategy) && !task.trial.weights;
  const data = task.keyParts.data;
  const legacy = legacyTrialKey(task.trial, data, external ?? config.source);
  if (legacy !== summary.key) return keep(`its key ${summary.key} is not what the experiment file and data give (${legacy}): the file, the data or the release changed`);
  if (pretrainedFromSource) {
    // The old key named the source folder; that folder's name holds the old source key, which must be the current plan's.
    const source = config.source === undefined ? undefined : sourceByOldName.get(basename(config.source));
    if (!source || source.index !== task.after) return keep(`its source checkpoint ${config.source ?? '(none recorded)'} is not the one the experiment file now describes`);
  }
  const sourceDir = pretrainedFromSource && task.sourceDir ? relative(experimentDir, task.sourceDir) : undefined;
  writeJsonAtomic(configFile, { ...config, key: task.key, keyParts: task.keyParts, source: sourceDir });
  writeJsonAtomic(join(task.dir, SUMMARY_FILE), { ...JSON.parse(readFileSync(join(task.dir, SUMMARY_FILE), 'utf8')), key: task.key, storeVersion: STORE_VERSION, keyParts: task.keyParts });
  out.upgraded.push(relative(experimentDir, task.dir));
}
