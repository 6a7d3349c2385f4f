// `npm run bench:soak`: a long run of training steps (and an evaluation pass every few steps) on one
// net, sampling the live tensor count, tensor bytes and the process's RSS as it goes — whether
// memory stays flat over a sweep-length run, which a short timed benchmark cannot show.
import { parseOptions } from './command';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, backendNames, unknownNameMessage } from '@medtransfer/core';
import { modelSteps, selectBackend } from '@medtransfer/engine';
import { backbones, createModel } from '@medtransfer/zoo';
import { parseNetParams } from './args';
import { currentLoad, describeMachine, type MachineInfo } from './machine';
import { benchBatch } from './measure';
import { positiveInt } from './option-values';

export interface SoakOptions {
  net: string;
  size: number;
  backend: string;
  batch: number;
  /** Training steps in all. */
  steps: number;
  /** Sample memory every this many steps. */
  every: number;
  /** Run an evaluation pass every this many steps. */
  evalEvery: number;
  params: Record<string, unknown>;
  json?: string;
  help: boolean;
}

export const SOAK_DEFAULTS = { net: 'cbr-small', size: 28, backend: 'native', batch: 32, steps: 2000, every: 200, evalEvery: 50 };

export const SOAK_USAGE = `usage: npm run bench:soak -- [options]
  --net NAME       backbone from the zoo (default ${SOAK_DEFAULTS.net})
  --size PX        input size in pixels (default ${SOAK_DEFAULTS.size})
  --backend NAME   tfjs backend: ${backendNames.join(', ')} (default ${SOAK_DEFAULTS.backend})
  --batch N        images per training step (default ${SOAK_DEFAULTS.batch})
  --steps N        training steps in all (default ${SOAK_DEFAULTS.steps})
  --every N        sample memory every N steps (default ${SOAK_DEFAULTS.every})
  --eval-every N   an evaluation pass every N steps (default ${SOAK_DEFAULTS.evalEvery})
  --params JSON    backbone params ('{json}')
  --json FILE      also write the samples as JSON`;

