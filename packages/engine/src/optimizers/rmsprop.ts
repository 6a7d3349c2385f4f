// RMSprop (Hinton, Coursera lecture 6e, 2012), as PyTorch's torch.optim.RMSprop without momentum:
// g ← g + wd·w; v ← αv + (1 − α)g²; centred: ḡ ← αḡ + (1 − α)g, v̂ = v − ḡ², else v̂ = v;
// w ← w − lr · g / (√v̂ + ε)  (ε outside the root, as PyTorch; Keras adds it inside).
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { SlotOptimizer } from './slot-optimizer';
import { defineOptimizer } from './spec';

export interface RmspropOptions {
  /** Smoothing constant of the squared-gradient average (PyTorch `alpha`, Keras `rho`). */
  alpha: number;
  epsilon: number;
  weightDecay: number;
  /** Normalise by the gradient's variance estimate instead of its second moment. */
  centered: boolean;
}

export class RmspropOptimizer extends SlotOptimizer {
  static get className(): string {
    return 'MedtransferRMSprop';
  }

  constructor(
    learningRate: number,
    readonly opts: RmspropOptions,
  ) {
    // `v`: the squared-gradient average; `mg`: the gradient average (centred only)
    super(learningRate, opts.centered ? ['v', 'mg'] : ['v']);
  }

  protected update(value: tf.Variable, grad: tf.Tensor, slots: tf.Variable[], lr: number): void {
    const { alpha, epsilon, weightDecay, centered } = this.opts;
    const g = weightDecay > 0 ? tf.add(grad, tf.mul(value, weightDecay)) : grad;
    const v = tf.add(tf.mul(slots[0], alpha), tf.mul(tf.square(g), 1 - alpha));
    slots[0].assign(v);
    let denominator = v;
    if (centered) {
      const mg = tf.add(tf.mul(slots[1], alpha), tf.mul(g, 1 - alpha));
      slots[1].assign(mg);
      denominator = tf.sub(v, tf.square(mg));
    }
    value.assign(tf.sub(value, tf.mul(tf.div(g, tf.add(tf.sqrt(denominator), epsilon)), lr)));
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, ...this.opts };
  }
}

/**
 * `rmsprop`, with PyTorch's defaults (α 0.99, ε 1e-8). It has no momentum: the config's
 * `momentum` field (default 0.9, every optimiser's config holds it) is SGD's. Update temporaries:
 * the peak tensor bytes of an update over the weights' bytes, from `tf.profile` on the cpu and wasm
 * backends (both: 9 plain, 14 centred, +2 with weight decay). The same count gives Adam 14 and SGD
 * with momentum 4 where heap measurements gave 11.2 and 1.2 (adam.ts, sgd.ts), so these are upper bounds.
 */
export const rmsprop = defineOptimizer({
  name: 'rmsprop',
  summary: 'RMSprop, optionally centred, with L2 weight decay (torch.optim.RMSprop, momentum 0)',
  params: {
    /** Smoothing constant of the squared-gradient average (PyTorch alpha, Keras rho). */
    alpha: z.number().min(0).lt(1).default(0.99),
    /** Added to the root of the average (PyTorch's default). */
    epsilon: z.number().positive().default(1e-8),
    /** Centred RMSprop: divide by the root of the gradient's variance estimate. */
    centered: z.boolean().default(false),
    /** L2 penalty added to the gradient, g + wd·w. */
    weightDecay: z.number().min(0).default(0),
  },
  create: (cfg) => new RmspropOptimizer(cfg.lr, { alpha: cfg.alpha, epsilon: cfg.epsilon, weightDecay: cfg.weightDecay, centered: cfg.centered }),
  memory: (cfg) => ({ slots: cfg.centered ? 2 : 1, temporaries: (cfg.centered ? 14 : 9) + (cfg.weightDecay > 0 ? 2 : 0) }),
  examples: [
    { name: 'rmsprop', lr: 0.01 },
    { name: 'rmsprop', lr: 0.01, alpha: 0.9, centered: true, weightDecay: 0.01 },
  ],
});
