// A runner process for the multi-process tests (store-concurrency.test.ts): argv[2] experiment
// file, argv[3] results folder, argv[4] ms to pause after every training step (so runs overlap),
// argv[5] optional shard `i/n` (or ''), argv[6] optional barrier folder: start only once argv[7]
// runners have arrived there, so their runs really overlap on a busy machine. Prints the outcome
// as one JSON line. Not a test file itself.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runExperimentFile } from './experiment';
import { parseShard } from './shard';

const [file, resultsDir, delayMs, shard] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 0), process.argv[5]];
const [barrier, parties] = [process.argv[6], Number(process.argv[7] ?? 0)];
const pause = new Int32Array(new SharedArrayBuffer(4));
if (barrier) {
  mkdirSync(barrier, { recursive: true });
  writeFileSync(join(barrier, String(process.pid)), '');
  while (readdirSync(barrier).length < parties) Atomics.wait(pause, 0, 0, 20);
}
runExperimentFile(file, {
  resultsDir,
  workers: 1,
  shard: shard ? parseShard(shard) : undefined,
  onEvent: (e) => {
    if (e.type === 'progress' && delayMs > 0) Atomics.wait(pause, 0, 0, delayMs);
  },
})
  .then((o) => {
    const { ran, skipped, failed, elsewhere, otherShards } = o;
    process.stdout.write(`${JSON.stringify({ ran, skipped, failed, elsewhere, otherShards, pid: process.pid })}\n`);
  })
  .catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
