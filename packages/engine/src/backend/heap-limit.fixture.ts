// A tiny problem for the wasm heap tests: 8×8 gray images, and a net whose activations scale with
// `upsample`² per image (an upsampling layer), so a large batch outgrows the heap cheaply.
import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '@medtransfer/core';
import { Rng } from '@medtransfer/core';
import { ArraySource } from '../test-support';

export function heapSource(count: number): ArraySource {
  const rng = new Rng(5);
  const x = Float32Array.from({ length: count * 64 }, () => rng.uniform(-1, 1));
  const labels = Int32Array.from({ length: count }, (_, i) => i % 2);
  return new ArraySource(x, labels, [8, 8, 1], 'binary', 2);
}

/** conv → batch norm → upsample ×`upsample` → global average → 2 logits; `extra` layers go before the pool. */
export function heapModel(upsample: number, extra: tf.layers.Layer[] = []): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 1] });
  let h = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization().apply(h) as tf.SymbolicTensor;
  h = tf.layers.upSampling2d({ size: [upsample, upsample] }).apply(h) as tf.SymbolicTensor;
  for (const layer of extra) h = layer.apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out, name: 'heap-probe-net' });
}

export function heapTraining(batchSize: number): TrainingConfig {
  return { steps: 2, batchSize, evalEvery: 2, optimizer: { name: 'adam', lr: 1e-3, momentum: 0.9 } } as TrainingConfig;
}
