// `npm run bench:data -- …`: the data-pipeline benchmark; progress to stderr, the table to stdout.
import { MedtransferError } from '@medtransfer/core';
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`bench:data: ${err instanceof MedtransferError ? err.message : (err as Error)?.stack ?? String(err)}\n`);
    process.exit(err instanceof MedtransferError ? 2 : 1);
  },
);
