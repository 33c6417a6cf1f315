// Rebuilds a Keras model (.h5 or .keras) in TensorFlow.js: the normalized graph called layer by layer, then every
// weight found by name, placed and shape-checked; weights left over in the file are an error, never ignored.
import { InferenceError, UnsupportedModelError, WeightMismatchError, layerLabel } from '../errors.ts';
import { tf, ensureBackend, type LayersModel } from '../runtime/tfjs.ts';
import { normalizeModelConfig, type GraphLayer, type NormalizedLayer, type NormalizedModel } from './config.ts';
import { readKerasFile, type KerasH5Contents, type WeightArray } from './read.ts';

type TfLayer = InstanceType<typeof tf.layers.Layer>;
type SymbolicTensor = ReturnType<typeof tf.input>;

export interface ModelOutput {
  /** The name of the layer computing it ("model_1/dense" inside a nested model). */
  name: string;
  /** Without the batch dimension (null where free). */
  shape: (number | null)[];
}

export interface LoadedKerasModel {
  /** The model computing the served output only (the file's other outputs are left out). */
  model: LayersModel;
  /** Leaf layers in order of first call (nested ones named "outer/inner"), with their Keras class names. */
  layers: NormalizedLayer[];
  /** Every output of the file, in the file's order (absent in models built by hand). */
  outputs?: ModelOutput[];
  /** The served output's name (absent in models built by hand). */
  outputName?: string;
  contents: Omit<KerasH5Contents, 'weights'>;
}

export interface LoadOptions {
  /**
   * Which output to serve, by its layer name (or index as a string), for a model with several; by default the
   * first that is a class probability (a sigmoid or softmax on a vector), else the first.
   */
  outputName?: string;
}

/** Reads `file` (.h5 or .keras, by content) and returns a ready tfjs model; throws a named InferenceError otherwise. */
export async function loadKerasH5(file: string, options: LoadOptions = {}): Promise<LoadedKerasModel> {
  const contents = await readKerasFile(file);
  return buildKerasModel(contents, options);
}

export async function buildKerasModel(contents: KerasH5Contents, options: LoadOptions = {}): Promise<LoadedKerasModel> {
  const normalized = normalizeModelConfig(contents.modelConfig, contents.kerasVersion, contents.container);
  const weights = resolveWeights(normalized, contents);
  await ensureBackend();
  const created = new Map<string, TfLayer[]>();
  let model: LayersModel;
  let outputs: ModelOutput[];
  let outputName: string;
  try {
    ({ model, outputs, outputName } = buildModel(normalized, weights, created, options));
  } catch (error) {
    disposeLayers(created);
    if (error instanceof InferenceError) throw error;
    // Settings were validated beforehand, so this is a graph tfjs rejects (e.g. incompatible shapes).
    throw new UnsupportedModelError(`${contents.file}: TensorFlow.js cannot build the model: ${(error as Error).message}`);
  }
  try {
    assignWeights(normalized, weights, created);
  } catch (error) {
    model.dispose();
    throw error;
  }
  // Layers that only feed the file's other outputs are not part of the served model: free their weights.
  disposeLayers(created, new Set(model.layers));
  const { weights: _weights, ...rest } = contents;
  // A Functional model's InputLayers are layers of the file (a Sequential model lists none, as Keras's summary).
  const inputLayers = normalized.kind === 'Functional' ? normalized.inputs.map(({ name }) => ({ name, kerasClassName: 'InputLayer', tfjsClassName: 'InputLayer' })) : [];
  const layers = [...inputLayers, ...normalized.layers.map(({ name, kerasClassName, tfjsClassName }) => ({ name, kerasClassName, tfjsClassName }))];
  return { model, layers, outputs, outputName, contents: rest };
}

