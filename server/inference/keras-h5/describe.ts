// Describes a model loaded in this thread (used inside the worker threads).
import path from 'node:path';
import { sha256File } from '../../util/file-hash.ts';
import { UnsupportedModelError } from '../errors.ts';
import { type DescribeOptions, type ModelDescription, type OutputKind } from '../model-description.ts';
import { flatImageShape } from '../model-description.ts';
import { loadKerasH5, type LoadedKerasModel } from './load.ts';

/** Loads the model in this thread (validating every layer and weight) and describes it. */
export async function describeModelFileHere(file: string, options: DescribeOptions = {}): Promise<ModelDescription> {
  const loaded = await loadKerasH5(file, { outputName: options.outputName });
  try {
    return describeLoadedModel(loaded, await sha256File(loaded.contents.file));
  } finally {
    loaded.model.dispose();
  }
}

/** The loaded model's geometry and output kind (the served output was chosen at load: `outputName`). */
export function describeLoadedModel(loaded: LoadedKerasModel, sha256: string): ModelDescription {
  const { model, contents } = loaded;
  const file = path.basename(contents.file);
  if (model.inputs.length !== 1) throw new UnsupportedModelError(`${file}: the model has ${model.inputs.length} inputs; one image input is needed`);
  if (model.outputs.length !== 1) throw new UnsupportedModelError(`${file}: the model serves ${model.outputs.length} outputs; one is needed`);

  const rank = model.inputs[0].shape.length;
  // A flat input (an MLP) takes the image's H*W*C values in HWC order, reshaped: a square image is assumed.
  const flat = rank === 2 && isSize(model.inputs[0].shape[1]) ? flatImageShape(model.inputs[0].shape[1]) : null;
  if (rank === 2 && !flat) {
    throw new UnsupportedModelError(`${file}: input shape ${shapeText(model.inputs[0].shape)} is a vector that is no square image (H*H values, or H*H*3 for RGB)`);
  }
  const [, height, width, channels, ...rest] = flat ? [null, ...flat] : model.inputs[0].shape;
  if (!flat && ((rank !== 3 && rank !== 4) || rest.length > 0)) {
    throw new UnsupportedModelError(`${file}: input shape ${shapeText(model.inputs[0].shape)} is not an image (H, W) or (H, W, C), nor a flat vector of one`);
  }
  const inputChannels = rank === 3 ? 1 : channels;
  if (!isSize(height) || !isSize(width) || !isSize(inputChannels)) {
    throw new UnsupportedModelError(`${file}: input shape ${shapeText(model.inputs[0].shape)} must have a fixed height, width and channel count`);
  }

  const outputShape = model.outputs[0].shape.slice(1);
  const outputUnits = outputShape.reduce<number>((n, d) => n * (d ?? Number.NaN), 1);
  if (!Number.isFinite(outputUnits) || outputUnits < 1) {
    throw new UnsupportedModelError(`${file}: output shape ${shapeText(model.outputs[0].shape)} has no fixed size`);
  }
  const outputKind = classifyOutput(loaded, outputShape.length, outputUnits);

  const classOf = new Map(loaded.layers.map((layer) => [layer.name, layer.kerasClassName]));
  const layers = model.layers
    .filter((layer) => classOf.has(layer.name))
    .map((layer) => ({
      name: layer.name,
      className: classOf.get(layer.name) ?? layer.getClassName(),
      outputShape: layerOutputShape(layer),
      parameterCount: layer.countParams(),
    }));

  return {
    format: 'keras-h5',
    inputShape: [height, width, inputChannels],
    inputLayout: flat ? 'FLAT' : rank === 3 ? 'HW' : 'HWC',
    outputKind,
    outputUnits,
    parameterCount: model.countParams(),
    layers,
    kerasVersion: contents.kerasVersion,
    kerasBackend: contents.kerasBackend,
    sha256,
    ...(loaded.outputs ? { outputs: loaded.outputs, outputName: loaded.outputName } : {}),
    container: contents.container,
  };
}

/** The last layer's activation decides: a sigmoid unit or a softmax over two or more units are probabilities. */
function classifyOutput(loaded: LoadedKerasModel, outputRank: number, units: number): OutputKind {
  if (outputRank !== 1) return 'other';
  const outputLayer = loaded.model.outputLayers[0] ?? loaded.model.layers.at(-1);
  const config = (outputLayer?.getConfig() ?? {}) as { activation?: unknown; kind?: unknown; name?: unknown };
  // A Softmax layer is a KerasOp; an own activation chained after a layer is a KerasOp named after it.
  const activation = config.kind === 'softmax' ? 'softmax' : config.kind === 'activation' ? '' : String(config.activation ?? '');
  if (units === 1 && activation === 'sigmoid') return 'sigmoid';
  if (units >= 2 && activation === 'softmax') return 'softmax';
  return 'other';
}

function layerOutputShape(layer: { outputShape: unknown }): (number | null)[] {
  try {
    const shape = layer.outputShape as (number | null)[] | (number | null)[][];
    const single = Array.isArray(shape[0]) ? (shape[0] as (number | null)[]) : (shape as (number | null)[]);
    return single.slice(1);
  } catch {
    // A layer shared between calls with different shapes has no single output shape.
    return [];
  }
}

function isSize(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}

function shapeText(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => (d == null ? 'None' : String(d))).join(', ')})`;
}

