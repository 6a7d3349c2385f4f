// `npm run bench:profile`: where a training step or an evaluation pass spends its time, kernel by
// kernel. Every kernel function registered for the backend is wrapped with a wall-clock timer for
// the measured steps (and restored after); the step is the bench's (measure.ts). The time outside
// kernels is tfjs' own bookkeeping: gradient tape, tensor tracking, layer calls.
import { parseOptions } from './command';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, backendNames, unknownNameMessage } from '@medtransfer/core';
import { modelSteps, selectBackend } from '@medtransfer/engine';
import { backbones, createModel } from '@medtransfer/zoo';
import { parseNetParams } from './args';
import { currentLoad, describeMachine } from './machine';
import { benchBatch } from './measure';
import { positiveInt } from './option-values';

export interface ProfileOptions {
  net: string;
  size: number;
  batch: number;
  backend: string;
  phase: 'train' | 'infer';
  /** Timed steps (after `warmup` untimed ones). */
  steps: number;
  warmup: number;
  params: Record<string, unknown>;
  help: boolean;
}

export const PROFILE_USAGE = `usage: npm run bench:profile -- [options]
  --net NAME        backbone from the zoo (default cbr-small)
  --size PX         input size in pixels (default 28)
  --batch N         images per step (default 32)
  --backend NAME    tfjs backend: ${backendNames.join(', ')} (default native)
  --phase P         train (a training step, Adam) or infer (an evaluation pass) (default train)
  --steps N         timed steps (default 10), after --warmup N untimed ones (default 3)
  --params JSON     backbone params, e.g. '{"alpha":0.5}'`;

