// Rebuilds a Keras .h5 model in TensorFlow.js: normalized architecture, then every weight placed and shape-checked.
import { UnsupportedLayerConfigError, UnsupportedModelError, WeightMismatchError, layerLabel } from '../errors.ts';
import { tf, ensureBackend, type LayersModel } from '../runtime/tfjs.ts';
import { normalizeModelConfig, type NormalizedLayer } from './config.ts';
import { readKerasH5, type KerasH5Contents, type WeightArray } from './read.ts';

export interface LoadedKerasModel {
  model: LayersModel;
  /** Layers as declared in the file (Sequential models list no InputLayer), with their Keras class names. */
  layers: NormalizedLayer[];
  contents: Omit<KerasH5Contents, 'weights'>;
}

/** Weight names Keras and tfjs agree on; used to catch weights stored in an unexpected order. */
const KNOWN_WEIGHT_NAMES = new Set(['kernel', 'bias', 'gamma', 'beta', 'moving_mean', 'moving_variance', 'depthwise_kernel', 'pointwise_kernel']);

/** Reads `file` and returns a ready tfjs model; throws a named InferenceError for anything it cannot load exactly. */
export async function loadKerasH5(file: string): Promise<LoadedKerasModel> {
  const contents = await readKerasH5(file);
  return buildKerasModel(contents);
}

export async function buildKerasModel(contents: KerasH5Contents): Promise<LoadedKerasModel> {
  const normalized = normalizeModelConfig(contents.modelConfig, contents.kerasVersion);
  await ensureBackend();
  let model: LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: normalized.topology } as never);
  } catch (error) {
    // Settings were validated beforehand, so this is a topology tfjs rejects (e.g. incompatible shapes).
    throw new UnsupportedModelError(`${contents.file}: TensorFlow.js cannot build the model: ${(error as Error).message}`);
  }
  try {
    refuseMiscomputedLayers(model, normalized.layers);
    assignWeights(model, normalized.layers, contents);
  } catch (error) {
    model.dispose();
    throw error;
  }
  const { weights: _weights, ...rest } = contents;
  return { model, layers: normalized.layers, contents: rest };
}

/**
 * TensorFlow.js normalizes over the last axis whatever a BatchNormalization's `axis` says (checked on the cpu and
 * wasm backends), so a model normalizing another axis would be served with wrong numbers: refuse it instead.
 */
function refuseMiscomputedLayers(model: LayersModel, declared: NormalizedLayer[]): void {
  const classOf = new Map(declared.map((layer) => [layer.name, layer.kerasClassName]));
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const axis = Number((layer.getConfig() as { axis?: number }).axis ?? -1);
    const rank = (layer.input as { shape: unknown[] }).shape.length;
    if ((axis < 0 ? axis + rank : axis) !== rank - 1) {
      throw new UnsupportedLayerConfigError(
        `${layerLabel(layer.name, classOf.get(layer.name) ?? 'BatchNormalization')} cannot be loaded: axis=${axis} is not the last axis, which TensorFlow.js would compute wrongly`,
      );
    }
  }
}

function assignWeights(model: LayersModel, declared: NormalizedLayer[], contents: KerasH5Contents): void {
  const classOf = new Map(declared.map((layer) => [layer.name, layer.kerasClassName]));
  const used = new Set<string>();
  for (const layer of model.layers) {
    const label = layerLabel(layer.name, classOf.get(layer.name) ?? layer.getClassName());
    const expected = layer.weights;
    const stored = contents.weights.get(layer.name) ?? [];
    used.add(layer.name);
    if (expected.length === 0 && stored.length === 0) continue;
    if (stored.length !== expected.length) {
      const want = expected.map((w) => `${shortName(w.originalName)} ${shapeText(w.shape)}`).join(', ') || 'none';
      const have = stored.map((w) => `${w.name} ${shapeText(w.shape)}`).join(', ') || 'none';
      throw new WeightMismatchError(`${label} needs ${expected.length} weight arrays (${want}) but the file holds ${stored.length} (${have})`);
    }
    const tensors = stored.map((weight, i) => {
      const variable = expected[i];
      const wanted = shortName(variable.originalName);
      const found = shortName(weight.name);
      if (KNOWN_WEIGHT_NAMES.has(wanted) && KNOWN_WEIGHT_NAMES.has(found) && wanted !== found) {
        throw new WeightMismatchError(`${label}: weight ${i} is "${weight.name}" in the file but the layer expects its ${wanted} there`);
      }
      if (!sameShape(weight.shape, variable.shape)) {
        throw new WeightMismatchError(
          `${label}: weight "${weight.name}" has shape ${shapeText(weight.shape)} in the file but the layer needs ${shapeText(variable.shape)} for its ${wanted}`,
        );
      }
      return tf.tensor(weight.values, weight.shape, 'float32');
    });
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
  for (const [groupName, weights] of contents.weights) {
    if (used.has(groupName) || weights.length === 0) continue;
    throw new WeightMismatchError(
      `the file holds ${weights.length} weight arrays for "${groupName}" (${weights.map(describeWeight).join(', ')}) but the model has no such layer`,
    );
  }
}

function shortName(name: string): string {
  return (name.split('/').at(-1) ?? name).replace(/:\d+$/, '');
}

function describeWeight(weight: WeightArray): string {
  return `${weight.name} ${shapeText(weight.shape)}`;
}

function sameShape(a: readonly number[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.join(', ')}]`;
}
