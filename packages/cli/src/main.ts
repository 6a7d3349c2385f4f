#!/usr/bin/env node
// The `medtransfer` command.
import { Command } from 'commander';
import { MedtransferError, backendNames, experimentJsonSchema, setLogSink } from '@medtransfer/core';
import { loadPlan, reportExperimentFile, runExperimentFile } from '@medtransfer/runner';
import { createProgressPrinter, formatDuration } from './progress';

const program = new Command();
program.name('medtransfer').description('Transfer-learning studies on medical images').showHelpAfterError();

program
  .command('run')
  .description('run every unfinished trial of an experiment file, then write its report')
  .argument('<experiment>', 'experiment file (YAML)')
  .option('--results <dir>', 'result store root', 'results')
  .option('--force', 'rerun finished trials and source checkpoints', false)
  .option('--backend <name>', `compute backend: ${backendNames.join(', ')} (overrides the file)`)
  .option('--workers <n>', 'worker processes running trials in parallel (default: cores ÷ threads per trial)')
  .action(async (file: string, opts: { results: string; force: boolean; backend?: string; workers?: string }) => {
    if (opts.backend !== undefined && !(backendNames as readonly string[]).includes(opts.backend)) {
      throw new MedtransferError(`--backend: unknown backend "${opts.backend}"; valid: ${backendNames.join(', ')}`);
    }
    const workers = opts.workers === undefined ? undefined : Number(opts.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) {
      throw new MedtransferError(`--workers: expected a whole number ≥ 1, received "${opts.workers}"`);
    }
    const started = Date.now();
    const printer = createProgressPrinter(process.stderr);
    const outcome = await runExperimentFile(file, {
      resultsDir: opts.results,
      force: opts.force,
      workers,
      backend: opts.backend as (typeof backendNames)[number] | undefined,
      onEvent: printer,
    });
    process.stdout.write(`\n${outcome.markdown}\n`);
    process.stdout.write(
      `${outcome.ran} stage(s) run, ${outcome.skipped} skipped (already finished) on backend ${outcome.backend} ` +
        `with ${outcome.workers} worker(s) ` +
        `in ${formatDuration((Date.now() - started) / 1000)}.\nWrote: ${outcome.reportFiles.join(', ')}\n`,
    );
  });

program
  .command('validate')
  .description('check an experiment file and list its trials')
  .argument('<experiment>', 'experiment file (YAML)')
  .action((file: string) => {
    const plan = loadPlan(file);
    process.stdout.write(`${file}: valid; ${plan.sourceBackbones.length} source stage(s), ${plan.trials.length} trial(s)\n`);
    for (const t of plan.trials) process.stdout.write(`  ${t.name}\n`);
  });

program
  .command('report')
  .description('rewrite the summary table and figure from stored results (no training)')
  .argument('<experiment>', 'experiment file (YAML)')
  .option('--results <dir>', 'result store root', 'results')
  .action(async (file: string, opts: { results: string }) => {
    const r = await reportExperimentFile(file, opts.results);
    process.stdout.write(`${r.markdown}\n${r.results.length} finished trial(s). Wrote: ${r.files.join(', ')}\n`);
  });

program
  .command('schema')
  .description('print the JSON Schema of experiment files (committed as experiments/experiment.schema.json)')
  .action(() => {
    process.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`);
  });

async function main(): Promise<void> {
  setLogSink((_level, line) => process.stderr.write(`${line}\n`));
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof MedtransferError) {
      process.stderr.write(`medtransfer: ${err.message}\n`);
      process.exitCode = 2;
    } else {
      throw err;
    }
  }
}

void main();
