// The data-pipeline benchmark's result (what its JSON holds) and printed table: images/s of each
// pipeline next to the training step of one net, and data time per batch ÷ step time.
import type { MachineInfo } from './machine';

/** Data time per batch above this share of the training step makes data loading a bottleneck. */
export const DATA_TARGET = 0.05;

export interface DataRow {
  size: number;
  /** What was timed, e.g. `arrays, augmented` or `PNG decode (once per load)`. */
  pipeline: string;
  batch: number;
  imagesPerSecond: number;
  /** Relative 95 % margin of error of the mean, in percent. */
  rme: number;
  /** The yardstick's mean training step at this size and batch, in seconds (absent when it failed). */
  stepSeconds?: number;
  /** True for a cost paid once per load (decoding), not per batch. */
  once?: boolean;
  note?: string;
}

export interface DataBenchReport {
  machine: MachineInfo;
  net: string;
  /** The backend that ran the step (after `auto`). */
  backend: string;
  settings: { images: number; timeSeconds: number };
  rows: DataRow[];
  /** Per size: the step time or why it is missing. */
  steps: { size: number; batch: number; stepSeconds?: number; error?: string }[];
}

/** Seconds of data work per batch. */
export const dataSecondsPerBatch = (r: Pick<DataRow, 'batch' | 'imagesPerSecond'>): number => r.batch / r.imagesPerSecond;

/** Data time per batch ÷ step time (NaN without a step time). */
export const dataRatio = (r: DataRow): number => (r.stepSeconds === undefined ? NaN : dataSecondsPerBatch(r) / r.stepSeconds);

const rate = (x: number) => (!Number.isFinite(x) ? '–' : x >= 100 ? String(Math.round(x)) : x.toPrecision(3));
const ms = (s: number | undefined) => (s === undefined || !Number.isFinite(s) ? '–' : s * 1000 >= 10 ? (s * 1000).toFixed(0) : (s * 1000).toPrecision(2));

/** A ratio as a percentage with a verdict against DATA_TARGET, e.g. `1.2 % ok`, `9.0 % over`. */
export function formatShare(r: number): string {
  if (!Number.isFinite(r)) return '–';
  const pct = r * 100;
  const text = pct >= 10 ? pct.toFixed(0) : pct >= 0.1 ? pct.toFixed(1) : pct.toPrecision(1);
  return `${text} % ${r < DATA_TARGET ? 'ok' : 'over'}`;
}

export function dataTableRow(r: DataRow): string {
  const share = formatShare(dataRatio(r));
  const notes = [r.once ? 'once per load' : '', r.note ?? ''].filter((s) => s).join('; ');
  return `| ${r.size} | ${r.pipeline} | ${r.batch} | ${rate(r.imagesPerSecond)} ±${Math.round(r.rme)}% | ${ms(dataSecondsPerBatch(r))} | ${ms(r.stepSeconds)} | ${share} | ${notes} |`;
}

export function formatDataReport(rep: DataBenchReport): string {
  const m = rep.machine;
  const load = (xs?: number[]) => (xs ? xs.map((x) => x.toFixed(2)).join(' ') : '?');
  const lines = [
    `Data pipeline vs ${rep.net} training step on ${rep.backend} — ${m.cores} cores, ${m.cpuModel}; Node ${m.node}, tfjs ${m.tfjs}`,
    `load average at start ${load(m.loadStart)}, at end ${load(m.loadEnd)}; ${rep.settings.images} images per epoch, ${rep.settings.timeSeconds} s per measurement`,
    `ratio = data ms per batch ÷ step ms (target < ${DATA_TARGET * 100} %)`,
    '',
    '| px | pipeline | batch | images/s | data ms/batch | step ms | ratio | notes |',
    '|---:|---|---:|---:|---:|---:|---:|---|',
    ...rep.rows.map(dataTableRow),
  ];
  for (const s of rep.steps) if (s.error) lines.push('', `${rep.net} step at ${s.size} px failed: ${s.error}`);
  return lines.join('\n');
}
