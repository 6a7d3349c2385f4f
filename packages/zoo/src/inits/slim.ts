// `{slim: {keep, top, blocks, filters}}` (Raghu et al., Transfusion, §5): the slim model — the
// backbone cut after layer group `keep` (groups 1..keep pretrained) under a small fresh top of CBR
// or depthwise-separable blocks. Its architecture is built by `createSlimModel` (../slim.ts).
import { z } from 'zod';
import { loadWeights } from '../checkpoint';
import { SLIM_DEFAULTS, SLIM_TOP_GROUP, createSlimModel } from '../slim';
import { allBut } from './helpers';
import { defineInit } from './spec';

export const slim = defineInit({
  name: 'slim',
  summary: 'the backbone cut after layer group keep (groups 1..keep pretrained) under a fresh top of `blocks` CBR or depthwise blocks',
  needsPretrained: true,
  params: z.strictObject({
    /** Backbone layer groups kept (pretrained), 1..keep. */
    keep: z.number().int().min(1),
    /** The fresh top: CBR blocks or depthwise-separable blocks. */
    top: z.enum(['cbr', 'depthwise']).default(SLIM_DEFAULTS.top),
    blocks: z.number().int().min(1).max(8).default(SLIM_DEFAULTS.blocks),
    filters: z.number().int().min(1).default(SLIM_DEFAULTS.filters),
  }),
  examples: [{ slim: { keep: 2 } }, { slim: { keep: 1, top: 'depthwise', blocks: 1, filters: 16 } }],
  strategy: (p) => ({ kind: 'slim' as const, ...p }),
  // Non-default top sizes are part of the id: `slim-2-cbr`, `slim-2-depthwise-b3-f128`.
  id: (s) => `slim-${s.keep}-${s.top}${s.blocks === SLIM_DEFAULTS.blocks ? '' : `-b${s.blocks}`}${s.filters === SLIM_DEFAULTS.filters ? '' : `-f${s.filters}`}`,
  buildModel: (ref, opts, s, path) => createSlimModel(ref, opts, s, path),
  apply: (m, s, { weights }) => {
    const top = m.groups.findIndex((g) => g.name === SLIM_TOP_GROUP);
    if (top < 0) throw new Error(`internal: init "slim" needs the slim model (createSlimModel), but ${m.backbone} has no ${SLIM_TOP_GROUP} group`);
    const report = loadWeights(m, weights!, { exclude: allBut(m, m.groups.slice(0, top).flatMap((g) => g.layers)) });
    return {
      description: `slim keep=${s.keep}: loaded ${report.matched.length} pretrained tensors of groups 1..${s.keep}; a fresh ${s.top} top (${s.blocks} × ${s.filters} channels) and head`,
      report,
    };
  },
});
