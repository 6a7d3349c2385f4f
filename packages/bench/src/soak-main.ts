// `npm run bench:soak -- …`: memory over a long training run; samples to stderr as they come, the table to stdout.
import { runCommand } from './command';
import { SOAK_USAGE, formatSoakReport, parseSoakArgs, runSoak } from './soak';

async function main(argv: string[]): Promise<number> {
  const opts = parseSoakArgs(argv);
  if (opts.help) {
    process.stdout.write(`${SOAK_USAGE}\n`);
    return 0;
  }
  process.stderr.write(`[bench:soak] ${opts.net} @ ${opts.size} px, batch ${opts.batch}: ${opts.steps} steps, memory every ${opts.every} …\n`);
  const report = await runSoak(opts, (s) =>
    process.stderr.write(`[bench:soak] step ${s.step}: ${s.tensors} tensors, ${s.tensorMb.toFixed(1)} MB of tensors, RSS ${s.rssMb.toFixed(0)} MB (${s.seconds.toFixed(0)} s)\n`),
  );
  process.stdout.write(`\n${formatSoakReport(report)}\n`);
  if (opts.json) process.stderr.write(`[bench:soak] samples written to ${opts.json}\n`);
  return report.verdict.flat ? 0 : 1;
}

runCommand('bench:soak', main);
