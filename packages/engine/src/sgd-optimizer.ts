// SGD with optional (heavy-ball or Nesterov) momentum and L2 weight decay, as PyTorch's
// torch.optim.SGD (dampening 0): g ← g + wd·w; v ← μv + g; step = g + μv (Nesterov) or v.
import * as tf from '@tensorflow/tfjs';
import { SlotOptimizer } from './slot-optimizer';

export interface SgdOptions {
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

export class SgdOptimizer extends SlotOptimizer {
  static get className(): string {
    return 'MedtransferSGD';
  }

  constructor(
    learningRate: number,
    readonly opts: SgdOptions,
  ) {
    // plain SGD keeps no state
    super(learningRate, opts.momentum > 0 ? ['momentum'] : []);
  }

  protected update(value: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], lr: number): void {
    const { momentum, nesterov, weightDecay } = this.opts;
    let g = weightDecay > 0 ? tf.add(grad, tf.mul(value, weightDecay)) : grad;
    if (momentum > 0) {
      const v = tf.add(tf.mul(slots[0], momentum), g);
      slots[0].assign(v);
      g = nesterov ? tf.add(g, tf.mul(v, momentum)) : v;
    }
    value.assign(tf.sub(value, tf.mul(g, lr)));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, ...this.opts };
  }
}
