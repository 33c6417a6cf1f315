// The model alone, no I/O: images per second of batches of random pixels already in memory, on each execution
// backend of this server's InferenceEngine and on the baseline's PyTorch model. The yardstick for the pipeline's
// overhead (pipeline images/s divided by the raw images/s of the backend the server uses).
import { performance } from 'node:perf_hooks';
import type { ColorMode } from '../server/domain/model.ts';
import { InferenceEngine, type BackendRequest } from '../server/inference/index.ts';
import { runToEnd } from './processes.ts';

export interface RawThroughput {
  runtime: string;
  /** null when the backend could not start; `reason` says why. */
  imagesPerSecond: number | null;
  msPerBatch: number | null;
  batches: number;
  device: string | null;
  threads: number | null;
  reason: string | null;
  /** InferenceEngine.start until ready: model load, compilation, the engine's own warm-up batches (null: not timed). */
  startMs?: number | null;
  /** The first batch after ready (null: not timed). */
  firstBatchMs?: number | null;
}

export interface RawOptions {
  modelFile: string;
  batch: number;
  /** Timed batches run at least this long (after warm-up). */
  minDurationMs: number;
  pixelScale: number;
  threads: number;
  /** Default grayscale. */
  colorMode?: ColorMode;
  /** InferenceEngine's own warm-up batch sizes (default: the engine's). */
  warmupBatchSizes?: number[];
  /** Untimed batches after the first (timed) one (default 1: two warm-up batches in all, as before). */
  extraWarmupBatches?: number;
  /** At least this many timed batches (default 3)... */
  minBatches?: number;
  /** ...unless the timed batches already ran this long (default: no cap); at least one batch is timed. */
  maxDurationMs?: number;
}

/** Times InferenceEngine on `backend`; a backend that cannot start is reported, not thrown. */
export async function rawEngineThroughput(backend: BackendRequest, options: RawOptions): Promise<RawThroughput> {
  let engine: InferenceEngine;
  const starting = performance.now();
  try {
    engine = await InferenceEngine.start({
      modelFile: options.modelFile,
      backend,
      threads: options.threads,
      preprocessing: { colorMode: options.colorMode ?? 'grayscale', scale: options.pixelScale, offset: 0, mean: [], std: [] },
      ...(options.warmupBatchSizes ? { warmupBatchSizes: options.warmupBatchSizes } : {}),
    });
  } catch (error) {
    const { name, message } = error as Error;
    return { runtime: `astri ${backend}`, imagesPerSecond: null, msPerBatch: null, batches: 0, device: null, threads: null, reason: `${name}: ${message}`, startMs: performance.now() - starting, firstBatchMs: null };
  }
  const startMs = performance.now() - starting;
  try {
    const [h, w, c] = engine.description.inputShape;
    const pixels = new Uint8Array(options.batch * h * w * c);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    // Warm-up: kernel compilation, memory arenas, the workers' first allocations.
    const first = performance.now();
    await engine.infer(pixels, options.batch);
    const firstBatchMs = performance.now() - first;
    for (let i = 0; i < (options.extraWarmupBatches ?? 1); i++) await engine.infer(pixels, options.batch);
    const minBatches = options.minBatches ?? 3;
    const maxMs = options.maxDurationMs ?? Infinity;
    let batches = 0;
    const started = performance.now();
    for (;;) {
      const elapsed = performance.now() - started;
      if (batches > 0 && elapsed >= maxMs) break;
      if (elapsed >= options.minDurationMs && batches >= minBatches) break;
      await engine.infer(pixels, options.batch);
      batches++;
    }
    const elapsedMs = performance.now() - started;
    return {
      startMs,
      firstBatchMs,
      runtime: `astri ${engine.backend.name}`,
      imagesPerSecond: (batches * options.batch * 1000) / elapsedMs,
      msPerBatch: elapsedMs / batches,
      batches,
      device: engine.backend.device,
      threads: engine.backend.threads,
      reason: null,
    };
  } finally {
    await engine.close();
  }
}

const TORCH_SCRIPT = `
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
import torch
from keras_h5_torch import load_keras_h5
torch.set_num_threads(os.cpu_count() or 1)  # as seed_backend.py does
model = load_keras_h5(sys.argv[2])
batch, min_s = int(sys.argv[3]), float(sys.argv[4])
h, w, c = (int(v) for v in sys.argv[5].split("x"))
x = torch.rand(batch, h, w, c)
for _ in range(2):
    model(x)
n = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < min_s or n < 3:
    model(x)
    n += 1
dt = time.perf_counter() - t0
print(json.dumps({"batches": n, "seconds": dt, "threads": torch.get_num_threads(), "torch": torch.__version__}))
`;

/** Times the baseline's PyTorch model (keras_h5_torch) on float32 input, as the baseline feeds it. */
export async function rawTorchThroughput(python: string, baselineDir: string, options: RawOptions & { inputShape: readonly number[] }): Promise<RawThroughput> {
  try {
    const out = await runToEnd('PyTorch raw model', python, ['-c', TORCH_SCRIPT, baselineDir, options.modelFile, String(options.batch), String(options.minDurationMs / 1000), options.inputShape.join('x')]);
    const result = JSON.parse(out.trim().split('\n').pop()!) as { batches: number; seconds: number; threads: number; torch: string };
    return {
      runtime: 'baseline PyTorch',
      imagesPerSecond: (result.batches * options.batch) / result.seconds,
      msPerBatch: (result.seconds * 1000) / result.batches,
      batches: result.batches,
      device: `PyTorch ${result.torch} CPU (keras_h5_torch)`,
      threads: result.threads,
      reason: null,
    };
  } catch (error) {
    return { runtime: 'baseline PyTorch', imagesPerSecond: null, msPerBatch: null, batches: 0, device: null, threads: null, reason: (error as Error).message.split('\n').slice(-3).join(' ') };
  }
}