function buildModel(
  normalized: NormalizedModel,
  weights: Map<string, Map<string, WeightArray>>,
  created: Map<string, TfLayer[]>,
  options: LoadOptions,
): { model: LayersModel; outputs: ModelOutput[]; outputName: string } {
  const tensors = new Array<SymbolicTensor | undefined>(normalized.tensorCount);
  const inputs = normalized.inputs.map((input) => {
    const tensor = tf.input({ batchShape: input.batchShape, name: input.name, dtype: 'float32' });
    tensors[input.tensor] = tensor;
    return tensor;
  });
  for (const node of normalized.nodes) {
    let chain = created.get(node.layer.name);
    if (!chain) {
      chain = node.layer.plan.create(node.layer.name, weights.get(node.layer.name) ?? new Map());
      created.set(node.layer.name, chain);
    }
    const args = node.inputs.map((t) => tensors[t]!);
    let value: SymbolicTensor | SymbolicTensor[] = args.length === 1 ? args[0] : args;
    try {
      for (const layer of chain) value = layer.apply(value) as SymbolicTensor;
    } catch (error) {
      if (error instanceof InferenceError) throw error;
      throw new UnsupportedModelError(`${layerLabel(node.layer.name, node.layer.kerasClassName)} cannot be applied to its inputs: ${(error as Error).message}`);
    }
    tensors[node.output] = value as SymbolicTensor;
  }
  const symbolic = normalized.outputs.map((output) => tensors[output.tensor]!);
  const outputs = normalized.outputs.map((output, i) => ({ name: output.name, shape: symbolic[i].shape.slice(1) }));
  const chosen = chooseOutput(normalized, outputs, options.outputName);
  const served = symbolic[chosen];
  // An output that is an input unchanged has no layer; tfjs cannot serve that and neither would a classifier.
  if (normalized.inputs.some((input) => tensors[input.tensor] === served)) {
    throw new UnsupportedModelError(`output "${outputs[chosen].name}" is one of the model's inputs, unchanged`);
  }
  const model = tf.model({ inputs, outputs: served, name: normalized.name });
  return { model, outputs, outputName: outputs[chosen].name };
}

/** Frees the weights of created layers, except those `kept` (owned by a model that frees them). */
function disposeLayers(created: Map<string, TfLayer[]>, kept: Set<TfLayer> = new Set()): void {
  for (const chain of created.values()) {
    for (const layer of chain) {
      if (kept.has(layer) || !layer.built) continue;
      try {
        layer.dispose();
      } catch {
        // A layer tfjs never connected has nothing to free.
      }
    }
  }
}

function chooseOutput(normalized: NormalizedModel, outputs: ModelOutput[], requested: string | undefined): number {
  if (requested !== undefined) {
    const byName = outputs.findIndex((output) => output.name === requested);
    const index = byName >= 0 ? byName : /^\d+$/.test(requested) ? Number(requested) : -1;
    if (index < 0 || index >= outputs.length) {
      throw new UnsupportedModelError(`the model has no output "${requested}"; its outputs are ${outputs.map((o, i) => `${i}: "${o.name}"`).join(', ')}`);
    }
    return index;
  }
  if (outputs.length === 1) return 0;
  const producer = new Map(normalized.nodes.map((node) => [node.output, node.layer]));
  const probability = normalized.outputs.findIndex((output, i) => {
    const layer = producer.get(output.tensor);
    if (!layer || outputs[i].shape.length !== 1) return false;
    if (layer.kerasClassName === 'Softmax') return true;
    const activation = layer.config.activation;
    return activation === 'softmax' || activation === 'sigmoid';
  });
  return probability >= 0 ? probability : 0;
}

/**
 * The file's arrays for each layer, by Keras weight name. Legacy files name each weight ("conv2d/kernel:0",
 * "model/conv2d/kernel"), and inside a nested model the order mixes layers, so names decide; model.weights.h5
 * stores vars/0, vars/1, ... in the layer's own order.
 */
