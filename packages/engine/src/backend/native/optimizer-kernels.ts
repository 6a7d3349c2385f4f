// A fused Adam/AdamW step as a kernel of the native path: one pass over a variable, its gradient
// and its two moment slots, where the element-wise formulation runs a dozen single-threaded wasm
// kernels over each (on CBR-Small that was a fifth of a training step).
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '@medtransfer/native';
import { allocate, type BackendWasm, isFloat32, view } from './kernel-support';

/** Kernel name of the fused step (registered on the wasm backend; there is no wasm original). */
export const ADAM_KERNEL = 'MedtransferAdam';

/** Hyper-parameters of one step; numbers as the element-wise version passes them to tfjs. */
export interface AdamStepParams {
  beta1: number;
  beta2: number;
  epsilon: number;
  lr: number;
  /** Update count t ≥ 1 (bias corrections 1 − βᵗ). */
  t: number;
  /** Coupled L2 decay added to the gradient (0: none). */
  l2: number;
  /** Decoupled decay factor w ← w·f (1: none). */
  decayFactor: number;
}

export function adamKernelFunc(native: NativeKernels): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { w, g, m, v } = inputs as Record<string, tf.TensorInfo>;
    const wasm = backend as BackendWasm;
    const p = attrs as unknown as AdamStepParams;
    if (!isFloat32(w, g, m, v)) throw new Error(`${ADAM_KERNEL}: float32 tensors only`);
    const outs = [allocate(wasm, w.shape), allocate(wasm, w.shape), allocate(wasm, w.shape)];
    // the scalars as tfjs would hold them: float32 tensors of the JS-number expressions
    const params = Float64Array.from(
      [p.beta1, 1 - p.beta1, p.beta2, 1 - p.beta2, 1 - p.beta1 ** p.t, 1 - p.beta2 ** p.t, p.epsilon, -p.lr, p.l2, p.decayFactor].map(Math.fround),
    );
    native.adam(view(wasm, w)!, view(wasm, g)!, view(wasm, m)!, view(wasm, v)!, view(wasm, outs[0])!, view(wasm, outs[1])!, view(wasm, outs[2])!, params);
    return outs;
  };
}
