// `npm run bench:eval`: evaluation throughput by the engine's two paths — the model's own call
// layer by layer, and the folded plan (batch norm folded into fused convolutions) — side by side
// in one process, alternating the paths round by round so that machine load hits both alike.
import { parseOptions } from './command';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, backendNames, unknownNameMessage } from '@medtransfer/core';
import { EVAL_PATHS, type EvalPath, evaluationPlan, inferenceStep, selectBackend, timeSteps } from '@medtransfer/engine';
import { backbones, createModel } from '@medtransfer/zoo';
import { parseNetParams } from './args';
import { currentLoad, describeMachine, type MachineInfo } from './machine';
import { benchBatch } from './measure';
import { list, nonEmpty, positiveInt, positiveSeconds } from './option-values';
import { formatRate, formatRatio } from './report';

export interface EvalBenchOptions {
  nets: string[];
  sizes: number[];
  backends: string[];
  batches: number[];
  /** Seconds per path per round. */
  timeSeconds: number;
  /** Rounds; the order of the paths alternates from round to round. */
  rounds: number;
  params: Record<string, Record<string, unknown>>;
  json?: string;
  help: boolean;
}

export const EVAL_DEFAULTS = { nets: ['cbr-small', 'resnet18'], sizes: [28, 64], backends: ['native'], batches: [32, 1], timeSeconds: 2, rounds: 2 };

export const EVAL_USAGE = `usage: npm run bench:eval -- [options]
  --nets a,b,…       backbones from the zoo (default ${EVAL_DEFAULTS.nets.join(',')})
  --sizes 28,64      input sizes in pixels (default ${EVAL_DEFAULTS.sizes.join(',')})
  --backends a,b,…   tfjs backends: ${backendNames.join(', ')} (default ${EVAL_DEFAULTS.backends.join(',')})
  --batches 32,1     images per evaluation call (default ${EVAL_DEFAULTS.batches.join(',')})
  --time S           seconds per path per round (default ${EVAL_DEFAULTS.timeSeconds})
  --rounds N         rounds, alternating which path goes first (default ${EVAL_DEFAULTS.rounds})
  --params JSON      backbone params, as for npm run bench ('{json}' or 'net:{json}', repeatable)
  --json FILE        also write the results as JSON`;

export function parseEvalBenchArgs(argv: string[]): EvalBenchOptions {
  const v = parseOptions(
    argv,
    {
      nets: { type: 'string' }, sizes: { type: 'string' }, backends: { type: 'string' }, batches: { type: 'string' },
      time: { type: 'string' }, rounds: { type: 'string' }, params: { type: 'string', multiple: true }, json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    EVAL_USAGE,
  );
  const nets = nonEmpty('--nets', v.nets === undefined ? EVAL_DEFAULTS.nets : list(v.nets), 'cbr-small').map((n, i) => {
    if (!backbones.has(n)) throw new ConfigError(`--nets[${i}]`, unknownNameMessage('backbone', n, backbones.names()));
    return n;
  });
  const ints = (option: string, raw: string | undefined, dflt: number[], max: number, example: string) =>
    nonEmpty(option, raw === undefined ? dflt : list(raw).map((s, i) => positiveInt(`${option}[${i}]`, s, max, `E.g. ${option} ${example}.`)), example);
  const backends = nonEmpty('--backends', v.backends === undefined ? EVAL_DEFAULTS.backends : list(v.backends), 'native').map((b, i) => {
    if (!(backendNames as readonly string[]).includes(b)) throw new ConfigError(`--backends[${i}]`, unknownNameMessage('backend', b, backendNames));
    return b;
  });
  const unique = [...new Set(nets)];
  return {
    nets: unique,
    sizes: [...new Set(ints('--sizes', v.sizes, EVAL_DEFAULTS.sizes, 1024, '28,64'))],
    backends: [...new Set(backends)],
    batches: [...new Set(ints('--batches', v.batches, EVAL_DEFAULTS.batches, 4096, '32,1'))],
    timeSeconds: v.time === undefined ? EVAL_DEFAULTS.timeSeconds : positiveSeconds('--time', v.time, '2'),
    rounds: v.rounds === undefined ? EVAL_DEFAULTS.rounds : positiveInt('--rounds', v.rounds, 100, 'E.g. --rounds 2.'),
    params: parseNetParams(v.params ?? [], unique),
    json: v.json,
    help: v.help ?? false,
  };
}

export interface EvalPathResult {
  /** Images/s from the mean step time over all rounds, and the slowest and fastest round. */
  imagesPerSecond: number;
  rounds: number[];
  /** Kernel calls of one evaluation call (tf.profile). */
  kernels: number;
}

export interface EvalRow {
  net: string;
  params?: Record<string, unknown>;
  size: number;
  backend: string;
  batch: number;
  /** 1-minute load average when the row started. */
  load: number;
  /** Conv chains the folded plan fuses, or why it runs layer by layer. */
  plan: string;
  paths: Record<EvalPath, EvalPathResult>;
  /** layers step time ÷ folded step time. */
  speedup: number;
}

export interface EvalReport {
  machine: MachineInfo;
  rows: EvalRow[];
}

const say = (line: string) => process.stderr.write(`[bench:eval] ${line}\n`);

async function measureRow(o: EvalBenchOptions, net: string, size: number, backend: string, batchSize: number): Promise<EvalRow> {
  const load = currentLoad()[0];
  const m = createModel({ name: net, params: o.params[net] ?? {} }, { inputShape: [size, size, 3], numClasses: 2, seed: 1 });
  const { batch } = benchBatch(size, batchSize);
  const x = tf.tensor4d(batch.x, batch.shape);
  const steps = Object.fromEntries(EVAL_PATHS.map((p) => [p, inferenceStep(m.model, x, p)])) as Record<EvalPath, ReturnType<typeof inferenceStep>>;
  try {
    const planned = evaluationPlan(m.model);
    const plan = planned.plan ? `${planned.plan.steps.filter((s) => s.kind === 'conv').length} fused convs, ${planned.plan.steps.length} steps` : `layer by layer: ${planned.reason}`;
    const means: Record<EvalPath, number[]> = { folded: [], layers: [] };
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? (['layers', 'folded'] as const) : (['folded', 'layers'] as const);
      for (const p of order) {
        const t = timeSteps(`${net}@${size}/${backend}/b${batchSize}/${p}`, [{ name: p, batch: batchSize, run: steps[p].run }], { timeSeconds: o.timeSeconds });
        means[p].push(t.get(p)!.meanMs);
      }
    }
    const result = async (p: EvalPath): Promise<EvalPathResult> => {
      const mean = means[p].reduce((a, b) => a + b, 0) / means[p].length;
      const kernels = (await tf.profile(() => steps[p].run())).kernels.length;
      return { imagesPerSecond: (batchSize * 1000) / mean, rounds: means[p].map((ms) => (batchSize * 1000) / ms), kernels };
    };
    const paths = { layers: await result('layers'), folded: await result('folded') };
    return { net, ...(o.params[net] ? { params: o.params[net] } : {}), size, backend, batch: batchSize, load, plan, paths, speedup: paths.folded.imagesPerSecond / paths.layers.imagesPerSecond };
  } finally {
    for (const s of Object.values(steps)) s.dispose();
    x.dispose();
    m.dispose();
  }
}

