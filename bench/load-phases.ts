// Where a Keras model's load time goes on the way to ONNX Runtime: the steps of the inference worker's
// startKeras() for backend `onnxruntime` (server/inference/worker/inference-worker.ts), timed one by one here on
// the main thread. Server modules are called as the worker calls them; nothing of the server is changed.
import { performance } from 'node:perf_hooks';
import type { Preprocessing } from '../server/domain/model.ts';
import { describeLoadedModel } from '../server/inference/keras-h5/describe.ts';
import { buildKerasModel } from '../server/inference/keras-h5/load.ts';
import { readKerasFile } from '../server/inference/keras-h5/read.ts';
import { compileKerasToOnnx, OnnxSession, verifyAgainstTfjs } from '../server/inference/onnx/index.ts';
import { activateBackend } from '../server/inference/runtime/backends.ts';
import { BatchRunner, type ModelRunner } from '../server/inference/runtime/batch-runner.ts';
import { OnnxBatchRunner } from '../server/inference/runtime/onnx-runner.ts';
import { sha256File } from '../server/util/file-hash.ts';

export interface Phase {
  step: string;
  ms: number;
  /** true: extrapolated from fewer runs than the worker does. */
  estimated?: boolean;
}

/** The worker's backend-choice measurement: 3 untimed + 3 timed batches of this many images on each runtime. */
const CHOICE_BATCH = 128;
const CHOICE_RUNS = 6;

async function timed<T>(phases: Phase[], step: string, work: () => Promise<T> | T): Promise<T> {
  const started = performance.now();
  const value = await work();
  phases.push({ step, ms: performance.now() - started });
  return value;
}

/** One batch of CHOICE_BATCH after one untimed batch, times CHOICE_RUNS: what the worker's choice costs. */
async function choiceCost(runner: ModelRunner, pixels: Uint8Array): Promise<number> {
  await runner.run(pixels, CHOICE_BATCH);
  const started = performance.now();
  await runner.run(pixels, CHOICE_BATCH);
  return (performance.now() - started) * CHOICE_RUNS;
}

export async function onnxLoadPhases(modelFile: string, opts: { threads: number; preprocessing: Preprocessing; warmupBatch: number }): Promise<Phase[]> {
  const phases: Phase[] = [];
  // `onnxruntime` activates the `auto` TensorFlow.js backend for the Keras model and the check (wasm here).
  const tfjsBackend = await timed(phases, 'activate TensorFlow.js (auto)', () => activateBackend('auto', opts.threads));
  const contents = await timed(phases, 'read the Keras file (HDF5 / zip)', () => readKerasFile(modelFile));
  const loaded = await timed(phases, 'build the TensorFlow.js model', () => buildKerasModel(contents));
  const description = describeLoadedModel(loaded, await timed(phases, 'sha256 of the file', () => sha256File(modelFile)));
  const bytes = await timed(phases, 'compile Keras → ONNX', () => compileKerasToOnnx(loaded));
  const session = await timed(phases, 'ONNX Runtime session (graph optimization)', () => OnnxSession.create(bytes, { threads: opts.threads }));
  try {
    await timed(phases, 'check ONNX Runtime against TensorFlow.js (8 images)', () => verifyAgainstTfjs(loaded, session));
    const onnxRunner = new OnnxBatchRunner(session, description, opts.preprocessing);
    const tfjsRunner = new BatchRunner(loaded.model, description, opts.preprocessing);
    const [h, w, c] = description.inputShape;
    const pixels = new Uint8Array(CHOICE_BATCH * h * w * c).map((_, i) => (i * 2654435761) >>> 24);
    phases.push({ step: `speed comparison, ONNX Runtime side (${CHOICE_RUNS} batches of ${CHOICE_BATCH})`, ms: await choiceCost(onnxRunner, pixels), estimated: true });
    phases.push({ step: `speed comparison, TensorFlow.js ${tfjsBackend.name} side (${CHOICE_RUNS} batches of ${CHOICE_BATCH})`, ms: await choiceCost(tfjsRunner, pixels), estimated: true });
    const warm = new Uint8Array(opts.warmupBatch * h * w * c);
    await timed(phases, `warm-up batch of ${opts.warmupBatch} (ONNX Runtime)`, () => onnxRunner.run(warm, opts.warmupBatch));
  } finally {
    loaded.model.dispose();
    await session.release();
  }
  return phases;
}
