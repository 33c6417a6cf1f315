// Load-time check that ONNX Runtime computes what TensorFlow.js computes for a model, on a seeded random batch.
import { UnsupportedModelError } from '../errors.ts';
import type { LoadedKerasModel } from '../keras-h5/load.ts';
import { tf, type Tensor } from '../runtime/tfjs.ts';
import type { OnnxSession } from './session.ts';

export interface VerifyOptions {
  /** Images in the random batch (default 8). */
  batch?: number;
  /** Seed of the pixel values, uniform in [0, 1) like scaled images (default 1). */
  seed?: number;
  /** Largest accepted absolute difference of any output (default 1e-4). */
  tolerance?: number;
}

export interface VerifyResult {
  maxAbsDifference: number;
  passed: boolean;
}

export async function verifyAgainstTfjs(loaded: LoadedKerasModel, session: OnnxSession, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const batch = opts.batch ?? 8;
  const tolerance = opts.tolerance ?? 1e-4;
  const { model } = loaded;
  const imageShape = model.inputs[0].shape.slice(1);
  if (!imageShape.every((d): d is number => typeof d === 'number')) {
    throw new UnsupportedModelError(`${loaded.contents.file}: input shape [${model.inputs[0].shape}] has free sizes`);
  }
  const perImage = imageShape.reduce((a, b) => a * b, 1);
  const [height, width, channels] = session.inputShape;
  if (perImage !== height * width * channels) {
    throw new UnsupportedModelError(
      `${loaded.contents.file}: the ONNX model takes ${height}x${width}x${channels} images but the Keras model takes [${imageShape}]`,
    );
  }
  const input = seededUniform(batch * perImage, opts.seed ?? 1);
  // Images of falling brightness (1, 1/2, 1/4, ...): bright noise alone saturates a sigmoid head, where any
  // two runtimes agree exactly and the check would prove nothing.
  for (let image = 1; image < batch; image++) {
    const scale = 0.5 ** image;
    for (let i = image * perImage; i < (image + 1) * perImage; i++) input[i] *= scale;
  }

  const inputTensor = tf.tensor(input, [batch, ...imageShape], 'float32');
  let expected: Float32Array;
  try {
    const output = model.predict(inputTensor) as Tensor;
    expected = Float32Array.from(await output.data());
    output.dispose();
  } finally {
    inputTensor.dispose();
  }
  const actual = await session.run(input, batch);

  if (actual.length !== expected.length) return { maxAbsDifference: Number.POSITIVE_INFINITY, passed: false };
  let maxAbsDifference = 0;
  for (let i = 0; i < expected.length; i++) {
    const difference = Math.abs(actual[i] - expected[i]);
    // NaN compares false with everything; count it as an infinite difference so it cannot pass.
    maxAbsDifference = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : Math.max(maxAbsDifference, difference);
  }
  return { maxAbsDifference, passed: maxAbsDifference < tolerance };
}

/** mulberry32: a small, fast, seedable generator; the batch only needs to be reproducible, not strong. */
export function seededUniform(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}
