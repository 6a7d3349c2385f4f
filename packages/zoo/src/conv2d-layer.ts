// Keras Conv2D whose training-time gradient skips work nobody needs. tfjs' layer always calls the
// fused conv op, whose custom gradient computes the input gradient unconditionally — for a
// network's first convolution that is a full convolution-sized kernel whose result (the gradient
// of the image) is thrown away. While gradients are recorded this layer calls the plain conv op,
// whose registered gradient is evaluated per input, only for inputs that lead to a trained weight.
import * as tf from '@tensorflow/tfjs';

type Conv2DArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Record<string, unknown>;

/** The fields of tfjs-layers' Conv2D this layer reads (declared there, not exported). */
interface ConvFields {
  kernel: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: [number, number];
  padding: 'same' | 'valid' | 'causal';
  dataFormat: 'channelsFirst' | 'channelsLast';
  dilationRate: [number, number];
  activation: { apply(x: tf.Tensor): tf.Tensor; getClassName(): string };
}

type LayerClass = new (args: Conv2DArgs) => tf.layers.Layer;
// tfjs-layers exports the Conv2D class only through its factory; take it from an instance.
const KerasConv2D = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as LayerClass;

class Conv2D extends KerasConv2D {
  /** Serialises as Keras' Conv2D: same config, same weights, same names. */
  static readonly className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const self = this as unknown as ConvFields;
    const recording = (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
    if (!recording || self.dataFormat !== 'channelsLast' || self.padding === 'causal') return super.call(inputs, kwargs);
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      let y: tf.Tensor = tf.conv2d(x, self.kernel.read() as tf.Tensor4D, self.strides, self.padding as 'same' | 'valid', 'NHWC', self.dilationRate);
      if (self.bias) y = tf.add(y, self.bias.read());
      return self.activation.apply(y);
    });
  }
}

/** A Keras-compatible Conv2D layer (same arguments as `tf.layers.conv2d`). */
export function conv2dLayer(args: Conv2DArgs): tf.layers.Layer {
  return new Conv2D(args);
}
