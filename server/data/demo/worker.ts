// Worker thread of the demo generator: runs the tasks it is sent and answers with their results.
import { parentPort } from 'node:worker_threads';
import { runDemoTask, type DemoTask } from './task.ts';

export type WorkerRequest = { id: number; task: DemoTask };
export type WorkerReply =
  | { id: number; type: 'progress'; done: number }
  | { id: number; type: 'result'; result: ReturnType<typeof runDemoTask> }
  | { id: number; type: 'error'; message: string };

const port = parentPort;
if (port) {
  port.on('message', ({ id, task }: WorkerRequest) => {
    try {
      const result = runDemoTask(task, (done) => port.postMessage({ id, type: 'progress', done } satisfies WorkerReply));
      port.postMessage({ id, type: 'result', result } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ id, type: 'error', message: (error as Error).message } satisfies WorkerReply);
    }
  });
}
