// The replacement wasm MaxPoolGrad and Tile kernels against the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { ensureWasm, expectClose, gradsOn, onBackend, randomInput } from './test-support';

describe('wasm MaxPoolGrad and Tile', function () {
  before(async () => {
    await ensureWasm();
  });

  const pools: Array<[number[], number, number, 'same' | 'valid']> = [
    [[3, 13, 11, 5], 3, 2, 'same'],
    [[2, 13, 11, 3], 3, 2, 'valid'],
    [[2, 8, 9, 6], 2, 2, 'same'],
    [[2, 7, 7, 4], 3, 1, 'same'],
  ];
  pools.forEach(([shape, size, stride, pad], i) => {
    it(`max-pool gradient matches cpu: input [${shape}], window ${size}, stride ${stride}, ${pad}`, async () => {
      const rng = new Rng(500 + i);
      const x = randomInput(rng, shape);
      // Ties: quantise some values so windows hold equal maxima; both backends must pick the first.
      for (let j = 0; j < x.values.length; j += 3) x.values[j] = Math.round(x.values[j]);
      const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, size, stride, pad), tf.range(1, 1 + tf.util.sizeFromShape(tf.maxPool(t as tf.Tensor4D, size, stride, pad).shape)).reshape(tf.maxPool(t as tf.Tensor4D, size, stride, pad).shape))) as tf.Scalar;
      const [cpu] = await gradsOn('cpu', f, [x]);
      const [wasm] = await gradsOn('wasm', f, [x]);
      expectClose(wasm, cpu, 'max-pool input gradient');
    });
  });

  it('tile matches cpu for float32, int32 and bool, ranks 1 to 4, and says strings are not supported', async () => {
    const cases: Array<[number[], number[]]> = [
      [[3], [4]],
      [[2, 3], [3, 1]],
      [[1, 1, 1, 5], [2, 3, 4, 1]],
      [[2, 1, 3, 2], [1, 4, 2, 3]],
      [[0, 2], [3, 2]],
    ];
    for (const [shape, reps] of cases) {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const n = tf.util.sizeFromShape(shape);
        const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 2 : i * 1.5 - 2));
        const run = () => tf.tidy(() => tf.tile(tf.tensor(values, shape, dtype), reps).dataSync());
        const cpu = await onBackend('cpu', run);
        const wasm = await onBackend('wasm', run);
        expect(Array.from(wasm), `[${shape}] × [${reps}] ${dtype}`).to.deep.equal(Array.from(cpu));
      }
    }
    await onBackend('wasm', () => {
      const s = tf.tensor(['a', 'b']);
      expect(() => tf.tile(s, [2])).to.throw(/dtype string is not supported on wasm/);
      s.dispose();
    });
  });
});
