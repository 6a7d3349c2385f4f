// An experiment run in a child process for the SIGKILL test in resume.test.ts: argv[2] is the
// experiment file, argv[3] the results folder; pauses argv[4] ms after every step so the
// parent's kill lands mid-training. Not a test file itself (mocha runs only *.test.ts).
import { runExperimentFile } from './experiment';

const [file, resultsDir, delayMs] = [process.argv[2], process.argv[3], Number(process.argv[4] ?? 0)];
const pause = new Int32Array(new SharedArrayBuffer(4));
runExperimentFile(file, {
  resultsDir,
  workers: 1,
  onEvent: (e) => {
    if (e.type === 'progress' && delayMs > 0) Atomics.wait(pause, 0, 0, delayMs);
  },
}).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
