// The one register-all list of init strategies: adding one means writing its file in this folder
// and listing its spec here. The strategy type (what trial keys hash) is the union of theirs.
import { Registry } from '@medtransfer/core';
import { frozen } from './frozen';
import { gaborConv1 } from './gabor-conv1';
import { meanVar } from './mean-var';
import { pretrained } from './pretrained';
import { pretrainedBnOnly } from './pretrained-bn-only';
import { scratch } from './scratch';
import { slim } from './slim';
import type { InitSpec } from './spec';
import { transfusion } from './transfusion';

const ALL = [scratch, pretrained, transfusion, meanVar, frozen, gaborConv1, slim, pretrainedBnOnly] as const;

/** A strategy as the zoo applies it and trial keys hash it: `{ kind: 'transfusion', k: 2 }`, … */
export type InitStrategy = ReturnType<(typeof ALL)[number]['strategy']>;

/** Specs are stored with their strategy and parameter types erased; `index.ts` is the typed entry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyInitSpec = InitSpec<any, any>;

export const inits = new Registry<AnyInitSpec>('init strategy');

for (const spec of ALL) inits.register(spec.name, spec as AnyInitSpec);
