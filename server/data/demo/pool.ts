// Runs demo generation tasks (binary or multi-class) on a few worker threads: results in task order,
// progress per task, and any worker failure as the caller's named error.
import { Worker } from 'node:worker_threads';
import type { TaskKind, TaskOf, ResultOf, WorkerReply, WorkerRequest } from './worker.ts';

export interface PoolOptions {
  threads: number;
  /** The events done so far in task `id`. */
  onProgress: (id: number, done: number) => void;
  /** The error to reject with, from a message that names the task or thread that failed. */
  fail: (message: string, id?: number) => Error;
}

/** Runs every task on `threads` workers, each taking the next task when done with one. */
export async function runOnWorkers<K extends TaskKind>(kind: K, tasks: readonly TaskOf[K][], options: PoolOptions): Promise<ResultOf[K][]> {
  const { threads, onProgress, fail } = options;
  const results: ResultOf[K][] = new Array(tasks.length);
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./worker-entry.mjs', import.meta.url)));
  try {
    let next = 0;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = (): void => {
              if (next >= tasks.length) return resolve();
              const id = next++;
              worker.postMessage({ id, kind, task: tasks[id] } as WorkerRequest);
            };
            worker.on('message', (reply: WorkerReply) => {
              if (reply.type === 'progress') onProgress(reply.id, reply.done);
              else if (reply.type === 'error') reject(fail(reply.message, reply.id));
              else {
                // The worker answers a request of kind K with that kind's result.
                results[reply.id] = reply.result as ResultOf[K];
                send();
              }
            });
            worker.once('error', (error) => reject(fail(`a demo generator thread failed: ${error.message}`)));
            // Exits only when terminated below; anything earlier is a crash (a settled promise ignores this).
            worker.once('exit', (code) => reject(fail(`a demo generator thread exited early (code ${code})`)));
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}

/** Each task's "done so far" summed into one running total of events done, for one progress callback. */
export function progressAcrossTasks(taskCount: number, onDone: (eventsDone: number) => void): (taskId: number, done: number) => void {
  const doneByTask = new Array<number>(taskCount).fill(0);
  let eventsDone = 0;
  return (taskId, done) => {
    eventsDone += done - doneByTask[taskId];
    doneByTask[taskId] = done;
    onDone(eventsDone);
  };
}
