// createOptimizer: the names map to the intended tfjs optimisers, which step as expected.
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '@medtransfer/core';
import { createOptimizer } from './optimizers';

/** One step on f(w) = w² from w = 1 (gradient 2). */
function oneStep(cfg: OptimizerConfig): number {
  const w = tf.tidy(() => tf.variable(tf.scalar(1))); // tidy frees the initial value, not the variable
  const opt = createOptimizer(cfg);
  opt.minimize(() => w.square() as tf.Scalar, false, [w]);
  const v = w.dataSync()[0];
  opt.dispose();
  w.dispose();
  return v;
}

describe('optimizers', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('adam: first step moves each weight by about lr', () => {
    const cfg: OptimizerConfig = { name: 'adam', lr: 0.01, momentum: 0.9 };
    expect(createOptimizer(cfg)).to.be.instanceOf(tf.AdamOptimizer);
    expect(oneStep(cfg)).to.be.closeTo(0.99, 1e-5);
  });

  it('sgd: momentum optimiser whose first step is lr × gradient', () => {
    const cfg: OptimizerConfig = { name: 'sgd', lr: 0.1, momentum: 0.9 };
    const opt = createOptimizer(cfg);
    expect(opt).to.be.instanceOf(tf.MomentumOptimizer);
    expect(opt.getConfig()).to.include({ learningRate: 0.1, momentum: 0.9 });
    opt.dispose();
    expect(oneStep(cfg)).to.be.closeTo(0.8, 1e-6);
  });

  it('disposing frees the optimiser state', () => {
    const before = tf.memory().numTensors;
    oneStep({ name: 'adam', lr: 0.01, momentum: 0.9 });
    oneStep({ name: 'sgd', lr: 0.01, momentum: 0.9 });
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('an unknown name or a bad learning rate is a ConfigError naming the field', () => {
    const bad = { name: 'adamw', lr: 0.001, momentum: 0.9 } as unknown as OptimizerConfig;
    expect(() => createOptimizer(bad)).to.throw(/training\.optimizer\.name: unknown optimizer "adamw".*adam, sgd/);
    expect(() => createOptimizer({ name: 'adam', lr: 0, momentum: 0.9 })).to.throw(/training\.optimizer\.lr/);
  });
});
