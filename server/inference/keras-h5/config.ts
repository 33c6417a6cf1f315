// Turns a Keras model config (Keras 2.0 to 3.x, legacy .h5 or .keras) into one flat graph of layer calls:
// Sequential and Functional models of any shape, nested models inlined (their layers named "outer/inner"),
// shared layers called at several nodes. Every layer is checked here, before any weight is read.
import { UnsupportedLayerConfigError, UnsupportedLayerError, UnsupportedModelError, layerLabel } from '../errors.ts';
import { isObject, isKnownLayerClass, parseKerasVersion, planLayer, SUPPORTED_LAYER_CLASSES, type JsonObject, type KerasVersion, type LayerPlan } from './layers.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One layer of the normalized model, with the Keras class name it had in the file. */
export interface NormalizedLayer {
  /** Unique in the model: the layer's name, after the names of the models it is nested in ("model_1/conv2d"). */
  name: string;
  /** Keras class in the file (e.g. SpatialDropout2D), even when tfjs runs it as another class. */
  kerasClassName: string;
  /** Class tfjs instantiates (KerasOp for operations computed here). */
  tfjsClassName: string;
}

/** Where a layer's weights are in the file. */
export type WeightLocation =
  /** Legacy .h5: the group of the top-level layer; inside a nested model, the arrays named after `layerName`. */
  | { container: 'keras-h5'; group: string; nestedLayerName: string | null }
  /** model.weights.h5: the layer's path by class (layers/conv2d_1, layers/functional/layers/dense). */
  | { container: 'keras-v3'; group: string };

export interface GraphLayer extends NormalizedLayer {
  /** Its own name in the file. */
  localName: string;
  config: JsonObject;
  plan: LayerPlan;
  weights: WeightLocation;
}

/** One call of a layer: input tensors to one output tensor (tensor ids index `KerasGraph.tensors`). */
export interface GraphNode {
  layer: GraphLayer;
  inputs: number[];
  output: number;
}

export interface GraphInput {
  tensor: number;
  name: string;
  /** Batch included (null where free). */
  batchShape: (number | null)[];
}

export interface GraphOutput {
  tensor: number;
  /** The output layer's name (path). */
  name: string;
}

export interface NormalizedModel {
  name: string;
  kind: 'Sequential' | 'Functional';
  version: KerasVersion;
  /** Leaf layers in order of first call. */
  layers: GraphLayer[];
  /** Calls in an order where every input is computed before it is used. */
  nodes: GraphNode[];
  inputs: GraphInput[];
  outputs: GraphOutput[];
  tensorCount: number;
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);
const CODE_LAYERS = new Set(['Lambda', 'TFOpLambda', 'SlicingOpLambda', 'TensorFlowOpLayer']);
const RNN_LAYERS = new Set(['LSTM', 'GRU', 'SimpleRNN', 'RNN', 'Bidirectional', 'TimeDistributed', 'ConvLSTM1D', 'ConvLSTM2D', 'ConvLSTM3D', 'CuDNNLSTM', 'CuDNNGRU', 'LSTMCell', 'GRUCell']);

/**
 * Normalizes a parsed model config. `kerasVersion` is the file's `keras_version`: a few things changed meaning
 * between versions (hard_sigmoid in Keras 3, the fused BatchNormalization epsilon floor of tf.keras).
 */
