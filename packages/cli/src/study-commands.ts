// `medtransfer similarity` (representation similarity of stored trials) and `medtransfer figures
// transfusion` (the Transfusion study's tables and figures from stored results).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MedtransferError, backendNames, metrics } from '@medtransfer/core';
import { SIMILARITY_METRICS, runSimilarity, writeTransfusionFigures, type SimilarityMetric } from '@medtransfer/runner';
import { registerCompareCommand } from './compare-command';

const SPLITS = ['test', 'val', 'train'] as const;

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!(Number.isInteger(n) && n >= 2)) throw new MedtransferError(`${flag}: expected a whole number ≥ 2, received "${value}"`);
  return n;
}

function oneOf<T extends string>(value: string, valid: readonly T[], flag: string): T {
  if (!(valid as readonly string[]).includes(value)) throw new MedtransferError(`${flag}: unknown value "${value}"; valid: ${valid.join(', ')}`);
  return value as T;
}

interface SimilarityFlags {
  probe: string;
  metric: string;
  split: string;
  spatial: string;
  withInit: boolean;
  out?: string;
  backend: string;
}

interface FiguresFlags {
  results: string;
  out?: string;
  metric?: string;
  threshold?: string;
  png: boolean;
}

export function registerStudyCommands(program: Command): void {
  program
    .command('similarity')
    .description('compare two trained models layer group by layer group on a probe set (linear CKA, SVCCA, PWCCA); needs report.saveWeights')
    .argument('<trialA>', 'trial folder results/<experiment>/<trial> (final weights; append @initial for its initialisation)')
    .argument('[trialB]', 'second trial folder (omitted: trialA against its own initialisation)')
    .option('--probe <n>', 'probe images: the first N of the split', '500')
    .option('--metric <name>', `${SIMILARITY_METRICS.join(', ')} or all`, 'all')
    .option('--split <name>', `split the probe comes from: ${SPLITS.join(', ')}`, 'test')
    .option('--spatial <how>', 'conv activations: fold (each position a row) or mean (average over space)', 'fold')
    .option('--with-init', 'also compare each model with its own initialisation', false)
    .option('--out <dir>', 'output folder (default: <experiment>/similarity/<a>--<b>/)')
    .option('--backend <name>', `compute backend: ${backendNames.join(', ')}`, 'auto')
    .action(async (a: string, b: string | undefined, flags: SimilarityFlags) => {
      const metrics: readonly SimilarityMetric[] = flags.metric === 'all' ? SIMILARITY_METRICS : [oneOf(flags.metric, SIMILARITY_METRICS, '--metric')];
      const r = await runSimilarity(a, b, {
        probe: positiveInt(flags.probe, '--probe'),
        metrics,
        split: oneOf(flags.split, SPLITS, '--split'),
        spatial: oneOf(flags.spatial, ['mean', 'fold'] as const, '--spatial'),
        withInit: flags.withInit,
        out: flags.out,
        backend: oneOf(flags.backend, backendNames, '--backend'),
      });
      process.stdout.write(`${r.markdown}\nWrote: ${r.files.join(', ')}\n`);
    });

  const figures = program.command('figures').description('regenerate the tables and figures of a study from stored results (no training)');
  figures
    .command('transfusion')
    .description('the Transfusion study: model table, small-data table, convergence speed-up, transfusion-k curve, similarity by layer')
    .option('--results <dir>', 'result store root (searched for trial folders and similarity.json)', 'results')
    .option('--out <dir>', 'output folder (default: <results>/figures-transfusion)')
    .option('--metric <name>', `convergence metric for every trial: ${metrics.names().join(', ')} (default: each trial\'s own, from its experiment\'s report)`)
    .option('--threshold <x>', 'convergence threshold for every trial (default: each trial\'s own; 0.8 where none is recorded)')
    .option('--no-png', 'skip the PNG renderings')
    .action(async (flags: FiguresFlags) => {
      const threshold = flags.threshold === undefined ? undefined : Number(flags.threshold);
      if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
        throw new MedtransferError(`--threshold: expected a number in [0, 1], received "${flags.threshold}"`);
      }
      const metric = flags.metric === undefined ? undefined : metrics.get(flags.metric, '--metric').name;
      const out = flags.out ?? resolve(flags.results, 'figures-transfusion');
      const r = await writeTransfusionFigures(flags.results, out, { metric, threshold, png: flags.png });
      for (const d of r.damaged) process.stderr.write(`medtransfer: left out, damaged: ${d.message}\n`);
      process.stdout.write(
        `${r.markdown}\n${r.results.length} trial(s), ${r.similarity.length} similarity result(s) read from ${flags.results}; ` +
          `${r.skipped.length} section(s) skipped for lack of results.\nWrote: ${r.files.join(', ')}\n`,
      );
    });
  registerCompareCommand(figures);
}
