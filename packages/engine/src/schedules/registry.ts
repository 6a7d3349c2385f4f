// The one register-all list of learning-rate schedules: adding one means writing its file in this
// folder and listing its spec here.
import { Registry } from '@medtransfer/core';
import { constant } from './constant';
import { cosine } from './cosine';
import { linear } from './linear';
import { multistep } from './multistep';
import type { ScheduleSpec } from './spec';
import { step } from './step';

const ALL = [constant, step, multistep, cosine, linear];

export const schedules = new Registry<ScheduleSpec>('schedule');

for (const spec of ALL) schedules.register(spec.name, spec as unknown as ScheduleSpec);
