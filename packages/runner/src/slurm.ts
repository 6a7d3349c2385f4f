// `medtransfer slurm`: a SLURM job-array script, one array task per shard, every task running
// `medtransfer run <file> --shard $SLURM_ARRAY_TASK_ID/N` against one shared results folder.
// Resources come from the experiment's `slurm:` section, overridden by the command's flags.
import { resolve } from 'node:path';
import { MedtransferError, backendNames, slurmValueProblems, unknownNameMessage, type SlurmConfig } from '@medtransfer/core';

/** What each array task asks SLURM for, and the shell lines it runs first. */
export interface SlurmResources {
  partition?: string;
  account?: string;
  /** Wall-clock limit per array task: minutes, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`. */
  time?: string;
  /** Memory per array task: a number with an optional K/M/G/T suffix (SLURM's --mem). */
  mem?: string;
  cpusPerTask?: number;
  /** Generic resources, e.g. `gpu:1` (SLURM's --gres). */
  gres?: string;
  /** GPUs per array task, e.g. `1` or `a100:1` (SLURM's --gpus). */
  gpus?: string;
  /** Shell lines run in the task's shell before medtransfer starts (module loads, a venv). */
  setup?: string[];
}

export interface SlurmOptions extends SlurmResources {
  /** Experiment file (made absolute: array tasks start in the submission folder, which may differ). */
  file: string;
  /** Experiment name, for the job name. */
  name: string;
  shards: number;
  /** Result store root shared by every node. */
  resultsDir: string;
  /** How the nodes start medtransfer; default: this checkout's `packages/cli/bin/medtransfer`. */
  command?: string;
  /** Worker processes per array task; default: --cpus-per-task on CPU backends, 1 on node / node-gpu. */
  workers?: number;
  /** The backend the tasks must get (the flag, else the file's); anything but auto is checked before training. */
  backend?: string;
  /** Working directory of the tasks; default: the current one. */
  cwd?: string;
}

/** The command's resource flags as given (strings; commander does no conversion). */
export interface SlurmFlags {
  partition?: string;
  account?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: string;
  gres?: string;
  gpus?: string;
  setup?: string[];
}

/** Quotes for bash when needed (single quotes; embedded ones closed and escaped). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const DEFAULT_COMMAND = resolve(__dirname, '../../cli/bin/medtransfer');

const FLAG = {
  partition: '--partition',
  account: '--account',
  time: '--time',
  mem: '--mem',
  cpusPerTask: '--cpus-per-task',
  gres: '--gres',
  gpus: '--gpus',
  setup: '--setup',
} as const;

/** The file's `slurm:` section (already validated) with the flags laid over it, field by field; flags checked here. */
export function slurmResources(file: SlurmConfig | undefined, flags: SlurmFlags = {}): SlurmResources {
  const cpus = flags.cpusPerTask === undefined ? undefined : Number(flags.cpusPerTask);
  if (cpus !== undefined && !Number.isInteger(cpus)) throw new MedtransferError(`${FLAG.cpusPerTask}: expected a whole number ≥ 1, received "${flags.cpusPerTask}"`);
  const fromFlags: SlurmResources = {
    partition: flags.partition,
    account: flags.account,
    time: flags.time,
    mem: flags.mem,
    cpusPerTask: cpus,
    gres: flags.gres,
    gpus: flags.gpus,
    setup: flags.setup?.length ? flags.setup : undefined,
  };
  checkResources(fromFlags);
  const fileSetup = file?.setup === undefined ? undefined : typeof file.setup === 'string' ? [file.setup] : file.setup;
  const merged: SlurmResources = { ...file, setup: fileSetup };
  for (const [k, v] of Object.entries(fromFlags) as [keyof SlurmResources, never][]) if (v !== undefined) merged[k] = v;
  for (const k of Object.keys(merged) as (keyof SlurmResources)[]) if (merged[k] === undefined) delete merged[k];
  return merged;
}

/** Checks resource values; errors name the flag, what was received and what is valid. */
function checkResources(r: SlurmResources): void {
  for (const k of ['partition', 'account', 'time', 'mem', 'gres', 'gpus'] as const) {
    const v = r[k];
    const p = v === undefined ? undefined : slurmValueProblems[k](v);
    if (p) throw new MedtransferError(`${FLAG[k]}: ${p}`);
  }
  const cpus = r.cpusPerTask === undefined ? undefined : slurmValueProblems.cpusPerTask(r.cpusPerTask);
  if (cpus) throw new MedtransferError(`${FLAG.cpusPerTask}: ${cpus}`);
  for (const line of r.setup ?? []) {
    const p = slurmValueProblems.setup(line);
    if (p) throw new MedtransferError(`${FLAG.setup}: ${p}`);
  }
}

