// The bench's stored measurements (packages/bench/measurements.json): the file format, one
// definition for the bench, which writes it (`npm run bench -- --record`), and `medtransfer plan`,
// which reads it for its estimates; every run and row validated when read.
import { existsSync, readFileSync } from 'node:fs';
import { DataFormatError } from './errors';

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
  /** The machine (the bench's MachineInfo without load and date: cores, cpuModel, …). */
  machine: object;
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** Reads a measurements file; undefined when it does not exist, DataFormatError naming the field when it is not one. */
export function readMeasurements(file: string): StoredMeasurements | undefined {
  if (!existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
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
