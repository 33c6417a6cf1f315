// Runs an ONNX model (compiled here or given as a .onnx file) on batches of NHWC images with ONNX Runtime (CPU).
//
// Input layout of a .onnx file is read from its input shape: [N, H, W, C] with C = 1 or 3 is NHWC (Keras/tf2onnx
// exports), [N, C, H, W] with C = 1 or 3 at dim 1 (and not at dim 3) is NCHW (PyTorch exports), [N, H, W] is a
// grayscale image without a channel axis. Graphs compiled by compile-keras.ts say NHWC in their metadata
// ("astri.input_layout"), whatever their channel count; `opts.inputLayout` overrides both. Callers always pass
// NHWC; `run` transposes to NCHW where the model needs it (a no-op for one channel: both layouts are the same bytes).
// A model with a fixed batch size (e.g. 1) is run in chunks of that size.
import { flatImageShape } from '../model-description.ts';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { InferenceInputError, ModelFileFormatError, ModelFileNotFoundError, UnsupportedModelError } from '../errors.ts';
import { INPUT_LAYOUT_METADATA_KEY, summarizeModel, type ModelSummary } from './onnx-proto.ts';

export type OnnxInputLayout = 'NHWC' | 'NCHW' | 'HW' | 'FLAT';
export type OnnxOutputKind = 'sigmoid' | 'softmax' | 'other';

export interface OnnxSessionOptions {
  /** ONNX Runtime intra-op threads for this session (0 lets ONNX Runtime use every core). */
  threads: number;
  /** false: idle intra-op threads sleep instead of spinning, leaving the core to the rest of the process (default true). */
  spinning?: boolean;
  /** Overrides the layout detection for an input whose channel count is neither 1 nor 3. */
  inputLayout?: 'NHWC' | 'NCHW';
}

export class OnnxSession {
  /** Height, width, channels of one image, whatever the model's own layout. */
  readonly inputShape: [number, number, number];
  readonly outputUnits: number;
  readonly inputLayout: OnnxInputLayout;
  /** A one-unit Sigmoid or a Softmax over two or more units (the same rule as Keras models); 'other' for anything else. */
  readonly outputKind: OnnxOutputKind;
  private session: ort.InferenceSession | null;
  private readonly inputName: string;
  private readonly outputName: string;
  /** Per-image dims in the model's layout, after the batch dim. */
  private readonly imageDims: number[];
  private readonly fixedBatch: number | null;

  private constructor(init: {
    session: ort.InferenceSession;
    inputShape: [number, number, number];
    outputUnits: number;
    inputLayout: OnnxInputLayout;
    fixedBatch: number | null;
    outputKind: OnnxOutputKind;
  }) {
    this.session = init.session;
    this.inputShape = init.inputShape;
    this.outputUnits = init.outputUnits;
    this.inputLayout = init.inputLayout;
    this.fixedBatch = init.fixedBatch;
    this.outputKind = init.outputKind;
    this.inputName = init.session.inputNames[0];
    this.outputName = init.session.outputNames[0];
    const [height, width, channels] = init.inputShape;
    this.imageDims =
      init.inputLayout === 'NHWC' ? [height, width, channels] : init.inputLayout === 'NCHW' ? [channels, height, width] : init.inputLayout === 'FLAT' ? [height * width * channels] : [height, width];
  }

