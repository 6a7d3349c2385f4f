// Folded evaluation of one fixture model on the native path in a fresh process (the kernels' thread
// count, MEDTRANSFER_THREADS, is read once per process), for evaluator.test.ts. argv: fixture name,
// then the input shape as JSON. Prints one JSON line: the kernels' threads, whether two calls gave
// the same bits, and the logits.
import * as tf from '@tensorflow/tfjs';
import { loadNative } from '@medtransfer/native';
import { selectBackend } from '../backend/select';
import { type FixtureName, fixtureImages, fixtureModel } from './evaluator.fixture';
import { foldedEvaluator } from './evaluator';

async function main(): Promise<void> {
  const name = process.argv[2] as FixtureName;
  const shape = JSON.parse(process.argv[3]) as [number, number, number, number];
  await selectBackend('native');
  const model = fixtureModel(name, [shape[1], shape[2], shape[3]], 1);
  const x = tf.tensor4d(fixtureImages(shape, 2), shape);
  const evaluator = foldedEvaluator(model);
  const [a, b] = [0, 1].map(() => {
    const y = evaluator.predict(x);
    const v = y.dataSync() as Float32Array;
    y.dispose();
    return v;
  });
  const same = a.every((v, i) => Object.is(v, b[i]));
  process.stdout.write(`${JSON.stringify({ threads: loadNative().kernels?.info().threads, folded: evaluator.folded, same, logits: Array.from(a) })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
