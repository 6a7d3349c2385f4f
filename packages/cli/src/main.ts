#!/usr/bin/env node
// The `medtransfer` command.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { MedtransferError, backendNames, setLogSink, setProgressSink, unknownNameMessage } from '@medtransfer/core';
import { MEDMNIST_FLAGS, MEDMNIST_SIZES, editorJsonSchema, fetchMedmnist, formatPlan, formatTimeSplit, loadPlan, planReport, reportExperimentFile, runExperimentFile } from '@medtransfer/runner';
import {
  COST_DIR,
  experimentStatus,
  exportRowsFor,
  exportTrialsFor,
  formatStatus,
  mergeStores,
  parseShard,
  toCsv,
  toJsonl,
  toParquet,
  upgradeStore,
  writeFileAtomic,
  writeMlflow,
  writeTensorboard,
} from '@medtransfer/runner';
import { createDataProgressPrinter } from './data-progress';
import { createProgressPrinter, formatDuration } from './progress';
import { registerCostCommand } from './cost-command';
import { registerServeCommand } from './serve-command';
import { registerSlurmCommands } from './slurm-command';
import { registerStudyCommands } from './study-commands';
import { registerWeightsCommands } from './weights-command';

/** Exit codes: 2 bad input (config, flags, data), 3 some trials failed (the others ran), 1 a bug. */
const EXIT_TRIALS_FAILED = 3;

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
  .option('--shard <i/n>', 'run only shard i of n (0-based; by trial-key hash) and the source stages its trials need; no report')
  .action(async (file: string, opts: { results: string; force: boolean; backend?: string; workers?: string; shard?: string }) => {
    if (opts.backend !== undefined && !(backendNames as readonly string[]).includes(opts.backend)) {
      throw new MedtransferError(`--backend: unknown backend "${opts.backend}"; valid: ${backendNames.join(', ')}`);
    }
    const workers = opts.workers === undefined ? undefined : Number(opts.workers);
    if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) {
      throw new MedtransferError(`--workers: expected a whole number ≥ 1, received "${opts.workers}"`);
    }
    const shard = opts.shard === undefined ? undefined : parseShard(opts.shard);
    const started = Date.now();
    const printer = createProgressPrinter(process.stderr);
    const outcome = await runExperimentFile(file, {
      resultsDir: opts.results,
      force: opts.force,
      workers,
      shard,
      backend: opts.backend as (typeof backendNames)[number] | undefined,
      onEvent: printer,
    });
    if (outcome.markdown) process.stdout.write(`\n${outcome.markdown}\n`);
    process.stdout.write(
      `${outcome.ran} stage(s) run, ${outcome.skipped} skipped (already finished) on backend ${outcome.backend} ` +
        `with ${outcome.workers} worker(s) ` +
        `in ${formatDuration((Date.now() - started) / 1000)}.\n` +
        (shard ? `Shard ${shard.index}/${shard.count}: ${outcome.otherShards} trial(s) belong to other shards; no report (run \`medtransfer report\` once all shards are done).\n` : '') +
        (outcome.elsewhere.length ? `${outcome.elsewhere.length} trial(s) left to another runner that is running them.\n` : '') +
        (outcome.reportFiles.length ? `Wrote: ${outcome.reportFiles.join(', ')}\n` : ''),
    );
    if (outcome.ran) process.stdout.write(`${formatTimeSplit(outcome.time)}\n`);
    if (outcome.reportFiles.length && outcome.results.length < outcome.planned) {
      process.stdout.write(`The report is partial: ${outcome.results.length} of ${outcome.planned} trials.\n`);
    }
    if (outcome.failed.length) {
      process.stderr.write(`medtransfer: ${outcome.failed.length} stage(s) failed (failed.json in each folder has the stack; a rerun retries them):\n`);
      for (const f of outcome.failed) process.stderr.write(`  ${f.label}: ${f.message}\n`);
      process.exitCode = EXIT_TRIALS_FAILED;
    }
  });

program
  .command('validate')
  .description('check an experiment file and list its trials')
  .argument('<experiment>', 'experiment file (YAML)')
  .action((file: string) => {
    const plan = loadPlan(file, { checkInputs: true });
    process.stdout.write(`${file}: valid; ${plan.sourceBackbones.length} source stage(s), ${plan.trials.length} trial(s)\n`);
    for (const t of plan.trials) process.stdout.write(`  ${t.name}\n`);
    for (const t of plan.skipped) process.stdout.write(`  skipped ${t.name}: ${t.reason}\n`);
  });