export function normalizeModelConfig(modelConfig: unknown, kerasVersion: string | null, container: 'keras-h5' | 'keras-v3' = 'keras-h5'): NormalizedModel {
  if (!isObject(modelConfig) || typeof modelConfig.class_name !== 'string') {
    throw new UnsupportedModelError('model_config is not a Keras model description (no "class_name")');
  }
  const modelClass = modelConfig.class_name;
  if (!MODEL_CLASSES.has(modelClass) || isCustom(modelConfig)) {
    const name = isObject(modelConfig.config) && typeof modelConfig.config.name === 'string' ? ` "${modelConfig.config.name}"` : '';
    throw new UnsupportedModelError(
      `model${name} of class "${registeredName(modelConfig) ?? modelClass}" is not supported: only Sequential and Functional models have a config to rebuild (subclassed models hold Python code)`,
    );
  }
  const version = parseKerasVersion(kerasVersion);
  if (version.major < 2) throw new UnsupportedModelError(`Keras ${kerasVersion} files are not supported; re-save the model with Keras 2 or 3`);
  const builder = new GraphBuilder(version);
  const modelName = nameOf(modelConfig) ?? modelClass.toLowerCase();
  const topLocation: Locator = container === 'keras-v3' ? new V3Locator('', layersOf(modelConfig)) : new LegacyLocator(null);
  const outputs = builder.expand(modelConfig, '', null, topLocation);
  const outputNames = outputs.map((tensor) => builder.producerName(tensor));
  return {
    name: modelName,
    kind: modelClass === 'Sequential' ? 'Sequential' : 'Functional',
    version,
    layers: [...builder.layers.values()],
    nodes: builder.nodes,
    inputs: builder.inputs,
    outputs: outputs.map((tensor, i) => ({ tensor, name: outputNames[i] })),
    tensorCount: builder.tensorCount,
  };
}

// ---------------------------------------------------------------------------------------------------- weights' places

interface Locator {
  locate(layer: JsonObject, localName: string): WeightLocation;
  nested(layer: JsonObject, localName: string): Locator;
}

/** Legacy .h5: one group per top-level layer; a nested model's group holds its layers' weights, flat, by name. */
class LegacyLocator implements Locator {
  constructor(private readonly topGroup: string | null) {}

  locate(_layer: JsonObject, localName: string): WeightLocation {
    return this.topGroup === null
      ? { container: 'keras-h5', group: localName, nestedLayerName: null }
      : { container: 'keras-h5', group: this.topGroup, nestedLayerName: localName };
  }

  nested(_layer: JsonObject, localName: string): Locator {
    return new LegacyLocator(this.topGroup ?? localName);
  }
}

/** Keras 3 addresses a model's layers by snake_case class, numbered in the order of the model's layer list. */
class V3Locator implements Locator {
  private readonly paths = new Map<string, string>();

  constructor(prefix: string, layers: Json[]) {
    const used = new Map<string, number>();
    for (const layer of layers) {
      if (!isObject(layer) || typeof layer.class_name !== 'string') continue;
      const key = snakeCase(layer.class_name);
      const n = (used.get(key) ?? -1) + 1;
      used.set(key, n);
      this.paths.set(nameOf(layer) ?? '?', `${prefix ? `${prefix}/` : ''}layers/${key}${n ? `_${n}` : ''}`);
    }
  }

  locate(_layer: JsonObject, localName: string): WeightLocation {
    return { container: 'keras-v3', group: this.paths.get(localName) ?? `layers/${localName}` };
  }

  nested(layer: JsonObject, localName: string): Locator {
    return new V3Locator(this.paths.get(localName) ?? '', layersOf(layer));
  }
}

/** keras.src.utils.naming.to_snake_case. */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

// ---------------------------------------------------------------------------------------------------- the graph

type Ref = [name: string, node: number, tensor: number];

class GraphBuilder {
  readonly layers = new Map<string, GraphLayer>();
  readonly nodes: GraphNode[] = [];
  readonly inputs: GraphInput[] = [];
  tensorCount = 0;
  private readonly producers = new Map<number, string>();

  constructor(
    private readonly version: KerasVersion,
  ) {}

  producerName(tensor: number): string {
    return this.producers.get(tensor) ?? '?';
  }

  /** Adds the calls of `model` on `inputs` (null: the model's own inputs become the graph's); returns its outputs. */
  expand(model: JsonObject, prefix: string, inputs: number[] | null, locator: Locator): number[] {
    return model.class_name === 'Sequential' ? this.expandSequential(model, prefix, inputs, locator) : this.expandFunctional(model, prefix, inputs, locator);
  }

