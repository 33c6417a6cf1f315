// The worker thread: activates a TensorFlow.js backend, loads the model, runs a warm-up batch, then answers
// batches one at a time. Everything that blocks (HDF5 reading, kernels) happens here, off the main event loop.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { BackendUnavailableError, serializeError } from '../errors.ts';
import { loadKerasH5 } from '../keras-h5/load.ts';
import { sha256File } from '../../util/file-hash.ts';
import { describeLoadedModel, describeModelFileHere } from '../keras-h5/describe.ts';
import type { ModelDescription } from '../model-description.ts';
import { describeOnnxFileHere, describeOnnxSession, isOnnxFile } from '../onnx/describe-onnx.ts';
import { OnnxSession, prepareOnnxSession } from '../onnx/index.ts';
import type { BackendInfo, Threading, ThreadVariant } from '../runtime/backend-info.ts';
import { activateBackend } from '../runtime/backends.ts';
import { BatchRunner, type ModelRunner } from '../runtime/batch-runner.ts';
import { OnnxBatchRunner } from '../runtime/onnx-runner.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('inference-worker.ts must run in a worker thread');
const init = workerData as WorkerInit;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

interface Loaded {
  runner: ModelRunner;
  description: ModelDescription;
  backend: BackendInfo;
}

async function start(): Promise<ModelRunner> {
  const started = performance.now();
  const { runner, description, backend } = isOnnxFile(init.modelFile) ? await startOnnxFile() : await startKeras();
  // The first batch of each size compiles kernels and allocates; do it before anyone waits on a real batch.
  const [h, w, c] = description.inputShape;
  for (const size of init.warmupBatchSizes) await runner.run(new Uint8Array(size * h * w * c), size);
  send({ type: 'ready', description, backend, loadMs: performance.now() - started });
  return runner;
}

/** A .onnx file runs on ONNX Runtime only. */
async function startOnnxFile(): Promise<Loaded> {
  if (init.backend !== 'auto' && init.backend !== 'onnxruntime') {
    throw new BackendUnavailableError(`${init.modelFile} is an ONNX model: it runs on onnxruntime, not on ${init.backend} (set inference.backend to auto)`);
  }
  const session = await OnnxSession.create(init.modelFile, { threads: init.threads });
  const description = await describeOnnxSession(session, init.modelFile);
  const threaded = await threadedOnnx(session, (options) => OnnxSession.create(init.modelFile, options), description);
  return { runner: threaded.runner, description, backend: withThreading(onnxBackend(null), threaded.threading) };
}

/**
 * A Keras model: native TensorFlow when installed (GPU hosts); otherwise compiled to ONNX when ONNX Runtime
 * agrees with TensorFlow.js on a random batch (it is several times faster on CPU); otherwise TensorFlow.js.
 */
async function startKeras(): Promise<Loaded> {
  const wantsOnnx = init.backend === 'onnxruntime';
  const tfjsBackend = await activateBackend(wantsOnnx ? 'auto' : init.backend, init.threads);
  const loaded = await loadKerasH5(init.modelFile, { outputName: init.outputName });
  const description = describeLoadedModel(loaded, await sha256File(loaded.contents.file));
  const tryOnnx = wantsOnnx || (init.backend === 'auto' && tfjsBackend.name !== 'tensorflow');
  const tfjsRunner = new BatchRunner(loaded.model, description, init.preprocessing);
  if (tryOnnx) {
    const onnx = await prepareOnnxSession(loaded, { threads: init.threads });
    if (onnx.session) {
      const onnxRunner = new OnnxBatchRunner(onnx.session, description, init.preprocessing);
      const serveOnnx = async (): Promise<Loaded> => {
        loaded.model.dispose();
        const threaded = await threadedOnnx(onnx.session, (options) => OnnxSession.create(onnx.bytes, options), description);
        return { runner: threaded.runner, description, backend: withThreading(onnxBackend(onnx.maxAbsDifference), threaded.threading) };
      };
      // Asked for by name: no speed comparison (on a MobileNetV2 it costs a minute of TensorFlow.js time).
      if (wantsOnnx) return serveOnnx();
      // "Fastest that passed": ONNX Runtime uses every thread in this worker; tfjs scales by adding workers.
      const onnxRate = await imagesPerSecond(onnxRunner, description);
      const tfjsRate = (await imagesPerSecond(tfjsRunner, description)) * (tfjsBackend.name === 'tensorflow' ? 1 : init.threads);
      if (onnxRate >= tfjsRate) return serveOnnx();
      await onnx.session.release();
      tfjsBackend.note = `ONNX Runtime passed its check but measured slower on this model (${Math.round(onnxRate)} vs ~${Math.round(tfjsRate)} images/s)`;
    } else if (wantsOnnx) {
      throw new BackendUnavailableError(`ONNX Runtime cannot serve ${init.modelFile}: ${onnx.reason}`);
    } else {
      tfjsBackend.note = `ONNX Runtime not used: ${onnx.reason}`;
    }
  }
  return { runner: tfjsRunner, description, backend: tfjsBackend };
}

