// MLflow's file store (`mlruns/`, what `mlflow ui --backend-store-uri ./mlruns` reads), one run per
// trial, written without MLflow: the layout of mlflow/store/tracking/file_store.py.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrialResult } from '@medtransfer/core';
import { ExportedTrial, TableRow, trialRows } from './export';
import { writeFileAtomic } from './store';
import { pointScalars, trialStartSeconds } from './export-tensorboard';

/** RunStatus.FINISHED and SourceType.LOCAL in MLflow's protos. */
const RUN_FINISHED = 3;
const SOURCE_LOCAL = 4;

/** MLflow keys allow letters, digits, `_ - . / ` and space; anything else becomes `_`. */
export const mlflowKey = (name: string): string => name.replace(/[^A-Za-z0-9_\-./ ]/g, '_');

/** A YAML document of flat fields; strings as JSON strings, which YAML reads as double-quoted scalars. */
function yaml(fields: Record<string, string | number | string[]>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.map((x) => JSON.stringify(x)).join(', ')}]` : typeof v === 'string' ? JSON.stringify(v) : v}`)
    .join('\n') + '\n';
}

/** The 32-hex-digit run id of a trial: derived from its experiment and key, so exporting again updates the same run. */
export const mlflowRunId = (result: TrialResult): string => createHash('sha256').update(`${result.summary.experiment}\0${result.summary.key}`).digest('hex').slice(0, 32);

/** The experiment ids in `root` by name (read from each `<id>/meta.yaml`). */
function experimentIds(root: string): Map<string, string> {
  const ids = new Map<string, string>();
  if (!existsSync(root)) return ids;
  for (const e of readdirSync(root, { withFileTypes: true })) {
    const meta = join(root, e.name, 'meta.yaml');
    if (!e.isDirectory() || !existsSync(meta)) continue;
    const name = /^name: (.*)$/m.exec(readFileSync(meta, 'utf8'))?.[1];
    if (name !== undefined) ids.set(name.startsWith('"') ? (JSON.parse(name) as string) : name.replace(/^'(.*)'$/, '$1'), e.name);
  }
  return ids;
}

function writeExperiment(root: string, id: string, name: string, timeMs: number): void {
  const file = join(root, id, 'meta.yaml');
  if (existsSync(file)) return;
  writeFileAtomic(
    file,
    yaml({ artifact_location: pathToFileURL(join(root, id)).href, creation_time: timeMs, experiment_id: id, last_update_time: timeMs, lifecycle_stage: 'active', name }),
  );
}

/**
 * Run parameters: identity (backbone, init, seed, dataset, task, imageSize, dataFraction,
 * backend) and the long table's parameter columns (`target.…`, `backboneRef.…`, `strategy.…`).
 */
export function mlflowParams(result: TrialResult, summaryRow: TableRow): Record<string, string> {
  const s = result.summary;
  const params: Record<string, unknown> = { backbone: s.backbone, init: s.init, seed: s.seed, dataset: s.dataset, task: s.task, imageSize: s.imageSize, dataFraction: s.dataFraction, backend: s.backend };
  for (const [k, v] of Object.entries(summaryRow)) if (/^(target|backboneRef|strategy)\./.test(k)) params[k] = v;
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [mlflowKey(k), String(v)]));
}

/** TensorBoard's tag of a curve scalar → its MLflow metric name (`loss/train` → `train_loss`, `val/auc` → `val_auc`). */
function metricName(tag: string): string {
  const [group, name] = tag.split('/');
  if (group === 'loss') return `${name}_loss`;
  return group === 'throughput' ? name : `${group}_${name}`;
}

/**
 * Metric histories, each line `<timestamp ms> <value> <step>`: per curve point `train_loss`,
 * `val_loss`, `val_<metric>`, `images_per_second`; the test metrics (`test_<metric>`) once, at the last step.
 */
export function mlflowMetrics(result: TrialResult): Record<string, string[]> {
  const start = trialStartSeconds(result) * 1000;
  const out: Record<string, string[]> = {};
  const add = (name: string, ms: number, value: number, step: number) => (out[mlflowKey(name)] ??= []).push(`${Math.round(ms)} ${value} ${step}`);
  result.curve.forEach((p, i) => {
    for (const [tag, v] of Object.entries(pointScalars(p, result.curve[i - 1]))) add(metricName(tag), start + p.trainSeconds * 1000, v, p.step);
  });
  const s = result.summary;
  for (const [k, v] of Object.entries(s.test)) if (typeof v === 'number' && Number.isFinite(v)) add(`test_${k}`, Date.parse(s.finishedAt), v, s.steps);
  return out;
}

/**
 * Writes one MLflow run per trial under `root` (`mlruns`): `<experiment id>/meta.yaml` per
 * experiment (an existing one of the same name is reused; `0/meta.yaml`, MLflow's Default, is added
 * when missing), `<experiment id>/<run id>/{meta.yaml, params/, metrics/, tags/}`. Returns the run folders.
 */
export function writeMlflow(trials: readonly ExportedTrial[], root: string): string[] {
  root = resolve(root);
  const ids = experimentIds(root);
  const now = Date.now();
  // MLflow's UI expects its Default experiment (id 0) in a store.
  writeExperiment(root, '0', 'Default', now);
  let next = Math.max(0, ...[...ids.values()].map(Number).filter(Number.isInteger)) + 1;
  return trials.map(({ dir, result, config }) => {
    const s = result.summary;
    let expId = ids.get(s.experiment);
    if (expId === undefined) {
      expId = String(next++);
      ids.set(s.experiment, expId);
      writeExperiment(root, expId, s.experiment, now);
    }
    const runId = mlflowRunId(result);
    const runDir = join(root, expId, runId);
    const startMs = Math.round(trialStartSeconds(result) * 1000);
    const summaryRow = trialRows(result, config).find((r) => r.row === 'summary') ?? {};
    const tags: Record<string, string> = {
      'mlflow.runName': s.trial,
      'mlflow.source.name': 'medtransfer export',
      'mlflow.source.type': 'LOCAL',
      'medtransfer.key': s.key,
      'medtransfer.experiment': s.experiment,
      'medtransfer.folder': dir,
    };
    for (const [k, v] of Object.entries(tags)) writeFileAtomic(join(runDir, 'tags', k), v);
    for (const [k, v] of Object.entries(mlflowParams(result, summaryRow))) writeFileAtomic(join(runDir, 'params', k), v);
    for (const [k, lines] of Object.entries(mlflowMetrics(result))) writeFileAtomic(join(runDir, 'metrics', k), lines.join('\n') + '\n');
    writeFileAtomic(
      join(runDir, 'meta.yaml'),
      yaml({
        artifact_uri: pathToFileURL(join(runDir, 'artifacts')).href,
        end_time: Date.parse(s.finishedAt),
        entry_point_name: '',
        experiment_id: expId,
        lifecycle_stage: 'active',
        run_id: runId,
        run_name: s.trial,
        run_uuid: runId,
        source_name: '',
        source_type: SOURCE_LOCAL,
        source_version: '',
        start_time: startMs,
        status: RUN_FINISHED,
        tags: [],
        user_id: 'medtransfer',
      }),
    );
    return runDir;
  });
}
