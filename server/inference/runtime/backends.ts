// Picks and activates the TensorFlow.js backend of the current thread: native TensorFlow when tfjs-node is
// installed, else WebAssembly (SIMD), else plain JavaScript.
import { createRequire } from 'node:module';
import path from 'node:path';
import { BackendUnavailableError } from '../errors.ts';
import { availableCores, type BackendInfo, type BackendRequest } from './backend-info.ts';
import { tf } from './tfjs.ts';

/** Order tried by `auto`. */
const AUTO_ORDER: readonly ('tensorflow' | 'wasm' | 'cpu')[] = ['tensorflow', 'wasm', 'cpu'];

/** Native bindings, GPU build first. Optional: never a dependency, only used when someone installed one. */
const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const require = createRequire(import.meta.url);

/**
 * Activates `request` on this thread and describes it. `auto` takes the first that works; a named backend
 * that cannot start throws BackendUnavailableError saying why. `threads` is what the caller will report.
 */
export async function activateBackend(request: BackendRequest, threads = 1): Promise<BackendInfo> {
  if (request === 'onnxruntime') {
    throw new BackendUnavailableError(
      'onnxruntime is not a TensorFlow.js backend: the inference worker compiles the model to ONNX for it',
    );
  }
  if (request !== 'auto') return activate(request, threads);
  const failures: string[] = [];
  for (const name of AUTO_ORDER) {
    try {
      return await activate(name, threads);
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new BackendUnavailableError(`no TensorFlow.js backend could start (${failures.join('; ')})`);
}

async function activate(name: 'tensorflow' | 'wasm' | 'cpu', threads: number): Promise<BackendInfo> {
  if (name === 'tensorflow') return activateTensorflow();
  if (name === 'wasm') return activateWasm(threads);
  await setBackend('cpu');
  return { name: 'cpu', device: 'JavaScript kernels (tfjs-backend-cpu), one thread per worker', threads, note: null };
}

async function activateTensorflow(): Promise<BackendInfo> {
  let loaded: string | null = null;
  const missing: string[] = [];
  for (const packageName of TFJS_NODE_PACKAGES) {
    try {
      // A variable specifier keeps bundlers and tsc from treating the optional package as a dependency.
      await import(packageName);
      loaded = packageName;
      break;
    } catch (error) {
      missing.push(`${packageName} (${firstLine(error)})`);
    }
  }
  if (!loaded) throw new BackendUnavailableError(`native TensorFlow is not installed: ${missing.join(', ')}`);
  if (!tf.findBackend('tensorflow')) {
    throw new BackendUnavailableError(
      `${loaded} loaded but registered its backend with another copy of @tensorflow/tfjs-core; install the version matching @tensorflow/tfjs ${tf.version_core}`,
    );
  }
  await setBackend('tensorflow');
  const gpu = loaded.endsWith('-gpu');
  return { name: 'tensorflow', device: `native TensorFlow (${loaded}, ${gpu ? 'CUDA GPU when present' : 'CPU'})`, threads: availableCores(), note: null };
}

async function activateWasm(threads: number): Promise<BackendInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // In Node the .wasm binaries are not next to the bundle tfjs expects; point at the package's dist/ folder.
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
  wasm.setWasmPaths(dist);
  await setBackend('wasm');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  // tfjs-backend-wasm 4.x disables its own thread pool under Node (tensorflow/tfjs#3830), so each worker
  // runs one wasm thread and parallelism comes from running several workers.
  return { name: 'wasm', device: `WebAssembly${simd ? ' SIMD' : ''} (tfjs-backend-wasm ${wasm.version_wasm}), one thread per worker`, threads, note: null };
}

async function setBackend(name: string): Promise<void> {
  let ok = false;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    throw new BackendUnavailableError(`backend ${name} failed to start: ${firstLine(error)}`);
  }
  if (!ok) throw new BackendUnavailableError(`backend ${name} failed to initialize`);
  await tf.ready();
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}
