// `medtransfer plan`: the tasks of an experiment file, which are already in the store (cached),
// and the training time of each, estimated as images to train ÷ throughput — measured by
// finished trials of the same backbone and image size in the store, else a documented default.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TrainingConfig } from '@medtransfer/core';
import { isFinished } from './claim';
import { Plan, SkippedTrial, backboneId } from './plan';
import { createContext } from './context';
import { targetFor } from './stage-data';
import { listTasks } from './tasks';
import { CONFIG_FILE, SUMMARY_FILE, readJson, readStoredTrial } from './store';

/**
 * Forward MFLOP per image at 64 px (2 × multiply-accumulates of conv and dense layers, the zoo's
 * `countMacs`, default params, 3 channels); other sizes scale with the pixel count.
 */
export const FORWARD_MFLOP_64: Record<string, number> = {
  'cbr-tiny': 334.2,
  'cbr-small': 655.1,
  'cbr-large-t': 860.6,
  'cbr-large-w': 2543.3,
  resnet18: 296.1,
  resnet34: 598.1,
  resnet50: 629.5,
  'inception-v3': 677.7 * (64 / 96) ** 2, // counted at 96 px (its minimum is 75)
  'mobilenet-v1': 92.7,
};

/**
 * Training throughput measured by `npm run bench` (docs/performance.md; native backend, batch
 * 32, 2 cores): img/s at 28 and 64 px. Used as is for these nets and sizes.
 */
export const MEASURED_IMAGES_PER_SECOND: Record<string, Record<number, number>> = {
  'cbr-tiny': { 28: 446, 64: 110 },
  'cbr-small': { 28: 295, 64: 78.5 },
  resnet18: { 28: 159, 64: 65.3 },
};

/**
 * Effective training GFLOP/s (training = 3 × forward) of the same measurements, for other nets
 * and sizes: CBR nets 94–154 (120 used), ResNet-18 33–58 (45 used for every non-CBR net); the
 * wasm backend 25–27 and 16–22. A rough default, replaced by measurements once trials finish.
 */
const DEFAULT_GFLOPS: Record<'native' | 'wasm', { cbr: number; other: number }> = { native: { cbr: 120, other: 45 }, wasm: { cbr: 26, other: 19 } };
/** A net the table does not know: ResNet-50's count. */
const UNKNOWN_MFLOP_64 = 629.5;

export interface Throughput {
  imagesPerSecond: number;
  /** `measured`: median of finished trials in the store; `default`: the tables above. */
  basis: 'measured' | 'default';
  /** How many finished trials the measurement comes from. */
  trials?: number;
}

/** The documented default throughput of a backbone at a size on a backend (native numbers for any other backend). */
export function defaultThroughput(backbone: string, imageSize: number, backend = 'native'): number {
  const wasm = backend === 'wasm' || backend === 'cpu';
  const measured = MEASURED_IMAGES_PER_SECOND[backbone]?.[imageSize];
  if (measured && !wasm) return measured;
  const mflop = (FORWARD_MFLOP_64[backbone] ?? UNKNOWN_MFLOP_64) * (imageSize / 64) ** 2;
  const g = DEFAULT_GFLOPS[wasm ? 'wasm' : 'native'][backbone.startsWith('cbr-') ? 'cbr' : 'other'];
  return (g * 1e3) / (3 * mflop);
}

