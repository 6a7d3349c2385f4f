// Shapes, strides and padding of a 2-D convolution, from the attributes tfjs passes to its
// gradient kernels; rejects what these kernels do not implement with a message saying why.
import * as tf from '@tensorflow/tfjs';

export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  /** Output channels of the forward conv (for depthwise: inC × multiplier). */
  outC: number;
  kH: number;
  kW: number;
  strideH: number;
  strideW: number;
  padTop: number;
  padLeft: number;
}

export interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Attributes of the filter-gradient kernels (dense and depthwise). */
export interface FilterAttrs extends ConvAttrs {
  filterShape: [number, number, number, number];
}

/** Attributes of the input-gradient kernels (dense and depthwise). */
export interface InputAttrs extends ConvAttrs {
  inputShape: [number, number, number, number];
}

function pair(v: number | [number, number] | undefined, dflt: number): [number, number] {
  if (v === undefined) return [dflt, dflt];
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * Geometry of the forward conv `x[inputShape] * filter[filterShape]`. `kernel` names the gradient
 * kernel for error messages; `depthwise` reads the filter as [kH, kW, inC, multiplier].
 */
export function convGeometry(
  kernel: string,
  inputShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): ConvGeometry {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(
      `medtransfer wasm ${kernel}: dataFormat '${attrs.dataFormat}' is not supported; ` +
        `only 'NHWC' (channels last, the tfjs default) is. Build the model with dataFormat 'channelsLast'.`,
    );
  }
  const [dh, dw] = pair(attrs.dilations, 1);
  if (dh !== 1 || dw !== 1) {
    throw new Error(
      `medtransfer wasm ${kernel}: dilations [${dh}, ${dw}] are not supported; only 1 is. ` +
        `Use dilation 1, or the 'cpu' backend for dilated convolutions.`,
    );
  }
  if (inputShape.length !== 4 || filterShape.length !== 4) {
    throw new Error(
      `medtransfer wasm ${kernel}: expected rank-4 input and filter, got input [${inputShape}] and filter [${filterShape}]`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kH: info.filterHeight,
    kW: info.filterWidth,
    strideH: info.strideHeight,
    strideW: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
