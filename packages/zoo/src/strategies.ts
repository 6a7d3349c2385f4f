// Initialisation strategies of the Transfusion study (Raghu et al., NeurIPS 2019, §4–5): scratch,
// full transfer, weight transfusion of the lowest k layer groups, Mean-Var init, frozen lowest
// groups, and a synthetic Gabor first layer. Each works on any backbone through its layer groups.
import * as tf from '@tensorflow/tfjs';
import { ConfigError, Rng, getLogger } from '@medtransfer/core';
import type { LoadReport, NamedWeights } from './checkpoint';
import { loadWeights } from './checkpoint';
import type { ClassifierModel } from './model';
import { SLIM_DEFAULTS, SLIM_TOP_GROUP, type SlimOptions } from './slim';
import { layerOf, namedWeights, shapeOf } from './weight-names';

const log = getLogger('zoo');

export type InitStrategy =
  | { kind: 'scratch' }
  | { kind: 'pretrained' }
  /** Pretrained weights for layer groups 1..k, the rest freshly initialised. */
  | { kind: 'transfusion'; k: number }
  /** Each tensor drawn i.i.d. from N(mean, std) of the pretrained tensor. */
  | { kind: 'mean-var'; batchNorm: boolean }
  /** Full transfer, then groups 1..k are not trained and their batch norms run in inference mode. */
  | { kind: 'frozen'; k: number }
  /** conv1 set to a fixed Gabor filter bank, everything else as from scratch. */
  | { kind: 'gabor-conv1' }
  /** The slim model (build it with `createSlimModel`): pretrained groups 1..keep, a fresh top. */
  | ({ kind: 'slim' } & SlimOptions);

export interface InitOutcome {
  /** One line for logs: what was done. */
  description: string;
  /** Weight-loading report, for strategies that load pretrained weights. */
  report?: LoadReport;
  /** Layers whose weights will not be trained. */
  frozenLayers: string[];
}

/** Does the strategy need pretrained weights? */
export function needsPretrained(s: InitStrategy): boolean {
  return s.kind === 'pretrained' || s.kind === 'transfusion' || s.kind === 'mean-var' || s.kind === 'frozen' || s.kind === 'slim';
}

/** Stable identifier used in trial names and result tables: `transfusion-2`, `mean-var-nobn`, … */
export function strategyId(s: InitStrategy): string {
  switch (s.kind) {
    case 'transfusion':
    case 'frozen':
      return `${s.kind}-${s.k}`;
    case 'mean-var':
      return s.batchNorm ? 'mean-var' : 'mean-var-nobn';
    case 'slim':
      // Non-default top sizes are part of the name: `slim-2-cbr`, `slim-2-depthwise-b3-f128`.
      return `slim-${s.keep}-${s.top}${s.blocks === SLIM_DEFAULTS.blocks ? '' : `-b${s.blocks}`}${s.filters === SLIM_DEFAULTS.filters ? '' : `-f${s.filters}`}`;
    default:
      return s.kind;
  }
}

/** The backbone's groups without the head: the k of transfusion/frozen counts these. */
function bodyGroups(m: ClassifierModel) {
  const head = new Set(m.headLayers);
  return m.groups.filter((g) => !g.layers.every((l) => head.has(l)));
}

function checkK(m: ClassifierModel, k: number, path: string): string[] {
  const groups = bodyGroups(m);
  if (!Number.isInteger(k) || k < 1 || k > groups.length) {
    throw new ConfigError(
      path,
      `${m.backbone} has ${groups.length} layer groups (${groups.map((g) => g.name).join(', ')}); k must be a whole number from 1 to ${groups.length}, received ${k}`,
    );
  }
  return groups.slice(0, k).flatMap((g) => g.layers);
}

const isBatchNorm = (m: ClassifierModel, layer: string) => m.model.getLayer(layer).getClassName() === 'BatchNormalization';

/**
 * Makes a batch-norm layer always run in inference mode (moving statistics, no updates):
 * tfjs's BatchNormalization uses batch statistics whenever it is called with training=true,
 * even when the layer is not trainable, unlike Keras in TF 2.
 */
function inferenceModeBatchNorm(layer: tf.layers.Layer): void {
  const patched = layer as unknown as { call: (inputs: unknown, kwargs: Record<string, unknown>) => unknown };
  const call = patched.call.bind(layer);
  patched.call = (inputs, kwargs) => call(inputs, { ...kwargs, training: false });
}

/** A fixed Gabor bank (orientations × wavelengths × two phases), zero-mean and He-scaled per filter. */
export function gaborBank(shape: number[]): Float32Array {
  const [kh, kw, cin, cout] = shape;
  const out = new Float32Array(kh * kw * cin * cout);
  const orientations = 8;
  const heStd = Math.sqrt(2 / (kh * kw * cin));
  for (let o = 0; o < cout; o++) {
    const theta = (Math.PI * (o % orientations)) / orientations;
    const band = Math.floor(o / orientations);
    const lambda = Math.max(2, Math.min(kh, kw) / (1 + (band >> 1)));
    const psi = band % 2 === 0 ? 0 : Math.PI / 2;
    const sigma = 0.56 * lambda;
    const f = new Float64Array(kh * kw);
    let mean = 0;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const dx = x - (kw - 1) / 2;
        const dy = y - (kh - 1) / 2;
        const xr = dx * Math.cos(theta) + dy * Math.sin(theta);
        const yr = -dx * Math.sin(theta) + dy * Math.cos(theta);
        const v = Math.exp(-(xr * xr + 0.25 * yr * yr) / (2 * sigma * sigma)) * Math.cos((2 * Math.PI * xr) / lambda + psi);
        f[y * kw + x] = v;
        mean += v;
      }
    }
    mean /= kh * kw;
    let sq = 0;
    for (let i = 0; i < f.length; i++) sq += (f[i] - mean) ** 2;
    const scale = sq > 0 ? heStd / Math.sqrt(sq / f.length) : 0;
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        for (let c = 0; c < cin; c++) out[((y * kw + x) * cin + c) * cout + o] = (f[y * kw + x] - mean) * scale;
      }
    }
  }
  return out;
}

