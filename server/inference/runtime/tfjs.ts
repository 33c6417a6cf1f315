// The one TensorFlow.js import of the runtime, configured for a server: no browser backends, no console chatter.
import * as tf from '@tensorflow/tfjs';

// PROD silences tfjs's "install tfjs-node" advice and skips per-op NaN debug checks.
tf.env().set('PROD', true);

export { tf };
export type { LayersModel, Tensor } from '@tensorflow/tfjs';

/** Makes sure some backend is active on this thread; `cpu` unless one was chosen already (the worker picks its own). */
export async function ensureBackend(): Promise<void> {
  if (!tf.engine().backendName) await tf.setBackend('cpu');
  await tf.ready();
}
