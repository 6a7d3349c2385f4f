// The zoo's batch-norm layer: with fused kernels registered (here a plain-array implementation
// on the cpu backend, standing in for the native path's) it matches tfjs' own layer in output,
// gradients and moving statistics, leaks nothing, and without them it is tfjs' layer.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL } from '@medtransfer/core';
import { batchNormLayer } from './batch-norm-layer';

type Info = tf.TensorInfo;
type Cpu = { readSync(id: unknown): Float32Array; makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): Info };

const calls = { train: 0, grad: 0 };

/** Batch norm over rows of a channels-last array, written out plainly. */
function registerReferenceKernels(): void {
  if (tf.getKernel(BATCH_NORM_TRAIN_KERNEL, 'cpu')) return;
  tf.registerKernel({
    kernelName: BATCH_NORM_TRAIN_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls.train++;
      const cpu = backend as unknown as Cpu;
      const { x, gamma, beta } = inputs as Record<string, Info>;
      const xv = cpu.readSync(x.dataId), g = cpu.readSync(gamma.dataId), b = cpu.readSync(beta.dataId);
      const c = g.length, rows = xv.length / c, eps = Number(attrs?.epsilon);
      const mean = new Float32Array(c), variance = new Float32Array(c), y = new Float32Array(xv.length);
      for (let i = 0; i < xv.length; i++) mean[i % c] += xv[i] / rows;
      for (let i = 0; i < xv.length; i++) variance[i % c] += (xv[i] - mean[i % c]) ** 2 / rows;
      for (let i = 0; i < xv.length; i++) y[i] = ((xv[i] - mean[i % c]) / Math.sqrt(variance[i % c] + eps)) * g[i % c] + b[i % c];
      return [cpu.makeTensorInfo(x.shape, 'float32', y), cpu.makeTensorInfo([c], 'float32', mean), cpu.makeTensorInfo([c], 'float32', variance)];
    },
  });
  tf.registerKernel({
    kernelName: BATCH_NORM_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls.grad++;
      const cpu = backend as unknown as Cpu;
      const { dy, x, gamma, mean, variance } = inputs as Record<string, Info>;
      const [d, xv, g, m, v] = [dy, x, gamma, mean, variance].map((t) => cpu.readSync(t.dataId));
      const c = g.length, rows = xv.length / c, eps = Number(attrs?.epsilon);
      const rstd = Array.from(v, (vi) => 1 / Math.sqrt(vi + eps));
      const dbeta = new Float32Array(c), dgamma = new Float32Array(c), dx = new Float32Array(xv.length);
      for (let i = 0; i < xv.length; i++) {
        dbeta[i % c] += d[i];
        dgamma[i % c] += d[i] * (xv[i] - m[i % c]) * rstd[i % c];
      }
      for (let i = 0; i < xv.length; i++) {
        const j = i % c, xhat = (xv[i] - m[j]) * rstd[j];
        dx[i] = g[j] * rstd[j] * (d[i] - dbeta[j] / rows - (xhat * dgamma[j]) / rows);
      }
      return [cpu.makeTensorInfo(x.shape, 'float32', dx), cpu.makeTensorInfo([c], 'float32', dgamma), cpu.makeTensorInfo([c], 'float32', dbeta)];
    },
  });
}

function unregisterReferenceKernels(): void {
  for (const name of [BATCH_NORM_TRAIN_KERNEL, BATCH_NORM_GRAD_KERNEL]) if (tf.getKernel(name, 'cpu')) tf.unregisterKernel(name, 'cpu');
}

/** Output, gradients (x, gamma, beta) of Σ w·layer(x) and the weights after one training call. */
function run(layer: tf.layers.Layer, x: tf.Tensor, w: tf.Tensor, training: boolean): number[][] {
  return tf.tidy(() => {
    const loss = (xs: tf.Tensor) => tf.sum(tf.mul(layer.apply(xs, { training }) as tf.Tensor, w)) as tf.Scalar;
    const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => loss(x), vars);
    const dx = tf.grad(loss)(x);
    const y = layer.apply(x, { training }) as tf.Tensor;
    return [y, dx, ...vars.map((v) => grads[v.name]), ...layer.getWeights()].map((t) => Array.from(t.dataSync()));
  });
}

