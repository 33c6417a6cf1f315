// Turns a Keras `model_config` (Keras 2.0-2.3, tf.keras 2.x, or Keras 3 legacy .h5) into the one dialect
// tfjs-layers deserializes, keeping only the settings inference needs and refusing what it cannot honour.
import {
  UnsupportedLayerConfigError,
  UnsupportedLayerError,
  UnsupportedModelError,
  layerLabel,
} from '../errors.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One layer of the normalized model, with the Keras class name it had in the file. */
export interface NormalizedLayer {
  name: string;
  /** Keras class in the file (e.g. SpatialDropout2D), even when tfjs runs it as another class. */
  kerasClassName: string;
  /** Class tfjs-layers instantiates. */
  tfjsClassName: string;
}

export interface NormalizedModel {
  /** Keras-style (snake_case) topology for `tf.models.modelFromJSON`. */
  topology: JsonObject;
  kind: 'Sequential' | 'Functional';
  layers: NormalizedLayer[];
}

const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** Activations that mean the same in Keras and tfjs-layers (Keras name -> tfjs name). */
const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'swish',
  silu: 'swish',
  mish: 'mish',
  gelu: 'gelu',
  hard_sigmoid: 'hard_sigmoid',
};

interface LayerContext {
  label: string;
  kerasMajor: number;
}

type LayerNormalizer = (config: JsonObject, context: LayerContext) => { tfjsClassName: string; config: JsonObject };

/** The supported layers. Each keeps only the keys that change the forward pass; initializers etc. are dropped. */
const LAYERS: Record<string, LayerNormalizer> = {
  InputLayer: (c, ctx) => {
    if (c.sparse === true || c.ragged === true) throw unsupportedSetting(ctx, 'sparse or ragged inputs');
    return { tfjsClassName: 'InputLayer', config: { batch_input_shape: batchShapeOf(c) ?? missingShape(ctx), dtype: 'float32' } };
  },
  Conv2D: (c, ctx) => {
    channelsLast(c, ctx);
    if ((c.groups ?? 1) !== 1) throw unsupportedSetting(ctx, `groups=${JSON.stringify(c.groups)} (grouped convolution)`);
    return {
      tfjsClassName: 'Conv2D',
      config: {
        filters: req(c, 'filters', ctx),
        ...convolution(c, ctx),
      },
    };
  },
  SeparableConv2D: (c, ctx) => {
    channelsLast(c, ctx);
    return {
      tfjsClassName: 'SeparableConv2D',
      config: {
        filters: req(c, 'filters', ctx),
        depth_multiplier: c.depth_multiplier ?? 1,
        ...convolution(c, ctx),
      },
    };
  },
  DepthwiseConv2D: (c, ctx) => {
    channelsLast(c, ctx);
    return {
      tfjsClassName: 'DepthwiseConv2D',
      config: {
        depth_multiplier: c.depth_multiplier ?? 1,
        ...convolution(c, ctx),
      },
    };
  },
  MaxPooling2D: (c, ctx) => pooling('MaxPooling2D', c, ctx),
  AveragePooling2D: (c, ctx) => pooling('AveragePooling2D', c, ctx),
  GlobalAveragePooling2D: (c, ctx) => globalPooling('GlobalAveragePooling2D', c, ctx),
  GlobalMaxPooling2D: (c, ctx) => globalPooling('GlobalMaxPooling2D', c, ctx),
  Flatten: (c, ctx) => {
    // channels_first Flatten would permute to NCHW before flattening; tfjs cannot.
    channelsLast(c, ctx);
    return { tfjsClassName: 'Flatten', config: {} };
  },
  Reshape: (c, ctx) => ({ tfjsClassName: 'Reshape', config: { target_shape: req(c, 'target_shape', ctx) } }),
  Dense: (c, ctx) => ({
    tfjsClassName: 'Dense',
    config: { units: req(c, 'units', ctx), activation: activation(c.activation, ctx), use_bias: c.use_bias ?? true },
  }),
  // Dropout variants are the identity at inference; tfjs has no SpatialDropout2D, so it runs as Dropout.
  Dropout: (c) => ({ tfjsClassName: 'Dropout', config: { rate: c.rate ?? 0 } }),
  SpatialDropout2D: (c) => ({ tfjsClassName: 'Dropout', config: { rate: c.rate ?? 0 } }),
  BatchNormalization: (c, ctx) => {
    if (c.renorm === true) throw unsupportedSetting(ctx, 'renorm=true');
    let axis: Json = c.axis ?? -1;
    if (Array.isArray(axis)) {
      if (axis.length !== 1) throw unsupportedSetting(ctx, `axis=${JSON.stringify(axis)} (several axes)`);
      axis = axis[0];
    }
    return {
      tfjsClassName: 'BatchNormalization',
      config: { axis, epsilon: c.epsilon ?? 1e-3, momentum: c.momentum ?? 0.99, center: c.center ?? true, scale: c.scale ?? true },
    };
  },
  Activation: (c, ctx) => ({ tfjsClassName: 'Activation', config: { activation: activation(req(c, 'activation', ctx), ctx) } }),
  ReLU: (c, ctx) => {
    // tfjs's ReLU has only max_value; a leaky slope or a threshold would silently change the numbers.
    if (Number(c.negative_slope ?? 0) !== 0) throw unsupportedSetting(ctx, `negative_slope=${c.negative_slope}`);
    if (Number(c.threshold ?? 0) !== 0) throw unsupportedSetting(ctx, `threshold=${c.threshold}`);
    return { tfjsClassName: 'ReLU', config: { max_value: c.max_value ?? null } };
  },
  LeakyReLU: (c) => ({ tfjsClassName: 'LeakyReLU', config: { alpha: c.alpha ?? c.negative_slope ?? 0.3 } }),
  Rescaling: (c, ctx) => {
    const scale = c.scale ?? 1;
    const offset = c.offset ?? 0;
    if (typeof scale !== 'number' || typeof offset !== 'number') throw unsupportedSetting(ctx, 'per-channel scale or offset');
    return { tfjsClassName: 'Rescaling', config: { scale, offset } };
  },
  Concatenate: (c) => ({ tfjsClassName: 'Concatenate', config: { axis: c.axis ?? -1 } }),
  Add: () => ({ tfjsClassName: 'Add', config: {} }),
};

