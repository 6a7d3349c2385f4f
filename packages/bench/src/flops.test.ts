// FLOP counter: a tiny model whose multiply-accumulates are counted by hand, and CBR-Small.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { createModel } from '@medtransfer/zoo';
import { TRAINING_FACTOR, countFlops } from './flops';

describe('countFlops', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('counts 2 × MACs of conv, depthwise, separable and dense layers, and nothing else', () => {
    const model = tf.sequential({
      layers: [
        // 8×8×3 → 8×8×4: 8·8 positions × (3·3·3·4) = 6912 MACs
        tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', useBias: false }),
        tf.layers.batchNormalization(), // not counted
        tf.layers.maxPooling2d({ poolSize: 2 }), // → 4×4×4, not counted
        // 3×3 valid, multiplier 2 → 2×2×8: 2·2 × (3·3·4·2) = 288 MACs
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 }),
        // 3×3 same, 5 filters → 2×2×5: depthwise 2·2 × (3·3·8) = 288, pointwise 2·2 × (8·5) = 160
        tf.layers.separableConv2d({ kernelSize: 3, filters: 5, padding: 'same' }),
        tf.layers.flatten(), // 20
        tf.layers.dense({ units: 3 }), // 20·3 = 60 MACs
      ],
    });
    const f = countFlops(model);
    expect(f.layers.map((l) => l.macs)).to.deep.equal([6912, 288, 448, 60]);
    expect(f.forward).to.equal(2 * (6912 + 288 + 448 + 60));
    expect(f.training).to.equal(TRAINING_FACTOR * f.forward);
    model.dispose();
  });

  it('counts CBR-Small at 28 px as the layer-by-layer formula gives', () => {
    const m = createModel({ name: 'cbr-small', params: {} }, { inputShape: [28, 28, 3], numClasses: 2, seed: 0 });
    // 'same' padding: 28 → pool 14 → 7 → 4; each conv: H·W·out·7·7·in
    const macs = 28 * 28 * 32 * 49 * 3 + 14 * 14 * 64 * 49 * 32 + 7 * 7 * 128 * 49 * 64 + 4 * 4 * 256 * 49 * 128 + 256 * 2;
    expect(countFlops(m.model).forward).to.equal(2 * macs); // 137,433,088
    m.dispose();
  });

  it('refuses a model without a fixed input size', () => {
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [null, null, 3], filters: 2, kernelSize: 3 })] });
    expect(() => countFlops(model)).to.throw(/unknown output size/);
    model.dispose();
  });
});