export function parseSoakArgs(argv: string[]): SoakOptions {
  const v = parseOptions(
    argv,
    {
      net: { type: 'string' }, size: { type: 'string' }, backend: { type: 'string' }, batch: { type: 'string' }, steps: { type: 'string' },
      every: { type: 'string' }, 'eval-every': { type: 'string' }, params: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
    SOAK_USAGE,
  );
  const net = v.net ?? SOAK_DEFAULTS.net;
  if (!backbones.has(net)) throw new ConfigError('--net', unknownNameMessage('backbone', net, backbones.names()));
  const backend = v.backend ?? SOAK_DEFAULTS.backend;
  if (!(backendNames as readonly string[]).includes(backend)) throw new ConfigError('--backend', unknownNameMessage('backend', backend, backendNames));
  const int = (option: string, raw: string | undefined, dflt: number, max: number) => (raw === undefined ? dflt : positiveInt(option, raw, max, `E.g. ${option} ${dflt}.`));
  const steps = int('--steps', v.steps, SOAK_DEFAULTS.steps, 10_000_000);
  const every = int('--every', v.every, Math.min(SOAK_DEFAULTS.every, steps), steps);
  if (steps / every < 2) throw new ConfigError('--every', `${every} leaves fewer than two samples in ${steps} steps; give at most ${Math.floor(steps / 2)}`);
  return {
    net,
    size: int('--size', v.size, SOAK_DEFAULTS.size, 1024),
    backend,
    batch: int('--batch', v.batch, SOAK_DEFAULTS.batch, 4096),
    steps,
    every,
    evalEvery: int('--eval-every', v['eval-every'], SOAK_DEFAULTS.evalEvery, steps),
    params: v.params === undefined ? {} : (parseNetParams([v.params], [net])[net] ?? {}),
    json: v.json,
    help: v.help ?? false,
  };
}

/** Memory after `step` training steps (step 0: after building, before the first step). */
export interface SoakSample {
  step: number;
  tensors: number;
  tensorMb: number;
  rssMb: number;
  seconds: number;
}

export interface SoakVerdict {
  /** Compared from the first sample after warm-up (the first `every` steps) to the last. */
  fromStep: number;
  tensorGrowth: number;
  rssGrowthMb: number;
  /** Live tensors unchanged, and RSS grown by at most {@link RSS_SLACK_MB} or {@link RSS_SLACK_FRACTION} of its start. */
  flat: boolean;
}

/** RSS moves with the allocator and the JIT: growth below the larger of these counts as flat. */
export const RSS_SLACK_MB = 32;
export const RSS_SLACK_FRACTION = 0.05;

export function soakVerdict(samples: readonly SoakSample[]): SoakVerdict {
  if (samples.length < 3) throw new ConfigError('samples', `need at least 3 memory samples (before, after warm-up, at the end), got ${samples.length}`);
  const from = samples[1];
  const last = samples[samples.length - 1];
  const tensorGrowth = last.tensors - from.tensors;
  const rssGrowthMb = last.rssMb - from.rssMb;
  return { fromStep: from.step, tensorGrowth, rssGrowthMb, flat: tensorGrowth === 0 && rssGrowthMb <= Math.max(RSS_SLACK_MB, RSS_SLACK_FRACTION * from.rssMb) };
}

export interface SoakReport {
  machine: MachineInfo;
  options: Omit<SoakOptions, 'help' | 'json'>;
  /** The backend that ran. */
  backend: string;
  samples: SoakSample[];
  verdict: SoakVerdict;
}

const mb = (bytes: number) => bytes / 2 ** 20;

/** Trains `steps` steps on one synthetic batch (an evaluation pass every `evalEvery`), sampling memory every `every` steps. */
export async function runSoak(o: Omit<SoakOptions, 'help'>, onSample: (s: SoakSample) => void = () => undefined): Promise<SoakReport> {
  const machine = describeMachine();
  const selected = await selectBackend(o.backend as Parameters<typeof selectBackend>[0]);
  const m = createModel({ name: o.net, params: o.params }, { inputShape: [o.size, o.size, 3], numClasses: 2, seed: 1 });
  const { batch, task, numClasses } = benchBatch(o.size, o.batch);
  const steps = modelSteps(m.model, batch, task, numClasses);
  const started = performance.now();
  const samples: SoakSample[] = [];
  const sample = (step: number) => {
    const mem = tf.memory();
    const s = { step, tensors: mem.numTensors, tensorMb: mb(mem.numBytes), rssMb: mb(process.memoryUsage().rss), seconds: (performance.now() - started) / 1000 };
    samples.push(s);
    onSample(s);
  };
  try {
    sample(0);
    for (let step = 1; step <= o.steps; step++) {
      steps.train();
      if (step % o.evalEvery === 0) steps.infer();
      if (step % o.every === 0 || step === o.steps) sample(step);
    }
  } finally {
    steps.dispose();
    m.dispose();
  }
  machine.loadEnd = currentLoad();
  const { json: _json, ...options } = o;
  const report: SoakReport = { machine, options, backend: selected.name, samples, verdict: soakVerdict(samples) };
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

export function formatSoakReport(r: SoakReport): string {
  const m = r.machine;
  const o = r.options;
  const lines = [
    `medtransfer bench:soak, ${m.date}: ${o.net} @ ${o.size} px on ${r.backend}, batch ${o.batch}, ${o.steps} training steps, an evaluation pass every ${o.evalEvery}`,
    `machine: ${m.cores} cores, ${m.cpuModel}, ${m.platform}; node ${m.node}; tfjs ${m.tfjs}; load average ${m.loadStart.join(' ')} at start, ${(m.loadEnd ?? []).join(' ')} at end`,
    '',
    '| step | seconds | live tensors | tensor MB | RSS MB |',
    '|---:|---:|---:|---:|---:|',
    ...r.samples.map((s) => `| ${s.step} | ${s.seconds.toFixed(1)} | ${s.tensors} | ${s.tensorMb.toFixed(1)} | ${s.rssMb.toFixed(0)} |`),
    '',
  ];
  const v = r.verdict;
  const what = `from step ${v.fromStep} to ${r.samples[r.samples.length - 1].step}: live tensors ${v.tensorGrowth >= 0 ? '+' : ''}${v.tensorGrowth}, RSS ${v.rssGrowthMb >= 0 ? '+' : ''}${v.rssGrowthMb.toFixed(1)} MB`;
  lines.push(v.flat ? `flat ${what}` : `NOT FLAT ${what} (flat = no new live tensors and RSS within max(${RSS_SLACK_MB} MB, ${RSS_SLACK_FRACTION * 100} %))`);
  return lines.join('\n');
}
