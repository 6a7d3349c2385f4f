// Native Add, Sub, Multiply, RealDiv for float32 when one operand is the output's shape and the
// other repeats along it (same shape, a trailing per-channel vector, or a scalar): batch norm and
// Adam. Other broadcasts go to the wasm kernels.
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '@medtransfer/native';
import { allocate, type BackendWasm, isFloat32, NativeBody, size, view } from './kernel-support';

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

/** The fused ReLU6 gradient (core's RELU6_GRAD_KERNEL): dx = dy where 0 < x ≤ 6, else 0. */
export function relu6GradKernel(native: NativeKernels, name: string): tf.KernelFunc {
  return clippedReluGradKernel(name, (dy, x, dx) => native.relu6Grad(dy, x, dx));
}

/** The fused ReLU gradient (core's RELU_GRAD_KERNEL): dx = dy where x > 0, else 0. */
export function reluGradKernel(native: NativeKernels, name: string): tf.KernelFunc {
  return clippedReluGradKernel(name, (dy, x, dx) => native.reluGrad(dy, x, dx));
}

function clippedReluGradKernel(name: string, run: (dy: Float32Array, x: Float32Array, dx: Float32Array) => void): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, x } = inputs as Record<string, tf.TensorInfo>;
    if (!isFloat32(dy, x) || size(dy.shape) !== size(x.shape)) {
      throw new Error(`${name}: expects float32 dy and x of the same size, received ${JSON.stringify([dy.shape, x.shape])}`);
    }
    const wasm = backend as BackendWasm;
    const out = allocate(wasm, x.shape);
    run(view(wasm, dy)!, view(wasm, x)!, view(wasm, out)!);
    return out;
  };
}