program
  .command('plan')
  .description('list the stages of an experiment file, which are cached in the store, and the estimated training time')
  .argument('<experiment>', 'experiment file (YAML)')
  .option('--results <dir>', 'result store root', 'results')
  .option('--backend <name>', `backend to estimate for: ${backendNames.join(', ')} (default: the file's)`)
  .action(async (file: string, opts: { results: string; backend?: string }) => {
    if (opts.backend !== undefined && !(backendNames as readonly string[]).includes(opts.backend)) {
      throw new MedtransferError(`--backend: unknown backend "${opts.backend}"; valid: ${backendNames.join(', ')}`);
    }
    process.stdout.write(formatPlan(await planReport(loadPlan(file, { checkInputs: true }), opts.results, { backend: opts.backend })));
  });

program
  .command('report')
  .description('rewrite the summary table and figure from stored results (no training)')
  .argument('<experiment>', 'experiment file (YAML)')
  .option('--results <dir>', 'result store root', 'results')
  .action(async (file: string, opts: { results: string }) => {
    const r = await reportExperimentFile(file, opts.results);
    for (const d of r.damaged) process.stderr.write(`medtransfer: left out of the report, damaged: ${d.message}\n`);
    if (!r.results.length) throw new MedtransferError(`report: no finished trial of ${file} in ${resolve(opts.results)}; run it first (\`medtransfer run ${file}\`)`);
    const partial = r.results.length < r.planned ? ` (partial: ${r.results.length} of ${r.planned} trials)` : '';
    process.stdout.write(`${r.markdown}\n${r.results.length} finished trial(s)${partial}. Wrote: ${r.files.join(', ')}\n`);
  });

const data = program.command('data').description('datasets: download and cache the official files');

data
  .command('get')
  .description('download an official MedMNIST file into the cache, verify its MD5 (resumes an interrupted download)')
  .argument('<flag>', `MedMNIST dataset: ${MEDMNIST_FLAGS.join(', ')}`)
  .option('--size <px>', `image size: ${MEDMNIST_SIZES.join(', ')}`, '28')
  .option('--cache <dir>', 'cache folder (default: $MEDTRANSFER_CACHE, else $XDG_CACHE_HOME/medtransfer or ~/.cache/medtransfer)')
  .action(async (flag: string, opts: { size: string; cache?: string }) => {
    const size = Number(opts.size);
    if (!(MEDMNIST_SIZES as readonly number[]).includes(size)) {
      throw new MedtransferError(`--size: expected one of ${MEDMNIST_SIZES.join(', ')}, received "${opts.size}"`);
    }
    let shown = -1;
    const r = await fetchMedmnist(flag, size, {
      cacheDir: opts.cache,
      onProgress: (got, total) => {
        const pct = total ? Math.floor((100 * got) / total) : -1;
        if (pct !== shown && process.stderr.isTTY) process.stderr.write(`\r${flag} ${size}px: ${total ? `${pct}%` : `${(got / 2 ** 20).toFixed(1)} MiB`}`);
        shown = pct;
      },
    });
    if (process.stderr.isTTY && r.downloaded) process.stderr.write('\n');
    const how = r.downloaded ? `downloaded${r.resumedFrom ? ` (resumed at byte ${r.resumedFrom})` : ''} and verified` : 'already in the cache, verified';
    process.stdout.write(`${r.file}: ${how} (${(r.bytes / 2 ** 20).toFixed(1)} MiB, MD5 matches the release)\n`);
  });

program
  .command('status')
  .description('done / running / failed / pending for every stage of an experiment in the store, with totals')
  .argument('<experiment>', 'experiment file (YAML)')
  .option('--results <dir>', 'result store root', 'results')
  .option('--shards <n>', 'also show the shard of each trial for --shard i/n')
  .option('--json', 'print the report as JSON', false)
  .action(async (file: string, opts: { results: string; shards?: string; json: boolean }) => {
    const shards = opts.shards === undefined ? undefined : parseShard(`0/${opts.shards}`, '--shards').count;
    const report = await experimentStatus(file, opts.results, { shards });
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
  });

program
  .command('upgrade')
  .description('re-key results written by an older store version, after checking each against the experiment file and data')
  .argument('<experiment>', 'experiment file (YAML)')
  .option('--results <dir>', 'result store root', 'results')
  .action(async (file: string, opts: { results: string }) => {
    const r = await upgradeStore(loadPlan(file), opts.results);
    for (const rel of r.upgraded) process.stdout.write(`  re-keyed ${rel}\n`);
    for (const k of r.kept) process.stdout.write(`  kept as it is (reruns): ${k.dir}: ${k.why}\n`);
    process.stdout.write(`${r.experimentDir}: ${r.upgraded.length} stage(s) re-keyed, ${r.current} already current, ${r.kept.length} left to rerun\n`);
  });