/**
 * With inference.threads 0 on several cores, the thread settings to choose from at load: every core with idle pool
 * threads spinning (ONNX Runtime's default) or sleeping, and one thread. Which is fastest depends on the model and on
 * what else runs on the cores, so each is opened, warmed up and timed on the largest warm-up batch, one after the
 * other, and only the fastest is kept: each session holds its own memory arena (about 250 MiB for a 60 MFLOP CNN at
 * 256 images), too much to keep them all for switching while serving.
 */
async function threadedOnnx(
  first: OnnxSession,
  open: (options: { threads: number; spinning: boolean }) => Promise<OnnxSession>,
  description: ModelDescription,
): Promise<{ runner: ModelRunner; threading?: Threading }> {
  if (!init.tuneThreads || init.threads <= 1) return { runner: new OnnxBatchRunner(first, description, init.preprocessing) };
  const settings = [
    { intraOpThreads: init.threads, spinning: true },
    { intraOpThreads: init.threads, spinning: false },
    { intraOpThreads: 1, spinning: true },
  ];
  const [h, w, c] = description.inputShape;
  const size = Math.max(...init.warmupBatchSizes);
  const pixels = new Uint8Array(size * h * w * c).map((_, i) => (i * 2654435761) >>> 24);
  const variants: ThreadVariant[] = [];
  let best: { session: OnnxSession; index: number } | null = null;
  for (const [index, setting] of settings.entries()) {
    const session = index === 0 ? first : await open({ threads: setting.intraOpThreads, spinning: setting.spinning });
    const runner = new OnnxBatchRunner(session, description, init.preprocessing);
    for (const warmup of init.warmupBatchSizes) await runner.run(new Uint8Array(warmup * h * w * c), warmup);
    let bestMs = Infinity;
    for (let round = 0; round < THREAD_TIMING_ROUNDS; round++) {
      const started = performance.now();
      await runner.run(pixels, size);
      bestMs = Math.min(bestMs, performance.now() - started);
    }
    variants.push({ ...setting, loadImagesPerSecond: (size * 1000) / bestMs });
    if (best === null || variants[index].loadImagesPerSecond > variants[best.index].loadImagesPerSecond) {
      await best?.session.release();
      best = { session, index };
    } else {
      await session.release();
    }
  }
  return { runner: new OnnxBatchRunner(best!.session, description, init.preprocessing), threading: { variants, chosen: best!.index } };
}

/** Timed batches per thread setting at load (the best counts). */
const THREAD_TIMING_ROUNDS = 3;

/** Time one backend's comparison may take: small models use full batches, heavy ones (MobileNetV2) fewer images. */
const COMPARISON_BUDGET_MS = 1500;

/** A warm throughput figure used only to choose between backends at load time: the best of a few batches. */
async function imagesPerSecond(runner: ModelRunner, description: ModelDescription): Promise<number> {
  const [h, w, c] = description.inputShape;
  const probe = 8;
  const image = (n: number) => new Uint8Array(n * h * w * c).map((_, i) => (i * 2654435761) >>> 24);
  // Runtimes optimize and size their buffers on the first runs: leave them out.
  await runner.run(image(probe), probe);
  const started = performance.now();
  await runner.run(image(probe), probe);
  const msPerImage = Math.max((performance.now() - started) / probe, 1e-3);
  // Five more runs (two warm-ups, three timed) of `count` images within the budget.
  const count = Math.max(probe, Math.min(128, Math.floor(COMPARISON_BUDGET_MS / (5 * msPerImage))));
  const pixels = image(count);
  for (let i = 0; i < 2; i++) await runner.run(pixels, count);
  let bestMs = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await runner.run(pixels, count);
    bestMs = Math.min(bestMs, performance.now() - started);
  }
  return (count * 1000) / bestMs;
}

function onnxBackend(maxAbsDifference: number | null): BackendInfo {
  const check = maxAbsDifference === null ? '' : `, compiled from Keras, max |difference| to TensorFlow.js ${maxAbsDifference.toExponential(1)}`;
  const threads = init.tuneThreads && init.threads > 1 ? `1 or ${init.threads} threads, chosen by timing at load` : `${init.threads} threads`;
  return { name: 'onnxruntime', device: `ONNX Runtime CPU (${threads}${check})`, threads: init.threads, note: null };
}

function withThreading(backend: BackendInfo, threading: Threading | undefined): BackendInfo {
  return threading ? { ...backend, threads: threading.variants[threading.chosen].intraOpThreads, threading } : backend;
}

async function describe(): Promise<void> {
  const description = isOnnxFile(init.modelFile) ? await describeOnnxFileHere(init.modelFile) : await describeModelFileHere(init.modelFile, { outputName: init.outputName });
  send({ type: 'described', description });
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

function serve(runner: ModelRunner): void {
  port!.on('message', async (message: ToWorker) => {
    if (message.type !== 'infer') return;
    const started = performance.now();
    try {
      const { outputs } = await runner.run(message.pixels, message.count);
      send({ type: 'result', id: message.id, outputs, computeMs: performance.now() - started }, [outputs.buffer as ArrayBuffer]);
    } catch (error) {
      send({ type: 'error', id: message.id, error: serializeError(error) });
    }
  });
}
