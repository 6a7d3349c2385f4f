// The zoo's ReLU(6): with the fused gradient kernel registered (here a plain-array stand-in on the
// cpu backend for the native path's) the same output and input gradient as tfjs' layer,
// including at the kinks 0 and 6; without it, tfjs' layer.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { RELU6_GRAD_KERNEL } from '@medtransfer/core';
import { reluLayer } from './relu6-layer';

type Cpu = { readSync(id: unknown): Float32Array; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo };
let calls = 0;

function register(): void {
  if (tf.getKernel(RELU6_GRAD_KERNEL, 'cpu')) return;
  tf.registerKernel({
    kernelName: RELU6_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      calls++;
      const cpu = backend as unknown as Cpu;
      const { dy, x } = inputs as Record<string, tf.TensorInfo>;
      const d = cpu.readSync(dy.dataId), xv = cpu.readSync(x.dataId);
      return cpu.makeTensorInfo(x.shape, 'float32', d.map((v, i) => (xv[i] > 0 && xv[i] <= 6 ? v : 0)));
    },
  });
}

/** Output and d(Σ w·y)/dx, as arrays. */
function run(layer: tf.layers.Layer, x: tf.Tensor, w: tf.Tensor): number[][] {
  return tf.tidy(() => {
    const f = (xs: tf.Tensor) => tf.sum(tf.mul(layer.apply(xs) as tf.Tensor, w)) as tf.Scalar;
    return [layer.apply(x) as tf.Tensor, tf.grad(f)(x)].map((t) => Array.from(t.dataSync()));
  });
}

describe('zoo ReLU(6) layer', () => {
  let saved: string;
  // values on both sides of and exactly at the kinks
  const x = tf.tensor2d([[-1, 0, 0.5, 3], [5.9, 6, 6.1, 42]]);
  const w = tf.tensor2d([[1, 2, 3, 4], [5, 6, 7, 8]]);

  before(async () => {
    saved = tf.getBackend() || 'cpu';
    await tf.setBackend('cpu');
  });
  after(async () => {
    if (tf.getKernel(RELU6_GRAD_KERNEL, 'cpu')) tf.unregisterKernel(RELU6_GRAD_KERNEL, 'cpu');
    await tf.setBackend(saved);
  });

  it('serialises as Keras ReLU', () => {
    expect(reluLayer({ maxValue: 6, name: 'r' }).getClassName()).to.equal('ReLU');
    expect(reluLayer({ maxValue: 6, name: 'r' }).getConfig()).to.deep.equal(tf.layers.reLU({ maxValue: 6, name: 'r' }).getConfig());
  });

  it('with the fused gradient: the same output and gradient as tfjs’ layer, kinks included, no leaks', () => {
    register();
    const before = calls;
    const n = tf.memory().numTensors;
    const ours = run(reluLayer({ maxValue: 6 }), x, w);
    expect(tf.memory().numTensors).to.equal(n);
    expect(calls - before).to.equal(1);
    expect(ours).to.deep.equal(run(tf.layers.reLU({ maxValue: 6 }), x, w));
    expect(ours[1]).to.deep.equal([0, 0, 3, 4, 5, 6, 0, 0]);
  });

  it('without the kernel, or with another maximum, it is tfjs’ layer', () => {
    if (tf.getKernel(RELU6_GRAD_KERNEL, 'cpu')) tf.unregisterKernel(RELU6_GRAD_KERNEL, 'cpu');
    expect(run(reluLayer({ maxValue: 6 }), x, w)).to.deep.equal(run(tf.layers.reLU({ maxValue: 6 }), x, w));
    register();
    const before = calls;
    expect(run(reluLayer({ maxValue: 4 }), x, w)).to.deep.equal(run(tf.layers.reLU({ maxValue: 4 }), x, w));
    expect(calls).to.equal(before);
  });
});