export async function runEvalBench(o: EvalBenchOptions): Promise<EvalReport> {
  const report: EvalReport = { machine: describeMachine(), rows: [] };
  say(`load average ${report.machine.loadStart.join(' ')}`);
  for (const backend of o.backends) {
    await selectBackend(backend as Parameters<typeof selectBackend>[0]);
    for (const net of o.nets) {
      for (const size of o.sizes) {
        for (const batch of o.batches) {
          say(`${net} @ ${size}px on ${backend}, batch ${batch}: ${o.rounds} × ${o.timeSeconds} s per path …`);
          const row = await measureRow(o, net, size, backend, batch);
          say(`  layers ${formatRate(row.paths.layers.imagesPerSecond)} img/s, folded ${formatRate(row.paths.folded.imagesPerSecond)} img/s (${formatRatio(row.speedup)})`);
          report.rows.push(row);
        }
      }
    }
  }
  report.machine.loadEnd = currentLoad();
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify({ ...report, options: o }, null, 2)}\n`);
  return report;
}

export function formatEvalReport(r: EvalReport): string {
  const m = r.machine;
  const lines = [
    `${m.cores} cores, ${m.cpuModel}; Node ${m.node}, tfjs ${m.tfjs}; ${m.date}`,
    `load average (1/5/15 min) ${m.loadStart.join(' / ')} at start, ${m.loadEnd?.join(' / ') ?? '?'} at end`,
    '',
    '| net | px | backend | batch | layers img/s (rounds) | folded img/s (rounds) | folded ÷ layers | kernels layers → folded | load |',
    '|---|---:|---|---:|---:|---:|---:|---:|---:|',
  ];
  const rounds = (p: EvalPathResult) => `${formatRate(p.imagesPerSecond)} (${p.rounds.map(formatRate).join(', ')})`;
  for (const row of r.rows) {
    const net = row.params ? `${row.net} ${JSON.stringify(row.params)}` : row.net;
    lines.push(
      `| ${net} | ${row.size} | ${row.backend} | ${row.batch} | ${rounds(row.paths.layers)} | ${rounds(row.paths.folded)} | ` +
        `${formatRatio(row.speedup)} | ${row.paths.layers.kernels} → ${row.paths.folded.kernels} | ${row.load} |`,
    );
  }
  return lines.join('\n');
}