/** Finished trials' training throughput in a result store, by `backbone@imageSize` (and backend). */
export function measuredThroughputs(resultsDir: string): Array<{ backbone: string; imageSize: number; backend: string; imagesPerSecond: number }> {
  const out: Array<{ backbone: string; imageSize: number; backend: string; imagesPerSecond: number }> = [];
  if (!existsSync(resultsDir)) return out;
  const dirs = (d: string) => readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(d, e.name));
  for (const experiment of dirs(resultsDir)) {
    for (const trial of dirs(experiment)) {
      const file = join(trial, SUMMARY_FILE);
      if (!existsSync(file)) continue;
      try {
        const stored = readStoredTrial(trial);
        if (stored.state !== 'finished') continue;
        const s = stored.result.summary;
        const config = existsSync(join(trial, CONFIG_FILE))
          ? readJson<{ trial?: { model?: { name?: string }; backbone?: { name?: string } }; target?: { imageSize?: number } }>(join(trial, CONFIG_FILE))
          : {};
        const backbone = config.trial?.model?.name ?? config.trial?.backbone?.name ?? s.backbone.replace(/-[0-9a-f]{6}$/, '');
        const imageSize = s.imageSize ?? config.target?.imageSize;
        if (imageSize && s.imagesPerSecond > 0) out.push({ backbone, imageSize, backend: s.backend, imagesPerSecond: s.imagesPerSecond });
      } catch {
        // An unreadable record gives no measurement; `status` reports damaged folders.
      }
    }
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Throughput for a task: the median of matching measurements (same backend preferred), else the default. */
export function pickThroughput(measured: ReturnType<typeof measuredThroughputs>, backbone: string, imageSize: number, backend: string): Throughput {
  const same = measured.filter((m) => m.backbone === backbone && m.imageSize === imageSize);
  const sameBackend = same.filter((m) => m.backend === backend);
  const use = sameBackend.length ? sameBackend : backend === 'auto' ? same : [];
  if (use.length) return { imagesPerSecond: median(use.map((m) => m.imagesPerSecond)), basis: 'measured', trials: use.length };
  return { imagesPerSecond: defaultThroughput(backbone, imageSize, backend), basis: 'default' };
}

/** Images a task trains on: steps × batchSize, or ceil(epochs × train images ÷ batchSize) × batchSize (early stopping can end it sooner). */
export function imagesToTrain(training: TrainingConfig, trainImages: number): number {
  const steps = training.steps ?? Math.ceil(((training.epochs ?? 0) * trainImages) / training.batchSize);
  return steps * training.batchSize;
}

export interface PlanTask {
  kind: 'source' | 'trial';
  label: string;
  key: string;
  cached: boolean;
  backbone: string;
  imageSize: number;
  images: number;
  throughput: Throughput;
  seconds: number;
}

export interface PlanReport {
  experiment: string;
  experimentDir: string;
  backend: string;
  tasks: PlanTask[];
  skipped: SkippedTrial[];
  /** Estimated seconds of one worker: pending tasks, and every task as if nothing were cached. */
  pendingSeconds: number;
  allSeconds: number;
}

/**
 * The plan of an experiment against a store. Keys need the data (as `run` computes them), so the
 * datasets are read; nothing is trained and no batches are built.
 */
export async function planReport(plan: Plan, resultsDir: string, opts: { backend?: string } = {}): Promise<PlanReport> {
  const experimentDir = resolve(resultsDir, plan.config.name);
  const backend = opts.backend ?? plan.config.backend;
  const ctx = await createContext(plan, experimentDir, backend, { batches: false });
  const measured = measuredThroughputs(resolve(resultsDir));
  const tasks = listTasks(ctx).map((task): PlanTask => {
    const [ref, imageSize, training, trainImages] =
      task.kind === 'source'
        ? [task.backbone, plan.config.source!.imageSize, plan.config.source!.training, ctx.source?.dataset.splits.train?.count ?? 0]
        : [task.trial.model, task.trial.imageSize, task.trial.target.training, targetFor(ctx, task.trial).dataset.splits.train?.count ?? 0];
    const images = imagesToTrain(training, trainImages);
    const throughput = pickThroughput(measured, ref.name, imageSize, backend);
    return {
      kind: task.kind,
      label: task.label,
      key: task.key,
      cached: isFinished(task),
      backbone: backboneId(ref),
      imageSize,
      images,
      throughput,
      seconds: images / throughput.imagesPerSecond,
    };
  });
  const sum = (xs: PlanTask[]) => xs.reduce((n, s) => n + s.seconds, 0);
  return { experiment: plan.config.name, experimentDir, backend, tasks, skipped: plan.skipped, pendingSeconds: sum(tasks.filter((s) => !s.cached)), allSeconds: sum(tasks) };
}

/** Seconds as `42 s`, `3.5 min` or `2.1 h`. */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The plan as a plain-text table for the terminal. */
export function formatPlan(r: PlanReport): string {
  const rows = r.tasks.map((s) => [
    s.label,
    s.key.slice(0, 8),
    s.cached ? 'cached' : 'pending',
    String(s.images),
    `${s.throughput.imagesPerSecond.toPrecision(3)} ${s.throughput.basis === 'measured' ? `measured (${s.throughput.trials})` : 'default'}`,
    s.cached ? '-' : formatSeconds(s.seconds),
  ]);
  const head = ['stage', 'key', 'status', 'images', 'img/s', 'estimate'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i])).join('  ').trimEnd();
  const trials = r.tasks.filter((s) => s.kind === 'trial');
  const sources = r.tasks.filter((s) => s.kind === 'source');
  const pending = (xs: PlanTask[]) => xs.filter((s) => !s.cached);
  const secs = (xs: PlanTask[]) => formatSeconds(xs.reduce((n, s) => n + s.seconds, 0));
  const out = [
    `${r.experiment} (${r.experimentDir}), backend ${r.backend}`,
    line(head),
    ...rows.map(line),
    ...r.skipped.map((s) => `skipped  ${s.name}: ${s.reason} (${s.path})`),
    '',
    `${trials.length} trial(s): ${trials.length - pending(trials).length} cached, ${pending(trials).length} pending; ${sources.length} source stage(s): ${sources.length - pending(sources).length} cached` +
      (r.skipped.length ? `; ${r.skipped.length} skipped` : ''),
    `estimated training time (one worker): source ${secs(pending(sources))} + trials ${secs(pending(trials))} = ${formatSeconds(r.pendingSeconds)} pending` +
      ` (everything: ${formatSeconds(r.allSeconds)}); parallel workers divide it, evaluation adds to it`,
  ];
  return `${out.join('\n')}\n`;
}
