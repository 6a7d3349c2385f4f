// Native Sum and Mean over leading axes (e.g. N, H, W of NHWC activations: batch norm's
// per-channel statistics and gradients). The wasm kernels transpose the tensor first there.
import { allocate, isFloat32, NativeBody, size, view } from './kernel-support';

/** The number of leading axes `axis` reduces, or -1 when it is not a prefix of the axes. */
function leadingAxes(axis: unknown, rank: number): number {
  const raw = axis === undefined || axis === null ? [...Array(rank).keys()] : Array.isArray(axis) ? axis : [axis];
  const axes = [...new Set((raw as number[]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  return axes.every((a, i) => a === i) ? axes.length : -1;
}

function reduceBody(mean: boolean): NativeBody {
  return (native, { inputs, backend, attrs }) => {
    const { x } = inputs;
    if (!isFloat32(x) || x.shape.length === 0) return null;
    const k = leadingAxes(attrs.axis, x.shape.length);
    if (k <= 0) return null;
    const outer = size(x.shape.slice(0, k)), inner = size(x.shape.slice(k));
    const shape = attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
    const out = allocate(backend, shape);
    native.reduceOuter(view(backend, x)!, view(backend, out)!, outer, inner, mean && outer > 0 ? 1 / outer : 1);
    return out;
  };
}

export const sum = reduceBody(false);
export const mean = reduceBody(true);
