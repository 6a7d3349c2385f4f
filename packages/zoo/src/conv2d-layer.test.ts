// The zoo's Conv2D: the same outputs and weight gradients as tfjs' layer, Keras serialisation,
// and no input gradient for a network's input while training (tfjs' fused op computes one).
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import { conv2dLayer } from './conv2d-layer';

type Args = Parameters<typeof tf.layers.conv2d>[0];

/** Σ w·f(x) for a two-conv net built from `factory`, and its weight gradients. */
async function lossAndGrads(factory: (a: Args) => tf.layers.Layer, args: Args[], x: tf.Tensor4D, seedWeights?: tf.Tensor[][]) {
  const layers = args.map((a) => factory(a));
  let shape = x.shape as number[];
  layers.forEach((l, i) => {
    l.build(shape);
    if (seedWeights) l.setWeights(seedWeights[i]);
    shape = l.computeOutputShape(shape) as number[];
  });
  const vars = layers.flatMap((l) => l.trainableWeights.map((v) => v.read() as tf.Variable));
  const f = () => tf.tidy(() => tf.sum(tf.square(layers.reduce<tf.Tensor>((h, l) => l.apply(h) as tf.Tensor, x))) as tf.Scalar);
  // tfjs reuses one profile object: copy the kernel names before the next profile
  const kernels = (await tf.profile(() => tf.variableGrads(f, vars))).kernels.map((k) => k.name);
  return { layers, f, vars, kernels };
}

describe('zoo Conv2D layer', () => {
  const args: Args[] = [
    { filters: 4, kernelSize: 3, padding: 'same', useBias: false, name: 'c1', kernelInitializer: 'glorotUniform' },
    { filters: 5, kernelSize: [2, 3], strides: 2, padding: 'valid', useBias: true, activation: 'relu', name: 'c2', biasInitializer: 'ones' },
  ];

  it('serialises as Keras Conv2D with the same config', () => {
    const ours = conv2dLayer(args[1]);
    expect(ours.getClassName()).to.equal('Conv2D');
    expect(ours.getConfig()).to.deep.equal(tf.layers.conv2d(args[1]).getConfig());
  });

  it('trains to the same gradients as tfjs’ layer without computing the input’s gradient', async () => {
    const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const keras = await lossAndGrads((a) => tf.layers.conv2d(a), args, x);
    const ours = await lossAndGrads(conv2dLayer, args, x, keras.layers.map((l) => l.getWeights()));
    const inputGradients = (kernels: string[]) => kernels.filter((n) => n === 'Conv2DBackpropInput');
    // tfjs' fused op computes the gradient of both convolutions' inputs; ours only the second's
    expect(inputGradients(keras.kernels)).to.have.length(2);
    expect(inputGradients(ours.kernels)).to.have.length(1);
    const { value: vk, grads: gradsK } = tf.variableGrads(keras.f, keras.vars);
    const { value: vo, grads: gradsO } = tf.variableGrads(ours.f, ours.vars);
    expect(vo.dataSync()[0]).to.be.closeTo(vk.dataSync()[0], 1e-4 * Math.abs(vk.dataSync()[0]));
    keras.vars.forEach((v, i) => {
      const a = gradsK[v.name].dataSync(), b = gradsO[ours.vars[i].name].dataSync();
      a.forEach((val, j) => expect(b[j]).to.be.closeTo(val, 1e-4 * (1 + Math.abs(val)), `${v.name}[${j}]`));
    });
    // inference (no gradient recorded) goes through tfjs' fused path: the same output
    const yk = keras.layers.reduce<tf.Tensor>((h, l) => l.apply(h) as tf.Tensor, x).dataSync();
    const yo = ours.layers.reduce<tf.Tensor>((h, l) => l.apply(h) as tf.Tensor, x).dataSync();
    yk.forEach((val, j) => expect(yo[j]).to.equal(val));
  });
});
