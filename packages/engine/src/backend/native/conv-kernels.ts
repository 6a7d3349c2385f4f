// Native Conv2D, FusedConv2D (bias + linear/relu/relu6) and both Conv2D gradients (NHWC).
import * as tf from '@tensorflow/tfjs';
import { nativeActivations } from '@medtransfer/native';
import { allocate, geometry, isFloat32, NativeBody, view } from './kernel-support';

type Pair = number | [number, number];

function convInfo(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap, dilations: Pair = 1) {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return null;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as Pair,
    dilations,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    'channelsLast',
  );
}

export const conv2d: NativeBody = (native, { inputs, backend, attrs }) => {
  const { x, filter, bias, preluActivationWeights } = inputs;
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  if (preluActivationWeights || !(activation in nativeActivations) || !isFloat32(x, filter, bias)) return null;
  const info = convInfo(x.shape, filter.shape, attrs, attrs.dilations as Pair);
  if (!info || (bias && bias.shape.reduce((a, b) => a * b, 1) !== info.outChannels)) return null;
  const out = allocate(backend, info.outShape);
  const code = nativeActivations[activation as keyof typeof nativeActivations];
  native.conv2d(geometry(info), view(backend, x)!, view(backend, filter)!, view(backend, out)!, view(backend, bias), code);
  return out;
};

export const conv2dBackpropInput: NativeBody = (native, { inputs, backend, attrs }) => {
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as number[];
  if (!isFloat32(dy, filter)) return null;
  const info = convInfo(inputShape, filter.shape, attrs);
  if (!info) return null;
  const out = allocate(backend, inputShape);
  native.conv2dBackpropInput(geometry(info), view(backend, dy)!, view(backend, filter)!, view(backend, out)!);
  return out;
};

export const conv2dBackpropFilter: NativeBody = (native, { inputs, backend, attrs }) => {
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as number[];
  if (!isFloat32(x, dy)) return null;
  const info = convInfo(x.shape, filterShape, attrs);
  if (!info) return null;
  const out = allocate(backend, filterShape);
  native.conv2dBackpropFilter(geometry(info), view(backend, x)!, view(backend, dy)!, view(backend, out)!);
  return out;
};
