// The fused native Adam/AdamW step against the element-wise one (same float32 operations, so the
// same bits), over tensor sizes on one thread and split over threads, with and without decay.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { Rng } from '@medtransfer/core';
import { AdamOptimizer } from '../../optimizers/adam';
import { useNativePath } from '../test-support';
import { ADAM_KERNEL } from './optimizer-kernels';
import { setNativeKernelsEnabled } from '.';

/** Runs `steps` Adam updates of variables with the given sizes; returns values and moments. */
async function run(native: boolean, weightDecay: number, decoupled: boolean, sizes: number[], steps = 3): Promise<Float32Array[]> {
  setNativeKernelsEnabled(native);
  const rng = new Rng(5);
  const vars = sizes.map((n, i) => tf.tidy(() => tf.variable(tf.tensor1d(Array.from({ length: n }, () => rng.normal())), true, `adam-test-${native}-${weightDecay}-${decoupled}-${i}`)));
  const opt = new AdamOptimizer(3e-3, { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay, decoupled });
  for (let s = 0; s < steps; s++) {
    const grads = vars.map((v) => ({ name: v.name, tensor: tf.tensor1d(Array.from({ length: v.size }, () => rng.normal() * (s + 1))) }));
    const kernels = (await tf.profile(() => opt.applyGradients(grads))).kernels.map((k) => k.name);
    // the path under test really ran: one fused kernel per variable, or none
    expect(kernels.filter((k) => k === ADAM_KERNEL)).to.have.length(native ? vars.length : 0);
    tf.dispose(grads.map((g) => g.tensor));
  }
  const [iterations, ...slotWeights] = await opt.getWeights();
  iterations.tensor.dispose();
  const slots = slotWeights.map((w) => w.tensor.dataSync() as Float32Array);
  const out = [...vars.map((v) => v.dataSync() as Float32Array), ...slots].map((a) => a.slice());
  opt.dispose();
  tf.dispose(vars);
  return out;
}

describe('native fused Adam step', function () {
  useNativePath();

  const sizes = [1, 37, 70_001];
  for (const [weightDecay, decoupled, label] of [[0, false, 'Adam'], [0.01, false, 'Adam + L2'], [0.05, true, 'AdamW']] as const) {
    it(`${label}: same values and moments as the element-wise step`, async () => {
      const before = tf.memory().numTensors;
      const fused = await run(true, weightDecay, decoupled, sizes);
      const elementwise = await run(false, weightDecay, decoupled, sizes);
      expect(tf.memory().numTensors).to.equal(before);
      fused.forEach((a, i) => {
        const b = elementwise[i];
        expect(a.length).to.equal(b.length);
        const diff = a.findIndex((x, j) => !Object.is(x, b[j]));
        if (diff >= 0) expect.fail(`tensor ${i}: element ${diff} is ${a[diff]} fused, ${b[diff]} element-wise`);
      });
      // the step changed the weights (a test of nothing would pass the comparison too)
      expect(fused[2][0]).to.not.equal(0);
    });
  }
});
