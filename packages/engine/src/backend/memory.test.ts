// The wasm gradient kernels free what they allocate: tensor count, bytes, backend buffers and the
// wasm heap stay flat over repeated gradient calls (every kernel path, including the chunked one).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { setMaxPatchFloats } from './wasm-gradients/conv2d-backprop-filter';
import { ensureWasm, onBackend } from './test-support';

interface Snapshot {
  numTensors: number;
  numBytes: number;
  dataIds: number;
  heapBytes: number;
}

function snapshot(): Snapshot {
  const backend = tf.backend() as BackendWasm;
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes, dataIds: backend.numDataIds(), heapBytes: (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.length };
}

describe('wasm gradient kernels: memory', function () {
  before(async () => {
    await ensureWasm();
  });

  it('leak no tensors, no backend buffers and no wasm heap over repeated gradient calls', async () => {
    await onBackend('wasm', () => {
      const x = tf.randomUniform([4, 13, 11, 6], -1, 1, 'float32', 1);
      const w = tf.randomUniform([3, 3, 6, 5], -1, 1, 'float32', 2);
      const dw = tf.randomUniform([3, 3, 6, 2], -1, 1, 'float32', 3);
      const step = () =>
        tf.tidy(() => {
          const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
            tf.add(
              tf.add(tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')), tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'valid'))),
              tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 'same')),
            ) as tf.Scalar;
          for (const g of tf.grads(loss)([x, w, dw])) g.dataSync();
        });
      try {
        for (const cap of [undefined, 2000]) {
          setMaxPatchFloats(cap); // 2000 floats forces one image per chunk
          for (let i = 0; i < 3; i++) step(); // warm-up: the heap grows to its working size
          const before = snapshot();
          for (let i = 0; i < 15; i++) step();
          expect(snapshot(), `patch cap ${cap ?? 'default'}`).to.deep.equal(before);
        }
      } finally {
        setMaxPatchFloats();
        tf.dispose([x, w, dw]);
      }
    });
  });
});
