// The bench's stored measurements: packages/bench/measurements.json (committed), our training and
// inference images/s per net × size × backend with the net's forward FLOPs and the machine.
// `npm run bench -- --record` adds a run; `medtransfer plan` reads the file for its estimates.
import * as path from 'node:path';
import {
  MEASUREMENTS_FORMAT,
  MEASUREMENTS_VERSION,
  MeasurementRow,
  MeasurementRun,
  StoredMeasurements,
  canonicalJson,
  readMeasurements,
  writeFileAtomic,
} from '@medtransfer/core';
import type { BenchOptions } from './args';
import { FLOP_CONVENTION, type BenchReport } from './report';

/** The committed file `--record` adds to (the runner reads it at this path too). */
export const MEASUREMENTS_FILE = path.resolve(__dirname, '..', 'measurements.json');
export { readMeasurements };

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

/** Adds the report's measured rows to `file` (written whole and atomically). */
export function recordMeasurements(file: string, report: BenchReport, command: string): { rows: number; replaced: number } {
  const run = measurementRun(report, command);
  const { measurements, replaced } = addRun(readMeasurements(file), run);
  writeFileAtomic(file, formatMeasurements(measurements));
  return { rows: run.rows.length, replaced };
}
