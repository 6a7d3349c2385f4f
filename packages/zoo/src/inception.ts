// Inception-v3 (Szegedy et al. 2016) exactly as keras.applications `inception_v3.py` builds it,
// including Keras' automatic layer names (`conv2d_7`, `batch_normalization_7`, …) so weights map by name.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { LayerLog, bn, checkMinInput, conv, outSize, relu } from './layers';
import { parseParams } from './params';
import { type BackboneBuildOptions, type BackboneParts, type BackboneSpec, type LayerGroup, denseHead } from './spec';

type Sym = tf.SymbolicTensor;

/** Keras' default batch-norm epsilon; Inception's conv2d_bn uses no conv bias and no BN scale (γ). */
const EPS = 1e-3;

/** Keras' unique names for unnamed layers: `conv2d`, `conv2d_1`, `conv2d_2`, … in creation order. */
class KerasNames {
  private readonly counts = new Map<string, number>();
  next(base: string): string {
    const k = this.counts.get(base) ?? 0;
    this.counts.set(base, k + 1);
    return k === 0 ? base : `${base}_${k}`;
  }
}

class Builder {
  readonly log = new LayerLog();
  private readonly names = new KerasNames();
  constructor(private readonly seed: number) {}

  /** Keras `conv2d_bn`: conv (no bias) → BN (no scale) → ReLU, with Keras' automatic names. */
  cbr(x: Sym, filters: number, rows: number, cols: number, padding: 'same' | 'valid' = 'same', strides = 1): Sym {
    const name = this.names.next('conv2d');
    const y = conv(this.log, x, name, { filters, kernel: [rows, cols], strides, padding, useBias: false, seed: this.seed });
    const z = bn(this.log, y, this.names.next('batch_normalization'), EPS, false);
    return relu(this.log, z, this.names.next('activation'));
  }
  maxPool(x: Sym): Sym {
    return this.log.apply(tf.layers.maxPooling2d({ name: this.names.next('max_pooling2d'), poolSize: 3, strides: 2, padding: 'valid' }), x);
  }
  avgPool(x: Sym): Sym {
    return this.log.apply(tf.layers.averagePooling2d({ name: this.names.next('average_pooling2d'), poolSize: 3, strides: 1, padding: 'same' }), x);
  }
  concat(xs: Sym[], name?: string): Sym {
    return this.log.apply(tf.layers.concatenate({ name: name ?? this.names.next('concatenate'), axis: -1 }), xs);
  }
}

// ---- blocks (the branch order and widths of inception_v3.py) ---------------------------------