export function parseProfileArgs(argv: string[]): ProfileOptions {
  const v = parseOptions(
    argv,
    {
      net: { type: 'string' }, size: { type: 'string' }, batch: { type: 'string' }, backend: { type: 'string' },
      phase: { type: 'string' }, steps: { type: 'string' }, warmup: { type: 'string' }, params: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    PROFILE_USAGE,
  );
  const net = v.net ?? 'cbr-small';
  if (!backbones.has(net)) throw new ConfigError('--net', unknownNameMessage('backbone', net, backbones.names()));
  const backend = v.backend ?? 'native';
  if (!(backendNames as readonly string[]).includes(backend)) throw new ConfigError('--backend', unknownNameMessage('backend', backend, backendNames));
  const phase = v.phase ?? 'train';
  if (phase !== 'train' && phase !== 'infer') throw new ConfigError('--phase', `must be train or infer, not "${phase}"`);
  const int = (option: string, raw: string | undefined, dflt: number, max: number, example: string) =>
    raw === undefined ? dflt : positiveInt(option, raw, max, `E.g. ${option} ${example}.`);
  const params = v.params === undefined ? {} : (parseNetParams([v.params], [net])[net] ?? {});
  return {
    net,
    size: int('--size', v.size, 28, 1024, '64'),
    batch: int('--batch', v.batch, 32, 4096, '8'),
    backend,
    phase,
    steps: int('--steps', v.steps, 10, 100_000, '20'),
    warmup: v.warmup === '0' ? 0 : int('--warmup', v.warmup, 3, 1000, '5'),
    params,
    help: v.help ?? false,
  };
}

export interface KernelRow {
  kernel: string;
  /** Mean milliseconds per step in this kernel. */
  ms: number;
  /** Calls per step. */
  calls: number;
}

export interface StepProfile {
  net: string;
  size: number;
  batch: number;
  phase: 'train' | 'infer';
  backend: string;
  backendNote: string;
  steps: number;
  /** Mean milliseconds per step, timed without the kernel timers. */
  stepMs: number;
  /** Mean milliseconds per step with them (the rows are shares of this one). */
  profiledStepMs: number;
  /** Slowest first. */
  kernels: KernelRow[];
  loadAverage: { start: number[]; end: number[] };
  machine: string;
}

type KernelConfig = ReturnType<typeof tf.getKernelsForBackend>[number];

/** Wraps every kernel of `backend` with a timer adding to `totals`; returns the undo. */
function timeKernels(backend: string, totals: Map<string, { ms: number; calls: number }>): () => void {
  const wrapped: Array<[KernelConfig, tf.KernelFunc]> = [];
  for (const config of tf.getKernelsForBackend(backend)) {
    const original = config.kernelFunc;
    (config as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => {
      const t0 = performance.now();
      try {
        return original(args);
      } finally {
        const t = totals.get(config.kernelName) ?? { ms: 0, calls: 0 };
        t.ms += performance.now() - t0;
        t.calls++;
        totals.set(config.kernelName, t);
      }
    };
    wrapped.push([config, original]);
  }
  return () => {
    for (const [config, original] of wrapped) (config as { kernelFunc: tf.KernelFunc }).kernelFunc = original;
  };
}

/** Profiles `opts.steps` steps of one model, after `opts.warmup` untimed ones. */
export async function profileStep(opts: Omit<ProfileOptions, 'help'>): Promise<StepProfile> {
  const loadStart = currentLoad();
  const selected = await selectBackend(opts.backend as Parameters<typeof selectBackend>[0]);
  const m = createModel({ name: opts.net, params: opts.params }, { inputShape: [opts.size, opts.size, 3], numClasses: 2, seed: 1 });
  const { batch, task, numClasses } = benchBatch(opts.size, opts.batch);
  const steps = modelSteps(m.model, batch, task, numClasses);
  const run = opts.phase === 'train' ? steps.train : steps.infer;
  const totals = new Map<string, { ms: number; calls: number }>();
  try {
    for (let i = 0; i < opts.warmup; i++) run();
    let t0 = performance.now();
    for (let i = 0; i < opts.steps; i++) run();
    const stepMs = (performance.now() - t0) / opts.steps;
    const undo = timeKernels(tf.getBackend(), totals);
    try {
      t0 = performance.now();
      for (let i = 0; i < opts.steps; i++) run();
    } finally {
      undo();
    }
    const profiledStepMs = (performance.now() - t0) / opts.steps;
    const kernels = [...totals].map(([kernel, t]) => ({ kernel, ms: t.ms / opts.steps, calls: t.calls / opts.steps })).sort((a, b) => b.ms - a.ms);
    const machine = describeMachine();
    return {
      net: opts.net, size: opts.size, batch: opts.batch, phase: opts.phase, backend: selected.name, backendNote: selected.note,
      steps: opts.steps, stepMs, profiledStepMs, kernels,
      loadAverage: { start: loadStart, end: currentLoad() },
      machine: `${machine.cores} cores, ${machine.cpuModel}`,
    };
  } finally {
    steps.dispose();
    m.dispose();
  }
}

/** The profile as a Markdown table, slowest kernel first, with the time outside kernels last. */
export function formatProfile(p: StepProfile, top = 25): string {
  const inKernels = p.kernels.reduce((s, k) => s + k.ms, 0);
  const pct = (ms: number) => `${((100 * ms) / p.profiledStepMs).toFixed(1)} %`;
  const lines = [
    `${p.net} @ ${p.size} px, batch ${p.batch}, ${p.phase === 'train' ? 'training step' : 'evaluation pass'} on ${p.backend} (${p.backendNote})`,
    `${p.machine}; load average ${p.loadAverage.start.join(' / ')} → ${p.loadAverage.end.join(' / ')}`,
    `step ${p.stepMs.toFixed(1)} ms (${p.profiledStepMs.toFixed(1)} ms with kernel timers), mean of ${p.steps}; ` +
      `${inKernels.toFixed(1)} ms in ${p.kernels.reduce((s, k) => s + k.calls, 0).toFixed(0)} kernel calls`,
    '',
    '| kernel | ms per step | share | calls per step |',
    '|---|---:|---:|---:|',
    ...p.kernels.slice(0, top).map((k) => `| ${k.kernel} | ${k.ms.toFixed(2)} | ${pct(k.ms)} | ${Number(k.calls.toFixed(1))} |`),
  ];
  const rest = p.kernels.slice(top);
  if (rest.length) {
    const ms = rest.reduce((s, k) => s + k.ms, 0);
    lines.push(`| ${rest.length} other kernels | ${ms.toFixed(2)} | ${pct(ms)} | ${Number(rest.reduce((s, k) => s + k.calls, 0).toFixed(1))} |`);
  }
  const outside = Math.max(0, p.profiledStepMs - inKernels);
  lines.push(`| (outside kernels) | ${outside.toFixed(2)} | ${pct(outside)} | |`);
  return lines.join('\n');
}