export const SUPPORTED_LAYER_CLASSES: readonly string[] = Object.keys(LAYERS);

/**
 * Normalizes a parsed `model_config`. `kerasVersion` is the file's `keras_version` attribute: a few names
 * changed meaning between Keras 2 and 3 (hard_sigmoid).
 */
export function normalizeModelConfig(modelConfig: unknown, kerasVersion: string | null): NormalizedModel {
  if (!isObject(modelConfig) || typeof modelConfig.class_name !== 'string') {
    throw new UnsupportedModelError('model_config is not a Keras model description (no "class_name")');
  }
  const modelClass = modelConfig.class_name;
  if (!MODEL_CLASSES.has(modelClass)) {
    throw new UnsupportedModelError(`model class "${modelClass}" is not supported; save a Sequential or Functional model`);
  }
  const kerasMajor = Number.parseInt(kerasVersion ?? '2', 10) || 2;
  if (kerasMajor < 2) throw new UnsupportedModelError(`Keras ${kerasVersion} files are not supported; re-save the model with Keras 2 or 3`);
  const config = modelConfig.config;
  // Keras 2.0-2.2.2 stored a Sequential model's config as the bare list of layers.
  const rawLayers = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : null;
  if (!rawLayers) throw new UnsupportedModelError('model_config has no list of layers');
  const modelName = isObject(config) && typeof config.name === 'string' ? config.name : modelClass.toLowerCase();

  if (modelClass === 'Sequential') {
    return normalizeSequential(rawLayers, modelName, isObject(config) ? config : {}, kerasMajor);
  }
  return normalizeFunctional(rawLayers, modelName, config as JsonObject, kerasMajor);
}

function normalizeSequential(rawLayers: Json[], modelName: string, modelConfig: JsonObject, kerasMajor: number): NormalizedModel {
  const layers: NormalizedLayer[] = [];
  const configs: JsonObject[] = [];
  let inputShape: Json | null = null;
  for (const raw of rawLayers) {
    const { layer, config, batchShape } = normalizeLayer(raw, kerasMajor);
    // tfjs's Sequential takes the input shape from the first layer; Keras 2.4+ and 3 write a separate InputLayer.
    if (layer.kerasClassName === 'InputLayer') {
      if (configs.length > 0) throw new UnsupportedModelError(`${layerLabel(layer.name, 'InputLayer')} appears after other layers`);
      inputShape = config.batch_input_shape;
      continue;
    }
    if (configs.length === 0) {
      const shape = inputShape ?? batchShape ?? (modelConfig.build_input_shape as Json) ?? null;
      if (shape == null) {
        throw new UnsupportedModelError('the Sequential model does not record its input shape (no InputLayer, batch_input_shape or build_input_shape)');
      }
      config.batch_input_shape = shape;
    }
    layers.push(layer);
    configs.push({ class_name: layer.tfjsClassName, config: { ...config, name: layer.name } });
  }
  if (configs.length === 0) throw new UnsupportedModelError('the model has no layers');
  return { kind: 'Sequential', layers, topology: { class_name: 'Sequential', config: { name: modelName, layers: configs } } };
}