function resolveWeights(normalized: NormalizedModel, contents: KerasH5Contents): Map<string, Map<string, WeightArray>> {
  const out = new Map<string, Map<string, WeightArray>>();
  const used = new Set<WeightArray>();
  const nestedIndex = new Map<string, Map<string, Map<string, WeightArray[]>>>();
  const nestedGroup = (group: string) => {
    let index = nestedIndex.get(group);
    if (!index) {
      index = new Map();
      for (const weight of contents.weights.get(group) ?? []) {
        const prefix = weight.name.split('/').slice(0, -1).join('/');
        const owner = prefix.split('/').at(-1) ?? '';
        if (!index.has(owner)) index.set(owner, new Map());
        const byPrefix = index.get(owner)!;
        byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), weight]);
      }
      nestedIndex.set(group, index);
    }
    return index;
  };
  for (const layer of normalized.layers) {
    const label = layerLabel(layer.name, layer.kerasClassName);
    let stored: WeightArray[];
    const location = layer.weights;
    if (location.container === 'keras-h5' && location.nestedLayerName !== null) {
      const found = nestedGroup(location.group).get(location.nestedLayerName) ?? new Map<string, WeightArray[]>();
      if (found.size > 1) throw new WeightMismatchError(`${label}: the weights of several layers match its name (${[...found.keys()].join(', ')})`);
      stored = [...found.values()][0] ?? [];
    } else if (location.container === 'keras-v3') {
      // tf.keras 2.13-2.15 wrote .keras archives with `_layer_checkpoint_dependencies` where Keras 3 writes `layers`.
      const legacy = location.group.replace(/(^|\/)layers\//g, '$1_layer_checkpoint_dependencies/');
      stored = contents.weights.get(location.group) ?? contents.weights.get(legacy) ?? [];
    } else {
      stored = contents.weights.get(location.group) ?? [];
    }
    const wanted = layer.plan.weightNames;
    const named = nameWeights(layer, stored, wanted, label);
    for (const weight of named.values()) used.add(weight);
    out.set(layer.name, named);
  }
  for (const [group, weights] of contents.weights) {
    // model.weights.h5 also holds state that is not a layer's weights: random seeds (layers/dropout/seed_generator),
    // the optimizer's and the metrics' variables. Only a layer's own vars must all be used.
    if (contents.container === 'keras-v3' && !/(^|\/)(layers|_layer_checkpoint_dependencies)\/[^/]+$/.test(group)) continue;
    const left = weights.filter((w) => !used.has(w));
    if (left.length === 0) continue;
    throw new WeightMismatchError(
      `the file holds ${left.length} weight arrays for "${group}" (${left.map(describeWeight).join(', ')}) but the model has no such layer or does not use them`,
    );
  }
  return out;
}

function nameWeights(layer: GraphLayer, stored: WeightArray[], wanted: string[], label: string): Map<string, WeightArray> {
  const byName = new Map<string, WeightArray>();
  for (const weight of stored) {
    let short = shortName(weight.name);
    if (layer.kerasClassName === 'DepthwiseConv2D' && short === 'kernel') short = 'depthwise_kernel';
    byName.set(short, weight);
  }
  if (wanted.every((name) => byName.has(name)) && byName.size === wanted.length) return new Map(wanted.map((name) => [name, byName.get(name)!]));
  // model.weights.h5 names nothing (vars/0, ...), and old files sometimes named weights oddly: then order decides.
  const positional = stored.every((w) => /^\d+$/.test(shortName(w.name))) || !stored.some((w) => wanted.includes(shortName(w.name)));
  if (stored.length === wanted.length && positional) return new Map(wanted.map((name, i) => [name, stored[i]]));
  const have = stored.map(describeWeight).join(', ') || 'none';
  throw new WeightMismatchError(`${label} needs ${wanted.length} weight arrays (${wanted.join(', ') || 'none'}) but the file holds ${stored.length} (${have})`);
}

function assignWeights(normalized: NormalizedModel, weights: Map<string, Map<string, WeightArray>>, created: Map<string, TfLayer[]>): void {
  for (const layer of normalized.layers) {
    const label = layerLabel(layer.name, layer.kerasClassName);
    const named = weights.get(layer.name) ?? new Map<string, WeightArray>();
    for (const tfLayer of created.get(layer.name) ?? []) {
      const variables = tfLayer.weights;
      if (variables.length === 0) continue;
      const tensors = variables.map((variable) => {
        const wanted = shortName(variable.originalName);
        const weight = named.get(wanted);
        if (!weight) throw new WeightMismatchError(`${label}: the layer needs its ${wanted} but the file has none`);
        if (!sameShape(weight.shape, variable.shape)) {
          throw new WeightMismatchError(
            `${label}: weight "${weight.name}" has shape ${shapeText(weight.shape)} in the file but the layer needs ${shapeText(variable.shape)} for its ${wanted}`,
          );
        }
        return tf.tensor(weight.values, weight.shape, 'float32');
      });
      tfLayer.setWeights(tensors);
      tf.dispose(tensors);
    }
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
