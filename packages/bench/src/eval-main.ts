// `npm run bench:eval -- …`: evaluation images/s layer by layer and folded; progress to stderr, the table to stdout.
import { runCommand } from './command';
import { EVAL_USAGE, formatEvalReport, parseEvalBenchArgs, runEvalBench } from './eval-bench';

async function main(argv: string[]): Promise<number> {
  const opts = parseEvalBenchArgs(argv);
  if (opts.help) {
    process.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  const report = await runEvalBench(opts);
  process.stdout.write(`\n${formatEvalReport(report)}\n`);
  if (opts.json) process.stderr.write(`[bench:eval] results written to ${opts.json}\n`);
  return 0;
}

runCommand('bench:eval', main);
