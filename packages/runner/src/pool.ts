// Parallel tasks: worker processes (worker.ts), each with its own tfjs backend, take the
// scheduler's ready tasks one at a time; a pretrained trial is ready once its source checkpoint exists.
import { ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { MedtransferError } from '@medtransfer/core';
import type { TaskOutcome } from './claim';
import type { RunEvent } from './run';
import type { Scheduler } from './scheduler';
import type { Task } from './tasks';

export interface WorkerInit {
  type: 'init';
  file: string;
  resultsDir: string;
  backend: string;
  force?: boolean;
}

export type ToWorker = WorkerInit | { type: 'run'; index: number; key: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; event: RunEvent }
  /**
   * The task ran under its lock (claim.ts), or was left to / finished by another runner. `retire`:
   * the worker's tfjs is unusable (its wasm heap ran out); it exits and a fresh worker replaces it.
   */
  | { type: 'outcome'; index: number; outcome: TaskOutcome; retire?: boolean }
  /** The worker could not start (e.g. the file or data changed under it). */
  | { type: 'fatal'; message: string };

const root = resolve(__dirname, '../../..');

function spawnWorker(workers: number): ChildProcess {
  // Share the cores: a multi-threaded backend (native kernels) in each worker gets cores ÷ workers
  // threads, unless the user set MEDTRANSFER_THREADS.
  const threads = process.env.MEDTRANSFER_THREADS ?? String(Math.max(1, Math.floor(cpus().length / workers)));
  return fork(resolve(__dirname, 'worker.ts'), [], {
    execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    env: { ...process.env, TS_NODE_PROJECT: resolve(root, 'tsconfig.json'), MEDTRANSFER_THREADS: threads },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/**
 * Runs the scheduler's tasks in worker processes, recording each dispatched task's outcome in it.
 * A failing task does not stop the others; a trial whose source task failed is dropped by the
 * scheduler (no outcome). A worker that dies mid-task yields an unrecorded failure; a worker that
 * cannot start is fatal.
 */
export async function runInWorkers(
  file: string,
  opts: { resultsDir: string; backend: string; workers: number; force?: boolean },
  scheduler: Scheduler<Task>,
  emit: (e: RunEvent) => void,
): Promise<void> {
  let fatal: string | undefined;
  let running = 0;

  await new Promise<void>((resolveAll) => {
    // `ready`: the worker has loaded the experiment; a task sent earlier would find no context.
    const children: Array<ChildProcess & { busy?: number; retired?: boolean; ready?: boolean }> = [];
    let settled = false;
    const finishIfIdle = () => {
      if (settled) return;
      const allExited = children.every((c) => c.exitCode !== null || c.signalCode !== null);
      if ((running === 0 && (fatal !== undefined || !scheduler.hasReady())) || allExited) {
        settled = true;
        for (const c of children) c.kill();
        resolveAll();
      }
    };
    const dispatch = (child: ChildProcess & { busy?: number }) => {
      if (fatal !== undefined) return finishIfIdle();
      const task = scheduler.next();
      if (!task) return finishIfIdle();
      child.busy = task.index;
      running++;
      child.send({ type: 'run', index: task.index, key: task.key } satisfies ToWorker);
    };
    const settle = (child: ChildProcess & { busy?: number }) => {
      child.busy = undefined;
      running--;
      // a finished source may have made trials ready for idle workers too
      for (const c of children) {
        if (c.busy === undefined && c.ready && c.connected && !c.retired) dispatch(c);
      }
      finishIfIdle();
    };
    const startWorker = () => {
      const child: ChildProcess & { busy?: number; retired?: boolean; ready?: boolean } = spawnWorker(opts.workers);
      children.push(child);
      child.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') {
          child.ready = true;
          dispatch(child);
        }
        else if (msg.type === 'event') emit(msg.event);
        else if (msg.type === 'outcome') {
          scheduler.record(msg.index, msg.outcome);
          if (msg.retire) child.retired = true;
          settle(child);
        } else if (msg.type === 'fatal') {
          fatal = `worker process: ${msg.message}`;
          if (child.busy !== undefined) settle(child);
          else finishIfIdle();
        }
      });
      child.on('exit', (code, signal) => {
        if (child.busy !== undefined) {
          // its lock now names a dead process: the next runner takes it over
          scheduler.record(child.busy, { status: 'failed', message: `the worker process running it exited (${signal ?? `code ${code}`})`, recorded: false });
          settle(child);
        } else if (child.retired && !settled && fatal === undefined && scheduler.waiting.length > 0) {
          startWorker(); // a fresh process (and tfjs) for the tasks left
        } else {
          finishIfIdle();
        }
      });
      child.send({ type: 'init', file, resultsDir: opts.resultsDir, backend: opts.backend, force: opts.force } satisfies ToWorker);
    };
    for (let w = 0; w < opts.workers; w++) startWorker();
  });

  if (fatal !== undefined) throw new MedtransferError(fatal);
}
