// Names and descriptions of execution backends; no TensorFlow.js import, so the main thread can use it cheaply.
import os from 'node:os';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'onnxruntime';
export type BackendRequest = 'auto' | BackendName;
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'tensorflow', 'wasm', 'cpu', 'onnxruntime'];

export interface BackendInfo {
  name: BackendName;
  /** What runs the numbers, in words. */
  device: string;
  /** Threads doing inference in total (worker threads for wasm/cpu, TensorFlow's pool for tensorflow). */
  threads: number;
  /** Why a faster backend was not used, when one was tried (e.g. an ONNX check that failed). */
  note: string | null;
  /** ONNX Runtime with inference.threads 0 on several cores: the thread settings timed at load, and the one in use. */
  threading?: Threading;
}

/** One ONNX Runtime thread setting, timed when the model is loaded. */
export interface ThreadVariant {
  /** Intra-op threads (the calling thread included). */
  intraOpThreads: number;
  /** Whether idle pool threads spin (ONNX Runtime's default) or sleep between operators. */
  spinning: boolean;
  /** The best of a few timed batches of the largest warm-up size at load, images per second. */
  loadImagesPerSecond: number;
}

export interface Threading {
  variants: ThreadVariant[];
  /** Index of the variant the engine serves with (the fastest). */
  chosen: number;
}

export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
