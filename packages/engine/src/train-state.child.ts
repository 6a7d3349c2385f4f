// A training run in a child process for the kill-and-resume test (train-state.test.ts): trains
// the tiny test problem with checkpoints in argv[2], prints `step N` after every step (then pauses argv[4] ms) and the
// result as JSON at the end. Not a test file itself (mocha runs only *.test.ts).
import * as tf from '@tensorflow/tfjs';
import { resumeProblem } from './train-state.fixture';
import { train } from './train';

async function main(): Promise<void> {
  const [dir, every, delayMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 0)];
  // a pause after each step, so the parent's SIGKILL lands mid-run on a fast machine too
  const pause = new Int32Array(new SharedArrayBuffer(4));
  await tf.setBackend('cpu');
  const p = resumeProblem();
  const model = p.model(7);
  const result = await train({
    ...p.options,
    model,
    checkpoint: { dir, every, keepOnFinish: true },
    onProgress: (s) => {
      process.stdout.write(`step ${s.step}\n`);
      if (delayMs > 0) Atomics.wait(pause, 0, 0, delayMs);
    },
  });
  process.stdout.write(`result ${JSON.stringify({ curve: result.curve, test: result.test })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