/** Checks every option; errors name the flag, what was received and what is valid. */
export function checkSlurmOptions(o: SlurmOptions): void {
  const bad = (flag: string, got: unknown, valid: string) => new MedtransferError(`${flag}: expected ${valid}, received "${got}"`);
  if (!Number.isInteger(o.shards) || o.shards < 1) throw bad('--shards', o.shards, 'a whole number ≥ 1');
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1)) throw bad('--workers', o.workers, 'a whole number ≥ 1');
  if (o.backend !== undefined && !(backendNames as readonly string[]).includes(o.backend)) {
    throw new MedtransferError(`--backend: ${unknownNameMessage('backend', o.backend, backendNames)}`);
  }
  checkResources(o);
}

const usesGpu = (o: SlurmResources) => Boolean(o.gpus) || /(^|,)gpu(:|,|$)/.test(o.gres ?? '');

/** Combinations that submit but probably do not do what was meant. */
export function slurmWarnings(o: SlurmOptions): string[] {
  const out: string[] = [];
  if (o.backend === 'node-gpu' && !usesGpu(o)) {
    out.push('backend node-gpu, but no GPU is requested (--gres gpu:1 or --gpus 1, or slurm.gres / slurm.gpus): unless the partition hands out GPUs by itself, every task will stop at its backend check');
  }
  if (usesGpu(o) && (o.backend ?? 'auto') === 'auto') {
    out.push('a GPU is requested but the backend is auto: the tasks use it only if @tensorflow/tfjs-node-gpu loads there and otherwise train on the CPU; set backend node-gpu to make them fail instead');
  }
  return out;
}

/** The job-array script (bash with #SBATCH lines). Its log folder, <results>/slurm-logs, must exist before sbatch. */
export function slurmScript(o: SlurmOptions): string {
  checkSlurmOptions(o);
  const file = resolve(o.file);
  const results = resolve(o.resultsDir);
  const backend = o.backend ?? 'auto';
  // native TensorFlow (node, node-gpu) threads over every core itself, and processes sharing a GPU
  // compete for its memory: one worker per task then
  const workers = o.workers ?? (backend === 'node' || backend === 'node-gpu' || usesGpu(o) ? 1 : (o.cpusPerTask ?? 1));
  const command = o.command ?? shellQuote(DEFAULT_COMMAND);
  const sbatch = [
    `--job-name=medtransfer-${o.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
    `--array=0-${o.shards - 1}`,
    `--output=${results}/slurm-logs/%x-%A_%a.out`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.account ? [`--account=${o.account}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.cpusPerTask ? [`--cpus-per-task=${o.cpusPerTask}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
    ...(o.gres ? [`--gres=${o.gres}`] : []),
    ...(o.gpus ? [`--gpus=${o.gpus}`] : []),
  ];
  const setup = o.setup?.length
    ? [
        '# Environment setup (slurm.setup / --setup), run in this shell so that what it loads reaches medtransfer.',
        'set +u  # module and activate scripts often read unset variables',
        ...o.setup.flatMap((line) => [`echo ${shellQuote(`+ ${line}`)} >&2`, line]),
        'set -u',
      ]
    : [];
  const check =
    backend === 'auto'
      ? ['# Which backend this node gives (into the log).', `${command} backend`]
      : [
          `# Stop here, loudly, unless this node gives backend ${backend} (rather than train on another one).`,
          `${command} backend --require ${backend} || { echo "medtransfer: backend ${backend} is not available on $(hostname); no trial was run (the message above says why)" >&2; exit 2; }`,
        ];
  const run = [
    command,
    'run',
    shellQuote(file),
    '--shard',
    `"\${SLURM_ARRAY_TASK_ID}/${o.shards}"`,
    '--results',
    shellQuote(results),
    '--workers',
    String(workers),
    // always named: `auto` given here must override a backend the experiment file sets
    '--backend',
    shellQuote(backend),
  ];
  return [
    '#!/bin/bash',
    `# medtransfer: experiment "${o.name}" (${file}) as ${o.shards} shard(s), one array task each.`,
    '# Written by `medtransfer slurm`; regenerate it rather than editing. Submit with: sbatch <this file>',
    '# Every task shares the results folder; a trial runs once (per-trial locks), a failed one exits 3.',
    `# Afterwards: medtransfer status ${shellQuote(file)} --results ${shellQuote(results)}; medtransfer report … (or sbatch --dependency=afterany:<job id>).`,
    ...sbatch.map((s) => `#SBATCH ${s}`),
    'set -euo pipefail',
    `cd ${shellQuote(o.cwd ?? process.cwd())}`,
    ...setup,
    // one kernel thread per worker: the workers already fill the task's cores
    'export MEDTRANSFER_THREADS="${MEDTRANSFER_THREADS:-1}"',
    ...check,
    `exec ${run.join(' ')}`,
    '',
  ].join('\n');
}
