// `npm run bench:profile -- …`: one model's step, kernel by kernel; progress to stderr, the table to stdout.
import { runCommand } from './command';
import { PROFILE_USAGE, formatProfile, parseProfileArgs, profileStep } from './profile';

async function main(argv: string[]): Promise<number> {
  const opts = parseProfileArgs(argv);
  if (opts.help) {
    process.stdout.write(`${PROFILE_USAGE}\n`);
    return 0;
  }
  process.stderr.write(`[bench:profile] ${opts.net} @ ${opts.size} px, batch ${opts.batch}, ${opts.phase}: ${opts.warmup} warm-up and ${opts.steps} timed steps, twice (plain, then with kernel timers) …\n`);
  process.stdout.write(`${formatProfile(await profileStep(opts))}\n`);
  return 0;
}

runCommand('bench:profile', main);
