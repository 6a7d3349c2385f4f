// The bench's stored measurements: packages/bench/measurements.json (committed), our training and
// inference images/s per net × size × backend with the net's forward FLOPs and the machine.
// `npm run bench -- --record` adds a run; `medtransfer plan` reads the file for its estimates.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataFormatError, canonicalJson } from '@medtransfer/core';
import type { BenchOptions } from './args';
import type { MachineInfo } from './machine';
import { FLOP_CONVENTION, type BenchReport } from './report';

/** The committed file `--record` adds to (the runner reads it at this path too). */
export const MEASUREMENTS_FILE = path.resolve(__dirname, '..', 'measurements.json');
export const MEASUREMENTS_FORMAT = 'medtransfer-bench-measurements';
export const MEASUREMENTS_VERSION = 1;

export interface StoredTiming {
  imagesPerSecond: number;
  /** Relative 95 % margin of error of the mean step time, in percent. */
  rme: number;
}

export interface MeasurementRow {
  net: string;
  /** Backbone params (`--params`); absent = the zoo's defaults. */
  params?: Record<string, unknown>;
  size: number;
  channels: number;
  batch: number;
  /** The backend that ran (what `auto` resolved to). */
  backend: string;
  /** Forward FLOPs per image (the zoo's `countFlops`); a changed net no longer matches it. */
  forwardFlops: number;
  train: StoredTiming;
  infer: StoredTiming;
}

export interface MeasurementRun {
  /** ISO date (or day) of the run. */
  date: string;
  machine: Omit<MachineInfo, 'loadStart' | 'loadEnd' | 'date'>;
  /** Load averages at start and end (1/5/15 min, or 1 min only where that is all that was noted). */
  load: { start: number[]; end?: number[] };
  command: string;
  /** Where the numbers come from when they were not written by `--record` (e.g. a docs table). */
  source?: string;
  rows: MeasurementRow[];
}

export interface StoredMeasurements {
  format: typeof MEASUREMENTS_FORMAT;
  version: typeof MEASUREMENTS_VERSION;
  flopConvention: string;
  runs: MeasurementRun[];
}

/** The command line that reproduces a run's options. */
export function benchCommand(o: BenchOptions): string {
  const params = Object.entries(o.params).map(([net, p]) => ` --params '${net}:${JSON.stringify(p)}'`);
  return (
    `npm run bench -- --nets ${o.nets.join(',')} --sizes ${o.sizes.join(',')} --backends ${o.backends.join(',')} --batch ${o.batch} --time ${o.timeSeconds}` +
    `${o.torch === 'off' ? ' --torch off' : ''}${params.join('')} --record`
  );
}

/** The run's measured rows (failed ones left out), as stored. */
export function measurementRun(report: BenchReport, command: string): MeasurementRun {
  const { loadStart, loadEnd, date, ...machine } = report.machine;
  const rows = report.rows.flatMap((r): MeasurementRow[] =>
    r.ours
      ? [
          {
            net: r.net,
            ...(r.params ? { params: r.params } : {}),
            size: r.size,
            channels: 3,
            batch: r.ours.batch,
            backend: r.ours.backend,
            forwardFlops: r.ours.flopsForward,
            train: { imagesPerSecond: r.ours.train.imagesPerSecond, rme: r.ours.train.rme },
            infer: { imagesPerSecond: r.ours.infer.imagesPerSecond, rme: r.ours.infer.rme },
          },
        ]
      : [],
  );
  return { date, machine, load: { start: loadStart, ...(loadEnd ? { end: loadEnd } : {}) }, command, rows };
}

const rowKey = (r: MeasurementRow) => canonicalJson([r.net, r.params ?? {}, r.size, r.channels, r.batch, r.backend]);

/** `stored` plus `run`; a row of `run` replaces the older row of the same net, params, size, channels, batch and backend. */
export function addRun(stored: StoredMeasurements | undefined, run: MeasurementRun): { measurements: StoredMeasurements; replaced: number } {
  const fresh = new Set(run.rows.map(rowKey));
  let replaced = 0;
  const older = (stored?.runs ?? []).flatMap((r) => {
    const rows = r.rows.filter((row) => !fresh.has(rowKey(row)));
    replaced += r.rows.length - rows.length;
    return rows.length ? [{ ...r, rows }] : [];
  });
  return {
    measurements: { format: MEASUREMENTS_FORMAT, version: MEASUREMENTS_VERSION, flopConvention: FLOP_CONVENTION, runs: [...older, run] },
    replaced,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Reads a measurements file; undefined when it does not exist, DataFormatError naming the field when it is not one. */
export function readMeasurements(file: string): StoredMeasurements | undefined {
  if (!fs.existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DataFormatError(file, `not JSON (${(err as Error).message})`);
  }
  if (!isObject(data) || data.format !== MEASUREMENTS_FORMAT || data.version !== MEASUREMENTS_VERSION || !Array.isArray(data.runs)) {
    throw new DataFormatError(file, `expected { format: "${MEASUREMENTS_FORMAT}", version: ${MEASUREMENTS_VERSION}, runs: [...] }`);
  }
  data.runs.forEach((run: unknown, i) => {
    if (!isObject(run) || typeof run.date !== 'string' || typeof run.command !== 'string' || !isObject(run.machine) || !Array.isArray(run.rows)) {
      throw new DataFormatError(file, `runs[${i}]: expected date, command, machine and rows`);
    }
    run.rows.forEach((row: unknown, j) => {
      const where = `runs[${i}].rows[${j}]`;
      if (!isObject(row) || typeof row.net !== 'string' || typeof row.backend !== 'string') throw new DataFormatError(file, `${where}: expected net and backend`);
      for (const k of ['size', 'channels', 'batch', 'forwardFlops'] as const) {
        if (!positive(row[k])) throw new DataFormatError(file, `${where}.${k}: expected a positive number, found ${JSON.stringify(row[k])}`);
      }
      for (const k of ['train', 'infer'] as const) {
        const t = row[k];
        if (!isObject(t) || !positive(t.imagesPerSecond)) throw new DataFormatError(file, `${where}.${k}.imagesPerSecond: expected a positive number`);
      }
    });
  });
  return data as unknown as StoredMeasurements;
}

/** The file's text: valid JSON with one line per run field and per row, so a recorded run shows as a readable diff. */
export function formatMeasurements(m: StoredMeasurements): string {
  const run = ({ rows, ...head }: MeasurementRun) =>
    [
      '    {',
      ...Object.entries(head).map(([k, v]) => `      ${JSON.stringify(k)}: ${JSON.stringify(v)},`),
      '      "rows": [',
      rows.map((r) => `        ${JSON.stringify(r)}`).join(',\n'),
      '      ]',
      '    }',
    ].join('\n');
  const head = { format: m.format, version: m.version, flopConvention: m.flopConvention };
  return ['{', ...Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`), '  "runs": [', m.runs.map(run).join(',\n'), '  ]', '}', ''].join('\n');
}

/** Adds the report's measured rows to `file` (written whole, via a temporary file and a rename). */
export function recordMeasurements(file: string, report: BenchReport, command: string): { rows: number; replaced: number } {
  const run = measurementRun(report, command);
  const { measurements, replaced } = addRun(readMeasurements(file), run);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, formatMeasurements(measurements));
  fs.renameSync(tmp, file);
  return { rows: run.rows.length, replaced };
}