  /** Loads model bytes (e.g. from `compileKerasToOnnx`) or a .onnx file path. Throws named InferenceErrors. */
  static async create(modelBytes: Uint8Array | string, opts: OnnxSessionOptions): Promise<OnnxSession> {
    const label = typeof modelBytes === 'string' ? path.basename(modelBytes) : 'compiled ONNX model';
    if (!Number.isInteger(opts.threads) || opts.threads < 0) {
      throw new RangeError(`${label}: threads must be a whole number >= 0, got ${opts.threads}`);
    }
    const bytes = typeof modelBytes === 'string' ? await readModelFile(modelBytes) : modelBytes;
    const options: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.threads,
      // Batches are parallel inside operators; running two operators at once only adds contention.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    };
    let session: ort.InferenceSession;
    try {
      // A path lets ONNX Runtime find weights stored beside the file (external data).
      session = typeof modelBytes === 'string' ? await ort.InferenceSession.create(modelBytes, options) : await ort.InferenceSession.create(bytes, options);
    } catch (error) {
      throw new ModelFileFormatError(`${label}: ONNX Runtime cannot load the model: ${(error as Error).message}`);
    }
    try {
      let summary: ModelSummary | null = null;
      try {
        summary = summarizeModel(bytes);
      } catch {
        // ONNX Runtime accepted the bytes, so they are ONNX; a graph we cannot follow only loses the hints.
      }
      const declaredLayout = summary?.metadata[INPUT_LAYOUT_METADATA_KEY];
      const layoutHint = opts.inputLayout ?? (declaredLayout === 'NHWC' || declaredLayout === 'NCHW' ? declaredLayout : undefined);
      return await OnnxSession.fromSession(session, label, layoutHint, summary);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  private static async fromSession(
    session: ort.InferenceSession,
    label: string,
    layoutHint: 'NHWC' | 'NCHW' | undefined,
    summary: ModelSummary | null,
  ): Promise<OnnxSession> {
    if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
      throw new UnsupportedModelError(
        `${label}: the model has ${session.inputNames.length} inputs and ${session.outputNames.length} outputs; one image input and one output are needed`,
      );
    }
    const input = session.inputMetadata[0];
    const output = session.outputMetadata[0];
    if (!input.isTensor || input.type !== 'float32') {
      throw new UnsupportedModelError(`${label}: input "${input.name}" must be a float32 tensor (found ${input.isTensor ? input.type : 'a non-tensor'})`);
    }
    if (!output.isTensor || output.type !== 'float32') {
      throw new UnsupportedModelError(`${label}: output "${output.name}" must be a float32 tensor (found ${output.isTensor ? output.type : 'a non-tensor'})`);
    }
    const { layout, inputShape } = detectInputLayout(input.shape, label, layoutHint);
    const batchDim = input.shape[0];
    const fixedBatch = typeof batchDim === 'number' && batchDim > 0 ? batchDim : null;
    const outputDims = output.shape.slice(1);
    let outputUnits = outputDims.every((d) => typeof d === 'number' && d > 0) ? (outputDims as number[]).reduce((a, b) => a * b, 1) : 0;
    const init = { session, inputShape, inputLayout: layout, fixedBatch, outputKind: 'other' as OnnxOutputKind };
    if (outputUnits === 0) {
      // The output's size is symbolic in the file: run one blank batch to learn it.
      const count = fixedBatch ?? 1;
      const probe = await new OnnxSession({ ...init, outputUnits: 0 }).runChunk(new Float32Array(count * inputShape[0] * inputShape[1] * inputShape[2]), count);
      outputUnits = probe.length / count;
      if (!Number.isInteger(outputUnits) || outputUnits < 1) throw new UnsupportedModelError(`${label}: the output has no usable size`);
    }
    const outputKind = summary ? classifyOutput(summary, outputUnits) : 'other';
    return new OnnxSession({ ...init, outputUnits, outputKind });
  }

  /** input: count*H*W*C float32 NHWC (already scaled); returns count*outputUnits float32, image after image. */
  async run(input: Float32Array, count: number): Promise<Float32Array> {
    const [height, width, channels] = this.inputShape;
    const perImage = height * width * channels;
    if (!this.session) throw new InferenceInputError('the ONNX session was released; create a new one');
    if (!Number.isInteger(count) || count < 0 || input.length !== count * perImage) {
      throw new InferenceInputError(
        `a batch of ${count} images of ${height}x${width}x${channels} needs ${count * perImage} values, got ${input.length}`,
      );
    }
    if (count === 0) return new Float32Array(0);
    const data = this.inputLayout === 'NCHW' && channels > 1 ? nhwcToNchw(input, count, height, width, channels) : input;
    if (this.fixedBatch === null || this.fixedBatch === count) return this.runChunk(data, count);

    const batch = this.fixedBatch;
    const out = new Float32Array(count * this.outputUnits);
    for (let start = 0; start < count; start += batch) {
      const n = Math.min(batch, count - start);
      let chunk = data.subarray(start * perImage, (start + n) * perImage);
      if (n < batch) {
        const padded = new Float32Array(batch * perImage);
        padded.set(chunk);
        chunk = padded;
      }
      const result = await this.runChunk(chunk, batch);
      out.set(result.subarray(0, n * this.outputUnits), start * this.outputUnits);
    }
    return out;
  }

  async release(): Promise<void> {
    const session = this.session;
    this.session = null;
    await session?.release();
  }

  private async runChunk(data: Float32Array, count: number): Promise<Float32Array> {
    if (!this.session) throw new InferenceInputError('the ONNX session was released; create a new one');
    const feeds = { [this.inputName]: new ort.Tensor('float32', data, [count, ...this.imageDims]) };
    const results = await this.session.run(feeds);
    const values = results[this.outputName].data;
    if (!(values instanceof Float32Array)) throw new UnsupportedModelError(`the model's output "${this.outputName}" is not float32`);
    if (this.outputUnits > 0 && values.length !== count * this.outputUnits) {
      throw new UnsupportedModelError(`the model returned ${values.length} values for ${count} images; expected ${count * this.outputUnits}`);
    }
    return values;
  }
}

/** Reads an ONNX input shape as an image layout; see the file header for the rules. */
export function detectInputLayout(
  shape: readonly (number | string)[],
  label: string,
  override?: 'NHWC' | 'NCHW',
): { layout: OnnxInputLayout; inputShape: [number, number, number] } {
  const dims = shape.slice(1).map((d) => (typeof d === 'number' && d > 0 ? d : null));
  const shapeText = `[${shape.join(', ')}]`;
  if (dims.length === 1 && dims[0] !== null) {
    const image = flatImageShape(dims[0]);
    if (image) return { layout: 'FLAT', inputShape: image };
  }
  if (dims.length === 2) {
    const [height, width] = dims;
    if (height !== null && width !== null) return { layout: 'HW', inputShape: [height, width, 1] };
  }
  if (dims.length === 3) {
    const [a, b, c] = dims;
    const isChannels = (d: number | null) => d === 1 || d === 3;
    const layout = override ?? (isChannels(c) ? 'NHWC' : isChannels(a) ? 'NCHW' : null);
    if (layout === 'NHWC' && a !== null && b !== null && c !== null) return { layout, inputShape: [a, b, c] };
    if (layout === 'NCHW' && a !== null && b !== null && c !== null) return { layout, inputShape: [b, c, a] };
  }
  throw new UnsupportedModelError(
    `${label}: input shape ${shapeText} is not an image batch [N, H, W, C] or [N, C, H, W] with fixed sizes and 1 or 3 channels, nor [N, H, W], nor [N, H*W*C] of a square image`,
  );
}

function nhwcToNchw(input: Float32Array, count: number, height: number, width: number, channels: number): Float32Array {
  // A fresh buffer per call: ONNX Runtime reads it while other batches may be in flight.
  const out = new Float32Array(input.length);
  const plane = height * width;
  const perImage = plane * channels;
  for (let n = 0; n < count; n++) {
    const base = n * perImage;
    for (let p = 0; p < plane; p++) {
      const from = base + p * channels;
      for (let c = 0; c < channels; c++) out[base + c * plane + p] = input[from + c];
    }
  }
  return out;
}

export interface OnnxFileDescription {
  inputShape: [number, number, number];
  inputLayout: OnnxInputLayout;
  outputUnits: number;
  /** Same rule as Keras models: a one-unit Sigmoid or a Softmax over two or more units; 'other' for anything else. */
  outputKind: OnnxOutputKind;
}

/** Opens a .onnx file with ONNX Runtime (one thread) to read its geometry; the output kind comes from its last op. */
export async function describeOnnxFile(file: string): Promise<OnnxFileDescription> {
  const session = await OnnxSession.create(file, { threads: 1 });
  try {
    const { inputShape, inputLayout, outputUnits, outputKind } = session;
    return { inputShape, inputLayout, outputUnits, outputKind };
  } finally {
    await session.release();
  }
}

/** Ops that pass probabilities through unchanged, walked over to find the activation that made them. */
const PASS_THROUGH_OPS = new Set(['Identity', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Cast', 'Transpose', 'Dropout']);

function classifyOutput({ nodes, outputNames }: ModelSummary, units: number): OnnxOutputKind {
  const producers = new Map<string, (typeof nodes)[number]>();
  for (const node of nodes) for (const output of node.outputs) producers.set(output, node);
  let node = producers.get(outputNames[0] ?? '');
  for (let hops = 0; node && PASS_THROUGH_OPS.has(node.opType) && hops < 16; hops++) node = producers.get(node.inputs[0] ?? '');
  if (node?.opType === 'Sigmoid' && units === 1) return 'sigmoid';
  if (node?.opType === 'Softmax' && units >= 2) return 'softmax';
  return 'other';
}

async function readModelFile(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileNotFoundError(`${file}: cannot read the model file (${code ?? (error as Error).message})`);
  }
}
