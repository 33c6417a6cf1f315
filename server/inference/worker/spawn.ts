// Starting an inference worker thread and waiting for its first word: ready, described, or failed.
import { Worker } from 'node:worker_threads';
import { InferenceWorkerError, reviveInferenceError } from '../errors.ts';
import type { FromWorker, WorkerInit } from './protocol.ts';

const BOOTSTRAP_URL = new URL('./bootstrap.mjs', import.meta.url);

export type StartMessage = Extract<FromWorker, { type: 'ready' | 'described' }>;

/**
 * Starts a worker and resolves with it and its first message. If the worker reports a failure (a bad model
 * file, an unavailable backend) it is terminated and the promise rejects with the revived named error.
 */
export function spawnWorker(init: WorkerInit): Promise<{ worker: Worker; first: StartMessage }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP_URL, { workerData: init });
    const onMessage = (message: FromWorker) => {
      if (message.type === 'ready' || message.type === 'described') {
        cleanup();
        resolve({ worker, first: message });
      } else if (message.type === 'failed') {
        cleanup();
        void worker.terminate();
        reject(reviveInferenceError(message.error));
      }
    };
    const onError = (error: Error) => {
      cleanup();
      void worker.terminate();
      reject(new InferenceWorkerError(`inference worker failed to start: ${error.message}`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new InferenceWorkerError(`inference worker exited during start-up (code ${code})`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
