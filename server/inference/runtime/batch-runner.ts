// Runs one batch of 8-bit images through a loaded model: scale into a reused float buffer, predict, pick gammaness.
import { InferenceInputError } from '../errors.ts';
import type { ModelDescription } from '../model-description.ts';
import { tf, type LayersModel, type Tensor } from './tfjs.ts';

export interface BatchOutput {
  /** One score per image. */
  gammaness: Float32Array;
  /** count * outputUnits values, image-major. */
  outputs: Float32Array;
}

export class BatchRunner {
  private input = new Float32Array(0);
  private readonly pixelsPerImage: number;
  private readonly imageShape: number[];

  constructor(
    private readonly model: LayersModel,
    private readonly description: ModelDescription,
    private readonly pixelScale: number,
  ) {
    const [height, width, channels] = description.inputShape;
    this.pixelsPerImage = height * width * channels;
    this.imageShape = description.inputLayout === 'HW' ? [height, width] : [height, width, channels];
  }

  /** `pixels`: count images, HWC order, 8 bits per sample. */
  run(pixels: Uint8Array, count: number): BatchOutput {
    const expected = count * this.pixelsPerImage;
    if (!Number.isInteger(count) || count < 0 || pixels.length !== expected) {
      throw new InferenceInputError(
        `a batch of ${count} images of ${this.description.inputShape.join('x')} needs ${expected} bytes, got ${pixels.length}`,
      );
    }
    const units = this.description.outputUnits;
    if (count === 0) return { gammaness: new Float32Array(0), outputs: new Float32Array(0) };
    if (this.input.length < expected) this.input = new Float32Array(expected);
    const scale = this.pixelScale;
    const input = this.input;
    for (let i = 0; i < expected; i++) input[i] = pixels[i] * scale;

    // The tensor copies the buffer on wasm; on cpu it is released before the buffer is refilled.
    const x = tf.tensor(input.subarray(0, expected), [count, ...this.imageShape], 'float32');
    let y: Tensor | undefined;
    let outputs: Float32Array;
    try {
      y = this.model.predict(x, { batchSize: count }) as Tensor;
      outputs = Float32Array.from(y.dataSync() as Float32Array);
    } finally {
      x.dispose();
      y?.dispose();
    }
    const gammaness = new Float32Array(count);
    const index = this.description.gammaClassIndex;
    for (let i = 0; i < count; i++) gammaness[i] = outputs[i * units + index];
    return { gammaness, outputs };
  }
}
