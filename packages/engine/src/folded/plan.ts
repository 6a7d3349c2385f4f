// The evaluation plan of a frozen functional model: its layers in topological order, with every
// convolution → batch norm (inference mode) → ReLU / ReLU6 / linear chain marked for one fused
// convolution, identity layers (dropout) removed, and everything else left to the layer itself.
// Built once per model from the symbolic graph; a layer type it does not know makes no plan.
import type * as tf from '@tensorflow/tfjs';

export type FusedActivation = 'linear' | 'relu' | 'relu6';

/** A Conv2D or DepthwiseConv2D, optionally followed by a batch norm and an activation, run as one fused op. */
export interface ConvStep {
  kind: 'conv';
  conv: tf.layers.Layer;
  depthwise: boolean;
  /** Folded into the kernel and bias; null when the conv is not followed by one. */
  bn: tf.layers.Layer | null;
  activation: FusedActivation;
  /** A ZeroPadding2D folded into a 'valid' Conv2D as explicit padding: [[top, bottom], [left, right]]. */
  pad: [[number, number], [number, number]] | null;
  /** Names of the layers this step replaces, in order (for messages and tests). */
  layers: string[];
  input: number;
  output: number;
}

/** Any other layer: its own `apply` in inference mode. */
export interface LayerStep {
  kind: 'layer';
  layer: tf.layers.Layer;
  inputs: number[];
  output: number;
}

export type PlanStep = ConvStep | LayerStep;

export interface EvalPlan {
  /** Tensor slots: 0 is the model input. */
  slots: number;
  steps: PlanStep[];
  output: number;
  /** How many steps read each slot (the output slot counts one extra: the caller). */
  uses: number[];
}

/** Either a plan or why the model runs layer by layer. */
export type PlanResult = { plan: EvalPlan; reason: null } | { plan: null; reason: string };

/** Layers run as their own `apply` (inference mode is deterministic for all of them). */
const APPLIED = new Set([
  'Activation', 'ReLU', 'BatchNormalization', 'Conv2D', 'DepthwiseConv2D', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Add', 'Concatenate', 'ZeroPadding2D', 'Dense', 'Flatten', 'Reshape',
]);
/** Layers that are the identity in inference mode. */
const IDENTITY = new Set(['Dropout']);

// Fields of tfjs-layers' classes (declared there, not exported).
interface ConvFields {
  rank?: number;
  padding: string;
  dataFormat: string;
  activation: { getClassName(): string };
}
interface BatchNormFields {
  axis: number;
}
interface ReLUFields {
  maxValue?: number | null;
}
interface ActivationFields {
  activation: { getClassName(): string };
}
interface ZeroPadFields {
  padding: [[number, number], [number, number]];
  dataFormat: string;
}

const className = (layer: tf.layers.Layer) => layer.getClassName();

/** The fused-kernel activation an activation layer computes, or null when it is no such layer. */
export function activationOf(layer: tf.layers.Layer): FusedActivation | null {
  if (className(layer) === 'ReLU') {
    const max = (layer as unknown as ReLUFields).maxValue;
    return max == null ? 'relu' : max === 6 ? 'relu6' : null;
  }
  if (className(layer) === 'Activation') {
    const name = (layer as unknown as ActivationFields).activation.getClassName();
    return name === 'linear' || name === 'relu' || name === 'relu6' ? name : null;
  }
  return null;
}

function foldableConv(layer: tf.layers.Layer): boolean {
  const c = className(layer);
  if (c !== 'Conv2D' && c !== 'DepthwiseConv2D') return false;
  const f = layer as unknown as ConvFields;
  return (c === 'DepthwiseConv2D' || f.rank === 2) && f.dataFormat === 'channelsLast' && f.padding !== 'causal';
}

function convActivation(layer: tf.layers.Layer): FusedActivation | null {
  const name = (layer as unknown as ConvFields).activation.getClassName();
  return name === 'linear' || name === 'relu' || name === 'relu6' ? name : null;
}

function channelsLastBn(layer: tf.layers.Layer, rank: number): boolean {
  const axis = (layer as unknown as BatchNormFields).axis;
  return className(layer) === 'BatchNormalization' && (axis === -1 || axis === rank - 1);
}

/** Symbolic tensors from the model input to its output, producers before consumers. */
function topologicalOrder(model: tf.LayersModel): tf.SymbolicTensor[] | string {
  const input = model.inputs[0];
  const order: tf.SymbolicTensor[] = [];
  const done = new Set<number>([input.id]);
  const stack: Array<{ t: tf.SymbolicTensor; expanded: boolean }> = [{ t: model.outputs[0], expanded: false }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (done.has(top.t.id)) {
      stack.pop();
      continue;
    }
    if (top.expanded) {
      stack.pop();
      done.add(top.t.id);
      order.push(top.t);
      continue;
    }
    if (top.t.inputs.length === 0) return `tensor "${top.t.name}" is not computed from the model input`;
    top.expanded = true;
    for (const x of top.t.inputs) if (!done.has(x.id)) stack.push({ t: x, expanded: false });
  }
  return order;
}

