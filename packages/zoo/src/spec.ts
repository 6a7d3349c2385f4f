// The backbone contract every family file answers (build options, parts, layer groups, head) and
// the default Dense head; imports nothing from the families, the registry or createModel.
import * as tf from '@tensorflow/tfjs';
import { glorotUniformFor } from './init';

/** Layers that can be frozen, transferred or given their own learning rate together. */
export interface LayerGroup {
  name: string;
  layers: string[];
}

export interface BackboneBuildOptions {
  inputShape: [number, number, number];
  /** Already validated by `parseParams` (defaults filled in). */
  params: Record<string, unknown>;
  /** Config path of this backbone reference, for errors (`sweep.backbone[1]`). */
  path: string;
  seed: number;
}

export interface BackboneParts {
  input: tf.SymbolicTensor;
  /** After global pooling: [null, F]. */
  features: tf.SymbolicTensor;
  /** Ordered from the input: stem/block1, block2, …; the head group is added by createModel. */
  groups: LayerGroup[];
}

export interface HeadOptions {
  numClasses: number;
  seed: number;
  /** The backbone's resolved params (e.g. MobileNet's `dropout`). */
  params: Record<string, unknown>;
}

export interface HeadParts {
  /** [null, numClasses], no activation. */
  logits: tf.SymbolicTensor;
  /** Every layer the head added, in order: the `head` group and `ClassifierModel.headLayers`. */
  layers: string[];
}

/** Builds the classifier on top of the pooled features. */
export type HeadBuilder = (features: tf.SymbolicTensor, opts: HeadOptions) => HeadParts;

export interface BackboneSpec {
  /** Registry name, e.g. `cbr-small`. */
  name: string;
  /** Validates params with a strict schema and fills defaults; throws ConfigError at `${path}.params.<key>`. */
  parseParams(params: Record<string, unknown>, path: string): Record<string, unknown>;
  /** Smallest height/width (pixels) the backbone takes with these (parsed) params; `build` refuses smaller. */
  minInputSize(params: Record<string, unknown>): number;
  build(opts: BackboneBuildOptions): BackboneParts;
  /** The classifier; default `denseHead(HEAD_LAYER)`. Keras-compatible nets use Keras' own head names. */
  head?: HeadBuilder;
}

/** The default classifier layer (CBR nets); excluded when loading into a new head. */
export const HEAD_LAYER = 'head_dense';

/** A single Dense layer of logits named `name` (Glorot-uniform seeded by the name, zero bias). */
export function denseHead(name: string): HeadBuilder {
  return (features, { numClasses, seed }) => {
    const head = tf.layers.dense({ units: numClasses, name, kernelInitializer: glorotUniformFor(seed, name), biasInitializer: 'zeros' });
    return { logits: head.apply(features) as tf.SymbolicTensor, layers: [name] };
  };
}
