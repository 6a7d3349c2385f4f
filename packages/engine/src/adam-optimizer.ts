// Adam with L2 weight decay (coupled: added to the gradient, as torch.optim.Adam's weight_decay)
// and AdamW (decoupled: w ← w − lr·wd·w before the Adam step, Loshchilov & Hutter 2019, as
// torch.optim.AdamW). tfjs has no AdamW; bias corrections are computed from the step count.
import * as tf from '@tensorflow/tfjs';
import { nativeAdamStep } from './backend/native';
import { SlotOptimizer } from './slot-optimizer';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  /** true: AdamW's decoupled decay; false: L2 penalty in the gradient. */
  decoupled: boolean;
}

/**
 * Per variable, at update t with learning rate lr:
 *   g ← g + wd·w                          (Adam with weightDecay; not AdamW)
 *   w ← w · (1 − lr·wd)                   (AdamW)
 *   m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
 *   w ← w − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
 * Without weight decay this is tfjs' AdamOptimizer (same operations in the same order).
 */
export class AdamOptimizer extends SlotOptimizer {
  static get className(): string {
    return 'MedtransferAdam';
  }

  constructor(
    learningRate: number,
    readonly opts: AdamOptions,
  ) {
    super(learningRate, ['m', 'v']);
  }

  protected update(value: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], lr: number, t: number): void {
    const { beta1, beta2, epsilon, weightDecay, decoupled } = this.opts;
    const [m, v] = slots;
    // The native path does the whole step in one fused kernel, with the same float32 operations.
    const decayFactor = weightDecay > 0 && decoupled ? 1 - lr * weightDecay : 1;
    const fused = nativeAdamStep(value, grad, m, v, { beta1, beta2, epsilon, lr, t, l2: decoupled ? 0 : weightDecay, decayFactor });
    if (fused) {
      value.assign(fused[0]);
      m.assign(fused[1]);
      v.assign(fused[2]);
      return;
    }
    let g = grad;
    let w: tf.Tensor = value;
    if (weightDecay > 0 && !decoupled) g = tf.add(g, tf.mul(value, weightDecay));
    if (weightDecay > 0 && decoupled) w = tf.mul(value, 1 - lr * weightDecay);
    const newM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    m.assign(newM);
    v.assign(newV);
    const mHat = tf.div(newM, 1 - beta1 ** t);
    const vHat = tf.div(newV, 1 - beta2 ** t);
    value.assign(tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), -lr), w));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, ...this.opts };
  }
}
