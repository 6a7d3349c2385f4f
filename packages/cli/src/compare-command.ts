// `medtransfer figures compare <experiment>`: accuracy for cost — test metric against FLOPs,
// parameters and latency with the Pareto front, time to threshold against cost, and the table.
import type { Command } from 'commander';
import { metrics, unknownNameMessage, MedtransferError } from '@medtransfer/core';
import { COST_AXES, type CostAxis, writeCompareReport } from '@medtransfer/runner';

interface CompareFlags {
  results: string;
  out?: string;
  metric?: string;
  x?: string;
  png: boolean;
}

/** Adds `compare` to the `figures` command. */
export function registerCompareCommand(figures: Command): void {
  figures
    .command('compare')
    .description('accuracy for cost: test metric vs FLOPs, params and latency with the Pareto front, steps and seconds to threshold vs cost, and the table')
    .argument('<experiment>', 'experiment file (YAML)')
    .option('--results <dir>', 'result store root', 'results')
    .option('--out <dir>', 'output folder (default: <results>/<experiment>/figures-compare)')
    .option('--metric <name>', `test metric on the y axis: ${metrics.names().join(', ')} (default: the experiment's report.metric)`)
    .option('--x <cost>', `the cost on the x axis: ${COST_AXES.join(', ')} (default: a figure for each)`)
    .option('--no-png', 'skip the PNG renderings')
    .action(async (file: string, flags: CompareFlags) => {
      const metric = flags.metric === undefined ? undefined : metrics.get(flags.metric, '--metric').name;
      if (flags.x !== undefined && !(COST_AXES as readonly string[]).includes(flags.x)) throw new MedtransferError(`--x: ${unknownNameMessage('cost', flags.x, COST_AXES)}`);
      const axes = flags.x === undefined ? undefined : [flags.x as CostAxis];
      const r = await writeCompareReport(file, flags.results, { metric, axes, out: flags.out, png: flags.png, onProgress: (line) => process.stderr.write(`medtransfer: ${line}\n`) });
      for (const d of r.damaged) process.stderr.write(`medtransfer: left out, damaged: ${d.message}\n`);
      for (const p of r.throughputProblems) process.stderr.write(`medtransfer: throughput record left out, damaged: ${p.message}\n`);
      const partial = r.results.length < r.planned ? ` (partial: ${r.results.length} of ${r.planned} trials)` : '';
      process.stdout.write(`${r.markdown}\n${r.results.length} finished trial(s)${partial}, ${r.rows.length} row(s). Wrote: ${r.files.join(', ')}\n`);
    });
}
