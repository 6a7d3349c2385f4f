// `medtransfer plan`: the tasks of an experiment file, which are already in the store (cached),
// and the training time of each, estimated as images to train ÷ throughput. Throughput comes from
// finished trials of the same backbone and size in the store, else the bench's stored measurement
// (packages/bench/measurements.json), else the zoo's FLOP count ÷ the GFLOP/s the bench measured.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ComponentRef, TrainingConfig, backendNames, readMeasurements } from '@medtransfer/core';
import { TRAINING_FACTOR, countFlops, countFlopsAt, createModel } from '@medtransfer/zoo';
import { isFinished } from './claim';
import { Plan, SkippedTrial, backboneId } from './plan';
import { createContext } from './context';
import { targetFor } from './stage-data';
import { listTasks } from './tasks';
import { CONFIG_FILE, SUMMARY_FILE, readJson, readStoredTrial } from './store';

/** The bench's stored measurements: written by `npm run bench -- --record`, committed (packages/bench/README.md). */
export const BENCH_MEASUREMENTS = resolve(__dirname, '../../bench/measurements.json');

/** One row of the bench's stored measurements, as the plan uses it. */
export interface BenchMeasurement {
  net: string;
  size: number;
  /** The backend that ran. */
  backend: string;
  /** Forward FLOPs per image of the measured net (3-channel input). */
  forwardFlops: number;
  /** Training images/s. */
  imagesPerSecond: number;
  date: string;
  machine: string;
}

export interface BenchData {
  file: string;
  rows: BenchMeasurement[];
}

/** Reads the bench's stored measurements (core's reader: no rows when the file is absent, a malformed file is a DataFormatError naming the field). */
export function readBenchMeasurements(file = BENCH_MEASUREMENTS): BenchData {
  const rows = (readMeasurements(file)?.runs ?? []).flatMap((run) => {
    const m = run.machine as { cores?: unknown; cpuModel?: unknown };
    const machine = `${m.cores ?? '?'} cores, ${m.cpuModel ?? 'unknown CPU'}`;
    const date = run.date.slice(0, 10);
    return run.rows.map((row): BenchMeasurement => ({ net: row.net, size: row.size, backend: row.backend, forwardFlops: row.forwardFlops, imagesPerSecond: row.train.imagesPerSecond, date, machine }));
  });
  return { file, rows };
}

/** A backbone at an input shape: what its FLOPs depend on. */
export interface FlopShape {
  ref: ComponentRef;
  size: number;
  channels: number;
}

/** Forward FLOPs per image by backbone id × size × channels; counts depend only on the zoo's code, so they live as long as the process. */
const flopCache = new Map<string, number>();
const flopKey = (s: FlopShape) => `${backboneId(s.ref)}@${s.size}x${s.size}x${s.channels}`;

/**
 * Forward FLOPs per image of each shape (the zoo's counter, a 2-class head as the bench builds
 * it). Each backbone not yet counted is built once — its seeded random weights are most of the
 * cost, about 1 s for a ResNet-50 — and its other shapes are counted on zero-weight copies.
 */
export function countForwardFlops(shapes: FlopShape[]): number[] {
  const todo = new Map<string, FlopShape[]>();
  for (const s of shapes) {
    if (flopCache.has(flopKey(s))) continue;
    const id = backboneId(s.ref);
    const group = todo.get(id) ?? [];
    if (!group.some((g) => flopKey(g) === flopKey(s))) group.push(s);
    todo.set(id, group);
  }
  // Nothing is trained here: tfjs' "install the node backend" notice on the cpu backend's first use
  // would only mislead, so the count runs in tfjs' production mode (which silences it), restored after.
  const prod = tf.env().getBool('PROD');
  tf.env().set('PROD', true);
  try {
    for (const [first, ...rest] of todo.values()) {
      const m = createModel(first.ref, { inputShape: [first.size, first.size, first.channels], numClasses: 2, seed: 0 });
      try {
        flopCache.set(flopKey(first), countFlops(m.model).forward);
        for (const s of rest) flopCache.set(flopKey(s), countFlopsAt(m.model, [s.size, s.size, s.channels]).forward);
      } finally {
        m.dispose();
      }
    }
  } finally {
    tf.env().set('PROD', prod);
  }
  return shapes.map((s) => flopCache.get(flopKey(s)) as number);
}

