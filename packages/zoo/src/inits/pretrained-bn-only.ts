// `pretrained-bn-only`: only the batch-norm layers transfer (γ, β and the moving mean and
// variance); every convolution and the head start from scratch. A control for the Transfusion
// finding that pretrained *scaling* alone (Mean-Var init) speeds up convergence: how much of it do
// the normalisation parameters carry, without any pretrained filter?
import { loadWeights } from '../checkpoint';
import { allBut, isBatchNorm } from './helpers';
import { defineInit } from './spec';

export const pretrainedBnOnly = defineInit({
  name: 'pretrained-bn-only',
  summary: 'only the batch-norm layers from the pretrained weights (γ, β, moving statistics); every other weight from scratch',
  needsPretrained: true,
  examples: ['pretrained-bn-only'],
  strategy: () => ({ kind: 'pretrained-bn-only' as const }),
  apply: (m, _s, { weights }) => {
    const head = new Set(m.headLayers);
    const bn = m.model.layers.map((l) => l.name).filter((l) => !head.has(l) && isBatchNorm(m, l));
    const report = loadWeights(m, weights!, { exclude: allBut(m, bn) });
    return { description: `pretrained-bn-only: loaded ${report.matched.length} tensors of ${bn.length} batch-norm layers; every other weight from scratch`, report };
  },
});
