// Helpers for the engine's own tests: an in-memory BatchSource, tiny seeded conv nets, and an
// easy synthetic texture problem. Not exported from the package entry.
import * as tf from '@tensorflow/tfjs';
import type { Batch, BatchSource, TaskType } from '@medtransfer/core';
import { Rng } from '@medtransfer/core';

/** A BatchSource over float images held in memory (NHWC), recording the shuffle seeds it is asked for. */
export class ArraySource implements BatchSource {
  readonly shuffleSeeds: (number | undefined)[] = [];

  constructor(
    readonly x: Float32Array,
    readonly labels: Int32Array,
    readonly imageShape: [number, number, number],
    readonly task: TaskType,
    readonly numClasses: number,
    readonly labelWidth = 1,
  ) {}

  get count(): number {
    return this.labels.length / this.labelWidth;
  }

  *epoch(batchSize: number, shuffleSeed?: number): Iterable<Batch> {
    this.shuffleSeeds.push(shuffleSeed);
    const n = this.count;
    const order = shuffleSeed === undefined ? Int32Array.from({ length: n }, (_, i) => i) : new Rng(shuffleSeed).permutation(n);
    const [h, w, c] = this.imageShape;
    const pixels = h * w * c;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const x = new Float32Array(size * pixels);
      const labels = new Int32Array(size * this.labelWidth);
      for (let i = 0; i < size; i++) {
        const src = order[start + i];
        x.set(this.x.subarray(src * pixels, (src + 1) * pixels), i * pixels);
        labels.set(this.labels.subarray(src * this.labelWidth, (src + 1) * this.labelWidth), i * this.labelWidth);
      }
      yield { x, shape: [size, h, w, c], labels, labelWidth: this.labelWidth, size };
    }
  }
}

/** ±1 textures a 3×3 conv can tell apart after global pooling: stripes ─, stripes │, fine and coarse checks. */
const textures = [
  (r: number, _c: number) => (r % 2 ? 1 : -1),
  (_r: number, c: number) => (c % 2 ? 1 : -1),
  (r: number, c: number) => ((r + c) % 2 ? 1 : -1),
  (r: number, c: number) => ((Math.floor(r / 2) + Math.floor(c / 2)) % 2 ? 1 : -1),
];

/**
 * An easy problem on `size`×`size` gray images made of textures plus pixel noise.
 * binary / multi-class / ordinal: the class (0…numClasses-1, at most 4) picks the texture.
 * multi-label: texture j is added or not independently per label j (numClasses ≤ 4);
 * `maskRate` of the label entries are set to -1 (unknown).
 */
export function textureProblem(opts: {
  n: number;
  seed: number;
  task: TaskType;
  numClasses: number;
  size?: number;
  noise?: number;
  maskRate?: number;
}): ArraySource {
  const { n, task, numClasses } = opts;
  const size = opts.size ?? 8;
  const noise = opts.noise ?? 0.3;
  const rng = new Rng(opts.seed);
  const multi = task === 'multi-label';
  const width = multi ? numClasses : 1;
  const x = new Float32Array(n * size * size);
  const labels = new Int32Array(n * width);
  for (let i = 0; i < n; i++) {
    const on: boolean[] = [];
    if (multi) {
      for (let j = 0; j < numClasses; j++) {
        on.push(rng.next() < 0.5);
        labels[i * width + j] = rng.next() < (opts.maskRate ?? 0) ? -1 : on[j] ? 1 : 0;
      }
    } else {
      const cls = rng.int(numClasses);
      labels[i] = cls;
      for (let j = 0; j < numClasses; j++) on.push(j === cls);
    }
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        let v = rng.normal(0, noise);
        for (let j = 0; j < numClasses; j++) if (on[j]) v += 0.5 * textures[j](r, c);
        x[i * size * size + r * size + c] = v;
      }
    }
  }
  return new ArraySource(x, labels, [size, size, 1], task, numClasses, width);
}

/** conv 3×3 (4 filters) → batch norm → ReLU → global average pool → dense logits; seeded weights. */
export function tinyConvNet(opts: { size?: number; channels?: number; outputs: number; seed: number }): tf.LayersModel {
  const size = opts.size ?? 8;
  const input = tf.input({ shape: [size, size, opts.channels ?? 1] });
  const conv = tf.layers
    .conv2d({ name: 'conv', filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed }) })
    .apply(input) as tf.SymbolicTensor;
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv) as tf.SymbolicTensor;
  const act = tf.layers.reLU().apply(bn) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({}).apply(act) as tf.SymbolicTensor;
  const logits = tf.layers
    .dense({ name: 'head', units: opts.outputs, kernelInitializer: tf.initializers.glorotUniform({ seed: opts.seed + 1 }) })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}