const EXPORT_FORMATS = ['csv', 'jsonl', 'parquet', 'tensorboard', 'mlflow'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

program
  .command('export')
  .description('results as one long table (a row per curve point and a summary row per trial), TensorBoard event files or MLflow runs')
  .argument('<target>', 'experiment file (YAML) or results folder (a store root or one experiment\'s folder)')
  .option('--results <dir>', 'result store root (with an experiment file)', 'results')
  .option('--to <fmt>', `${EXPORT_FORMATS.join(', ')} (default csv)`)
  .option('--format <fmt>', 'the same as --to (csv or jsonl before --to existed)')
  .option('-o, --out <path>', 'table: the file (default stdout; parquet needs it); tensorboard: log folder (default tensorboard); mlflow: store folder (default mlruns)')
  .action((target: string, opts: { results: string; to?: string; format?: string; out?: string }) => {
    if (opts.to && opts.format && opts.to !== opts.format) throw new MedtransferError(`--to ${opts.to} and --format ${opts.format} disagree; --format is the older name of --to, give one`);
    const to = opts.to ?? opts.format ?? 'csv';
    const flag = opts.format && !opts.to ? '--format' : '--to';
    if (!(EXPORT_FORMATS as readonly string[]).includes(to)) throw new MedtransferError(`${flag}: ${unknownNameMessage('export format', to, EXPORT_FORMATS)}`);
    const format = to as ExportFormat;
    if (format === 'parquet' && !opts.out) throw new MedtransferError('--to parquet: give the file with --out (Parquet is binary, not for stdout)');
    if (format === 'tensorboard' || format === 'mlflow') {
      const out = opts.out ?? (format === 'tensorboard' ? 'tensorboard' : 'mlruns');
      const trials = exportTrialsFor(target, opts.results);
      const written = format === 'tensorboard' ? writeTensorboard(trials, out) : writeMlflow(trials, out);
      const view = format === 'tensorboard' ? `tensorboard --logdir ${out}` : `mlflow ui --backend-store-uri ${out}`;
      process.stderr.write(`${written.length} trial(s) written to ${out}; view with: ${view}\n`);
      return;
    }
    const rows = exportRowsFor(target, opts.results);
    const data = format === 'csv' ? toCsv(rows) : format === 'jsonl' ? toJsonl(rows) : toParquet(rows);
    if (opts.out) writeFileAtomic(opts.out, data);
    else process.stdout.write(data);
    process.stderr.write(`${rows.length} row(s)${opts.out ? ` written to ${opts.out}` : ''}\n`);
  });

program
  .command('merge')
  .description('merge finished trials of result stores from several machines into one (refuses conflicting results)')
  .argument('<stores...>', 'result store roots to merge from')
  .requiredOption('--into <dir>', 'result store root to merge into (created if missing)')
  .action((stores: string[], opts: { into: string }) => {
    const r = mergeStores(stores, opts.into);
    // throughput records (<experiment>/cost/<id>) are counted apart from the stages
    const isCost = (rel: string) => rel.split(/[/\\]/)[1] === COST_DIR;
    const count = (rels: string[]) => `${rels.filter((x) => !isCost(x)).length} stage(s)${rels.some(isCost) ? ` and ${rels.filter(isCost).length} throughput record(s)` : ''}`;
    process.stdout.write(`${count(r.copied)} copied, ${count(r.identical)} already there with the same result, into ${opts.into}\n`);
    for (const rel of r.copied) process.stdout.write(`  + ${rel}\n`);
    for (const d of r.damaged) process.stderr.write(`medtransfer: not merged, damaged: ${d}\n`);
  });

program
  .command('schema')
  .description('print the JSON Schema of experiment files (committed as experiments/experiment.schema.json)')
  .action(() => {
    process.stdout.write(`${JSON.stringify(editorJsonSchema(), null, 2)}\n`);
  });

registerStudyCommands(program);
registerSlurmCommands(program);
registerServeCommand(program);
registerWeightsCommands(program);
registerCostCommand(program);

async function main(): Promise<void> {
  setLogSink((_level, line) => process.stderr.write(`${line}\n`));
  // a dataset decoded into its disk cache for the first time shows a bar (on a terminal; periodic lines in logs)
  setProgressSink(createDataProgressPrinter(process.stderr));
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
