// Adam with L2 weight decay (coupled: added to the gradient, as torch.optim.Adam's weight_decay)
// and AdamW (decoupled: w ← w − lr·wd·w before the Adam step, Loshchilov & Hutter 2019, as
// torch.optim.AdamW). tfjs has no AdamW; bias corrections are computed from the step count.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { nativeAdamStep } from '../backend/native';
import { SlotOptimizer } from './slot-optimizer';
import { type OptimizerOf, defineOptimizer } from './spec';

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

/** Defaults of the Adam fields (ε as Keras; PyTorch's is 1e-8) and of AdamW's weight decay (as PyTorch). */
export const OPTIMIZER_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, adamwWeightDecay: 0.01 } as const;

// Optional without defaults: files from before a field existed keep their trial keys.
const adamParams = {
  /** β₁, β₂ (default 0.9, 0.999). */
  beta1: z.number().min(0).lt(1).optional(),
  beta2: z.number().min(0).lt(1).optional(),
  /** ε (default 1e-7, Keras). */
  epsilon: z.number().positive().optional(),
  /** adam: L2 penalty added to the gradient (default 0); adamw: decoupled decay (default 0.01). */
  weightDecay: z.number().min(0).optional(),
};

const adamOptions = (cfg: OptimizerOf<typeof adamParams>, decoupled: boolean): AdamOptions => ({
  beta1: cfg.beta1 ?? OPTIMIZER_DEFAULTS.beta1,
  beta2: cfg.beta2 ?? OPTIMIZER_DEFAULTS.beta2,
  epsilon: cfg.epsilon ?? OPTIMIZER_DEFAULTS.epsilon,
  weightDecay: cfg.weightDecay ?? (decoupled ? OPTIMIZER_DEFAULTS.adamwWeightDecay : 0),
  decoupled,
});

// Update temporaries measured on the wasm backend (ResNet-50, 64 px): 11.2 × the weights.
const adamMemory = () => ({ slots: 2, temporaries: 11.5 });

export const adam = defineOptimizer({
  name: 'adam',
  summary: 'Adam with L2 weight decay (torch.optim.Adam; without decay the same operations as tfjs Adam)',
  params: adamParams,
  create: (cfg) => new AdamOptimizer(cfg.lr, adamOptions(cfg, false)),
  memory: adamMemory,
  examples: [{ name: 'adam', lr: 0.05 }, { name: 'adam', lr: 0.05, beta1: 0.8, weightDecay: 0.05 }],
});

export const adamw = defineOptimizer({
  name: 'adamw',
  summary: 'Adam with decoupled weight decay, default 0.01 (Loshchilov & Hutter; torch.optim.AdamW)',
  params: adamParams,
  create: (cfg) => new AdamOptimizer(cfg.lr, adamOptions(cfg, true)),
  memory: adamMemory,
  examples: [{ name: 'adamw', lr: 0.05 }, { name: 'adamw', lr: 0.05, weightDecay: 0.1, epsilon: 1e-8 }],
});
