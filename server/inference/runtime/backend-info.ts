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
}

export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}
