// Small functional models with the layer patterns of the zoo's backbones (CBR chains, ResNet
// padding + strided convs and residual adds, Inception branches with scale-free batch norm and
// concatenation, MobileNet depthwise + ReLU6 and its conv head), with seeded non-trivial weights
// and batch-norm statistics, for the folded-evaluation tests (and their child process).
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@medtransfer/core';

type Sym = tf.SymbolicTensor;
const L = tf.layers;

function conv(x: Sym, name: string, filters: number, kernel: number | [number, number], o: Partial<{ strides: number; padding: 'same' | 'valid'; useBias: boolean; activation: 'linear' | 'relu' }> = {}): Sym {
  return L.conv2d({ name, filters, kernelSize: kernel, strides: o.strides ?? 1, padding: o.padding ?? 'same', useBias: o.useBias ?? false, activation: o.activation }).apply(x) as Sym;
}
function bn(x: Sym, name: string, o: { scale?: boolean; center?: boolean; epsilon?: number } = {}): Sym {
  return L.batchNormalization({ name, axis: -1, epsilon: o.epsilon ?? 1e-3, scale: o.scale ?? true, center: o.center ?? true }).apply(x) as Sym;
}
const relu = (x: Sym, name: string) => L.activation({ name, activation: 'relu' }).apply(x) as Sym;
const relu6 = (x: Sym, name: string) => L.reLU({ name, maxValue: 6 }).apply(x) as Sym;
const dense = (x: Sym, units: number) => L.dense({ name: 'logits', units }).apply(x) as Sym;

