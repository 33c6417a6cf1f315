// Worker thread of the demo generator: runs the tasks it is sent (binary or multi-class) and answers with their results.
import { parentPort } from 'node:worker_threads';
import { runMulticlassTask, type MulticlassTask, type MulticlassTaskResult } from './multiclass-task.ts';
import { runDemoTask, type DemoTask, type DemoTaskResult } from './task.ts';

export type TaskOf = { binary: DemoTask; multiclass: MulticlassTask };
export type ResultOf = { binary: DemoTaskResult; multiclass: MulticlassTaskResult };
export type TaskKind = keyof TaskOf;

export type WorkerRequest = { id: number; kind: 'binary'; task: DemoTask } | { id: number; kind: 'multiclass'; task: MulticlassTask };
export type WorkerReply =
  | { id: number; type: 'progress'; done: number }
  | { id: number; type: 'result'; result: DemoTaskResult | MulticlassTaskResult }
  | { id: number; type: 'error'; message: string };

const port = parentPort;
if (port) {
  port.on('message', (request: WorkerRequest) => {
    const { id } = request;
    const progress = (done: number): void => port.postMessage({ id, type: 'progress', done } satisfies WorkerReply);
    try {
      const result = request.kind === 'multiclass' ? runMulticlassTask(request.task, progress) : runDemoTask(request.task, progress);
      port.postMessage({ id, type: 'result', result } satisfies WorkerReply);
    } catch (error) {
      port.postMessage({ id, type: 'error', message: (error as Error).message } satisfies WorkerReply);
    }
  });
}
