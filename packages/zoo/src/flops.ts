// FLOP count of a tfjs Layers model from its conv and dense layers: the number the bench's
// GFLOP/s and the runner's time estimates come from. Convention: 2 FLOPs per multiply-accumulate;
// training ≈ 3 × forward.
import * as tf from '@tensorflow/tfjs';
import { MedtransferError } from '@medtransfer/core';

/**
 * Training FLOPs per image = TRAINING_FACTOR × forward: the forward pass, the input gradient
 * and the weight gradient each cost about one forward pass of multiply-accumulates (the
 * first layer's input gradient is not needed, so this slightly over-counts). Batch norm,
 * activations, pooling and the optimiser update are not counted (they are memory-bound and
 * small next to the convolutions). PyTorch-side numbers use the same convention.
 */
export const TRAINING_FACTOR = 3;

export interface LayerFlops {
  layer: string;
  className: string;
  /** Multiply-accumulates per image. */
  macs: number;
}

export interface FlopCount {
  /** Forward FLOPs per image (2 × MACs). */
  forward: number;
  /** TRAINING_FACTOR × forward. */
  training: number;
  /** Counted layers, in model order. */
  layers: LayerFlops[];
}

/** Weight kernels whose size, times the output positions, gives a layer's MACs. */
const KERNELS: Record<string, string[]> = {
  Conv1D: ['kernel'],
  Conv2D: ['kernel'],
  Conv3D: ['kernel'],
  DepthwiseConv2D: ['depthwise_kernel'],
  SeparableConv2D: ['depthwise_kernel', 'pointwise_kernel'],
  Dense: ['kernel'],
};

type LayerLike = {
  name: string;
  getClassName(): string;
  layers?: LayerLike[];
  weights: { originalName: string; shape: number[] }[];
  outputShape: (number | null)[] | (number | null)[][];
};

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

function weightShape(layer: LayerLike, suffix: string): number[] | undefined {
  // originalName is `<layer>/<weight>`; match the last path component exactly
  return layer.weights.find((w) => w.originalName.split('/').pop() === suffix)?.shape;
}

/** Output positions per image that each apply the whole kernel once: all output dims but the last. */
function positions(layer: LayerLike): number {
  const shape = layer.outputShape;
  if (Array.isArray(shape[0])) {
    throw new MedtransferError(`layer "${layer.name}" is applied more than once (shared layer); the FLOP counter expects one application per layer`);
  }
  const dims = (shape as (number | null)[]).slice(1, -1);
  if (dims.some((d) => d === null)) {
    throw new MedtransferError(`layer "${layer.name}" has an unknown output size [${shape.join(', ')}]; build the model with a fixed input size`);
  }
  return prod(dims as number[]);
}

function collect(layers: LayerLike[], out: LayerFlops[]): void {
  for (const layer of layers) {
    if (layer.layers) {
      collect(layer.layers, out); // nested model
      continue;
    }
    const className = layer.getClassName();
    if (className === 'Conv2DTranspose') {
      // each input position scatters the whole kernel: positions = input spatial size
      throw new MedtransferError(`layer "${layer.name}": the FLOP counter does not handle ${className}`);
    }
    const kernels = KERNELS[className];
    if (!kernels) continue;
    const shapes = kernels.map((k) => weightShape(layer, k));
    if (shapes.some((s) => s === undefined)) {
      throw new MedtransferError(`layer "${layer.name}" (${className}) has no weight ${kernels.join(' / ')}; cannot count its FLOPs`);
    }
    const n = positions(layer);
    // SeparableConv2D: the depthwise and the pointwise kernel both run at every output position
    // (valid because separable convs in tfjs apply the stride in the depthwise step).
    const macs = shapes.reduce((sum, s) => sum + n * prod(s as number[]), 0);
    out.push({ layer: layer.name, className, macs });
  }
}

/** FLOPs per image of `model`: 2 × the MACs of its Conv1D/2D/3D, DepthwiseConv2D, SeparableConv2D and Dense layers. */
export function countFlops(model: tf.LayersModel): FlopCount {
  const layers: LayerFlops[] = [];
  collect((model as unknown as LayerLike).layers ?? [], layers);
  const forward = 2 * layers.reduce((s, l) => s + l.macs, 0);
  return { forward, training: TRAINING_FACTOR * forward, layers };
}

/**
 * FLOPs per image of `model`'s architecture at another input shape `[height, width, channels]`.
 * The topology is rebuilt from the model's config with tfjs' fast weight init (zeros instead of
 * the seeded random numbers that make up most of building a ResNet-50), counted and disposed,
 * so one built model gives every size cheaply. Needs a functional model with one input.
 */
export function countFlopsAt(model: tf.LayersModel, inputShape: readonly [number, number, number]): FlopCount {
  const current = model.inputs.length === 1 ? model.inputs[0].shape.slice(1) : undefined;
  if (current && current.every((d, i) => d === inputShape[i])) return countFlops(model);
  const config = model.getConfig() as { layers?: Array<{ className: string; config: { batchInputShape?: (number | null)[] } }> };
  const inputs = (config.layers ?? []).filter((l) => l.className === 'InputLayer');
  if (model.inputs.length !== 1 || inputs.length !== 1 || !inputs[0].config.batchInputShape) {
    throw new MedtransferError(`model "${model.name}": counting FLOPs at another input size needs a functional model with one input`);
  }
  inputs[0].config.batchInputShape = [null, ...inputShape];
  const rebuilt = tf.LayersModel.fromConfig(tf.LayersModel, config as unknown as tf.serialization.ConfigDict, {}, true) as tf.LayersModel;
  try {
    return countFlops(rebuilt);
  } finally {
    rebuilt.dispose();
  }
}
