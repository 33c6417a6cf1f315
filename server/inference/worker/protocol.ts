// Messages between InferenceEngine (main thread) and its worker threads.
import type { Preprocessing } from '../../domain/model.ts';
import type { SerializedError } from '../errors.ts';
import type { ModelDescription } from '../model-description.ts';
import type { BackendInfo, BackendRequest } from '../runtime/backend-info.ts';

export interface WorkerInit {
  /** serve: load, warm up, answer batches; describe: load, describe, exit. */
  task: 'serve' | 'describe';
  modelFile: string;
  backend: BackendRequest;
  /** Threads the engine will report for the wasm/cpu backends (the size of its worker pool). */
  threads: number;
  preprocessing: Preprocessing;
  /** For a Keras model with several outputs: the one to serve (layer name or index); default: the first class probability. */
  outputName?: string;
  /** Sizes of the warm-up batches run before the worker reports ready (the sizes real batches will have). */
  warmupBatchSizes: number[];
  /** ONNX Runtime: time a few thread settings at load and serve with the fastest (inference.threads 0). */
  tuneThreads?: boolean;
}

export type ToWorker = { type: 'infer'; id: number; pixels: Uint8Array; count: number };

export type FromWorker =
  | { type: 'ready'; description: ModelDescription; backend: BackendInfo; loadMs: number }
  | { type: 'described'; description: ModelDescription }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; /** count * outputUnits values, image-major. */ outputs: Float32Array; computeMs: number }
  | { type: 'error'; id: number; error: SerializedError };
