// A worker process of the runner (pool.ts): loads the experiment once, then runs the tasks its
// parent sends, each under its lock (claim.ts), forwarding progress events and the outcome.
import { resolve } from 'node:path';
import { ExperimentConfig } from '@medtransfer/core';
import { selectBackend, tfjsUsable } from '@medtransfer/engine';
import { runTaskLocked } from './claim';
import { loadPlan } from './experiment';
import type { FromWorker, ToWorker } from './pool';
import { TaskContext, createContext } from './context';
import { Task, listTasks } from './tasks';

let ctx: TaskContext | undefined;
let tasks: Task[] = [];
let force = false;

const send = (msg: FromWorker) => process.send?.(msg);

process.on('message', (msg: ToWorker) => {
  void (async () => {
    if (msg.type === 'init') {
      try {
        const plan = loadPlan(msg.file);
        const backend = await selectBackend(msg.backend as ExperimentConfig['backend']);
        ctx = await createContext(plan, resolve(msg.resultsDir, plan.config.name), backend.name);
        tasks = listTasks(ctx);
        force = msg.force ?? false;
        send({ type: 'ready' });
      } catch (err) {
        send({ type: 'fatal', message: (err as Error).message });
      }
      return;
    }
    const task = tasks[msg.index - 1];
    if (!ctx || !task) return send({ type: 'fatal', message: `worker has no stage ${msg.index}` });
    if (task.key !== msg.key) {
      return send({ type: 'fatal', message: `stage ${task.label} has key ${task.key} here but ${msg.key} in the parent; did the experiment file or its data change during the run?` });
    }
    const outcome = await runTaskLocked(ctx, task, tasks.length, (event) => send({ type: 'event', event }), { force });
    if (tfjsUsable()) return send({ type: 'outcome', index: msg.index, outcome });
    // the wasm heap ran out (failed.json says so): this process's tfjs is unusable, so it exits
    // once the parent has the outcome, and the pool starts a fresh worker for the tasks left
    process.send?.({ type: 'outcome', index: msg.index, outcome, retire: true } satisfies FromWorker, () => process.exit(0));
  })();
});

process.on('disconnect', () => process.exit(0));
