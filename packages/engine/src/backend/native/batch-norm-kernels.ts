// Fused batch norm (training mode) and its gradient as kernels of the native path, for channels-
// last tensors normalised over every axis but the last — what the zoo's batch-norm layers use.
import * as tf from '@tensorflow/tfjs';
import type { NativeKernels } from '@medtransfer/native';
import { allocate, type BackendWasm, isFloat32, view } from './kernel-support';

function channels(x: tf.TensorInfo, perChannel: tf.TensorInfo[], kernel: string): number {
  const c = x.shape[x.shape.length - 1];
  if (!isFloat32(x, ...perChannel) || x.shape.length < 2 || perChannel.some((t) => t.shape.length !== 1 || t.shape[0] !== c)) {
    throw new Error(`${kernel}: expects float32 channels-last x and per-channel vectors of its last dimension (${c}), received ${JSON.stringify([x.shape, ...perChannel.map((t) => t.shape)])}`);
  }
  return c;
}

export function batchNormTrainKernel(native: NativeKernels, name: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
    const wasm = backend as BackendWasm;
    const c = channels(x, [gamma, beta], name);
    const outs = [allocate(wasm, x.shape), allocate(wasm, [c]), allocate(wasm, [c])];
    native.batchNormTrain(view(wasm, x)!, view(wasm, gamma)!, view(wasm, beta)!, Number(attrs?.epsilon), view(wasm, outs[0])!, view(wasm, outs[1])!, view(wasm, outs[2])!);
    return outs;
  };
}

export function batchNormGradKernel(native: NativeKernels, name: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, x, gamma, mean, variance } = inputs as Record<string, tf.TensorInfo>;
    const wasm = backend as BackendWasm;
    const c = channels(x, [gamma, mean, variance], name);
    const outs = [allocate(wasm, x.shape), allocate(wasm, [c]), allocate(wasm, [c])];
    native.batchNormGrad(
      view(wasm, dy)!, view(wasm, x)!, view(wasm, gamma)!, view(wasm, mean)!, view(wasm, variance)!, Number(attrs?.epsilon),
      view(wasm, outs[0])!, view(wasm, outs[1])!, view(wasm, outs[2])!,
    );
    return outs;
  };
}