/** mixed0–2 (35×35): 1×1 | 1×1→5×5 | 1×1→3×3→3×3 | avg-pool→1×1. */
function blockA(b: Builder, x: Sym, poolFilters: number, name: string): Sym {
  const b1 = b.cbr(x, 64, 1, 1);
  const b5 = b.cbr(b.cbr(x, 48, 1, 1), 64, 5, 5);
  const b3 = b.cbr(b.cbr(b.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
  const bp = b.cbr(b.avgPool(x), poolFilters, 1, 1);
  return b.concat([b1, b5, b3, bp], name);
}

/** mixed3: reduction 35 → 17. */
function reductionA(b: Builder, x: Sym): Sym {
  const b3 = b.cbr(x, 384, 3, 3, 'valid', 2);
  const b3d = b.cbr(b.cbr(b.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 'valid', 2);
  return b.concat([b3, b3d, b.maxPool(x)], 'mixed3');
}

/** mixed4–7 (17×17): factorised 7×7 convs with `c` middle channels. */
function blockB(b: Builder, x: Sym, c: number, name: string): Sym {
  const b1 = b.cbr(x, 192, 1, 1);
  const b7 = b.cbr(b.cbr(b.cbr(x, c, 1, 1), c, 1, 7), 192, 7, 1);
  let d = b.cbr(x, c, 1, 1);
  d = b.cbr(b.cbr(b.cbr(d, c, 7, 1), c, 1, 7), c, 7, 1);
  d = b.cbr(d, 192, 1, 7);
  const bp = b.cbr(b.avgPool(x), 192, 1, 1);
  return b.concat([b1, b7, d, bp], name);
}

/** mixed8: reduction 17 → 8. */
function reductionB(b: Builder, x: Sym): Sym {
  const b3 = b.cbr(b.cbr(x, 192, 1, 1), 320, 3, 3, 'valid', 2);
  let b7 = b.cbr(b.cbr(b.cbr(x, 192, 1, 1), 192, 1, 7), 192, 7, 1);
  b7 = b.cbr(b7, 192, 3, 3, 'valid', 2);
  return b.concat([b3, b7, b.maxPool(x)], 'mixed8');
}

/** mixed9–10 (8×8): expanded 1×3 / 3×1 branches. */
function blockC(b: Builder, x: Sym, i: number): Sym {
  const b1 = b.cbr(x, 320, 1, 1);
  const t = b.cbr(x, 384, 1, 1);
  const b3 = b.concat([b.cbr(t, 384, 1, 3), b.cbr(t, 384, 3, 1)], `mixed9_${i}`);
  const u = b.cbr(b.cbr(x, 448, 1, 1), 384, 3, 3);
  const b3d = b.concat([b.cbr(u, 384, 1, 3), b.cbr(u, 384, 3, 1)]);
  const bp = b.cbr(b.avgPool(x), 192, 1, 1);
  return b.concat([b1, b3, b3d, bp], `mixed${9 + i}`);
}

// ---- builder ---------------------------------------------------------------------------------

/** Spatial size after the last reduction (mixed8) for an n-pixel side; < 1 means the net cannot take n. */
function finalSize(n: number): number {
  n = outSize(n, 3, 2, 'valid'); // conv 3×3/2
  n = outSize(n, 3, 1, 'valid'); // conv 3×3
  n = outSize(n, 3, 2, 'valid'); // max-pool
  n = outSize(n, 3, 1, 'valid'); // conv 3×3 (after the 1×1)
  n = outSize(n, 3, 2, 'valid'); // max-pool
  n = outSize(n, 3, 2, 'valid'); // mixed3
  return outSize(n, 3, 2, 'valid'); // mixed8
}

/** 75 px, Keras' documented minimum, computed rather than copied. */
export const INCEPTION_MIN_INPUT = (() => {
  let n = 1;
  while (finalSize(n) < 1) n++;
  return n;
})();

function buildInception(opts: BackboneBuildOptions): BackboneParts {
  checkMinInput('inception-v3', INCEPTION_MIN_INPUT, opts, 'or use a backbone that takes small inputs (e.g. resnet18 with stem "small")');
  const b = new Builder(opts.seed);
  const input = tf.input({ shape: opts.inputShape, name: 'input' });
  const groups: LayerGroup[] = [];
  let from = 0;
  const group = (name: string) => {
    groups.push({ name, layers: b.log.since(from) });
    from = b.log.names.length;
  };

  let x = b.cbr(input, 32, 3, 3, 'valid', 2);
  x = b.cbr(x, 32, 3, 3, 'valid');
  x = b.maxPool(b.cbr(x, 64, 3, 3));
  x = b.cbr(x, 80, 1, 1, 'valid');
  x = b.maxPool(b.cbr(x, 192, 3, 3, 'valid'));
  group('stem');

  x = blockA(b, x, 32, 'mixed0');
  x = blockA(b, x, 64, 'mixed1');
  x = blockA(b, x, 64, 'mixed2');
  group('mixed0-2');

  x = reductionA(b, x);
  x = blockB(b, x, 128, 'mixed4');
  x = blockB(b, x, 160, 'mixed5');
  x = blockB(b, x, 160, 'mixed6');
  x = blockB(b, x, 192, 'mixed7');
  group('mixed3-7');

  x = reductionB(b, x);
  x = blockC(b, x, 0);
  x = blockC(b, x, 1);
  const features = b.log.apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  group('mixed8-10');
  return { input, features, groups };
}

// ---- variant ---------------------------------------------------------------------------------

const inceptionSchema = z.strictObject({});

export const inceptionV3: BackboneSpec = {
  name: 'inception-v3',
  parseParams: (params, path) => parseParams(inceptionSchema, params, path),
  minInputSize: () => INCEPTION_MIN_INPUT,
  build: (opts) => {
    parseParams(inceptionSchema, opts.params, opts.path);
    return buildInception(opts);
  },
  head: denseHead('predictions'),
};

export const inceptionSpecs: BackboneSpec[] = [inceptionV3];
