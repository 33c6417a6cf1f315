// Describes a model loaded in this thread (used inside the worker threads).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256File } from '../../util/file-hash.ts';
import { UnsupportedModelError } from '../errors.ts';
import { DEFAULT_GAMMA_CLASS_INDEX, type DescribeOptions, type ModelDescription, type OutputKind } from '../model-description.ts';
import { loadKerasH5, type LoadedKerasModel } from './load.ts';

/** Loads the model in this thread (validating every layer and weight) and describes it. */
export async function describeModelFileHere(file: string, options: DescribeOptions = {}): Promise<ModelDescription> {
  const loaded = await loadKerasH5(file, { outputName: options.outputName });
  try {
    return describeLoadedModel(loaded, await sha256File(loaded.contents.file), options);
  } finally {
    loaded.model.dispose();
  }
}

export function describeLoadedModel(loaded: LoadedKerasModel, sha256: string, options: DescribeOptions = {}): ModelDescription {
  const { model, contents } = loaded;
  const file = path.basename(contents.file);
  if (model.inputs.length !== 1) throw new UnsupportedModelError(`${file}: the model has ${model.inputs.length} inputs; one image input is needed`);
  if (model.outputs.length !== 1) throw new UnsupportedModelError(`${file}: the model serves ${model.outputs.length} outputs; one is needed`);

  const [, height, width, channels, ...rest] = model.inputs[0].shape;
  const rank = model.inputs[0].shape.length;
  if ((rank !== 3 && rank !== 4) || rest.length > 0) {
    throw new UnsupportedModelError(`${file}: input shape ${shapeText(model.inputs[0].shape)} is not an image (H, W) or (H, W, C)`);
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
  const gammaClassIndex = outputUnits === 1 ? 0 : (options.gammaClassIndex ?? DEFAULT_GAMMA_CLASS_INDEX);
  if (!Number.isInteger(gammaClassIndex) || gammaClassIndex < 0 || gammaClassIndex >= outputUnits) {
    throw new UnsupportedModelError(
      `${file}: gamma class index ${gammaClassIndex} is outside the ${outputUnits} outputs; set inference.gammaClassIndex to 0..${outputUnits - 1}`,
    );
  }

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
    inputLayout: rank === 3 ? 'HW' : 'HWC',
    outputKind,
    outputUnits,
    classNames: outputKind === 'other' ? (labelsBeside(contents.file, outputUnits) ?? classNamesFor(outputKind, outputUnits, gammaClassIndex)) : classNamesFor(outputKind, outputUnits, gammaClassIndex),
    gammaClassIndex,
    parameterCount: model.countParams(),
    layers,
    kerasVersion: contents.kerasVersion,
    kerasBackend: contents.kerasBackend,
    sha256,
    ...(loaded.outputs ? { outputs: loaded.outputs, outputName: loaded.outputName } : {}),
    container: contents.container,
  };
}

/** The last layer's activation decides: a sigmoid unit or a two-way softmax are probabilities. */
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

export function classNamesFor(kind: OutputKind, units: number, gammaClassIndex: number): string[] {
  if (kind === 'sigmoid') return ['gamma'];
  if (kind === 'softmax') return Array.from({ length: units }, (_, i) => (i === gammaClassIndex ? 'gamma' : 'proton'));
  return Array.from({ length: units }, (_, i) => `output_${i}`);
}

/**
 * Class names from a labels.txt next to the model, as Teachable Machine exports it ("0 Cat", "1 Dog", ...), when it
 * names exactly the output units; gamma/proton outputs keep their names.
 */
function labelsBeside(file: string, units: number): string[] | null {
  const labelsFile = path.join(path.dirname(file), 'labels.txt');
  if (!existsSync(labelsFile)) return null;
  const lines = readFileSync(labelsFile, 'utf8').split(/\r?\n/).map((line) => line.trim()).filter((line) => line.length > 0);
  if (lines.length !== units) return null;
  return lines.map((line, i) => (line.startsWith(`${i} `) ? line.slice(String(i).length + 1).trim() : line));
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

