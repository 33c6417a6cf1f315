// The inference engine the service talks to: a pool of worker threads holding the model, fed one batch at a
// time. Each batch is split across the workers (wasm/cpu kernels are single-threaded in Node) and reassembled.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { Preprocessing } from '../domain/model.ts';
import { InferenceInputError, InferenceWorkerError, reviveInferenceError } from './errors.ts';
import { FairQueue, type Lane } from './fair-queue.ts';
import type { ModelDescription } from './model-description.ts';
import { availableCores, type BackendInfo, type BackendRequest } from './runtime/backend-info.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker/protocol.ts';
import { spawnWorker } from './worker/spawn.ts';

export interface InferenceEngineOptions {
  modelFile: string;
  backend: BackendRequest;
  /** Worker threads for wasm/cpu; 0 = one per core. The tensorflow backend uses one worker and its own pool. */
  threads: number;
  /** How 8-bit samples become model input (scale 1/255 maps to [0, 1]). */
  preprocessing: Preprocessing;
  /** For a Keras model with several outputs: the one to serve (layer name or index). */
  outputName?: string;
  /** Batch sizes to run once before the engine is ready (default [2]): the sizes the caller will send. */
  warmupBatchSizes?: number[];
}

export interface InferenceResult {
  /** count * outputsPerImage values, image-major. */
  outputs: Float32Array;
  outputsPerImage: number;
  /** Wall-clock time of the batch, from hand-off to the workers until every part came back. */
  inferenceMs: number;
}

/** Below this many images per worker, splitting a batch costs more in messaging than it saves. */
const MIN_IMAGES_PER_WORKER = 16;

interface Pending {
  resolve: (message: Extract<FromWorker, { type: 'result' }>) => void;
  reject: (error: Error) => void;
}

/** One worker thread and its outstanding requests. */
class WorkerHandle {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | null = null;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    readonly description: ModelDescription,
    readonly backend: BackendInfo,
  ) {
    worker.on('message', (message: FromWorker) => {
      if (message.type !== 'result' && message.type !== 'error') return;
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.type === 'result') pending.resolve(message);
      else pending.reject(reviveInferenceError(message.error));
    });
    worker.on('error', (error) => this.fail(new InferenceWorkerError(`inference worker crashed: ${error.message}`)));
    worker.on('exit', (code) => {
      if (!this.closing) this.fail(new InferenceWorkerError(`inference worker exited unexpectedly (code ${code})`));
    });
  }

  /** Starts a worker and resolves once it has loaded the model and run its warm-up batch. */
  static async spawn(init: WorkerInit): Promise<WorkerHandle> {
    const { worker, first } = await spawnWorker(init);
    if (first.type !== 'ready') throw new InferenceWorkerError(`inference worker answered "${first.type}" instead of "ready"`);
    return new WorkerHandle(worker, first.description, first.backend);
  }

  infer(pixels: Uint8Array, count: number): Promise<Extract<FromWorker, { type: 'result' }>> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: ToWorker = { type: 'infer', id, pixels, count };
      this.worker.postMessage(message, [pixels.buffer as ArrayBuffer]);
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.fail(new InferenceWorkerError('the inference engine was closed'));
    await this.worker.terminate();
  }
}

interface QueuedBatch {
  pixels: Uint8Array;
  count: number;
  resolve: (result: InferenceResult) => void;
  reject: (error: Error) => void;
}

/** Batches without a lane (the CLI, warm-up) share this one. */
const DEFAULT_LANE: Lane = { user: '', run: '' };

export class InferenceEngine {
  private readonly queue = new FairQueue<QueuedBatch>();
  private busy = false;
  private closed = false;
  private readonly pixelsPerImage: number;

  private constructor(
    private readonly workers: WorkerHandle[],
    readonly backend: BackendInfo,
    readonly description: ModelDescription,
  ) {
    const [h, w, c] = description.inputShape;
    this.pixelsPerImage = h * w * c;
  }

