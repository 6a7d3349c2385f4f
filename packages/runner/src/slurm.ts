// `medtransfer slurm`: a SLURM job-array script, one array task per shard, every task running
// `medtransfer run <file> --shard $SLURM_ARRAY_TASK_ID/N` against one shared results folder.
import { resolve } from 'node:path';
import { MedtransferError } from '@medtransfer/core';

export interface SlurmOptions {
  /** Experiment file (made absolute: array tasks start in the submission folder, which may differ). */
  file: string;
  /** Experiment name, for the job name. */
  name: string;
  shards: number;
  /** Result store root shared by every node. */
  resultsDir: string;
  partition?: string;
  /** Wall-clock limit per array task: `HH:MM:SS`, `MM:SS` or `D-HH:MM:SS`. */
  time?: string;
  cpus?: number;
  /** Memory per array task: a number with an optional K/M/G/T suffix (SLURM's --mem). */
  mem?: string;
  /** How the nodes start medtransfer; default: this checkout's `packages/cli/bin/medtransfer`. */
  command?: string;
  /** Worker processes per array task; default: --cpus (one wasm/cpu trial per core). */
  workers?: number;
  backend?: string;
  /** Working directory of the tasks; default: the current one. */
  cwd?: string;
}

/** Quotes for bash when needed (single quotes; embedded ones closed and escaped). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const DEFAULT_COMMAND = resolve(__dirname, '../../cli/bin/medtransfer');

/** Checks the resource flags; errors name the flag, what was received and what is valid. */
export function checkSlurmOptions(o: SlurmOptions): void {
  const bad = (flag: string, got: unknown, valid: string) => new MedtransferError(`${flag}: expected ${valid}, received "${got}"`);
  if (!Number.isInteger(o.shards) || o.shards < 1) throw bad('--shards', o.shards, 'a whole number ≥ 1');
  if (o.time !== undefined && !/^(\d+-)?(\d{1,2}:)?\d{1,2}:\d{2}$/.test(o.time)) throw bad('--time', o.time, 'HH:MM:SS, MM:SS or D-HH:MM:SS (e.g. 02:00:00)');
  if (o.cpus !== undefined && (!Number.isInteger(o.cpus) || o.cpus < 1)) throw bad('--cpus', o.cpus, 'a whole number ≥ 1');
  if (o.mem !== undefined && !/^\d+[KMGT]?$/.test(o.mem)) throw bad('--mem', o.mem, 'a number with an optional K, M, G or T suffix (e.g. 8G)');
  if (o.workers !== undefined && (!Number.isInteger(o.workers) || o.workers < 1)) throw bad('--workers', o.workers, 'a whole number ≥ 1');
  if (o.partition !== undefined && !/^[A-Za-z0-9_,.-]+$/.test(o.partition)) throw bad('--partition', o.partition, 'a partition name (letters, digits, _ . -)');
}

/** The job-array script (bash with #SBATCH lines). Its log folder, <results>/slurm-logs, must exist before sbatch. */
export function slurmScript(o: SlurmOptions): string {
  checkSlurmOptions(o);
  const file = resolve(o.file);
  const results = resolve(o.resultsDir);
  const workers = o.workers ?? o.cpus ?? 1;
  const command = o.command ?? shellQuote(DEFAULT_COMMAND);
  const sbatch = [
    `--job-name=medtransfer-${o.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`,
    `--array=0-${o.shards - 1}`,
    `--output=${results}/slurm-logs/%x-%A_%a.out`,
    ...(o.partition ? [`--partition=${o.partition}`] : []),
    ...(o.time ? [`--time=${o.time}`] : []),
    ...(o.cpus ? [`--cpus-per-task=${o.cpus}`] : []),
    ...(o.mem ? [`--mem=${o.mem}`] : []),
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
    ...(o.backend ? ['--backend', shellQuote(o.backend)] : []),
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
    // one kernel thread per worker: the workers already fill the task's cores
    'export MEDTRANSFER_THREADS="${MEDTRANSFER_THREADS:-1}"',
    `exec ${run.join(' ')}`,
    '',
  ].join('\n');
}