export interface Throughput {
  /** Training images/s; NaN for `none`. */
  imagesPerSecond: number;
  /**
   * `measured`: median of finished trials in the store; `bench`: the bench's stored measurement
   * of this net, size and FLOPs; `flops`: forward FLOPs × 3 ÷ a GFLOP/s the bench measured;
   * `none`: no measurement on this backend at all.
   */
  basis: 'measured' | 'bench' | 'flops' | 'none';
  /** `measured`: how many finished trials; `bench`: how many bench rows. */
  trials?: number;
  /** `bench`, `flops`: the backend whose bench measurements were used. */
  backend?: string;
  /** `flops`: the training GFLOP/s used. */
  gflops?: number;
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

/** The backend whose bench measurements stand for `backend`: itself, or for `auto` the first of auto's order (node-gpu, node, native, wasm, cpu) that the bench measured. */
export function benchBackend(backend: string, bench: BenchData): string | undefined {
  if (backend !== 'auto') return backend;
  return backendNames.find((b) => b !== 'auto' && bench.rows.some((r) => r.backend === b));
}

/** What a task's FLOPs are, for the throughput without finished trials. */
export interface TaskFlops {
  backbone: string;
  imageSize: number;
  /** Forward FLOPs per image at the task's size and channels. */
  flops: number;
  /** … with a 3-channel input, as the bench measures: a bench row matches when its count is within 1 % of this. */
  flops3: number;
}

/**
 * Throughput without a finished trial: the bench's measurement of this net, size and FLOPs on
 * the backend, else training FLOPs ÷ the median training GFLOP/s the bench measured on the
 * backend — from this net if it was measured, else from all nets — at the nearest measured size.
 */
export function defaultThroughput(bench: BenchData, t: TaskFlops, backend: string): Throughput {
  const b = benchBackend(backend, bench);
  const rows = bench.rows.filter((r) => r.backend === b);
  if (!b || !rows.length) return { imagesPerSecond: NaN, basis: 'none' };
  const same = rows.filter((r) => r.net === t.backbone && r.size === t.imageSize && Math.abs(r.forwardFlops - t.flops3) <= 0.01 * t.flops3);
  if (same.length) return { imagesPerSecond: median(same.map((r) => r.imagesPerSecond)), basis: 'bench', trials: same.length, backend: b };
  const net = rows.filter((r) => r.net === t.backbone);
  const pool = net.length ? net : rows;
  const distance = (r: BenchMeasurement) => Math.abs(Math.log(r.size / t.imageSize));
  const nearest = Math.min(...pool.map(distance));
  const gflops = median(pool.filter((r) => distance(r) <= nearest + 1e-9).map((r) => (TRAINING_FACTOR * r.forwardFlops * r.imagesPerSecond) / 1e9));
  return { imagesPerSecond: (gflops * 1e9) / (TRAINING_FACTOR * t.flops), basis: 'flops', backend: b, gflops };
}

/** Throughput for a task: the median of matching finished trials (same backend preferred; any with `auto`), else `defaultThroughput`. */
export function pickThroughput(measured: ReturnType<typeof measuredThroughputs>, bench: BenchData, t: TaskFlops, backend: string): Throughput {
  const same = measured.filter((m) => m.backbone === t.backbone && m.imageSize === t.imageSize);
  const sameBackend = same.filter((m) => m.backend === backend);
  const use = sameBackend.length ? sameBackend : backend === 'auto' ? same : [];
  if (use.length) return { imagesPerSecond: median(use.map((m) => m.imagesPerSecond)), basis: 'measured', trials: use.length };
  return defaultThroughput(bench, t, backend);
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
  channels: number;
  images: number;
  /** Forward FLOPs per image (the zoo's counter) at this size and channel count. */
  flops: number;
  throughput: Throughput;
  /** NaN when there is no throughput (`none`). */
  seconds: number;
}

export interface PlanReport {
  experiment: string;
  experimentDir: string;
  resultsDir: string;
  backend: string;
  /** The bench's stored measurements the estimates used. */
  bench: BenchData;
  tasks: PlanTask[];
  skipped: SkippedTrial[];
  /** Estimated seconds of one worker: pending tasks, and every task as if nothing were cached (tasks without an estimate left out). */
  pendingSeconds: number;
  allSeconds: number;
}

/**
 * The plan of an experiment against a store. Keys need the data (as `run` computes them), so the
 * datasets are read; nothing is trained and no batches are built. Each backbone is built once to
 * count its FLOPs. `benchFile` replaces the bench's stored measurements (tests).
 */
export async function planReport(plan: Plan, resultsDir: string, opts: { backend?: string; benchFile?: string } = {}): Promise<PlanReport> {
  const experimentDir = resolve(resultsDir, plan.config.name);
  const backend = opts.backend ?? plan.config.backend;
  const ctx = await createContext(plan, experimentDir, backend, { batches: false });
  const measured = measuredThroughputs(resolve(resultsDir));
  const bench = readBenchMeasurements(opts.benchFile);
  const listed = listTasks(ctx).map((task) => {
    const [ref, stage, imageSize, trainImages] =
      task.kind === 'source'
        ? [task.backbone, plan.config.source!, plan.config.source!.imageSize, ctx.source?.dataset.splits.train?.count ?? 0]
        : [task.trial.model, task.trial.target, task.trial.imageSize, targetFor(ctx, task.trial).dataset.splits.train?.count ?? 0];
    return { task, ref, imageSize, channels: stage.channels, images: imagesToTrain(stage.training, trainImages) };
  });
  const flops = countForwardFlops(listed.flatMap((l) => [{ ref: l.ref, size: l.imageSize, channels: l.channels }, { ref: l.ref, size: l.imageSize, channels: 3 }]));
  const tasks = listed.map(({ task, ref, imageSize, channels, images }, i): PlanTask => {
    const throughput = pickThroughput(measured, bench, { backbone: ref.name, imageSize, flops: flops[2 * i], flops3: flops[2 * i + 1] }, backend);
    return {
      kind: task.kind,
      label: task.label,
      key: task.key,
      cached: isFinished(task),
      backbone: backboneId(ref),
      imageSize,
      channels,
      images,
      flops: flops[2 * i],
      throughput,
      seconds: images / throughput.imagesPerSecond,
    };
  });
  return {
    experiment: plan.config.name,
    experimentDir,
    resultsDir: resolve(resultsDir),
    backend,
    bench,
    tasks,
    skipped: plan.skipped,
    pendingSeconds: sumSeconds(tasks.filter((s) => !s.cached)),
    allSeconds: sumSeconds(tasks),
  };
}

const sumSeconds = (xs: PlanTask[]) => xs.reduce((n, s) => (Number.isNaN(s.seconds) ? n : n + s.seconds), 0);

/** Seconds as `42 s`, `3.5 min` or `2.1 h`. */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** MFLOP with 3 significant digits (whole numbers from 1000). */
const mflop = (flops: number) => (flops >= 1e9 ? String(Math.round(flops / 1e6)) : (flops / 1e6).toPrecision(3));

function basisCell(t: Throughput): string {
  switch (t.basis) {
    case 'measured':
      return `measured (${t.trials})`;
    case 'bench':
      return `bench ${t.backend} (${t.trials})`;
    case 'flops':
      return `flops ${t.backend} @ ${Math.round(t.gflops ?? 0)} GFLOP/s`;
    default:
      return 'none';
  }
}

/** What each source of an estimate means, for the bases the plan used. */
function basisNotes(r: PlanReport): string[] {
  const used = new Set(r.tasks.map((s) => s.throughput.basis));
  const backends = [...new Set(r.tasks.map((s) => s.throughput.backend).filter((b) => b))];
  const file = relative(process.cwd(), r.bench.file) || r.bench.file;
  const rows = r.bench.rows.filter((x) => backends.includes(x.backend));
  const when = [...new Set(rows.map((x) => `${x.machine}, ${x.date}`))].join('; ');
  const auto = r.backend === 'auto' && backends.length ? `; backend auto takes the first of auto's order that the bench measured` : '';
  const notes = [`MFLOP/img: forward FLOPs per image, counted by the zoo at the task's size and channels (2 × multiply-accumulates of conv and dense layers; training = ${TRAINING_FACTOR} × forward)`];
  if (used.has('measured')) notes.push(`measured: median img/s of finished trials in ${relative(process.cwd(), r.resultsDir) || '.'} with the same backbone and size (same backend; any with auto)`);
  if (used.has('bench')) notes.push(`bench: measured by npm run bench (${file}: ${when}) for the same net, size and FLOPs on that backend${auto}`);
  if (used.has('flops')) notes.push(`flops: training FLOPs ÷ the median training GFLOP/s the bench measured on that backend (${file}: the same net if measured, else all nets, at the nearest measured size)${used.has('bench') ? '' : auto}`);
  if (used.has('none')) {
    const b = r.backend === 'auto' ? 'any backend' : r.backend;
    notes.push(`none: no finished trial and no bench measurement on ${b} in ${file}; add some with npm run bench -- --backends ${r.backend === 'auto' ? 'native' : r.backend} --record`);
  }
  return notes;
}

/** The plan as a plain-text table for the terminal. */
export function formatPlan(r: PlanReport): string {
  const rows = r.tasks.map((s) => [
    s.label,
    s.key.slice(0, 8),
    s.cached ? 'cached' : 'pending',
    String(s.images),
    mflop(s.flops),
    Number.isNaN(s.throughput.imagesPerSecond) ? '?' : s.throughput.imagesPerSecond.toPrecision(3),
    basisCell(s.throughput),
    s.cached ? '-' : Number.isNaN(s.seconds) ? '?' : formatSeconds(s.seconds),
  ]);
  const head = ['stage', 'key', 'status', 'images', 'MFLOP/img', 'img/s', 'from', 'estimate'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i])).join('  ').trimEnd();
  const trials = r.tasks.filter((s) => s.kind === 'trial');
  const sources = r.tasks.filter((s) => s.kind === 'source');
  const pending = (xs: PlanTask[]) => xs.filter((s) => !s.cached);
  const secs = (xs: PlanTask[]) => formatSeconds(sumSeconds(xs));
  const unknown = pending(r.tasks).filter((s) => Number.isNaN(s.seconds)).length;
  const out = [
    `${r.experiment} (${r.experimentDir}), backend ${r.backend}`,
    line(head),
    ...rows.map(line),
    ...r.skipped.map((s) => `skipped  ${s.name}: ${s.reason} (${s.path})`),
    '',
    ...basisNotes(r),
    '',
    `${trials.length} trial(s): ${trials.length - pending(trials).length} cached, ${pending(trials).length} pending; ${sources.length} source stage(s): ${sources.length - pending(sources).length} cached` +
      (r.skipped.length ? `; ${r.skipped.length} skipped` : ''),
    `estimated training time (one worker): source ${secs(pending(sources))} + trials ${secs(pending(trials))} = ${formatSeconds(r.pendingSeconds)} pending` +
      ` (everything: ${formatSeconds(r.allSeconds)}); parallel workers divide it, evaluation adds to it` +
      (unknown ? `; ${unknown} pending task(s) without an estimate are not in it` : ''),
  ];
  return `${out.join('\n')}\n`;
}