  /**
   * Loads the model in worker threads and runs a warm-up batch in each. Rejects with the loader's named error
   * (UnsupportedLayerError, WeightMismatchError, ...) or BackendUnavailableError; nothing is left running then.
   */
  static async start(options: InferenceEngineOptions): Promise<InferenceEngine> {
    const poolSize = options.threads > 0 ? options.threads : availableCores();
    const init: WorkerInit = {
      task: 'serve',
      modelFile: path.resolve(options.modelFile),
      backend: options.backend,
      threads: poolSize,
      preprocessing: options.preprocessing,
      ...(options.outputName !== undefined ? { outputName: options.outputName } : {}),
      warmupBatchSizes: options.warmupBatchSizes ?? [2],
      tuneThreads: options.threads === 0,
    };
    // The first worker resolves `auto`; the others start the backend it found, in parallel.
    const first = await WorkerHandle.spawn(init);
    const workers = [first];
    // Native TensorFlow and ONNX Runtime have their own thread pools: one worker each is enough.
    const pooled = first.backend.name === 'wasm' || first.backend.name === 'cpu';
    if (pooled && poolSize > 1) {
      const rest = await Promise.allSettled(
        Array.from({ length: poolSize - 1 }, () => WorkerHandle.spawn({ ...init, backend: first.backend.name })),
      );
      for (const result of rest) if (result.status === 'fulfilled') workers.push(result.value);
      const failed = rest.find((result) => result.status === 'rejected');
      if (failed) {
        await Promise.all(workers.map((worker) => worker.close()));
        throw failed.reason;
      }
    }
    const backend = { ...first.backend, threads: pooled ? workers.length : first.backend.threads };
    return new InferenceEngine(workers, backend, first.description);
  }

  /**
   * pixels: count*H*W*C uint8, HWC order; batches are queued and run one at a time across the workers, in fair
   * turns between users and between runs (the lane), not in arrival order.
   */
  infer(pixels: Uint8Array, count: number, lane: Lane = DEFAULT_LANE): Promise<InferenceResult> {
    if (this.closed) return Promise.reject(new InferenceInputError('the inference engine is closed'));
    const expected = count * this.pixelsPerImage;
    if (!Number.isInteger(count) || count < 0 || pixels.length !== expected) {
      return Promise.reject(
        new InferenceInputError(
          `a batch of ${count} images of ${this.description.inputShape.join('x')} needs ${expected} bytes, got ${pixels.length}`,
        ),
      );
    }
    const result = new Promise<InferenceResult>((resolve, reject) => {
      this.queue.push(lane, { pixels, count, resolve, reject });
      void this.pump();
    });
    // A batch rejected by close() before its caller awaits it is not an unhandled rejection; callers still see it.
    result.catch(() => undefined);
    return result;
  }

  /** Batches waiting for their turn. */
  get queuedBatches(): number {
    return this.queue.size;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let next = this.queue.shift((batch) => batch.count); next; next = this.queue.shift((batch) => batch.count)) {
        try {
          next.resolve(await this.runBatch(next.pixels, next.count));
        } catch (error) {
          next.reject(error as Error);
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async runBatch(pixels: Uint8Array, count: number): Promise<InferenceResult> {
    const started = performance.now();
    const units = this.description.outputUnits;
    const outputs = new Float32Array(count * units);
    const shardCount = Math.max(1, Math.min(this.workers.length, Math.floor(count / MIN_IMAGES_PER_WORKER)));
    const perShard = Math.ceil(count / shardCount);
    const shards: Promise<void>[] = [];
    for (let s = 0, first = 0; first < count; s++, first += perShard) {
      const n = Math.min(perShard, count - first);
      // A copy: its buffer is transferred to the worker, and the caller's array stays intact.
      const slice = pixels.slice(first * this.pixelsPerImage, (first + n) * this.pixelsPerImage);
      shards.push(
        this.workers[s].infer(slice, n).then((result) => outputs.set(result.outputs, first * units)),
      );
    }
    await Promise.all(shards);
    return { outputs, outputsPerImage: units, inferenceMs: performance.now() - started };
  }

  /** Closes once the batches queued or running now are done (an engine evicted from a worker's cache). */
  async closeWhenIdle(): Promise<void> {
    while (this.busy || this.queue.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await this.close();
  }

  /** Stops the workers; pending batches reject with InferenceWorkerError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const batch of this.queue.drain()) batch.reject(new InferenceWorkerError('the inference engine was closed'));
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
