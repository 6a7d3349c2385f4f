// `npm run bench -- …`: parses the options, runs the comparison and prints the table (stdout);
// progress goes to stderr so the table can be redirected on its own.
import { runCommand } from './command';
import { USAGE, parseBenchArgs } from './args';
import { formatReport } from './report';
import { runBench } from './run';

async function main(argv: string[]): Promise<number> {
  const opts = parseBenchArgs(argv);
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const report = await runBench(opts);
  process.stdout.write(`\n${formatReport(report)}\n`);
  if (opts.json) process.stderr.write(`[bench] results written to ${opts.json}\n`);
  return 0;
}

runCommand('bench', main);
