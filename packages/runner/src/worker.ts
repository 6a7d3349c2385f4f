// A worker process of the runner (pool.ts): loads the experiment once, then runs the stages its
// parent sends, forwarding progress events.
import { resolve } from 'node:path';
import { ExperimentConfig } from '@medtransfer/core';
import { selectBackend } from '@medtransfer/engine';
import { loadPlan } from './experiment';
import type { FromWorker, ToWorker } from './pool';
import { StageContext, Task, createContext, executeTask, listTasks } from './stages';

let ctx: StageContext | undefined;
let tasks: Task[] = [];

const send = (msg: FromWorker) => process.send?.(msg);

process.on('message', (msg: ToWorker) => {
  void (async () => {
    if (msg.type === 'init') {
      try {
        const plan = loadPlan(msg.file);
        const backend = await selectBackend(msg.backend as ExperimentConfig['backend']);
        ctx = createContext(plan, resolve(msg.resultsDir, plan.config.name), backend.name);
        tasks = listTasks(ctx);
        send({ type: 'ready' });
      } catch (err) {
        send({ type: 'fatal', message: (err as Error).message });
      }
      return;
    }
    const task = tasks[msg.index - 1];
    try {
      if (!ctx || !task) throw new Error(`worker has no stage ${msg.index}`);
      if (task.key !== msg.key) throw new Error(`stage ${task.label} has key ${task.key} here but ${msg.key} in the parent; did the experiment file change during the run?`);
      await executeTask(ctx, task, tasks.length, (event) => send({ type: 'event', event }));
      send({ type: 'finished', index: msg.index });
    } catch (err) {
      send({ type: 'failed', index: msg.index, message: (err as Error).message, stack: (err as Error).stack });
    }
  })();
});

process.on('disconnect', () => process.exit(0));
