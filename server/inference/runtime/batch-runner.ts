// Runs one batch of 8-bit images through a loaded model: scale into a reused float buffer, predict, copy the outputs.
import { affinePerChannel, type Preprocessing } from '../../domain/model.ts';
import { InferenceInputError } from '../errors.ts';
import type { ModelDescription } from '../model-description.ts';
import { tf, type LayersModel, type Tensor } from './tfjs.ts';

export interface BatchOutput {
  /** count * outputUnits values, image-major. */
  outputs: Float32Array;
}

/** Runs batches through one model; tfjs runs them synchronously, ONNX Runtime asynchronously. */
export interface ModelRunner {
  run(pixels: Uint8Array, count: number): BatchOutput | Promise<BatchOutput>;
}

/** Checks a batch's size and preprocesses its 8-bit samples into `input` (grown as needed); returns the float view. */
export function scaleBatch(pixels: Uint8Array, count: number, description: ModelDescription, preprocessing: Preprocessing, input: { buffer: Float32Array }): Float32Array {
  const [height, width, channels] = description.inputShape;
  const expected = count * height * width * channels;
  if (!Number.isInteger(count) || count < 0 || pixels.length !== expected) {
    throw new InferenceInputError(`a batch of ${count} images of ${description.inputShape.join('x')} needs ${expected} bytes, got ${pixels.length}`);
  }
  if (input.buffer.length < expected) input.buffer = new Float32Array(expected);
  const scaled = input.buffer;
  const { a, b } = affinePerChannel(preprocessing);
  if (a.length === 1) {
    const a0 = a[0];
    const b0 = b[0];
    for (let i = 0; i < expected; i++) scaled[i] = pixels[i] * a0 + b0;
  } else {
    // Channels are interleaved (HWC): channel of sample i is i % channels.
    const n = a.length;
    for (let i = 0; i < expected; i++) scaled[i] = pixels[i] * a[i % n] + b[i % n];
  }
  return scaled.subarray(0, expected);
}

export class BatchRunner implements ModelRunner {
  private readonly input = { buffer: new Float32Array(0) };
  private readonly imageShape: number[];

  constructor(
    private readonly model: LayersModel,
    private readonly description: ModelDescription,
    private readonly preprocessing: Preprocessing,
  ) {
    const [height, width, channels] = description.inputShape;
    this.imageShape = description.inputLayout === 'FLAT' ? [height * width * channels] : description.inputLayout === 'HW' ? [height, width] : [height, width, channels];
  }

  /** `pixels`: count images, HWC order, 8 bits per sample. */
  run(pixels: Uint8Array, count: number): BatchOutput {
    const input = scaleBatch(pixels, count, this.description, this.preprocessing, this.input);
    if (count === 0) return { outputs: new Float32Array(0) };

    // The tensor copies the buffer on wasm; on cpu it is released before the buffer is refilled.
    const x = tf.tensor(input, [count, ...this.imageShape], 'float32');
    let y: Tensor | undefined;
    let outputs: Float32Array;
    try {
      y = this.model.predict(x, { batchSize: count }) as Tensor;
      outputs = Float32Array.from(y.dataSync() as Float32Array);
    } finally {
      x.dispose();
      y?.dispose();
    }
    return { outputs };
  }
}
