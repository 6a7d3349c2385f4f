// Runs out of wasm heap in a child process for heap-limit.test.ts (the parent process keeps a usable
// tfjs): argv[2] `train` = a training step needs a tensor over the 4 GiB limit (the allocation
// guard catches it); `abort` = no guard, the heap is filled until the wasm module itself fails.
// Prints one JSON line: the error's name and message, and whether tfjs is usable afterwards.
import * as tf from '@tensorflow/tfjs';
import { registerWasmGradients } from './wasm-gradients';
import { setNativeKernelsEnabled } from './native';
import { asWasmHeapError, isWasmHeapFailure, tfjsUsable } from './heap-limit';
import { heapModel, heapSource, heapTraining } from './heap-limit.fixture';
import { train } from '../train';

/** Identity, except that a batch of 3 or more images also asks for a 4.4 GB tensor. */
class HugeAtFullBatch extends tf.layers.Layer {
  static className = 'HugeAtFullBatch';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (x.shape[0] >= 3) tf.zeros([1.1e9]);
    return tf.clone(x);
  }
}

async function main(): Promise<void> {
  registerWasmGradients();
  setNativeKernelsEnabled(false);
  await tf.setBackend('wasm');
  let error: unknown;
  if (process.argv[2] === 'train') {
    const data = heapSource(4);
    await train({ model: heapModel(2, [new HugeAtFullBatch({})]), train: data, val: data, training: heapTraining(4), seed: 1 }).catch((e: unknown) => (error = e));
  } else {
    const held: tf.Tensor[] = [];
    try {
      for (let i = 0; i < 3; i++) held.push(tf.add(tf.zeros([6e8]), i));
      await held[held.length - 1].data();
    } catch (e) {
      error = isWasmHeapFailure(e) ? asWasmHeapError(e, { model: 'filler', batchSize: 1, imageSize: [1, 1] }) : e;
    }
  }
  let later = 'ok';
  try {
    tf.ones([3]).add(1).dataSync();
  } catch (e) {
    later = (e as Error).message;
  }
  const e = error as Error | undefined;
  process.stdout.write(`${JSON.stringify({ name: e?.name, message: e?.message, tfjsUsable: tfjsUsable(), later })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
