// Keras ReLU(max_value=6) (MobileNet's activation) whose gradient, while training, is one fused
// kernel when the backend registers it (core's RELU6_GRAD_KERNEL; the engine's native path does).
// tfjs' layer is relu then clipByValue, whose gradient runs GreaterEqual, LessEqual, LogicalAnd,
// Select and the ReLU mask against scalars — slow broadcasting kernels on wasm, the largest cost
// of a MobileNet step there. Same output (min(max(x, 0), 6)) and gradient (dy where 0 < x ≤ 6).
import * as tf from '@tensorflow/tfjs';
import { RELU6_GRAD_KERNEL } from '@medtransfer/core';

type ReLUArgs = NonNullable<Parameters<typeof tf.layers.reLU>[0]>;
type Kwargs = Record<string, unknown>;
type LayerClass = new (args: ReLUArgs) => tf.layers.Layer;

// tfjs-layers exports the class only through its factory; take it from an instance.
const KerasReLU = Object.getPrototypeOf(tf.layers.reLU({})).constructor as LayerClass;

const relu6 = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: tf.relu6(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.engine().runKernel(RELU6_GRAD_KERNEL, { dy, x: saved[0] }) as tf.Tensor,
  };
});

class ReLU extends KerasReLU {
  /** Serialises as Keras' ReLU. */
  static readonly className = 'ReLU';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
    const maxValue = (this as unknown as { maxValue: number | null }).maxValue;
    const recording = (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
    if (!recording || maxValue !== 6 || x.dtype !== 'float32' || !tf.getKernel(RELU6_GRAD_KERNEL, tf.getBackend())) return super.call(inputs, kwargs);
    return relu6(x);
  }
}

/** A Keras-compatible ReLU layer (same arguments as `tf.layers.reLU`). */
export function reluLayer(args: ReLUArgs): tf.layers.Layer {
  return new ReLU(args);
}