  private expandSequential(model: JsonObject, prefix: string, inputs: number[] | null, locator: Locator): number[] {
    const layers = layersOf(model);
    if (layers.length === 0) throw new UnsupportedModelError(`${modelLabel(model, prefix)} has no layers`);
    if (inputs !== null && inputs.length !== 1) throw new UnsupportedModelError(`${modelLabel(model, prefix)} is a Sequential model called on ${inputs.length} tensors`);
    let current: number;
    if (inputs) {
      current = inputs[0];
    } else {
      const shape = declaredInputShape(model);
      if (!shape) {
        throw new UnsupportedModelError('the Sequential model does not record its input shape (no InputLayer, batch_input_shape or build_input_shape)');
      }
      const first = layers[0];
      const inputName = isObject(first) && first.class_name === 'InputLayer' ? (nameOf(first) ?? 'input') : `${prefix}input`;
      current = this.newInput(inputName, shape);
    }
    layers.forEach((layer, i) => {
      if (!isObject(layer) || typeof layer.class_name !== 'string') throw new UnsupportedModelError('a layer in model_config has no "class_name"');
      if (layer.class_name === 'InputLayer') {
        if (i > 0) throw new UnsupportedModelError(`${layerLabel(nameOf(layer) ?? '?', 'InputLayer')} appears after other layers`);
        return;
      }
      [current] = this.call(layer, prefix, [current], locator);
    });
    return [current];
  }

  private expandFunctional(model: JsonObject, prefix: string, inputs: number[] | null, locator: Locator): number[] {
    const config = model.config as JsonObject;
    const layers = layersOf(model);
    const byName = new Map<string, JsonObject>();
    for (const layer of layers) {
      if (!isObject(layer) || typeof layer.class_name !== 'string') throw new UnsupportedModelError('a layer in model_config has no "class_name"');
      byName.set(nameOf(layer) ?? '?', layer);
    }
    // Every call of every layer, as the refs it consumed.
    const calls: Array<{ layer: JsonObject; name: string; index: number; refs: Ref[] }> = [];
    for (const [name, layer] of byName) {
      const nodes = layer.inbound_nodes ?? [];
      if (!Array.isArray(nodes)) throw new UnsupportedModelError(`${layerLabel(name, String(layer.class_name))} has malformed inbound_nodes`);
      nodes.forEach((node, index) => calls.push({ layer, name, index, refs: nodeRefs(node, name, String(layer.class_name)) }));
    }
    const inputRefs = leaves(config.input_layers, 'input_layers');
    const outputRefs = leaves(config.output_layers, 'output_layers');
    const keras3 = layers.some((layer) => isObject(layer) && Array.isArray(layer.inbound_nodes) && layer.inbound_nodes.some(isObject));
    const offsets = nodeOffsets(byName, calls.flatMap((c) => c.refs), [...inputRefs, ...outputRefs], keras3);

    const produced = new Map<string, number[]>();
    const keyOf = (ref: Ref, outer: boolean): string => {
      const [name, index] = ref;
      if (!byName.has(name)) throw new UnsupportedModelError(`${modelLabel(model, prefix)}: the graph refers to an unknown layer "${name}"`);
      const offset = offsets.get(name) ?? [0, 0];
      return `${name}\u0000${index - (outer ? offset[1] : offset[0])}`;
    };
    const tensorOf = (ref: Ref, outer: boolean): number | undefined => produced.get(keyOf(ref, outer))?.[ref[2]];

    if (inputs !== null && inputs.length !== inputRefs.length) {
      throw new UnsupportedModelError(`${modelLabel(model, prefix)} takes ${inputRefs.length} inputs but is called on ${inputs.length}`);
    }
    inputRefs.forEach((ref, i) => {
      const layer = byName.get(ref[0]);
      if (!layer || layer.class_name !== 'InputLayer') {
        throw new UnsupportedModelError(`${modelLabel(model, prefix)}: input "${ref[0]}" is not an InputLayer`);
      }
      const tensor = inputs ? inputs[i] : this.newInput(ref[0], inputShapeOf(layer));
      produced.set(keyOf(ref, true), [tensor]);
    });

    // A shared layer can be called at different depths: resolve calls to a fixed point.
    let pending = calls;
    while (pending.length > 0) {
      const waiting: typeof pending = [];
      for (const call of pending) {
        const args = call.refs.map((ref) => tensorOf(ref, false));
        if (args.some((t) => t === undefined)) {
          waiting.push(call);
          continue;
        }
        produced.set(`${call.name}\u0000${call.index}`, this.call(call.layer, prefix, args as number[], locator));
      }
      if (waiting.length === pending.length) {
        const names = waiting.map((c) => `"${c.name}"`).join(', ');
        throw new UnsupportedModelError(`${modelLabel(model, prefix)}: the graph has calls whose inputs are never computed (${names})`);
      }
      pending = waiting;
    }
    return outputRefs.map((ref) => {
      const tensor = tensorOf(ref, true);
      if (tensor === undefined) throw new UnsupportedModelError(`${modelLabel(model, prefix)}: output "${ref[0]}" is never computed`);
      return tensor;
    });
  }

