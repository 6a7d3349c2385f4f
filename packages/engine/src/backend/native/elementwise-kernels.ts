// Native Add, Sub, Multiply, RealDiv for float32 when one operand is the output's shape and the
// other repeats along it (same shape, a trailing per-channel vector, or a scalar): batch norm and
// Adam. Other broadcasts go to the wasm kernels.
import * as tf from '@tensorflow/tfjs';
import { allocate, isFloat32, NativeBody, size, view } from './kernel-support';

/** Whether `shape`, without leading 1s, equals the trailing dims of `out` (so index i ↦ i mod size). */
function repeatsAlong(shape: number[], out: number[]): boolean {
  let s = 0;
  while (s < shape.length && shape[s] === 1) s++;
  const core = shape.slice(s);
  if (core.length > out.length) return false;
  const tail = out.slice(out.length - core.length);
  return core.every((d, i) => d === tail[i]);
}

function binaryBody(op: number): NativeBody {
  return (native, { inputs, backend }) => {
    const { a, b } = inputs;
    if (!a || !b || !isFloat32(a, b)) return null;
    let outShape: number[];
    try {
      outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    } catch {
      return null;
    }
    const n = size(outShape);
    if (n === 0 || !repeatsAlong(a.shape, outShape) || !repeatsAlong(b.shape, outShape)) return null;
    if (size(a.shape) !== n && size(b.shape) !== n) return null;
    const out = allocate(backend, outShape);
    native.binary(op, view(backend, a)!, view(backend, b)!, view(backend, out)!);
    return out;
  };
}

export const add = binaryBody(0);
export const sub = binaryBody(1);
export const multiply = binaryBody(2);
export const realDiv = binaryBody(3);