/** Why the layer that produced `t` cannot be run by a plan, or null. */
function unsupported(t: tf.SymbolicTensor): string | null {
  const layer = t.sourceLayer as tf.layers.Layer;
  const c = className(layer);
  if (!APPLIED.has(c) && !IDENTITY.has(c)) return `layer "${layer.name}" (${c}) has no folded evaluation`;
  const node = layer.inboundNodes[t.nodeIndex];
  if (!node || node.outputTensors.length !== 1) return `layer "${layer.name}" (${c}) has more than one output`;
  if (IDENTITY.has(c) && t.inputs.length !== 1) return `layer "${layer.name}" (${c}) has ${t.inputs.length} inputs`;
  return null;
}

/** The plan of `model` (one input, one output), or why there is none. */
export function buildPlan(model: tf.LayersModel): PlanResult {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    return { plan: null, reason: `model "${model.name}" has ${model.inputs.length} inputs and ${model.outputs.length} outputs` };
  }
  const order = topologicalOrder(model);
  if (typeof order === 'string') return { plan: null, reason: order };
  for (const t of order) {
    const why = unsupported(t);
    if (why) return { plan: null, reason: why };
  }
  const output = model.outputs[0];
  const consumers = new Map<number, tf.SymbolicTensor[]>();
  for (const t of order) for (const x of t.inputs) consumers.set(x.id, [...(consumers.get(x.id) ?? []), t]);
  /** The single consumer of `t`, when `t` is used once and is not the model output. */
  const onlyConsumer = (t: tf.SymbolicTensor) => {
    const c = consumers.get(t.id) ?? [];
    return c.length === 1 && t.id !== output.id ? c[0] : null;
  };

  const slotOf = new Map<number, number>([[model.inputs[0].id, 0]]);
  let slots = 1;
  const steps: PlanStep[] = [];
  const absorbed = new Set<number>();
  /** Paddings waiting for the conv that consumes them, by the conv's output tensor. */
  const padded = new Map<number, { pad: [[number, number], [number, number]]; name: string }>();
  for (const t of order) {
    if (absorbed.has(t.id)) continue;
    const layer = t.sourceLayer as tf.layers.Layer;
    const inputSlots = t.inputs.map((x) => slotOf.get(x.id) as number);
    if (IDENTITY.has(className(layer))) {
      slotOf.set(t.id, inputSlots[0]);
      continue;
    }
    if (className(layer) === 'ZeroPadding2D') {
      // padding followed only by a 'valid' Conv2D becomes the conv's explicit padding
      const next = onlyConsumer(t);
      const f = layer as unknown as ZeroPadFields;
      const nextLayer = next?.sourceLayer as tf.layers.Layer | undefined;
      if (next && nextLayer && f.dataFormat === 'channelsLast' && className(nextLayer) === 'Conv2D' && foldableConv(nextLayer) &&
        convActivation(nextLayer) !== null && (nextLayer as unknown as ConvFields).padding === 'valid') {
        slotOf.set(t.id, inputSlots[0]);
        padded.set(next.id, { pad: f.padding, name: layer.name });
        continue;
      }
    }
    if (foldableConv(layer) && convActivation(layer) !== null) {
      const names = [layer.name];
      const folded = padded.get(t.id);
      if (folded) names.unshift(folded.name);
      let end = t;
      let bn: tf.layers.Layer | null = null;
      let activation = convActivation(layer) as FusedActivation;
      const afterConv = onlyConsumer(end);
      if (activation === 'linear' && afterConv && channelsLastBn(afterConv.sourceLayer as tf.layers.Layer, 4)) {
        bn = afterConv.sourceLayer as tf.layers.Layer;
        end = afterConv;
        names.push(bn.name);
      }
      const afterBn = onlyConsumer(end);
      const act = afterBn ? activationOf(afterBn.sourceLayer as tf.layers.Layer) : null;
      if (activation === 'linear' && afterBn && act) {
        activation = act;
        end = afterBn;
        names.push((afterBn.sourceLayer as tf.layers.Layer).name);
      }
      for (let x: tf.SymbolicTensor = end; x !== t; x = x.inputs[0]) absorbed.add(x.id);
      slotOf.set(end.id, slots);
      steps.push({
        kind: 'conv', conv: layer, depthwise: className(layer) === 'DepthwiseConv2D', bn, activation,
        pad: folded?.pad ?? null, layers: names, input: inputSlots[0], output: slots++,
      });
      continue;
    }
    if (padded.has(t.id)) throw new Error(`internal: padding folded into "${layer.name}", which runs unfused`);
    slotOf.set(t.id, slots);
    steps.push({ kind: 'layer', layer, inputs: inputSlots, output: slots++ });
  }
  const uses = new Array<number>(slots).fill(0);
  for (const s of steps) for (const i of s.kind === 'conv' ? [s.input] : s.inputs) uses[i]++;
  const out = slotOf.get(output.id) as number;
  uses[out]++;
  return { plan: { slots, steps, output: out, uses }, reason: null };
}
