// Keras BatchNormalization that, in training mode, uses a fused batch-norm kernel with its own
// gradient when the compute path provides one (core's BATCH_NORM_*_KERNEL names; the engine's
// native path registers them). tfjs' layer composes moments, normalisation and their gradients
// from some twenty element-wise kernels per layer and step. Same weights, names, moving-average
// update and results (to float rounding); anything else runs tfjs' own code.
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL } from '@medtransfer/core';

type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type Kwargs = Record<string, unknown>;

/** The fields of tfjs-layers' BatchNormalization this layer reads (declared there, not exported). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: tf.LayerVariable | { read(): tf.Tensor } | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type LayerClass = new (args: BatchNormArgs) => tf.layers.Layer;
// tfjs-layers exports the class only through its factory; take it from an instance.
const KerasBatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as LayerClass;

/** Whether the active backend has the fused kernels. */
function fusedAvailable(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(BATCH_NORM_TRAIN_KERNEL, backend) !== undefined && tf.getKernel(BATCH_NORM_GRAD_KERNEL, backend) !== undefined;
}

/**
 * Normalises x with its batch statistics; returns [y, mean, variance]. y carries the fused
 * gradient for x, gamma and beta (the statistics' dependence on x included); mean and variance
 * feed only the moving averages, which need no gradient, and are not tracked by any tidy scope:
 * the caller disposes them.
 */
function fusedTraining(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  let stats: tf.Tensor[] = [];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN_KERNEL, { x: xs, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
    // tfjs runs this function inside a tidy that keeps only `value`: keep the statistics (the
    // caller disposes them after the moving-average update)
    stats = [tf.keep(mean), tf.keep(variance)];
    save([xs, g, mean, variance]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, sv] = saved;
        return tf.engine().runKernel(BATCH_NORM_GRAD_KERNEL, { dy, x: sx, gamma: sg, mean: sm, variance: sv }, { epsilon }) as tf.Tensor[];
      },
    };
  });
  const y = op(x, gamma, beta);
  return [y, stats[0], stats[1]];
}

class BatchNormalization extends KerasBatchNormalization {
  /** Serialises as Keras' BatchNormalization. */
  static readonly className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as BatchNormFields;
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
    const lastAxis = self.axis === -1 || self.axis === x.rank - 1;
    if (kwargs['training'] !== true || !lastAxis || x.dtype !== 'float32' || !self.beta || !fusedAvailable()) return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const beta = self.beta!.read();
      const gamma = self.gamma ? self.gamma.read() : tf.onesLike(beta);
      const [y, mean, variance] = fusedTraining(x, gamma, beta, self.epsilon);
      // the moving-average update of tfjs' layer, step for step
      for (const [variable, value] of [[self.movingMean, mean], [self.movingVariance, variance]] as const) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - self.momentum)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  }
}

/** A Keras-compatible BatchNormalization layer (same arguments as `tf.layers.batchNormalization`). */
export function batchNormLayer(args: BatchNormArgs): tf.layers.Layer {
  return new BatchNormalization(args);
}