function normalizeFunctional(rawLayers: Json[], modelName: string, modelConfig: JsonObject, kerasMajor: number): NormalizedModel {
  const layers: NormalizedLayer[] = [];
  const configs: JsonObject[] = [];
  for (const raw of rawLayers) {
    const { layer, config } = normalizeLayer(raw, kerasMajor);
    const inbound = normalizeInboundNodes((raw as JsonObject).inbound_nodes ?? [], layer);
    layers.push(layer);
    configs.push({ class_name: layer.tfjsClassName, name: layer.name, config: { ...config, name: layer.name }, inbound_nodes: inbound });
  }
  const inputs = normalizeEndpoints(modelConfig.input_layers, 'input_layers');
  const outputs = normalizeEndpoints(modelConfig.output_layers, 'output_layers');
  return {
    kind: 'Functional',
    layers,
    topology: { class_name: 'Model', config: { name: modelName, layers: configs, input_layers: inputs, output_layers: outputs } },
  };
}

function normalizeLayer(raw: Json, kerasMajor: number): { layer: NormalizedLayer; config: JsonObject; batchShape: Json | null } {
  if (!isObject(raw) || typeof raw.class_name !== 'string') throw new UnsupportedModelError('a layer in model_config has no "class_name"');
  const className = raw.class_name;
  const config = isObject(raw.config) ? raw.config : {};
  const name = typeof config.name === 'string' ? config.name : typeof raw.name === 'string' ? raw.name : '?';
  const label = layerLabel(name, className);
  if (className === 'Lambda') throw new UnsupportedLayerError(`${label} cannot be loaded: Lambda layers hold Python code`);
  if (MODEL_CLASSES.has(className)) {
    throw new UnsupportedLayerError(`${label} cannot be loaded: nested models are not supported; flatten the model before saving`);
  }
  const registered = raw.registered_name;
  const isCustom = typeof registered === 'string' && registered !== className && !registered.startsWith('keras');
  const normalize = LAYERS[className];
  if (!normalize || isCustom) {
    const what = isCustom ? `custom layer class "${registered}"` : 'unsupported or custom layer class';
    throw new UnsupportedLayerError(`${label} cannot be loaded: ${what}; supported: ${SUPPORTED_LAYER_CLASSES.join(', ')}`);
  }
  const context: LayerContext = { label, kerasMajor };
  // Inputs of any numeric dtype are fed as float32 (uint8 images included); layers must compute in float.
  if (className !== 'InputLayer') checkDtype(config.dtype, context);
  const normalized = normalize(config, context);
  const batchShape = batchShapeOf(config);
  const out: JsonObject = { ...normalized.config, trainable: config.trainable ?? true, dtype: 'float32' };
  return { layer: { name, kerasClassName: className, tfjsClassName: normalized.tfjsClassName }, config: out, batchShape };
}

/** Keras 2: [[[layer, node, tensor, kwargs], ...], ...]; Keras 3: [{args: [...keras tensors...], kwargs}]. */
function normalizeInboundNodes(nodes: Json, layer: NormalizedLayer): Json[] {
  if (!Array.isArray(nodes)) throw new UnsupportedModelError(`${layerLabel(layer.name, layer.kerasClassName)} has malformed inbound_nodes`);
  return nodes.map((node) => {
    if (Array.isArray(node)) {
      return node.map((entry) => {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string') {
          throw new UnsupportedModelError(`${layerLabel(layer.name, layer.kerasClassName)} has malformed inbound_nodes`);
        }
        return [entry[0], entry[1] ?? 0, entry[2] ?? 0, {}];
      });
    }
    if (isObject(node)) {
      const histories: Json[] = [];
      collectKerasTensors(node.args ?? [], histories);
      if (histories.length === 0) {
        throw new UnsupportedModelError(`${layerLabel(layer.name, layer.kerasClassName)} is called without tensor inputs`);
      }
      return histories;
    }
    throw new UnsupportedModelError(`${layerLabel(layer.name, layer.kerasClassName)} has malformed inbound_nodes`);
  });
}

function collectKerasTensors(value: Json, out: Json[]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectKerasTensors(item, out);
  } else if (isObject(value) && value.class_name === '__keras_tensor__' && isObject(value.config)) {
    const history = value.config.keras_history;
    if (Array.isArray(history) && typeof history[0] === 'string') out.push([history[0], history[1] ?? 0, history[2] ?? 0, {}]);
  }
}

