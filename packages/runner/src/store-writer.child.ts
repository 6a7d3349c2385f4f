// Writes one trial's result again and again (store.writeTrialResult) until killed, for the
// kill-mid-write test in store-crash.test.ts: argv[2] trial folder, argv[3] JSON file with
// { config, result }, argv[4] curve points of padding (makes each write take a while).
// Prints "writing" once the first write has begun. Not a test file itself.
import { readFileSync } from 'node:fs';
import { TrialResult } from '@medtransfer/core';
import { writeTrialResult } from './store';

const [dir, input, pad] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 0)];
const { config, result } = JSON.parse(readFileSync(input, 'utf8')) as { config: unknown; result: TrialResult };
// padding points after the real ones, marked, so the test can strip them and compare
const padded: TrialResult = { ...result, curve: [...result.curve, ...Array.from({ length: pad }, (_, i) => ({ ...result.curve[0], step: -1 - i }))] };
process.stdout.write('writing\n');
for (;;) writeTrialResult(dir, config, padded);
