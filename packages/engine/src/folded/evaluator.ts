// Folded evaluation: a frozen model's conv → batch norm → activation chains run as one fused
// convolution each, with the batch norm folded into the kernel and bias
// (W' = W·γ/√(var+ε) per output channel, b' = (b − mean)·γ/√(var+ε) + β), every other layer as its
// own `apply` in inference mode. The same logits as `model.apply(x, {training: false})` to float
// rounding, in fewer kernel calls. Folded weights are refreshed when any source weight changes.
import * as tf from '@tensorflow/tfjs';
import { getLogger } from '@medtransfer/core';
import { checkLogits } from '../losses';
import { type ConvStep, type EvalPlan, type PlanResult, buildPlan } from './plan';

const log = getLogger('engine');

// Weight fields of tfjs-layers' classes (declared there, not exported).
interface ConvWeights {
  kernel?: tf.LayerVariable;
  depthwiseKernel?: tf.LayerVariable;
  bias: tf.LayerVariable | null;
  strides: [number, number];
  padding: 'same' | 'valid';
  dilationRate: [number, number];
}
interface BatchNormWeights {
  epsilon: number;
  scale: boolean;
  center: boolean;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

interface FoldedConv {
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D;
}

const plans = new WeakMap<tf.LayersModel, PlanResult>();
const loggedReasons = new Set<string>();

/** The model's evaluation plan (built once per model), or why it has none (logged once per reason). */
export function evaluationPlan(model: tf.LayersModel): PlanResult {
  let result = plans.get(model);
  if (!result) {
    result = buildPlan(model);
    plans.set(model, result);
    if (result.reason !== null && !loggedReasons.has(result.reason)) {
      loggedReasons.add(result.reason);
      log.info(`evaluation runs model "${model.name}" layer by layer: ${result.reason}`);
    }
  }
  return result;
}

/** Every weight a conv step reads: a change in any of them makes its folded weights stale. */
function sources(step: ConvStep): tf.Tensor[] {
  const c = step.conv as unknown as ConvWeights;
  const out = [(step.depthwise ? c.depthwiseKernel : c.kernel)!.read()];
  if (c.bias) out.push(c.bias.read());
  if (step.bn) {
    const b = step.bn as unknown as BatchNormWeights;
    out.push(b.movingMean.read(), b.movingVariance.read());
    if (b.scale && b.gamma) out.push(b.gamma.read());
    if (b.center && b.beta) out.push(b.beta.read());
  }
  return out;
}

/** Kernel and bias of one step with its batch norm folded in (new tensors, owned by the caller). */
export function foldConv(step: ConvStep): FoldedConv {
  return tf.tidy(() => {
    const c = step.conv as unknown as ConvWeights;
    const kernel = (step.depthwise ? c.depthwiseKernel : c.kernel)!.read() as tf.Tensor4D;
    const bias = c.bias ? (c.bias.read() as tf.Tensor1D) : null;
    if (!step.bn) return bias ? { filter: tf.clone(kernel), bias: tf.clone(bias) } : { filter: tf.clone(kernel) };
    const b = step.bn as unknown as BatchNormWeights;
    const mean = b.movingMean.read() as tf.Tensor1D;
    let s = tf.rsqrt(tf.add(b.movingVariance.read(), b.epsilon)) as tf.Tensor1D;
    if (b.scale && b.gamma) s = tf.mul(s, b.gamma.read());
    // output channel k of a depthwise conv is input channel ⌊k / multiplier⌋, multiplier k mod it
    const perChannel = step.depthwise ? tf.reshape(s, [kernel.shape[2], kernel.shape[3]]) : s;
    const filter = tf.mul(kernel, perChannel) as tf.Tensor4D;
    let shift = tf.mul(bias ? tf.sub(bias, mean) : tf.neg(mean), s) as tf.Tensor1D;
    if (b.center && b.beta) shift = tf.add(shift, b.beta.read());
    return { filter, bias: shift };
  });
}

function runConv(step: ConvStep, x: tf.Tensor4D, w: FoldedConv): tf.Tensor4D {
  const c = step.conv as unknown as ConvWeights;
  const bias = w.bias;
  if (step.depthwise) {
    // tfjs' DepthwiseConv2D layer ignores its dilation rate; so does this
    return tf.fused.depthwiseConv2d({ x, filter: w.filter, strides: c.strides, pad: c.padding, dataFormat: 'NHWC', bias, activation: step.activation });
  }
  const pad = step.pad ? ([[0, 0], step.pad[0], step.pad[1], [0, 0]] as tf.backend_util.ExplicitPadding) : c.padding;
  return tf.fused.conv2d({ x, filter: w.filter, strides: c.strides, pad, dataFormat: 'NHWC', dilations: c.dilationRate, bias, activation: step.activation });
}

/**
 * A layer in inference mode: its own `apply`, except an Add of equal shapes, summed directly in the same order —
 * tfjs' Add layer first clones its first input, which is a full copy on the wasm backend.
 */
function runLayer(layer: tf.layers.Layer, xs: tf.Tensor[]): tf.Tensor {
  const sameShapes = xs.every((x) => tf.util.arraysEqual(x.shape, xs[0].shape));
  if (layer.getClassName() === 'Add' && xs.length > 1 && sameShapes) return xs.slice(1).reduce((sum, x) => tf.add(sum, x), xs[0]);
  return layer.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor;
}

/** Evaluates a model on batches; call `dispose` when done with it. */
export interface FoldedEvaluator {
  /** Whether the folded plan runs (false: the model's own inference call, see `evaluationPlan`). */
  readonly folded: boolean;
  /** Logits of `x` in inference mode (a new tensor; `x` stays the caller's). */
  predict(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

class PlanEvaluator implements FoldedEvaluator {
  readonly folded = true;
  private weights: FoldedConv[] = [];
  /** The data of each source weight the folded weights were computed from. */
  private seen: Array<{ t: tf.Tensor; dataId: object }> = [];
  private readonly convs: ConvStep[];

  constructor(
    private readonly model: tf.LayersModel,
    private readonly plan: EvalPlan,
  ) {
    this.convs = plan.steps.filter((s): s is ConvStep => s.kind === 'conv');
  }

  /** Refolds when a weight was written since the last fold (an assignment gives a variable new data). */
  private refresh(): void {
    if (this.seen.length && this.seen.every((s) => s.t.dataId === s.dataId)) return;
    this.dispose();
    // kept: `predict` is usually called inside the caller's tidy, which must not free them
    this.weights = this.convs.map((step) => {
      const w = foldConv(step);
      return w.bias ? { filter: tf.keep(w.filter), bias: tf.keep(w.bias) } : { filter: tf.keep(w.filter) };
    });
    this.seen = this.convs.flatMap(sources).map((t) => ({ t, dataId: t.dataId }));
  }

  predict(x: tf.Tensor4D): tf.Tensor2D {
    this.refresh();
    const { plan } = this;
    const weights = this.weights;
    return tf.tidy(() => {
      const values: Array<tf.Tensor | undefined> = new Array(plan.slots);
      const left = plan.uses.slice();
      values[0] = x;
      let conv = 0;
      for (const step of plan.steps) {
        const inputs = step.kind === 'conv' ? [step.input] : step.inputs;
        const xs = inputs.map((i) => values[i] as tf.Tensor);
        values[step.output] =
          step.kind === 'conv'
            ? runConv(step, xs[0] as tf.Tensor4D, weights[conv++])
            : runLayer(step.layer, xs);
        // free each intermediate after its last reader, as the model's own inference call does
        for (const i of inputs) {
          if (--left[i] === 0 && i !== 0) {
            values[i]!.dispose();
            values[i] = undefined;
          }
        }
      }
      return checkLogits(this.model, values[plan.output] as tf.Tensor);
    });
  }

  dispose(): void {
    for (const w of this.weights) tf.dispose([w.filter, w.bias]);
    this.weights = [];
    this.seen = [];
  }
}

class LayersEvaluator implements FoldedEvaluator {
  readonly folded = false;
  constructor(private readonly model: tf.LayersModel) {}
  predict(x: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => checkLogits(this.model, this.model.apply(x, { training: false })));
  }
  dispose(): void {}
}

/**
 * An evaluator of `model` in inference mode: the folded plan when the model has one, else the
 * model's own call (a layer type the plan does not know; logged once). Folded weights are
 * computed at the first `predict` and again whenever a weight of the model has been written.
 */
export function foldedEvaluator(model: tf.LayersModel): FoldedEvaluator {
  const { plan } = evaluationPlan(model);
  return plan ? new PlanEvaluator(model, plan) : new LayersEvaluator(model);
}
