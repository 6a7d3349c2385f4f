// Native DepthwiseConv2dNative, FusedDepthwiseConv2D (bias + linear/relu/relu6) and both
// depthwise gradients (NHWC, any channel multiplier, strides, dilations, same/valid/explicit pads).
import * as tf from '@tensorflow/tfjs';
import { nativeActivations } from '@medtransfer/native';
import { allocate, geometry, isFloat32, NativeBody, size, view } from './kernel-support';

type Pair = number | [number, number];

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap) {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || xShape.length !== 4 || filterShape.length !== 4) return null;
  if (xShape[3] !== filterShape[2]) return null;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as Pair,
    (attrs.dilations as Pair | undefined) ?? 1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    true,
    'channelsLast',
  );
}

export const depthwiseConv2d: NativeBody = (native, { inputs, backend, attrs }) => {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  if (preluActivationWeights || !(activation in nativeActivations) || !isFloat32(x, filter, bias)) return null;
  const info = depthwiseInfo(x.shape, filter.shape, attrs);
  // A bias must be one value per output channel (a scalar bias broadcast is left to wasm).
  if (!info || (bias && size(bias.shape) !== info.outChannels)) return null;
  const out = allocate(backend, info.outShape);
  const code = nativeActivations[activation as keyof typeof nativeActivations];
  native.depthwiseConv2d(geometry(info), view(backend, x)!, view(backend, filter)!, view(backend, out)!, view(backend, bias), code);
  return out;
};

export const depthwiseConv2dBackpropInput: NativeBody = (native, { inputs, backend, attrs }) => {
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  if (!isFloat32(dy, filter)) return null;
  const info = depthwiseInfo(inputShape, filter.shape, attrs);
  if (!info) return null;
  const out = allocate(backend, inputShape);
  native.depthwiseConv2dBackpropInput(geometry(info), view(backend, dy)!, view(backend, filter)!, view(backend, out)!);
  return out;
};

export const depthwiseConv2dBackpropFilter: NativeBody = (native, { inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  if (!isFloat32(x, dy)) return null;
  const info = depthwiseInfo(x.shape, filterShape, attrs);
  if (!info) return null;
  const out = allocate(backend, filterShape);
  native.depthwiseConv2dBackpropFilter(geometry(info), view(backend, x)!, view(backend, dy)!, view(backend, out)!);
  return out;
};
