// `medtransfer slurm` (a SLURM job-array script for a shared result store) and `medtransfer
// backend` (which compute backend this machine gives; the script's check before training).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { MedtransferError, backendNames } from '@medtransfer/core';
import { checkBackend, formatBackend, loadPlan, slurmResources, slurmScript, slurmWarnings, writeFileAtomic } from '@medtransfer/runner';

interface SlurmCommandFlags {
  shards: string;
  results: string;
  partition?: string;
  account?: string;
  time?: string;
  cpus?: string;
  cpusPerTask?: string;
  mem?: string;
  gres?: string;
  gpus?: string;
  setup: string[];
  workers?: string;
  backend?: string;
  command?: string;
  out?: string;
}

const collect = (v: string, all: string[]) => [...all, v];

export function registerSlurmCommands(program: Command): void {
  program
    .command('slurm')
    .description('write a SLURM job-array script: one array task per shard, all on one shared results folder (resources from the file\'s slurm: section, flags override)')
    .argument('<experiment>', 'experiment file (YAML)')
    .requiredOption('--shards <n>', 'number of shards = array tasks')
    .option('--results <dir>', 'result store root, shared by every node', 'results')
    .option('--partition <name>', 'SLURM partition (e.g. gpu)')
    .option('--account <name>', 'account charged for the job')
    .option('--time <limit>', 'wall-clock limit per task: minutes, HH:MM:SS or D-HH:MM:SS')
    .option('--cpus-per-task <n>', 'CPUs per task (also the worker processes per task on CPU backends)')
    .option('--cpus <n>', 'the same as --cpus-per-task')
    .option('--mem <size>', 'memory per task (e.g. 32G)')
    .option('--gres <list>', 'generic resources per task (e.g. gpu:1 or gpu:a100:1)')
    .option('--gpus <n>', 'GPUs per task (e.g. 1 or a100:1)')
    .option('--setup <line>', 'a shell line each task runs first, e.g. "module load cuda/12.2; source venv/bin/activate" (repeatable; replaces slurm.setup)', collect, [])
    .option('--workers <n>', 'worker processes per task (default: --cpus-per-task; 1 on node and node-gpu)')
    .option('--backend <name>', `compute backend for the tasks (overrides the file); other than auto, each task checks it gets it before training: ${backendNames.join(', ')}`)
    .option('--command <cmd>', 'how the nodes start medtransfer (default: this checkout\'s packages/cli/bin/medtransfer)')
    .option('-o, --out <file>', 'write the script here (default: stdout)')
    .action((file: string, opts: SlurmCommandFlags) => {
      if (opts.cpus !== undefined && opts.cpusPerTask !== undefined && opts.cpus !== opts.cpusPerTask) {
        throw new MedtransferError(`--cpus ${opts.cpus} and --cpus-per-task ${opts.cpusPerTask} disagree; --cpus is the shorter name of --cpus-per-task, give one`);
      }
      const plan = loadPlan(file);
      const resources = slurmResources(plan.config.slurm, { ...opts, cpusPerTask: opts.cpusPerTask ?? opts.cpus });
      const options = {
        file,
        name: plan.config.name,
        shards: Number(opts.shards),
        resultsDir: opts.results,
        ...resources,
        workers: opts.workers === undefined ? undefined : Number(opts.workers),
        backend: opts.backend ?? plan.config.backend,
        command: opts.command,
      };
      const script = slurmScript(options);
      for (const w of slurmWarnings(options)) process.stderr.write(`medtransfer: warning: ${w}\n`);
      // SLURM does not create the folder of --output; a missing one loses the logs silently.
      mkdirSync(join(resolve(opts.results), 'slurm-logs'), { recursive: true });
      if (opts.out) {
        writeFileAtomic(opts.out, script);
        process.stderr.write(`wrote ${opts.out}; submit with: sbatch ${opts.out}\n`);
      } else {
        process.stdout.write(script);
      }
    });

  program
    .command('backend')
    .description('activate the compute backend as `run` would and print which one this machine gives; exit 2 when --require names another or it does not load')
    .option('--require <name>', `the backend that must be active: ${backendNames.join(', ')} (node-gpu also needs TensorFlow to find a GPU)`, 'auto')
    .action(async (opts: { require: string }) => {
      process.stdout.write(`${formatBackend(await checkBackend(opts.require))}\n`);
    });
}