/** [[name, node, tensor], ...]; Keras 3 writes a single endpoint as a flat [name, node, tensor]. */
function normalizeEndpoints(value: Json | undefined, key: string): Json[] {
  if (!Array.isArray(value) || value.length === 0) throw new UnsupportedModelError(`model_config has no ${key}`);
  const list = typeof value[0] === 'string' ? [value] : value;
  return list.map((entry) => {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') throw new UnsupportedModelError(`model_config has malformed ${key}`);
    return [entry[0], entry[1] ?? 0, entry[2] ?? 0];
  });
}

function batchShapeOf(config: JsonObject): Json | null {
  return (config.batch_input_shape as Json) ?? (config.batch_shape as Json) ?? null;
}

function missingShape(ctx: LayerContext): never {
  throw new UnsupportedModelError(`${ctx.label} has no batch_input_shape or batch_shape`);
}

function checkDtype(dtype: Json | undefined, ctx: LayerContext): void {
  // Keras 3 writes a DTypePolicy object; mixed precision keeps float32 variables, so it loads as float32.
  const name = isObject(dtype) ? (isObject(dtype.config) ? dtype.config.name : null) : dtype;
  if (name == null) return;
  if (typeof name !== 'string' || !/^(float32|float16|bfloat16|float64|mixed_float16|mixed_bfloat16)$/.test(name)) {
    throw unsupportedSetting(ctx, `dtype ${JSON.stringify(name)}`);
  }
}

function channelsLast(c: JsonObject, ctx: LayerContext): void {
  const format = c.data_format ?? 'channels_last';
  if (format !== 'channels_last') throw unsupportedSetting(ctx, `data_format=${JSON.stringify(format)}`, 'only channels_last');
}

function padding(c: JsonObject, ctx: LayerContext): Json {
  const value = c.padding ?? 'valid';
  if (value !== 'valid' && value !== 'same') throw unsupportedSetting(ctx, `padding=${JSON.stringify(value)}`);
  return value;
}

function pooling(tfjsClassName: string, c: JsonObject, ctx: LayerContext): { tfjsClassName: string; config: JsonObject } {
  channelsLast(c, ctx);
  const poolSize = c.pool_size ?? [2, 2];
  return { tfjsClassName, config: { pool_size: poolSize, strides: c.strides ?? poolSize, padding: padding(c, ctx), data_format: 'channels_last' } };
}

function globalPooling(tfjsClassName: string, c: JsonObject, ctx: LayerContext): { tfjsClassName: string; config: JsonObject } {
  channelsLast(c, ctx);
  if (c.keepdims === true) throw unsupportedSetting(ctx, 'keepdims=true');
  return { tfjsClassName, config: { data_format: 'channels_last' } };
}

function activation(value: Json | undefined, ctx: LayerContext): string {
  let name: Json | undefined = value ?? 'linear';
  // Keras 3 may serialize an activation as {"module": "keras.activations", "class_name": "function", "config": "relu"}.
  if (isObject(name)) name = typeof name.config === 'string' ? name.config : isObject(name.config) ? name.config.name : name.class_name;
  if (typeof name !== 'string' || !(name in ACTIVATIONS)) {
    throw unsupportedSetting(ctx, `activation ${JSON.stringify(name)}`, `supported: ${Object.keys(ACTIVATIONS).join(', ')}`);
  }
  // Keras 3 redefined hard_sigmoid as relu6(x + 3) / 6; tfjs implements the Keras 2 slope of 0.2.
  if (name === 'hard_sigmoid' && ctx.kerasMajor >= 3) throw unsupportedSetting(ctx, 'activation "hard_sigmoid" as defined by Keras 3');
  return ACTIVATIONS[name];
}

function req(c: JsonObject, key: string, ctx: LayerContext): Json {
  if (c[key] === undefined || c[key] === null) throw new UnsupportedModelError(`${ctx.label} has no "${key}" in its config`);
  return c[key];
}

/** The settings every convolution shares, channels-last. */
function convolution(c: JsonObject, ctx: LayerContext): JsonObject {
  return {
    kernel_size: req(c, 'kernel_size', ctx),
    strides: c.strides ?? [1, 1],
    padding: padding(c, ctx),
    dilation_rate: c.dilation_rate ?? [1, 1],
    activation: activation(c.activation, ctx),
    use_bias: c.use_bias ?? true,
    data_format: 'channels_last',
  };
}

function unsupportedSetting(ctx: LayerContext, what: string, hint?: string): UnsupportedLayerConfigError {
  return new UnsupportedLayerConfigError(`${ctx.label} cannot be loaded: ${what} is not supported${hint ? ` (${hint})` : ''}`);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
