// `npm run bench:data -- …`: the data-pipeline benchmark; progress to stderr, the table to stdout.
import { runCommand } from './command';
import { DATA_USAGE, parseDataBenchArgs } from './data-args';
import { formatDataReport } from './data-report';
import { runDataBench } from './data-run';

async function main(argv: string[]): Promise<number> {
  const opts = parseDataBenchArgs(argv);
  if (opts.help) {
    process.stdout.write(`${DATA_USAGE}\n`);
    return 0;
  }
  const report = await runDataBench(opts);
  process.stdout.write(`\n${formatDataReport(report)}\n`);
  if (opts.json) process.stderr.write(`[bench:data] results written to ${opts.json}\n`);
  return 0;
}

runCommand('bench:data', main);
