// Registers the kernels that let the stock tfjs wasm backend train conv nets fast: the ones it
// lacks (Conv2DBackpropFilter, both depthwise gradients) and faster Conv2DBackpropInput,
// MaxPoolGrad and Tile.
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseBackpropFilterConfig, depthwiseBackpropInputConfig } from './depthwise-backprop';
import { maxPoolGradConfig, tileConfig } from './pool-and-tile';

const configs: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  conv2dBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  depthwiseBackpropInputConfig,
  maxPoolGradConfig,
  tileConfig,
];

/** Names of the wasm kernels medtransfer provides (added or replaced). */
export const wasmGradientKernels: readonly string[] = configs.map((c) => c.kernelName);

/**
 * Registers medtransfer's wasm gradient kernels; safe to call any number of times. Loads the wasm
 * backend package first so its own registrations cannot later overwrite these.
 */
export function registerWasmGradients(): readonly string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  for (const config of configs) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing?.kernelFunc === config.kernelFunc) continue;
    // registerKernel only warns on a duplicate; unregister the stock kernel to replace it quietly.
    if (existing) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
  return wasmGradientKernels;
}