function expectClose(a: number[][], b: number[][], tol: number): void {
  expect(a.length).to.equal(b.length);
  a.forEach((arr, k) =>
    arr.forEach((v, i) => {
      if (!(Math.abs(v - b[k][i]) <= tol * (1 + Math.abs(b[k][i])))) expect.fail(`tensor ${k} element ${i}: ${v} vs ${b[k][i]}`);
    }),
  );
}

describe('zoo batch-norm layer', () => {
  let saved: string;
  const shape = [4, 3, 5, 6];
  let x: tf.Tensor;
  let w: tf.Tensor;

  before(async () => {
    saved = tf.getBackend() || 'cpu';
    await tf.setBackend('cpu');
    x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 3), tf.range(1, 7)), 4);
    w = tf.randomNormal(shape, 0, 1, 'float32', 4);
  });

  after(async () => {
    unregisterReferenceKernels();
    tf.dispose([x, w]);
    await tf.setBackend(saved);
  });

  const make = (ours: boolean, scale = true) => {
    const args = { axis: -1, momentum: 0.9, epsilon: 1e-3, scale, betaInitializer: 'randomNormal', gammaInitializer: 'randomNormal' } as const;
    const layer = ours ? batchNormLayer({ ...args, name: 'ours' }) : tf.layers.batchNormalization({ ...args, name: 'keras' });
    layer.build(shape);
    return layer;
  };

  /** The two layers with the same starting weights. */
  const pair = (scale = true) => {
    const [ours, keras] = [make(true, scale), make(false, scale)];
    ours.setWeights(keras.getWeights());
    return [ours, keras];
  };

  it('serialises as Keras BatchNormalization', () => {
    const layer = make(true);
    expect(layer.getClassName()).to.equal('BatchNormalization');
    expect(layer.getConfig()).to.deep.equal({ ...make(false).getConfig(), name: 'ours' });
  });

  it('with fused kernels: same output, gradients and moving statistics as tfjs’ layer, no leaked tensors', () => {
    registerReferenceKernels();
    const [ours, keras] = pair();
    const before = { ...calls };
    const n = tf.memory().numTensors;
    const a = run(ours, x, w, true);
    expect(tf.memory().numTensors).to.equal(n);
    expect(calls.train - before.train).to.equal(3); // the fused path ran (three training calls)
    expect(calls.grad - before.grad).to.equal(2);
    expectClose(a, run(keras, x, w, true), 2e-4);
  });

  it('with fused kernels and no scale (Inception): as tfjs’ layer with constant ones', () => {
    registerReferenceKernels();
    const [ours, keras] = pair(false);
    // tfjs' own layer cannot train without gamma; the stand-in the zoo's bn() installs
    for (const l of [ours, keras]) {
      const s = l as unknown as { gamma: { read(): tf.Tensor }; beta: { read(): tf.Tensor } };
      s.gamma = { read: () => tf.onesLike(s.beta.read()) };
    }
    expectClose(run(ours, x, w, true), run(keras, x, w, true), 2e-4);
  });

  it('in inference mode and without fused kernels it is tfjs’ layer', () => {
    registerReferenceKernels();
    const [ours, keras] = pair();
    const before = calls.train;
    expectClose(run(ours, x, w, false), run(keras, x, w, false), 1e-6);
    expect(calls.train).to.equal(before);
    unregisterReferenceKernels();
    const [ours2, keras2] = pair();
    expectClose(run(ours2, x, w, true), run(keras2, x, w, true), 1e-6);
    expect(calls.train).to.equal(before);
  });
});
