// Runs batches through an ONNX Runtime session, with the same preprocessing and outputs as the tfjs runner.
import type { Preprocessing } from '../../domain/model.ts';
import type { ModelDescription } from '../model-description.ts';
import type { OnnxSession } from '../onnx/index.ts';
import { scaleBatch, type BatchOutput, type ModelRunner } from './batch-runner.ts';

export class OnnxBatchRunner implements ModelRunner {
  private readonly input = { buffer: new Float32Array(0) };

  constructor(
    private readonly session: OnnxSession,
    private readonly description: ModelDescription,
    private readonly preprocessing: Preprocessing,
  ) {}

  async run(pixels: Uint8Array, count: number): Promise<BatchOutput> {
    const input = scaleBatch(pixels, count, this.description, this.preprocessing, this.input);
    if (count === 0) return { outputs: new Float32Array(0) };
    // ONNX Runtime reads the input before `run` resolves, so the reused buffer is safe for the next batch.
    return { outputs: Float32Array.from(await this.session.run(input, count)) };
  }
}
