// Conv2DBackpropInput for the wasm backend, replacing the stock kernel (a direct loop, 5–9× slower
// than XNNPACK on CBR shapes): the backend's own Conv2D on a flipped filter, or a BatchMatMul
// (XNNPACK) followed by a JS col2im, whichever a small cost model says is cheaper.
import * as tf from '@tensorflow/tfjs';
import { convGeometry, type InputAttrs, type ConvGeometry } from './conv-geometry';
import { batchChunks, col2imAdd, col2imTransposedAdd } from './im2col';
import { getMaxPatchFloats } from './conv2d-backprop-filter';
import { allocate, allocateZeros, type Backend, heapView, release, runWasmKernel, type TensorInfo } from './wasm-heap';

/** dst[dstOff + c·rows + r] = src[srcOff + r·cols + c]. (Plain loops beat tiled ones in V8 here.) */
function transposeBlock(src: Float32Array, srcOff: number, rows: number, cols: number, dst: Float32Array, dstOff: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0, i = srcOff + r * cols, o = dstOff + r; c < cols; c++, i++, o += rows) dst[o] = src[i];
  }
}

/** dx = conv(dy, W rotated 180° with in/out channels swapped), 'full'-style padding; stride 1 only. */
function viaFlippedConv(backend: Backend, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry): TensorInfo | null {
  const top = g.kH - 1 - g.padTop;
  const left = g.kW - 1 - g.padLeft;
  const bottom = g.inH - g.outH + g.padTop;
  const right = g.inW - g.outW + g.padLeft;
  // Pads larger than the kernel (possible only with explicit pads) leave XNNPACK's valid range.
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;
  const { kH, kW, inC, outC } = g;
  const flipped = allocate(backend, [kH, kW, outC, inC]);
  const taps = kH * kW;
  // Rotating by 180° reverses the flattened tap order; each tap's [inC, outC] block is transposed.
  for (let t = 0; t < taps; t++) {
    transposeBlock(heapView(backend, filter), t * inC * outC, inC, outC, heapView(backend, flipped), (taps - 1 - t) * outC * inC);
  }
  const out = runWasmKernel(
    backend,
    'Conv2D',
    { x: dy, filter: flipped },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  release(backend, flipped);
  return out;
}

/**
 * dx = col2im(dy · Wᵀ) or col2im((W · dyᵀ)ᵀ): any stride and padding. XNNPACK repacks the right
 * operand on every call, so `packFilter` picks which one it gets: the filter (K·outC floats) or
 * the transposed dy (outC·M floats).
 */
function viaCol2im(
  backend: Backend,
  dy: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
  inputShape: number[],
  packFilter: boolean,
): TensorInfo {
  const K = g.kH * g.kW * g.inC;
  const pixelsPerImage = g.outH * g.outW;
  let wT: TensorInfo | null = null;
  if (packFilter) {
    wT = allocate(backend, [g.outC, K]);
    transposeBlock(heapView(backend, filter), 0, K, g.outC, heapView(backend, wT), 0);
  }
  const w: TensorInfo = { dataId: filter.dataId, shape: [K, g.outC], dtype: 'float32' };
  const dx = allocateZeros(backend, inputShape);
  const chunks = batchChunks(g.batch, Math.max(K * pixelsPerImage, g.inH * g.inW * g.inC), getMaxPatchFloats());
  for (const [b0, nb] of chunks) {
    const M = nb * pixelsPerImage;
    const start = b0 * pixelsPerImage * g.outC;
    let col: TensorInfo;
    if (wT) {
      let a: TensorInfo = { dataId: dy.dataId, shape: [M, g.outC], dtype: 'float32' };
      if (chunks.length > 1) {
        a = allocate(backend, [M, g.outC]);
        heapView(backend, a).set(heapView(backend, dy).subarray(start, start + M * g.outC));
      }
      col = runWasmKernel(backend, 'BatchMatMul', { a, b: wT }, { transposeA: false, transposeB: false });
      if (chunks.length > 1) release(backend, a);
      col2imAdd(heapView(backend, col), g, b0, nb, heapView(backend, dx));
    } else {
      const dyT = allocate(backend, [g.outC, M]);
      transposeBlock(heapView(backend, dy), start, M, g.outC, heapView(backend, dyT), 0);
      col = runWasmKernel(backend, 'BatchMatMul', { a: w, b: dyT }, { transposeA: false, transposeB: false });
      release(backend, dyT);
      col2imTransposedAdd(heapView(backend, col), g, b0, nb, heapView(backend, dx));
    }
    release(backend, col);
  }
  if (wT) release(backend, wT);
  return dx;
}

// Rough per-float costs (ns) measured on the CBR-Small shapes: the wasm backend's filter
// transpose + XNNPACK packing of a matmul/conv right operand, and one JS col2im scatter-add.
const PACK_NS = 17;
const SCATTER_NS = 1.5;

export type InputGradientPath = 'flipped-conv' | 'pack-filter' | 'pack-dy';

/**
 * How dx is computed for this geometry, by the cost model above: the flipped conv (stride 1, no
 * scatter) unless packing the filter costs more than packing dyᵀ plus the scatter; for other
 * strides the matmul whose packed operand is smaller. 'flipped-conv' falls back to 'pack-filter'
 * when explicit pads are wider than the kernel.
 */
export function inputGradientPath(g: ConvGeometry): InputGradientPath {
  const K = g.kH * g.kW * g.inC;
  const M = g.batch * g.outH * g.outW;
  if (g.strideH === 1 && g.strideW === 1) {
    const packDyCost = PACK_NS * g.outC * M + SCATTER_NS * K * M;
    return PACK_NS * K * g.outC <= packDyCost ? 'flipped-conv' : 'pack-dy';
  }
  return K <= M ? 'pack-filter' : 'pack-dy';
}

function conv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): TensorInfo {
  const backend = args.backend as Backend;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as InputAttrs;
  const g = convGeometry('Conv2DBackpropInput', attrs.inputShape, filter.shape, attrs, false);
  const path = inputGradientPath(g);
  if (path === 'flipped-conv') {
    const out = viaFlippedConv(backend, dy, filter, g);
    if (out) return out;
  }
  return viaCol2im(backend, dy, filter, g, [...attrs.inputShape], path !== 'pack-dy');
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as tf.KernelFunc,
};
