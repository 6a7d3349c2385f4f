// The one register-all list of optimisers: adding one means writing its file in this folder (its
// SlotOptimizer and spec) and listing the spec here.
import { Registry } from '@medtransfer/core';
import { adam, adamw } from './adam';
import { rmsprop } from './rmsprop';
import { sgd } from './sgd';
import type { OptimizerSpec } from './spec';

const ALL = [adam, adamw, sgd, rmsprop];

export const optimizers = new Registry<OptimizerSpec>('optimizer');

for (const spec of ALL) optimizers.register(spec.name, spec as unknown as OptimizerSpec);
