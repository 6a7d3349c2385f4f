// Depthwise conv gradients for the wasm backend (the stock backend has neither): direct loops in
// JS over the forward-conv taps. Only MobileNet uses depthwise convs, so simplicity wins here.
import * as tf from '@tensorflow/tfjs';
import { convGeometry, type FilterAttrs, type InputAttrs, type ConvGeometry } from './conv-geometry';
import { allocate, allocateZeros, type Backend, heapView, type TensorInfo } from './wasm-heap';

/** Calls visit(xOffset, dyOffset, tapIndex) for every in-image tap of every output pixel. */
function forEachTap(g: ConvGeometry, visit: (xo: number, dyo: number, tap: number) => void): void {
  const { batch, inH, inW, inC, outH, outW, outC, kH, kW, strideH, strideW, padTop, padLeft } = g;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        const dyo = ((b * outH + oh) * outW + ow) * outC;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * strideH + kh - padTop;
          if (ih < 0 || ih >= inH) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * strideW + kw - padLeft;
            if (iw < 0 || iw >= inW) continue;
            visit(((b * inH + ih) * inW + iw) * inC, dyo, kh * kW + kw);
          }
        }
      }
    }
  }
}

// Filter [kH, kW, inC, mult]; output channel c = ci·mult + q, so filter index = tap·outC + c.
function depthwiseBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as Backend;
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as FilterAttrs;
  const g = convGeometry('DepthwiseConv2dNativeBackpropFilter', x.shape, attrs.filterShape, attrs, true);
  const mult = g.outC / g.inC;
  // Accumulate in float64: each filter entry sums batch·outH·outW products.
  const acc = new Float64Array(g.kH * g.kW * g.outC);
  const out = allocate(backend, [...attrs.filterShape]);
  const xs = heapView(backend, x);
  const dys = heapView(backend, dy);
  forEachTap(g, (xo, dyo, tap) => {
    const wo = tap * g.outC;
    for (let ci = 0, c = 0; ci < g.inC; ci++) {
      const xv = xs[xo + ci];
      for (let q = 0; q < mult; q++, c++) acc[wo + c] += xv * dys[dyo + c];
    }
  });
  heapView(backend, out).set(acc);
  return out;
}

function depthwiseBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as Backend;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as InputAttrs;
  const g = convGeometry('DepthwiseConv2dNativeBackpropInput', attrs.inputShape, filter.shape, attrs, true);
  const mult = g.outC / g.inC;
  const out = allocateZeros(backend, [...attrs.inputShape]);
  const dx = heapView(backend, out);
  const w = heapView(backend, filter);
  const dys = heapView(backend, dy);
  forEachTap(g, (xo, dyo, tap) => {
    const wo = tap * g.outC;
    for (let ci = 0, c = 0; ci < g.inC; ci++) {
      let s = 0;
      for (let q = 0; q < mult; q++, c++) s += dys[dyo + c] * w[wo + c];
      dx[xo + ci] += s;
    }
  });
  return out;
}

export const depthwiseBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilter as tf.KernelFunc,
};

export const depthwiseBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInput as tf.KernelFunc,
};
