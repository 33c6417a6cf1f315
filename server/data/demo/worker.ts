// Worker thread of the demo generator: runs the tasks it is sent (binary or multi-class) and answers with their results.
import { parentPort } from 'node:worker_threads';
import { runMulticlassTask, type MulticlassTask, type MulticlassTaskResult } from './multiclass-task.ts';
import { runDemoTask, type DemoTask, type DemoTaskResult } from './task.ts';

export type WorkerRequest = { id: number; task: DemoTask; kind?: 'binary' } | { id: number; task: MulticlassTask; kind: 'multiclass' };
export type WorkerReply =
  | { id: number; type: 'progress'; done: number }
  | { id: number; type: 'result'; result: DemoTaskResult }
  | { id: number; type: 'multiclass-result'; result: MulticlassTaskResult }
  | { id: number; type: 'error'; message: string };

const port = parentPort;
if (port) {
  port.on('message', (request: WorkerRequest) => {
    const { id } = request;
    const progress = (done: number): void => port.postMessage({ id, type: 'progress', done } satisfies WorkerReply);
    try {
      if (request.kind === 'multiclass') port.postMessage({ id, type: 'multiclass-result', result: runMulticlassTask(request.task, progress) } satisfies WorkerReply);
      else port.postMessage({ id, type: 'result', result: runDemoTask(request.task, progress) } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ id, type: 'error', message: (error as Error).message } satisfies WorkerReply);
    }
  });
}
