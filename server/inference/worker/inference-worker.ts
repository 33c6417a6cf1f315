// The worker thread: activates a TensorFlow.js backend, loads the model, runs a warm-up batch, then answers
// batches one at a time. Everything that blocks (HDF5 reading, kernels) happens here, off the main event loop.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.ts';
import { loadKerasH5 } from '../keras-h5/load.ts';
import { describeLoadedModel, describeModelFileHere, sha256File } from '../keras-h5/describe.ts';
import { activateBackend } from '../runtime/backends.ts';
import { BatchRunner } from '../runtime/batch-runner.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('inference-worker.ts must run in a worker thread');
const init = workerData as WorkerInit;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function start(): Promise<BatchRunner> {
  const started = performance.now();
  const backend = await activateBackend(init.backend, init.threads);
  const loaded = await loadKerasH5(init.modelFile);
  const description = describeLoadedModel(loaded, await sha256File(loaded.contents.file), { gammaClassIndex: init.gammaClassIndex });
  const runner = new BatchRunner(loaded.model, description, init.pixelScale);
  // The first batch compiles kernels and allocates; do it before anyone waits on a real batch.
  const [h, w, c] = description.inputShape;
  runner.run(new Uint8Array(init.warmupImages * h * w * c), init.warmupImages);
  send({ type: 'ready', description, backend, loadMs: performance.now() - started });
  return runner;
}

async function describe(): Promise<void> {
  send({ type: 'described', description: await describeModelFileHere(init.modelFile, { gammaClassIndex: init.gammaClassIndex }) });
}

try {
  if (init.task === 'describe') {
    await describe();
  } else {
    serve(await start());
  }
} catch (error) {
  send({ type: 'failed', error: serializeError(error) });
}

function serve(runner: BatchRunner): void {
  port!.on('message', (message: ToWorker) => {
    if (message.type !== 'infer') return;
    const started = performance.now();
    try {
      const { gammaness, outputs } = runner.run(message.pixels, message.count);
      send(
        { type: 'result', id: message.id, gammaness, outputs, computeMs: performance.now() - started },
        [gammaness.buffer as ArrayBuffer, outputs.buffer as ArrayBuffer],
      );
    } catch (error) {
      send({ type: 'error', id: message.id, error: serializeError(error) });
    }
  });
}