  /** One call of a layer or nested model; returns its output tensors. */
  private call(layer: JsonObject, prefix: string, inputs: number[], locator: Locator): number[] {
    const className = String(layer.class_name);
    const localName = nameOf(layer) ?? '?';
    const label = layerLabel(`${prefix}${localName}`, registeredName(layer) ?? className);
    refuseLayer(layer, className, label);
    if (MODEL_CLASSES.has(className)) {
      return this.expand(layer, `${prefix}${localName}/`, inputs, locator.nested(layer, localName));
    }
    if (className === 'InputLayer') throw new UnsupportedModelError(`${label} is called as a layer`);
    const graphLayer = this.leaf(layer, className, prefix, localName, label, locator);
    const output = this.tensorCount++;
    this.producers.set(output, graphLayer.name);
    this.nodes.push({ layer: graphLayer, inputs, output });
    return [output];
  }

  private leaf(layer: JsonObject, className: string, prefix: string, localName: string, label: string, locator: Locator): GraphLayer {
    const name = `${prefix}${localName}`;
    const known = this.layers.get(name);
    if (known) return known;
    const config = isObject(layer.config) ? layer.config : {};
    const ctx = { label, version: this.version };
    checkDtype(config.dtype, label);
    // Keras 3 LoRA adapters add kernels the forward pass sums in; they are not implemented.
    if (config.lora_rank != null) throw new UnsupportedLayerConfigError(`${label} cannot be loaded: lora_rank=${JSON.stringify(config.lora_rank)} is not supported`);
    const plan = planLayer(className, config, ctx);
    if (!plan) throw new UnsupportedLayerError(`${label} cannot be loaded: unsupported layer class; supported: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
    const graphLayer: GraphLayer = { name, localName, kerasClassName: className, tfjsClassName: plan.tfjsClassName, config, plan, weights: locator.locate(layer, localName) };
    this.layers.set(name, graphLayer);
    return graphLayer;
  }

  private newInput(name: string, batchShape: (number | null)[]): number {
    const tensor = this.tensorCount++;
    this.producers.set(tensor, name);
    this.inputs.push({ tensor, name, batchShape });
    return tensor;
  }
}

function refuseLayer(layer: JsonObject, className: string, label: string): void {
  if (className === 'Lambda') throw new UnsupportedLayerError(`${label} cannot be loaded: Lambda layers hold Python code`);
  if (CODE_LAYERS.has(className)) throw new UnsupportedLayerError(`${label} cannot be loaded: TensorFlow op layers hold TensorFlow code`);
  if (RNN_LAYERS.has(className)) throw new UnsupportedLayerError(`${label} cannot be loaded: recurrent layers are not supported`);
  const module = typeof layer.module === 'string' ? layer.module : '';
  if (module.includes('.ops')) throw new UnsupportedLayerError(`${label} cannot be loaded: a Keras op (${module}) in the graph is not supported`);
  if (isCustom(layer)) throw new UnsupportedLayerError(`${label} cannot be loaded: custom layer class "${registeredName(layer) ?? module}"`);
  const config = layer.config;
  if (isObject(config) && isObject(config.dtype) && String(config.dtype.class_name ?? '').includes('Quantized')) {
    throw new UnsupportedLayerError(`${label} cannot be loaded: quantized weights are not supported`);
  }
  if (!MODEL_CLASSES.has(className) && className !== 'InputLayer' && !isKnownLayerClass(className)) {
    throw new UnsupportedLayerError(`${label} cannot be loaded: unsupported or custom layer class; supported: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
  }
}

function isCustom(layer: JsonObject): boolean {
  const registered = layer.registered_name;
  const module = typeof layer.module === 'string' ? layer.module : '';
  if (module && !module.startsWith('keras')) return true;
  return typeof registered === 'string' && registered !== layer.class_name && !registered.startsWith('keras');
}

function registeredName(layer: JsonObject): string | null {
  const registered = layer.registered_name;
  return typeof registered === 'string' && registered !== layer.class_name && isCustom(layer) ? registered : null;
}

/**
 * How config node indices map to call numbers: a nested model starts with a node of its own (its inputs to its
 * outputs) that the outer config skips. Keras 2 counts it in every reference (the first real call is node 1),
 * Keras 3 only in input_layers/output_layers, and only for Functional. Returns [inbound shift, outer shift].
 */
function nodeOffsets(byName: Map<string, JsonObject>, inboundRefs: Ref[], outerRefs: Ref[], keras3: boolean): Map<string, [number, number]> {
  const used = new Map<string, Set<number>>();
  for (const [name, index] of [...inboundRefs, ...outerRefs]) {
    if (!used.has(name)) used.set(name, new Set());
    used.get(name)!.add(index);
  }
  const offsets = new Map<string, [number, number]>();
  for (const [name, layer] of byName) {
    const className = String(layer.class_name);
    if (!MODEL_CLASSES.has(className)) offsets.set(name, [0, 0]);
    else if (keras3) offsets.set(name, [0, className === 'Functional' ? 1 : 0]);
    else {
      const shift = used.get(name)?.has(0) ? 0 : 1;
      offsets.set(name, [shift, shift]);
    }
  }
  return offsets;
}

/** Keras 2: [[layer, node, tensor, kwargs], ...]; Keras 3: {args: [...keras tensors...], kwargs}. */
function nodeRefs(node: Json, name: string, className: string): Ref[] {
  const malformed = () => new UnsupportedModelError(`${layerLabel(name, className)} has malformed inbound_nodes`);
  if (Array.isArray(node)) {
    return node.map((entry) => {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw malformed();
      refuseCallArguments(entry[3], name, className);
      return [entry[0], Number(entry[1] ?? 0), Number(entry[2] ?? 0)];
    });
  }
  if (isObject(node)) {
    const refs: Ref[] = [];
    collectKerasTensors(node.args ?? [], refs);
    // Called as layer(inputs=x).
    if (refs.length === 0) collectKerasTensors(node.kwargs ?? {}, refs);
    else refuseCallArguments(node.kwargs, name, className);
    if (refs.length === 0) throw new UnsupportedModelError(`${layerLabel(name, className)} is called without tensor inputs`);
    return refs;
  }
  throw malformed();
}

/** Call arguments such as `training` (or an absent mask) do not change inference; anything else would. */
function refuseCallArguments(kwargs: Json | undefined, name: string, className: string): void {
  if (!isObject(kwargs)) return;
  for (const [key, value] of Object.entries(kwargs)) {
    if (key !== 'training' && key !== 'name' && value !== null) {
      throw new UnsupportedModelError(`${layerLabel(name, className)} is called with argument "${key}", which is not supported`);
    }
  }
}

function collectKerasTensors(value: Json, out: Ref[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectKerasTensors(item, out);
  } else if (isObject(value)) {
    if (value.class_name === '__keras_tensor__' && isObject(value.config)) {
      const history = value.config.keras_history;
      if (Array.isArray(history) && typeof history[0] === 'string') out.push([history[0], Number(history[1] ?? 0), Number(history[2] ?? 0)]);
      return;
    }
    for (const item of Object.values(value)) collectKerasTensors(item, out);
  }
}

/** input_layers / output_layers: one [name, node, tensor], or a (nested) list or dict of them (dicts in key order). */
function leaves(value: Json | undefined, key: string): Ref[] {
  const isRef = (v: Json): v is Json[] => Array.isArray(v) && (v.length === 3 || v.length === 4) && typeof v[0] === 'string' && Number.isInteger(v[1]);
  const walk = (v: Json): Ref[] => {
    if (isRef(v)) return [[v[0] as string, v[1] as number, Number(v[2] ?? 0)]];
    if (Array.isArray(v)) return v.flatMap(walk);
    if (isObject(v)) return Object.keys(v).sort().flatMap((k) => walk(v[k]));
    throw new UnsupportedModelError(`model_config has malformed ${key}`);
  };
  if (value == null) throw new UnsupportedModelError(`model_config has no ${key}`);
  const refs = walk(value);
  if (refs.length === 0) throw new UnsupportedModelError(`model_config has no ${key}`);
  return refs;
}

function layersOf(model: JsonObject): Json[] {
  const config = model.config;
  // Keras 2.0-2.2.2 stored a Sequential model's config as the bare list of layers.
  const layers = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : null;
  if (!layers) throw new UnsupportedModelError(`${modelLabel(model, '')} has no list of layers`);
  return layers;
}

/** The batch input shape a Sequential model declares: its InputLayer, its first layer's, or build_input_shape. */
function declaredInputShape(model: JsonObject): (number | null)[] | null {
  const layers = layersOf(model);
  const first = layers[0];
  if (isObject(first)) {
    if (MODEL_CLASSES.has(String(first.class_name))) {
      const inner = first.class_name === 'Sequential' ? declaredInputShape(first) : functionalInputShape(first);
      if (inner) return inner;
    } else if (isObject(first.config)) {
      const shape = batchShapeOf(first.config);
      if (shape) return shape;
    }
  }
  const config = model.config;
  return isObject(config) && Array.isArray(config.build_input_shape) ? (config.build_input_shape as (number | null)[]) : null;
}

function functionalInputShape(model: JsonObject): (number | null)[] | null {
  const config = model.config;
  if (!isObject(config)) return null;
  const [ref] = leaves(config.input_layers, 'input_layers');
  const layer = layersOf(model).find((l) => isObject(l) && nameOf(l) === ref[0]);
  return isObject(layer) && isObject(layer.config) ? batchShapeOf(layer.config) : null;
}

function inputShapeOf(layer: JsonObject): (number | null)[] {
  const config = isObject(layer.config) ? layer.config : {};
  if (config.sparse === true || config.ragged === true) {
    throw new UnsupportedModelError(`${layerLabel(nameOf(layer) ?? '?', 'InputLayer')} cannot be loaded: sparse or ragged inputs are not supported`);
  }
  const shape = batchShapeOf(config);
  if (!shape) throw new UnsupportedModelError(`${layerLabel(nameOf(layer) ?? '?', 'InputLayer')} has no batch_input_shape or batch_shape`);
  return shape;
}

function batchShapeOf(config: JsonObject): (number | null)[] | null {
  const shape = config.batch_input_shape ?? config.batch_shape ?? null;
  return Array.isArray(shape) ? (shape as (number | null)[]) : null;
}

function nameOf(layer: JsonObject): string | null {
  if (typeof layer.name === 'string') return layer.name;
  return isObject(layer.config) && typeof layer.config.name === 'string' ? layer.config.name : null;
}

function modelLabel(model: JsonObject, prefix: string): string {
  return prefix ? `model "${prefix.slice(0, -1)}"` : `model "${nameOf(model) ?? String(model.class_name)}"`;
}

function checkDtype(dtype: Json | undefined, label: string): void {
  // Keras 3 writes a DTypePolicy object; mixed precision keeps float32 variables, so it loads as float32.
  const name = isObject(dtype) ? (isObject(dtype.config) ? dtype.config.name : null) : dtype;
  if (name == null) return;
  if (typeof name !== 'string' || !/^(float32|float16|bfloat16|float64|mixed_float16|mixed_bfloat16)$/.test(name)) {
    throw new UnsupportedLayerConfigError(`${label} cannot be loaded: dtype ${JSON.stringify(name)} is not supported`);
  }
}
