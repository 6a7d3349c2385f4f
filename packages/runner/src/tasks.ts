// The tasks of a run, the units of work the runner locks, runs and records: source pretraining
// once per backbone, then the trials. Deterministic from the plan and the data, so a worker
// process lists the same tasks, with the same keys, as its parent.
import { join } from 'node:path';
import { ComponentRef } from '@medtransfer/core';
import { needsPretrained } from '@medtransfer/zoo';
import type { TaskContext } from './context';
import { KeyParts, PlannedTrial, backboneId, keyOf, sourceKeyParts, trialKeyParts } from './plan';
import { targetFor } from './stage-data';

interface TaskBase {
  /** 1-based position in the run, for progress output. */
  index: number;
  label: string;
  /** Folder the task writes. */
  dir: string;
  key: string;
  /** What the key is made of (plan.ts), recorded with the result so a changed part can be named. */
  keyParts: KeyParts;
}

/** Pretrains a backbone on the source stage; its checkpoint goes to `source/<backbone>-<key>/`. */
export type SourceTask = TaskBase & { kind: 'source'; backbone: ComponentRef };
/** Trains one trial on its target stage, from the checkpoint in `sourceDir` when it is pretrained from the source stage. */
export type TrialTask = TaskBase & { kind: 'trial'; trial: PlannedTrial; sourceDir?: string; /** index of the source task it needs */ after?: number };
export type Task = SourceTask | TrialTask;

/** Every task of the run in order: source tasks first, then trials. */
export function listTasks(ctx: TaskContext): Task[] {
  const { plan, experimentDir, source } = ctx;
  const tasks: Task[] = [];
  const sourceTask = new Map<string, Task>();
  if (source) {
    for (const backbone of plan.sourceBackbones) {
      const keyParts = sourceKeyParts(source.stage, backbone, source.dataset.fingerprint);
      const key = keyOf(keyParts);
      const task: Task = {
        kind: 'source',
        index: tasks.length + 1,
        label: `source ${backboneId(backbone)} on ${source.dataset.name}`,
        dir: join(experimentDir, 'source', `${backboneId(backbone)}-${key}`),
        key,
        keyParts,
        backbone,
      };
      tasks.push(task);
      sourceTask.set(backboneId(backbone), task);
    }
  }
  for (const trial of plan.trials) {
    const pretrained = needsPretrained(trial.strategy);
    const external = pretrained && trial.weights ? ctx.weights.get(backboneId(trial.backbone)) : undefined;
    if (pretrained && trial.weights && !external) throw new Error(`internal: weights of ${trial.name} were not read`);
    const src = pretrained && !trial.weights ? sourceTask.get(backboneId(trial.backbone)) : undefined;
    // Pretrained weights are named by what produced them (the source task's key, the weight file's content), never by a path.
    const from = external ? `weights ${external.spec.kind} ${external.fingerprint}` : src ? `source ${src.key}` : undefined;
    const keyParts = trialKeyParts(trial, targetFor(ctx, trial).dataset.fingerprint, from);
    tasks.push({
      kind: 'trial',
      index: tasks.length + 1,
      label: trial.name,
      dir: join(experimentDir, trial.dir),
      key: keyOf(keyParts),
      keyParts,
      trial,
      sourceDir: src?.dir,
      after: src?.index,
    });
  }
  return tasks;
}