/**
 * Applies a strategy to a freshly created model (which holds the "scratch" initialisation).
 * `weights` are the pretrained weights (a source checkpoint); `path` is the config path for errors.
 */
export function applyInit(m: ClassifierModel, s: InitStrategy, weights: NamedWeights | undefined, seed: number, path = 'sweep.init'): InitOutcome {
  if (needsPretrained(s) && !weights) throw new ConfigError(path, `init "${strategyId(s)}" needs pretrained weights (a source stage)`);
  const outcome = (description: string, report?: LoadReport, frozenLayers: string[] = []): InitOutcome => {
    log.debug(`${m.backbone}: ${description}`);
    return { description, report, frozenLayers };
  };
  switch (s.kind) {
    case 'scratch':
      return outcome('standard initialisers (from scratch)');
    case 'pretrained': {
      const report = loadWeights(m, weights as NamedWeights, { exclude: m.headLayers });
      return outcome(`loaded ${report.matched.length} pretrained tensors; head freshly initialised`, report);
    }
    case 'transfusion': {
      const keep = new Set(checkK(m, s.k, path));
      const exclude = m.model.layers.map((l) => l.name).filter((l) => !keep.has(l));
      const report = loadWeights(m, weights as NamedWeights, { exclude });
      return outcome(`transfusion k=${s.k}: loaded ${report.matched.length} pretrained tensors of groups 1..${s.k}; the rest freshly initialised`, report);
    }
    case 'frozen': {
      const frozen = checkK(m, s.k, path);
      const report = loadWeights(m, weights as NamedWeights, { exclude: m.headLayers });
      for (const name of frozen) {
        const layer = m.model.getLayer(name);
        layer.trainable = false;
        if (isBatchNorm(m, name)) inferenceModeBatchNorm(layer);
      }
      return outcome(`frozen k=${s.k}: full transfer, ${frozen.length} layers of groups 1..${s.k} not trained (batch norms in inference mode)`, report, frozen);
    }
    case 'mean-var': {
      const head = new Set(m.headLayers);
      let drawn = 0;
      tf.tidy(() => {
        for (const w of namedWeights(m.model)) {
          if (head.has(w.layer)) continue;
          if (!s.batchNorm && isBatchNorm(m, w.layer)) continue;
          const t = (weights as NamedWeights).tensors.get(w.key);
          if (!t) continue;
          let mean = 0;
          for (const v of t.data) mean += v;
          mean /= t.data.length;
          let sq = 0;
          for (const v of t.data) sq += (v - mean) ** 2;
          const std = Math.sqrt(sq / t.data.length);
          const rng = new Rng(seed).fork(`mean-var/${w.key}`);
          const values = new Float32Array(t.data.length);
          for (let i = 0; i < values.length; i++) values[i] = rng.normal(mean, std);
          // moving variances must stay positive
          if (w.key.endsWith('/moving_variance')) for (let i = 0; i < values.length; i++) values[i] = Math.abs(values[i]);
          w.variable.write(tf.tensor(values, shapeOf(w.variable)));
          drawn++;
        }
      });
      return outcome(`mean-var: ${drawn} tensors drawn i.i.d. from N(mean, std) of the pretrained tensors${s.batchNorm ? '' : ' (batch norm left at its standard initialisation)'}`);
    }
    case 'slim': {
      const top = m.groups.findIndex((g) => g.name === SLIM_TOP_GROUP);
      if (top < 0) throw new Error(`internal: init "${strategyId(s)}" needs the slim model (createSlimModel), but ${m.backbone} has no ${SLIM_TOP_GROUP} group`);
      const keep = new Set(m.groups.slice(0, top).flatMap((g) => g.layers));
      const exclude = m.model.layers.map((l) => l.name).filter((l) => !keep.has(l));
      const report = loadWeights(m, weights as NamedWeights, { exclude });
      return outcome(
        `slim keep=${s.keep}: loaded ${report.matched.length} pretrained tensors of groups 1..${s.keep}; a fresh ${s.top} top (${s.blocks} × ${s.filters} channels) and head`,
        report,
      );
    }
    case 'gabor-conv1': {
      const conv = m.model.layers.find((l) => l.getClassName() === 'Conv2D');
      if (!conv) throw new ConfigError(path, `${m.backbone} has no Conv2D layer for a Gabor first layer`);
      const kernel = namedWeights(m.model).find((w) => w.layer === conv.name && w.key.endsWith('/kernel'));
      if (!kernel) throw new Error(`internal: ${conv.name} has no kernel`);
      const shape = shapeOf(kernel.variable);
      tf.tidy(() => {
        kernel.variable.write(tf.tensor(gaborBank(shape), shape));
      });
      return outcome(`gabor-conv1: ${layerOf(kernel.key)} set to a ${shape[3]}-filter Gabor bank; the rest from scratch`);
    }
  }
}
