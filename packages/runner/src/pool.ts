// Parallel stages: worker processes (worker.ts), each with its own tfjs backend, take ready
// stages one at a time; a pretrained trial becomes ready when its source checkpoint exists.
import { ChildProcess, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { MedtransferError } from '@medtransfer/core';
import type { RunEvent } from './run';
import type { Task } from './stages';

export interface WorkerInit {
  type: 'init';
  file: string;
  resultsDir: string;
  backend: string;
}

export type ToWorker = WorkerInit | { type: 'run'; index: number; key: string };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'event'; event: RunEvent }
  | { type: 'finished'; index: number }
  | { type: 'failed'; index: number; message: string; stack?: string }
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

export async function runInWorkers(
  file: string,
  opts: { resultsDir: string; backend: string; workers: number },
  tasks: Task[],
  pending: Task[],
  emit: (e: RunEvent) => void,
): Promise<void> {
  const waiting = [...pending];
  const pendingIndex = new Set(pending.map((t) => t.index));
  const done = new Set<number>();
  const failures: string[] = [];
  let running = 0;

  const ready = (t: Task) => t.kind === 'source' || t.after === undefined || !pendingIndex.has(t.after) || done.has(t.after);

  await new Promise<void>((resolveAll) => {
    const children: ChildProcess[] = [];
    let settled = false;
    const finishIfIdle = () => {
      if (settled) return;
      if (running === 0 && (waiting.length === 0 || failures.length > 0 || !waiting.some(ready))) {
        settled = true;
        for (const c of children) c.kill();
        resolveAll();
      }
    };
    const dispatch = (child: ChildProcess & { busy?: number }) => {
      if (failures.length) return finishIfIdle();
      const i = waiting.findIndex(ready);
      if (i < 0) return finishIfIdle();
      const [task] = waiting.splice(i, 1);
      child.busy = task.index;
      running++;
      child.send({ type: 'run', index: task.index, key: task.key } satisfies ToWorker);
    };
    const settle = (child: ChildProcess & { busy?: number }) => {
      child.busy = undefined;
      running--;
      // a finished source may have made trials ready for idle workers too
      for (const c of children as Array<ChildProcess & { busy?: number }>) {
        if (c.busy === undefined && c.connected) dispatch(c);
      }
      finishIfIdle();
    };
    for (let w = 0; w < opts.workers; w++) {
      const child: ChildProcess & { busy?: number } = spawnWorker(opts.workers);
      children.push(child);
      child.on('message', (msg: FromWorker) => {
        if (msg.type === 'ready') dispatch(child);
        else if (msg.type === 'event') emit(msg.event);
        else if (msg.type === 'finished') {
          done.add(msg.index);
          settle(child);
        } else if (msg.type === 'fatal') {
          failures.push(`worker process: ${msg.message}`);
          finishIfIdle();
        } else if (msg.type === 'failed') {
          const t = tasks[msg.index - 1];
          failures.push(`${t.label}: ${msg.message}`);
          settle(child);
        }
      });
      child.on('exit', (code, signal) => {
        if (child.busy !== undefined) {
          failures.push(`${tasks[child.busy - 1].label}: worker process exited (${signal ?? `code ${code}`})`);
          settle(child);
        } else if (!settled && children.every((c) => c.exitCode !== null || c.signalCode !== null)) {
          if (waiting.length) failures.push(`every worker process exited (last: ${signal ?? `code ${code}`})`);
          finishIfIdle();
        }
      });
      child.send({ type: 'init', file, resultsDir: opts.resultsDir, backend: opts.backend } satisfies ToWorker);
    }
  });

  if (failures.length) throw new MedtransferError(`${failures.length} stage(s) failed:\n  ${failures.join('\n  ')}`);
  const stuck = waiting.filter((t) => !done.has(t.index));
  if (stuck.length) throw new MedtransferError(`stages not run because what they need failed: ${stuck.map((t) => t.label).join(', ')}`);
}