/** conv → BN → ReLU → max-pool, twice, then GAP and a dense head (the CBR nets). */
function cbrLike(input: Sym): Sym {
  let x = input;
  [8, 12].forEach((f, i) => {
    x = relu(bn(conv(x, `c${i}`, f, 5), `bn${i}`), `relu${i}`);
    x = L.maxPooling2d({ name: `pool${i}`, poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
  });
  return dense(L.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym, 3);
}

/** ResNet: padded stride-2 stem, a projection block, convs with bias, BN before the add, ReLU after. */
function resnetLike(input: Sym): Sym {
  let x = L.zeroPadding2d({ name: 'stem_pad', padding: [[3, 3], [3, 3]] }).apply(input) as Sym;
  x = relu(bn(conv(x, 'stem_conv', 8, 7, { strides: 2, padding: 'valid', useBias: true }), 'stem_bn', { epsilon: 1.001e-5 }), 'stem_relu');
  x = L.maxPooling2d({ name: 'stem_pool', poolSize: 3, strides: 2, padding: 'same' }).apply(x) as Sym;
  const shortcut = bn(conv(x, 'b_0_conv', 16, 1, { strides: 2, useBias: true }), 'b_0_bn');
  let y = L.zeroPadding2d({ name: 'b_1_pad', padding: [[1, 1], [1, 1]] }).apply(x) as Sym;
  y = relu(bn(conv(y, 'b_1_conv', 16, 3, { strides: 2, padding: 'valid', useBias: true }), 'b_1_bn'), 'b_1_relu');
  y = bn(conv(y, 'b_2_conv', 16, 3, { useBias: true }), 'b_2_bn');
  x = relu(L.add({ name: 'b_add' }).apply([shortcut, y]) as Sym, 'b_out');
  // a conv with its own ReLU and no batch norm, then a 1×1 conv read by two layers (not fusable)
  x = conv(x, 'own_relu', 16, 3, { useBias: true, activation: 'relu' });
  const shared = conv(x, 'shared', 16, 1);
  x = L.add({ name: 'shared_add' }).apply([bn(shared, 'shared_bn'), shared]) as Sym;
  return dense(L.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym, 2);
}

/** Inception: branches of 1×1, 1×7 → 7×1 and avg-pool → 1×1 convs with scale-free BN, concatenated. */
function inceptionLike(input: Sym): Sym {
  let n = 0;
  const cbr = (x: Sym, f: number, k: number | [number, number], padding: 'same' | 'valid' = 'same', strides = 1) => {
    n++;
    return relu(bn(conv(x, `conv${n}`, f, k, { padding, strides }), `bn${n}`, { scale: false }), `act${n}`);
  };
  const x = cbr(input, 8, 3, 'valid', 2);
  const b1 = cbr(x, 4, 1);
  const b7 = cbr(cbr(x, 4, [1, 7]), 6, [7, 1]);
  const bp = cbr(L.averagePooling2d({ name: 'avg', poolSize: 3, strides: 1, padding: 'same' }).apply(x) as Sym, 4, 1);
  const mixed = L.concatenate({ name: 'mixed', axis: -1 }).apply([b1, b7, bp]) as Sym;
  const down = L.maxPooling2d({ name: 'down', poolSize: 3, strides: 2, padding: 'valid' }).apply(mixed) as Sym;
  return dense(L.globalAveragePooling2d({ name: 'gap' }).apply(down) as Sym, 4);
}

/** MobileNet: conv → BN → ReLU6, padded stride-2 depthwise blocks (one with multiplier 2 and bias), conv head. */
function mobilenetLike(input: Sym): Sym {
  let x = relu6(bn(conv(input, 'conv1', 8, 3, { strides: 2 }), 'conv1_bn'), 'conv1_relu');
  const dw = (y: Sym, id: number, stride: number, multiplier: number, useBias: boolean) => {
    if (stride > 1) y = L.zeroPadding2d({ name: `pad_${id}`, padding: [[0, 1], [0, 1]] }).apply(y) as Sym;
    y = L.depthwiseConv2d({ name: `dw_${id}`, kernelSize: 3, strides: stride, padding: stride > 1 ? 'valid' : 'same', depthMultiplier: multiplier, useBias }).apply(y) as Sym;
    return relu6(bn(y, `dw_${id}_bn`), `dw_${id}_relu`);
  };
  x = dw(x, 1, 1, 1, false);
  x = relu6(bn(conv(x, 'pw_1', 16, 1), 'pw_1_bn'), 'pw_1_relu');
  x = dw(x, 2, 2, 2, true);
  x = relu6(bn(conv(x, 'pw_2', 24, 1), 'pw_2_bn'), 'pw_2_relu');
  const f = L.globalAveragePooling2d({ name: 'gap' }).apply(x) as Sym;
  let y = L.reshape({ name: 'reshape_1', targetShape: [1, 1, 24] }).apply(f) as Sym;
  y = L.dropout({ name: 'dropout', rate: 0.5 }).apply(y) as Sym;
  y = L.conv2d({ name: 'conv_preds', filters: 3, kernelSize: 1, padding: 'same' }).apply(y) as Sym;
  return L.reshape({ name: 'reshape_2', targetShape: [3] }).apply(y) as Sym;
}

/** A plain head on flattened pixels: flatten → dense → dropout → dense. */
function flatLike(input: Sym): Sym {
  const x = L.flatten({ name: 'flat' }).apply(input) as Sym;
  const h = L.dense({ name: 'hidden', units: 6, activation: 'relu' }).apply(x) as Sym;
  return dense(L.dropout({ name: 'drop', rate: 0.3 }).apply(h) as Sym, 2);
}

export const FIXTURE_MODELS = { cbr: cbrLike, resnet: resnetLike, inception: inceptionLike, mobilenet: mobilenetLike, flat: flatLike } as const;
export type FixtureName = keyof typeof FIXTURE_MODELS;

/**
 * Builds fixture `name` for `shape` ([h, w, c]) and gives every weight seeded values: kernels
 * scaled by 1/√fan-in, biases and β around 0, γ in [0.5, 1.5], moving means around 0 and
 * variances in [0.3, 2], so that folding the batch norm really changes the kernels.
 */
export function fixtureModel(name: FixtureName, shape: [number, number, number], seed: number): tf.LayersModel {
  const input = tf.input({ shape, name: 'input' });
  const model = tf.model({ inputs: input, outputs: FIXTURE_MODELS[name](input), name });
  const rng = new Rng(seed);
  tf.tidy(() => model.setWeights(
    model.weights.map((w) => {
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length > 1 ? size / shape[shape.length - 1] : 1;
      const values = new Float32Array(size);
      const draw = (): number => {
        // `name` gets a suffix when another model used the same layer names; `originalName` does not
        if (w.originalName.endsWith('moving_variance')) return rng.uniform(0.3, 2);
        if (w.originalName.endsWith('gamma')) return rng.uniform(0.5, 1.5);
        if (shape.length === 1) return rng.normal(0, 0.3);
        return rng.normal(0, 1 / Math.sqrt(fanIn));
      };
      for (let i = 0; i < size; i++) values[i] = draw();
      return tf.tensor(values, shape);
    }),
  ));
  return model;
}

/** Seeded standard-normal images of `shape` ([n, h, w, c]) as an array. */
export function fixtureImages(shape: [number, number, number, number], seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}
