// The one register-all list of backbones: adding a family means importing its specs here.
import { Registry } from '@medtransfer/core';
import { cbrSpecs } from './cbr';
import { inceptionSpecs } from './inception';
import { mobilenetSpecs } from './mobilenet';
import { resnetSpecs } from './resnet';
import type { BackboneSpec } from './spec';

export const backbones = new Registry<BackboneSpec>('backbone');

const ALL: BackboneSpec[] = [...cbrSpecs, ...resnetSpecs, ...inceptionSpecs, ...mobilenetSpecs];

for (const spec of ALL) backbones.register(spec.name, spec);
