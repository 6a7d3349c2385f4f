// The `native` compute path: the wasm backend with its heavy kernels (convolutions and their
// gradients, max-pool, matmul, leading-axes sums, broadcast arithmetic) replaced by @medtransfer/native, which works on the wasm heap in
// place, and Identity and Slice by memory moves in TypeScript (memory-kernels.ts). Each replacement calls the kernel it replaced when the path is switched off.
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_GRAD_KERNEL, BATCH_NORM_TRAIN_KERNEL, RELU6_GRAD_KERNEL, RELU_GRAD_KERNEL } from '@medtransfer/core';
import { loadNative, type NativeKernels } from '@medtransfer/native';
import { batchNormGradKernel, batchNormTrainKernel } from './batch-norm-kernels';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput } from './conv-kernels';
import { depthwiseConv2d, depthwiseConv2dBackpropFilter, depthwiseConv2dBackpropInput } from './depthwise-kernels';
import { add, multiply, realDiv, relu6GradKernel, reluGradKernel, sub } from './elementwise-kernels';
import type { NativeBody } from './kernel-support';
import { identity, slice } from './memory-kernels';
import { ADAM_KERNEL, type AdamStepParams, adamKernelFunc } from './optimizer-kernels';
import { batchMatMul, maxPool, maxPoolGrad } from './pool-and-matmul-kernels';
import { mean, sum } from './reduce-kernels';

const bodies: Record<string, NativeBody> = {
  Conv2D: conv2d,
  FusedConv2D: conv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  DepthwiseConv2dNative: depthwiseConv2d,
  FusedDepthwiseConv2D: depthwiseConv2d,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dBackpropInput,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dBackpropFilter,
  MaxPool: maxPool,
  MaxPoolGrad: maxPoolGrad,
  BatchMatMul: batchMatMul,
  _FusedMatMul: batchMatMul,
  Sum: sum,
  Mean: mean,
  Add: add,
  Sub: sub,
  Multiply: multiply,
  RealDiv: realDiv,
  Identity: identity,
  Slice: slice,
};

export type { AdamStepParams };

export interface NativeStatus {
  available: boolean;
  /** Why it is not available (addon not built, turned off, failed to load); null when it is. */
  reason: string | null;
  /** Instruction set and threads of the addon, e.g. "avx512, 2 threads". */
  describe: string;
}

/**
 * Fused kernels with no wasm original (whole Adam steps, batch norm with its gradient, the ReLU
 * and ReLU6 gradients). They are
 * registered only while the native path is on, so `tf.getKernel(name, 'wasm')` tells callers
 * (the optimiser, the zoo's batch-norm layer) whether to use them.
 */
const fused: Record<string, (native: NativeKernels, name: string) => tf.KernelFunc> = {
  [ADAM_KERNEL]: (native) => adamKernelFunc(native),
  [BATCH_NORM_TRAIN_KERNEL]: batchNormTrainKernel,
  [BATCH_NORM_GRAD_KERNEL]: batchNormGradKernel,
  [RELU6_GRAD_KERNEL]: relu6GradKernel,
  [RELU_GRAD_KERNEL]: reluGradKernel,
};

/**
 * tfjs' ReLU gradient (dy · step(x): Step, Cast and Multiply, three passes) replaced by one that
 * runs the fused kernel on a backend that registers it and tfjs' own everywhere else.
 */
function installReluGradient(): void {
  const original = tf.getGradient('Relu');
  if (!original || (original as { medtransfer?: boolean }).medtransfer) return;
  const config: tf.GradConfig & { medtransfer: boolean } = {
    ...original,
    medtransfer: true,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      if (dy instanceof tf.Tensor && x.dtype === 'float32' && dy.dtype === 'float32' && tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend())) {
        return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, x }) as tf.Tensor };
      }
      return original.gradFunc(dy, saved, attrs);
    },
  };
  tf.registerGradient(config);
}

/** Names of the wasm kernels the native path replaces, then of the fused kernels it adds. */
export const nativeKernelNames: readonly string[] = [...Object.keys(bodies), ...Object.keys(fused)];

let enabled = false;
const installed = new Map<string, tf.KernelFunc>();

function syncFusedKernels(): void {
  const load = loadNative();
  for (const [name, make] of Object.entries(fused)) {
    const registered = tf.getKernel(name, 'wasm') !== undefined;
    if (enabled && load.kernels && !registered) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make(load.kernels, name) });
    else if (!enabled && registered) tf.unregisterKernel(name, 'wasm');
  }
}

/** Switches the installed replacements on (native path) or off (plain wasm path). */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on && installed.size > 0;
  syncFusedKernels();
}

/** Whether the wasm kernels currently run natively. */
export function nativeKernelsEnabled(): boolean {
  return enabled && installed.size > 0;
}

/** Whether the addon can be used here, and why not; does not change any kernel. */
export function nativeStatus(): NativeStatus {
  const load = loadNative();
  if (!load.kernels) return { available: false, reason: load.reason, describe: 'unavailable' };
  const info = load.kernels.info();
  const dnnl = info.dnnl?.enabled ? `, oneDNN ${info.dnnl.version} convolutions` : '';
  return { available: true, reason: null, describe: `${info.isa}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${dnnl}` };
}

function wrap(body: NativeBody, native: NativeKernels, replaced: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    if (enabled) {
      const out = body(native, args as unknown as Parameters<NativeBody>[1]);
      if (out) return out;
    }
    return replaced(args);
  };
}

/**
 * Puts the native kernels in place of the wasm ones (call after the wasm backend package and
 * medtransfer's wasm gradient kernels are registered) and enables them. Idempotent: re-installs a
 * replacement another registration removed. Returns the status; nothing changes when unavailable.
 */
export function installNativeKernels(): NativeStatus {
  const status = nativeStatus();
  const load = loadNative();
  if (!load.kernels) return status;
  for (const [name, body] of Object.entries(bodies)) {
    const current = tf.getKernel(name, 'wasm');
    if (!current) continue;
    if (installed.get(name) === current.kernelFunc) continue;
    const kernelFunc = wrap(body, load.kernels, current.kernelFunc);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...current, kernelFunc });
    installed.set(name, kernelFunc);
  }
  enabled = true;
  syncFusedKernels();
  installReluGradient();
  return status;
}

/**
 * One fused Adam/AdamW step of `w` on the native path: the new variable value and moments, or
 * null when the native path is not in use (the caller then runs the element-wise version).
 */
export function nativeAdamStep(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, p: AdamStepParams): [tf.Tensor, tf.Tensor, tf.Tensor] | null {
  if (!nativeKernelsEnabled() || tf.getBackend() !== 'wasm' || w.dtype !== 'float32' || g.dtype !== 'float32') return null;
  if (!tf.getKernel(ADAM_KERNEL, 'wasm')) return null;
  const out = tf.engine().runKernel(ADAM_KERNEL, { w, g, m, v }, { ...p }) as tf.Tensor[];
  return [out[0], out[1], out[2]];
}
