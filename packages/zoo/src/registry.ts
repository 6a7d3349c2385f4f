// The one register-all list of backbones: adding a family means importing its specs here.
import { Registry } from '@medtransfer/core';
import { cbrSpecs } from './cbr';
import type { BackboneSpec } from './model';

export const backbones = new Registry<BackboneSpec>('backbone');

const ALL: BackboneSpec[] = [...cbrSpecs];

for (const spec of ALL) backbones.register(spec.name, spec);
