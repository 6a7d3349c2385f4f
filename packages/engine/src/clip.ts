// Gradient clipping between computing gradients and the optimiser update: by value (clamp each
// entry), then by global norm over every trained variable (PyTorch's clip_grad_norm_).
import * as tf from '@tensorflow/tfjs';

export interface ClipOptions {
  clipValue?: number;
  clipNorm?: number;
}

/** The global L2 norm of all gradients: sqrt(Σ‖g‖²), as a scalar tensor. */
export function globalNorm(grads: tf.NamedTensorMap): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * Clipped gradients (same names, same order). Call inside tf.tidy: the results are new tensors.
 * By norm: when the global norm exceeds `clipNorm`, every gradient is multiplied by
 * clipNorm / (norm + 1e-6) (PyTorch's formula); otherwise they are returned unchanged.
 */
export function clipGradients(grads: tf.NamedTensorMap, opts: ClipOptions): tf.NamedTensorMap {
  let out = grads;
  if (opts.clipValue !== undefined) {
    const c = opts.clipValue;
    out = Object.fromEntries(Object.entries(out).map(([k, g]) => [k, tf.clipByValue(g, -c, c)]));
  }
  if (opts.clipNorm !== undefined) {
    const norm = globalNorm(out).dataSync()[0];
    const coef = opts.clipNorm / (norm + 1e-6);
    if (coef < 1) out = Object.fromEntries(Object.entries(out).map(([k, g]) => [k, tf.mul(g, coef)]));
  }
  return out;
}
