// `medtransfer cost <file>`: measure the throughput records of an experiment's architectures
// without training (docs/architecture.md, "Model cost").
import type { Command } from 'commander';
import { MedtransferError, backendNames, unknownNameMessage } from '@medtransfer/core';
import { measureExperimentCosts } from '@medtransfer/runner';

interface CostFlags {
  results: string;
  backend?: string;
  force?: boolean;
}

export function registerCostCommand(program: Command): void {
  program
    .command('cost')
    .description("time each architecture's training step, evaluation pass and single-image latency that the experiment's trials use, once per input size and backend, into <results>/<name>/cost/ (what a run does before each new architecture)")
    .argument('<file>', 'experiment YAML file')
    .option('--results <dir>', 'result store root', 'results')
    .option('--backend <name>', `compute backend: ${backendNames.join(', ')} (overrides the file)`)
    .option('--force', 'measure again what is measured (the old record goes to superseded/): e.g. on a quiet machine after a busy run')
    .action(async (file: string, flags: CostFlags) => {
      if (flags.backend !== undefined && !(backendNames as readonly string[]).includes(flags.backend)) {
        throw new MedtransferError(`--backend: ${unknownNameMessage('backend', flags.backend, backendNames)}`);
      }
      const r = await measureExperimentCosts(file, {
        resultsDir: flags.results,
        backend: flags.backend as (typeof backendNames)[number] | undefined,
        force: flags.force,
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${r.measured.length} measured, ${r.cached.length} measured before, ${r.failed.length} failed, on ${r.backend}\n`);
      if (r.failed.length) {
        process.stderr.write(`medtransfer: could not measure ${r.failed.join(', ')} (see the messages above)\n`);
        process.exitCode = 1;
      }
    });
}
