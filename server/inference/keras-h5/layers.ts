// The supported Keras layers: each checks its config (refusing any setting it cannot honour exactly), names the
// weights it owns in Keras's order, and creates the TensorFlow.js layers that compute it: a tfjs-layers class
// where that one computes what Keras does, a KerasOpLayer otherwise.
import { UnsupportedLayerConfigError, UnsupportedModelError } from '../errors.ts';
import { tf, type Tensor } from '../runtime/tfjs.ts';
import { broadcastAlong, KerasOpLayer, positiveAxis, type KerasOp, type Shape } from './keras-op.ts';
import type { WeightArray } from './read.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
type TfLayer = InstanceType<typeof tf.layers.Layer>;

/** A Keras version as the numbers that change semantics: 2.11.0 -> {major 2, minor 11}; "-tf" marks tf.keras. */
export interface KerasVersion {
  major: number;
  minor: number;
  tfKeras: boolean;
}

export function parseKerasVersion(text: string | null): KerasVersion {
  const numbers = (text ?? '').split('-')[0].match(/\d+/g)?.map(Number) ?? [];
  return { major: numbers[0] ?? 2, minor: numbers[1] ?? 0, tfKeras: (text ?? '').endsWith('-tf') };
}

export interface LayerContext {
  label: string;
  version: KerasVersion;
}

export interface LayerPlan {
  /** Class tfjs runs: a tfjs-layers class or KerasOp. */
  tfjsClassName: string;
  /** Keras weight names the layer owns, in Keras's order (trainable first). */
  weightNames: string[];
  /**
   * Creates the tfjs layers, applied in a chain (the first takes the node's inputs). `weights` holds the file's
   * arrays by Keras name; built-in tfjs layers get them after they are built, KerasOp layers size theirs by them.
   */
  create(name: string, weights: Map<string, WeightArray>): TfLayer[];
}

type LayerNormalizer = (c: JsonObject, ctx: LayerContext) => LayerPlan;

/** Activations tfjs-layers computes as Keras does (Keras name -> tfjs identifier). */
const TFJS_ACTIVATIONS: Record<string, string> = {
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
};

/** Activations computed here (also by the ONNX compiler, by the same name). */
const OWN_ACTIVATIONS: Record<string, (x: Tensor) => Tensor> = {
  hard_sigmoid_keras2: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  hard_sigmoid_keras3: (x) => tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1),
  hard_silu: (x) => tf.mul(x, tf.clipByValue(tf.add(tf.div(x, 6), 0.5), 0, 1)),
  exponential: (x) => tf.exp(x),
  leaky_relu: (x) => tf.leakyRelu(x, 0.2),
  log_softmax: (x) => tf.logSoftmax(x),
};

export const SUPPORTED_ACTIVATIONS: readonly string[] = [
  ...Object.keys(TFJS_ACTIVATIONS),
  'hard_sigmoid',
  'hard_silu',
  'hard_swish',
  'exponential',
  'leaky_relu',
  'log_softmax',
];

interface ActivationChoice {
  /** tfjs identifier when tfjs computes it, else 'linear' plus `own`. */
  tfjs: string;
  own: string | null;
}

function activationOf(value: Json | undefined, ctx: LayerContext): ActivationChoice {
  let name: Json | undefined = value ?? 'linear';
  // Keras 3 may serialize an activation as {"module": "keras.activations", "class_name": "function", "config": "relu"}.
  if (isObject(name)) name = typeof name.config === 'string' ? name.config : isObject(name.config) ? name.config.name : name.class_name;
  if (typeof name !== 'string') throw unsupportedSetting(ctx, `activation ${JSON.stringify(name)}`);
  if (name in TFJS_ACTIVATIONS) return { tfjs: TFJS_ACTIVATIONS[name], own: null };
  // hard_sigmoid is 0.2x + 0.5 before Keras 3 and x/6 + 0.5 from Keras 3 on.
  if (name === 'hard_sigmoid') return { tfjs: 'linear', own: ctx.version.major >= 3 ? 'hard_sigmoid_keras3' : 'hard_sigmoid_keras2' };
  if (name === 'hard_swish' || name === 'hard_silu') return { tfjs: 'linear', own: 'hard_silu' };
  if (name in OWN_ACTIVATIONS) return { tfjs: 'linear', own: name };
  throw unsupportedSetting(ctx, `activation ${JSON.stringify(name)}`, `supported: ${SUPPORTED_ACTIVATIONS.join(', ')}`);
}

/** The KerasOp applying an activation computed here; the ONNX compiler translates it by `params.name`. */
export function activationOp(name: string): KerasOp {
  const fn = OWN_ACTIVATIONS[name];
  return { kind: 'activation', params: { name }, weights: [], outputShape: ([s]) => s, apply: ([x]) => fn(x) };
}

/** A layer with its activation: tfjs's own, or a KerasOp chained after it. */
function withActivation(layer: TfLayer, choice: ActivationChoice, name: string): TfLayer[] {
  return choice.own ? [layer, new KerasOpLayer(activationOp(choice.own), `${name}/${choice.own}`)] : [layer];
}

function builtin(tfjsClassName: string, weightNames: string[], make: (name: string) => TfLayer | TfLayer[]): LayerPlan {
  return {
    tfjsClassName,
    weightNames,
    create: (name) => {
      const made = make(name);
      return Array.isArray(made) ? made : [made];
    },
  };
}

function opPlan(weightNames: string[], make: (weights: Map<string, WeightArray>) => KerasOp): LayerPlan {
  return { tfjsClassName: KerasOpLayer.className, weightNames, create: (name, weights) => [new KerasOpLayer(make(weights), name)] };
}

/** Identity at inference: dropout, noise, regularization and augmentation layers. */
const identity = (): LayerPlan => builtin('Dropout', [], (name) => tf.layers.dropout({ rate: 0, name }));

const LAYERS: Record<string, LayerNormalizer> = {
  Conv2D: (c, ctx) => {
    channelsLast(c, ctx);
    const groups = Number(c.groups ?? 1);
    if (!Number.isInteger(groups) || groups < 1) throw unsupportedSetting(ctx, `groups=${JSON.stringify(c.groups)}`);
    const act = activationOf(c.activation, ctx);
    const bias = useBias(c);
    const geometry = convolution(c, ctx);
    if (groups === 1) {
      return builtin('Conv2D', ['kernel', ...bias], (name) =>
        withActivation(
          tf.layers.conv2d({ name, filters: int(req(c, 'filters', ctx)), ...geometry, activation: act.tfjs as never, useBias: bias.length > 0 }),
          act,
          name,
        ),
      );
    }
    return {
      tfjsClassName: KerasOpLayer.className,
      weightNames: ['kernel', ...bias],
      create: (name, weights) => withActivation(new KerasOpLayer(groupedConvOp(geometry, groups, weights, ctx), name), act, name),
    };
  },
  DepthwiseConv2D: (c, ctx) => {
    channelsLast(c, ctx);
    const act = activationOf(c.activation, ctx);
    const bias = useBias(c);
    const geometry = convolution(c, ctx);
    // tfjs-layers' DepthwiseConv2D drops dilation_rate (tfjs-layers' own TODO); tf.depthwiseConv2d honours it.
    if (geometry.dilationRate.some((d) => d !== 1)) {
      return {
        tfjsClassName: KerasOpLayer.className,
        weightNames: ['depthwise_kernel', ...bias],
        create: (name, weights) => withActivation(new KerasOpLayer(dilatedDepthwiseOp(geometry, weights, ctx), name), act, name),
      };
    }
    return builtin('DepthwiseConv2D', ['depthwise_kernel', ...bias], (name) =>
      withActivation(
        tf.layers.depthwiseConv2d({
          name,
          depthMultiplier: int(c.depth_multiplier ?? 1),
          ...convolution(c, ctx),
          activation: act.tfjs as never,
          useBias: bias.length > 0,
        }),
        act,
        name,
      ),
    );
  },
  SeparableConv2D: (c, ctx) => {
    channelsLast(c, ctx);
    const act = activationOf(c.activation, ctx);
    const bias = useBias(c);
    return builtin('SeparableConv2D', ['depthwise_kernel', 'pointwise_kernel', ...bias], (name) =>
      withActivation(
        tf.layers.separableConv2d({
          name,
          filters: int(req(c, 'filters', ctx)),
          depthMultiplier: int(c.depth_multiplier ?? 1),
          ...convolution(c, ctx),
          activation: act.tfjs as never,
          useBias: bias.length > 0,
        }),
        act,
        name,
      ),
    );
  },
  Conv2DTranspose: (c, ctx) => {
    channelsLast(c, ctx);
    if (c.output_padding != null) throw unsupportedSetting(ctx, `output_padding=${JSON.stringify(c.output_padding)}`);
    const geometry = convolution(c, ctx);
    if (geometry.dilationRate.some((d) => d !== 1)) throw unsupportedSetting(ctx, `dilation_rate=${JSON.stringify(c.dilation_rate)}`);
    const act = activationOf(c.activation, ctx);
    const bias = useBias(c);
    return builtin('Conv2DTranspose', ['kernel', ...bias], (name) =>
      withActivation(
        tf.layers.conv2dTranspose({
          name,
          filters: int(req(c, 'filters', ctx)),
          kernelSize: geometry.kernelSize,
          strides: geometry.strides,
          padding: geometry.padding,
          activation: act.tfjs as never,
          useBias: bias.length > 0,
        }),
        act,
        name,
      ),
    );
  },
  Dense: (c, ctx) => {
    const act = activationOf(c.activation, ctx);
    const bias = useBias(c);
    return builtin('Dense', ['kernel', ...bias], (name) =>
      withActivation(tf.layers.dense({ name, units: int(req(c, 'units', ctx)), activation: act.tfjs as never, useBias: bias.length > 0 }), act, name),
    );
  },
  MaxPooling2D: (c, ctx) => pooling('MaxPooling2D', c, ctx),
  AveragePooling2D: (c, ctx) => pooling('AveragePooling2D', c, ctx),
  GlobalAveragePooling2D: (c, ctx) => globalPooling('mean', c, ctx),
  GlobalMaxPooling2D: (c, ctx) => globalPooling('max', c, ctx),
  Flatten: (c, ctx) => {
    // Keras flattens channels-last whatever data_format says; a channels_first input would need a permute first.
    channelsLast(c, ctx);
    return builtin('Flatten', [], (name) => tf.layers.flatten({ name }));
  },
  Reshape: (c, ctx) => {
    const target = req(c, 'target_shape', ctx);
    if (!Array.isArray(target) || !target.every((d) => Number.isInteger(d) && ((d as number) > 0 || d === -1))) {
      throw unsupportedSetting(ctx, `target_shape=${JSON.stringify(target)}`);
    }
    if (target.filter((d) => d === -1).length > 1) throw unsupportedSetting(ctx, `target_shape=${JSON.stringify(target)} (two -1)`);
    const targetShape = target as number[];
    if (!targetShape.includes(-1)) return builtin('Reshape', [], (name) => tf.layers.reshape({ name, targetShape }));
    // tfjs-layers leaves a -1 dimension unknown even when the input's size fixes it.
    return opPlan([], () => ({
      kind: 'reshape',
      params: { targetShape },
      weights: [],
      outputShape: ([s]) => {
        const size = s.slice(1).reduce<number>((n, d) => n * (d ?? Number.NaN), 1);
        const known = targetShape.filter((d) => d !== -1).reduce((n, d) => n * d, 1);
        if (!Number.isFinite(size)) return [s[0], ...targetShape.map((d) => (d === -1 ? null : d))];
        if (size % known !== 0) throw new UnsupportedModelError(`${ctx.label}: inputs of shape [${s.slice(1)}] cannot be reshaped to [${targetShape}]`);
        return [s[0], ...targetShape.map((d) => (d === -1 ? size / known : d))];
      },
      apply: ([x]) => tf.reshape(x, [x.shape[0], ...targetShape]),
    }));
  },
  Permute: (c, ctx) => {
    const dims = req(c, 'dims', ctx);
    if (!Array.isArray(dims) || !dims.every((d) => Number.isInteger(d) && (d as number) >= 1)) throw unsupportedSetting(ctx, `dims=${JSON.stringify(dims)}`);
    return builtin('Permute', [], (name) => tf.layers.permute({ name, dims: dims as number[] }));
  },
  ZeroPadding2D: (c, ctx) => {
    channelsLast(c, ctx);
    const padding = pairsOf(c.padding ?? 1, 'padding', ctx);
    return builtin('ZeroPadding2D', [], (name) => tf.layers.zeroPadding2d({ name, padding, dataFormat: 'channelsLast' }));
  },
  Cropping2D: (c, ctx) => {
    channelsLast(c, ctx);
    const cropping = pairsOf(c.cropping ?? 0, 'cropping', ctx);
    return builtin('Cropping2D', [], (name) => tf.layers.cropping2D({ name, cropping, dataFormat: 'channelsLast' }));
  },
  UpSampling2D: (c, ctx) => {
    channelsLast(c, ctx);
    const interpolation = c.interpolation ?? 'nearest';
    if (interpolation !== 'nearest') throw unsupportedSetting(ctx, `interpolation=${JSON.stringify(interpolation)}`, 'only "nearest"');
    const size = pairOf(c.size ?? 2, 'size', ctx);
    return builtin('UpSampling2D', [], (name) => tf.layers.upSampling2d({ name, size, dataFormat: 'channelsLast', interpolation: 'nearest' }));
  },
  Dropout: identity,
  SpatialDropout1D: identity,
  SpatialDropout2D: identity,
  SpatialDropout3D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
  ActivityRegularization: identity,
  RandomFlip: identity,
  RandomRotation: identity,
  RandomZoom: identity,
  RandomTranslation: identity,
  RandomContrast: identity,
  RandomBrightness: identity,
  BatchNormalization: (c, ctx) => {
    if (c.renorm === true) throw unsupportedSetting(ctx, 'renorm=true');
    if (c.virtual_batch_size != null) throw unsupportedSetting(ctx, `virtual_batch_size=${JSON.stringify(c.virtual_batch_size)}`);
    const axes = axesOf(c.axis ?? -1, ctx);
    const epsilon = Number(c.epsilon ?? 1e-3);
    const scale = c.scale !== false;
    const center = c.center !== false;
    const names = [...(scale ? ['gamma'] : []), ...(center ? ['beta'] : []), 'moving_mean', 'moving_variance'];
    const fusedFloor = fusedEpsilonRanks(c, ctx.version);
    return opPlan(names, (weights) => ({
      kind: 'batch_norm',
      params: { axes, epsilon, fusedFloorRanks: fusedFloor },
      weights: names.map((name) => ({ name, shape: weights.get(name)!.shape })),
      outputShape: ([s]) => {
        checkParameterShape(ctx, s, axes, names.map((n) => weights.get(n)!));
        return s;
      },
      apply: ([x], w) => {
        const rank = x.rank;
        const at = axes.map((a) => positiveAxis(a, rank));
        const eps = batchNormEpsilon(epsilon, fusedFloor, rank, at);
        const get = (name: string) => broadcastAlong(w[names.indexOf(name)], rank, at, x.shape);
        // tf.batchNorm's kernels index the statistics by the last axis whatever their shape (the cause of
        // tfjs-layers' wrong BatchNormalization off that axis), so it is used only on the last axis.
        if (at.length === 1 && at[0] === rank - 1) {
          const vector = (name: string) => w[names.indexOf(name)] as tf.Tensor1D;
          return tf.batchNorm(x, vector('moving_mean'), vector('moving_variance'), center ? vector('beta') : undefined, scale ? vector('gamma') : undefined, eps);
        }
        let y = tf.div(tf.sub(x, get('moving_mean')), tf.sqrt(tf.add(get('moving_variance'), eps)));
        if (scale) y = tf.mul(y, get('gamma'));
        if (center) y = tf.add(y, get('beta'));
        return y;
      },
    }));
  },
  LayerNormalization: (c, ctx) => {
    if (c.rms_scaling === true) throw unsupportedSetting(ctx, 'rms_scaling=true');
    const axes = axesOf(c.axis ?? -1, ctx);
    const epsilon = Number(c.epsilon ?? 1e-3);
    const names = [...(c.scale !== false ? ['gamma'] : []), ...(c.center !== false ? ['beta'] : [])];
    return opPlan(names, (weights) => ({
      kind: 'layer_norm',
      params: { axes, epsilon, scale: names.includes('gamma'), center: names.includes('beta') },
      weights: names.map((name) => ({ name, shape: weights.get(name)!.shape })),
      outputShape: ([s]) => {
        checkParameterShape(ctx, s, axes, names.map((n) => weights.get(n)!));
        return s;
      },
      apply: ([x], w) => {
        const rank = x.rank;
        const at = axes.map((a) => positiveAxis(a, rank));
        const { mean, variance } = tf.moments(x, at, true);
        let y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon)));
        names.forEach((name, i) => {
          const p = broadcastAlong(w[i], rank, at, x.shape);
          y = name === 'gamma' ? tf.mul(y, p) : tf.add(y, p);
        });
        return y;
      },
    }));
  },
  Normalization: (c, ctx) => {
    const fromConfig = c.mean != null;
    const axisValue = c.axis === undefined ? -1 : c.axis;
    const axes = axisValue === null ? [] : axesOf(axisValue, ctx);
    const invert = c.invert === true;
    // Statistics are in the config (Keras 3 `mean`/`variance` arguments) or in the weights (after adapt()).
    const names = fromConfig ? [] : ['mean', 'variance', 'count'];
    return opPlan(names, (weights) => {
      const mean = fromConfig ? numberArray(c.mean, 'mean', ctx) : Array.from(weights.get('mean')!.values);
      const variance = fromConfig ? numberArray(c.variance, 'variance', ctx) : Array.from(weights.get('variance')!.values);
      if (mean.length !== variance.length) throw unsupportedSetting(ctx, `mean and variance of different sizes (${mean.length}, ${variance.length})`);
      return {
        kind: 'normalization',
        params: { axes, mean, variance, invert },
        // The statistics live in the op; the file's arrays still count as the layer's weights.
        weights: names.map((name) => ({ name, shape: weights.get(name)!.shape })),
        outputShape: ([s]) => {
          normalizationShape(s.length, axes, mean.length, s, ctx);
          return s;
        },
        apply: ([x]) => {
          const shape = normalizationShape(x.rank, axes, mean.length, x.shape, ctx);
          const m = tf.tensor(mean, shape);
          const sd = tf.maximum(tf.sqrt(tf.tensor(variance, shape)), 1e-7);
          return invert ? tf.add(m, tf.mul(x, sd)) : tf.div(tf.sub(x, m), sd);
        },
      };
    });
  },
  Rescaling: (c, ctx) => {
    const scale = c.scale ?? 1;
    const offset = c.offset ?? 0;
    if (typeof scale !== 'number' || typeof offset !== 'number') throw unsupportedSetting(ctx, 'per-channel scale or offset');
    return builtin('Rescaling', [], (name) => tf.layers.rescaling({ name, scale, offset }));
  },
  Resizing: (c, ctx) => sameSizeOnly('Resizing', c, ctx),
  CenterCrop: (c, ctx) => sameSizeOnly('CenterCrop', c, ctx),
  Activation: (c, ctx) => {
    const act = activationOf(req(c, 'activation', ctx), ctx);
    if (act.own) return opPlan([], () => activationOp(act.own!));
    return builtin('Activation', [], (name) => tf.layers.activation({ name, activation: act.tfjs as never }));
  },
  ReLU: (c, ctx) => {
    const maxValue = c.max_value == null ? null : Number(c.max_value);
    const negativeSlope = Number(c.negative_slope ?? 0);
    const threshold = Number(c.threshold ?? 0);
    if ([maxValue ?? 0, negativeSlope, threshold].some((v) => !Number.isFinite(v))) throw unsupportedSetting(ctx, 'non-numeric max_value, negative_slope or threshold');
    if (negativeSlope === 0 && threshold === 0) {
      return builtin('ReLU', [], (name) => tf.layers.reLU({ name, maxValue: maxValue ?? undefined }));
    }
    return opPlan([], () => ({
      kind: 'relu',
      params: { maxValue, negativeSlope, threshold },
      weights: [],
      outputShape: ([s]) => s,
      apply: ([x]) => reluOf(x, maxValue, negativeSlope, threshold),
    }));
  },
  LeakyReLU: (c) => {
    // Keras 2 calls the slope alpha, Keras 3 negative_slope.
    const alpha = Number(c.negative_slope ?? c.alpha ?? 0.3);
    return builtin('LeakyReLU', [], (name) => tf.layers.leakyReLU({ name, alpha }));
  },
  ELU: (c) => {
    const alpha = Number(c.alpha ?? 1);
    return opPlan([], () => ({
      kind: 'elu',
      params: { alpha },
      weights: [],
      outputShape: ([s]) => s,
      apply: ([x]) => tf.where(tf.greaterEqual(x, 0), x, tf.mul(tf.expm1(x), alpha)),
    }));
  },
  PReLU: (c, ctx) => {
    return opPlan(['alpha'], (weights) => ({
      kind: 'prelu',
      params: {},
      weights: [{ name: 'alpha', shape: weights.get('alpha')!.shape }],
      outputShape: ([s]) => {
        const alpha = weights.get('alpha')!.shape;
        const features = s.slice(1);
        if (alpha.length !== features.length || alpha.some((d, i) => d !== 1 && d !== features[i])) {
          throw new UnsupportedModelError(`${ctx.label}: alpha of shape [${alpha}] does not fit inputs of shape [${features}]`);
        }
        return s;
      },
      apply: ([x], [alpha]) => tf.sub(tf.relu(x), tf.mul(alpha, tf.relu(tf.neg(x)))),
    }));
  },
  Softmax: (c, ctx) => {
    const axes = axesOf(c.axis ?? -1, ctx);
    return opPlan([], () => ({
      kind: 'softmax',
      params: { axes },
      weights: [],
      outputShape: ([s]) => s,
      apply: ([x]) => {
        const at = axes.map((a) => positiveAxis(a, x.rank));
        return tf.exp(tf.sub(x, tf.logSumExp(x, at, true)));
      },
    }));
  },
  Add: () => builtin('Add', [], (name) => tf.layers.add({ name })),
  // tfjs-layers has no Subtract.
  Subtract: (c, ctx) =>
    opPlan([], () => ({
      kind: 'subtract',
      params: {},
      weights: [],
      outputShape: (shapes) => {
        if (shapes.length !== 2) throw new UnsupportedModelError(`${ctx.label} takes exactly 2 inputs, not ${shapes.length}`);
        const [a, b] = shapes;
        if (a.length !== b.length || a.some((d, i) => i > 0 && d !== b[i])) {
          throw new UnsupportedModelError(`${ctx.label}: inputs of shapes [${a.slice(1)}] and [${b.slice(1)}] differ`);
        }
        return a;
      },
      apply: ([a, b]) => tf.sub(a, b),
    })),
  Multiply: () => builtin('Multiply', [], (name) => tf.layers.multiply({ name })),
  Average: () => builtin('Average', [], (name) => tf.layers.average({ name })),
  Maximum: () => builtin('Maximum', [], (name) => tf.layers.maximum({ name })),
  Minimum: () => builtin('Minimum', [], (name) => tf.layers.minimum({ name })),
  Concatenate: (c) => builtin('Concatenate', [], (name) => tf.layers.concatenate({ name, axis: Number(c.axis ?? -1) })),
};

export const SUPPORTED_LAYER_CLASSES: readonly string[] = ['InputLayer', 'Sequential', 'Functional', 'Model', ...Object.keys(LAYERS)];

/** The plan for one layer; undefined for a class this module does not know. */
export function planLayer(className: string, config: JsonObject, ctx: LayerContext): LayerPlan | undefined {
  const normalize = LAYERS[className];
  return normalize?.(config, ctx);
}

export function isKnownLayerClass(className: string): boolean {
  return className in LAYERS;
}

// ---------------------------------------------------------------------------------------------------- ops

/** keras.activations.relu, term by term. */
export function reluOf(x: Tensor, maxValue: number | null, negativeSlope: number, threshold: number): Tensor {
  let y = threshold !== 0 ? tf.mul(x, tf.cast(tf.greater(x, threshold), 'float32')) : tf.relu(x);
  if (maxValue !== null) y = tf.clipByValue(y, 0, maxValue);
  if (negativeSlope !== 0) y = tf.sub(y, tf.mul(tf.relu(tf.sub(threshold, x)), negativeSlope));
  return y;
}

interface ConvGeometry {
  kernelSize: [number, number];
  strides: [number, number];
  padding: 'valid' | 'same';
  dilationRate: [number, number];
  dataFormat: 'channelsLast';
}

function groupedConvOp(geometry: ConvGeometry, groups: number, weights: Map<string, WeightArray>, ctx: LayerContext): KerasOp {
  const kernel = weights.get('kernel')!;
  const bias = weights.get('bias');
  const [kh, kw, perGroup, filters] = kernel.shape;
  if (kernel.shape.length !== 4 || filters % groups !== 0) {
    throw new UnsupportedModelError(`${ctx.label}: kernel of shape [${kernel.shape}] does not fit ${groups} groups`);
  }
  return {
    kind: 'grouped_conv',
    params: { groups, strides: geometry.strides, padding: geometry.padding, dilationRate: geometry.dilationRate },
    weights: [{ name: 'kernel', shape: kernel.shape }, ...(bias ? [{ name: 'bias', shape: bias.shape }] : [])],
    outputShape: ([s]) => {
      if (s.length !== 4 || s[3] !== perGroup * groups) {
        throw new UnsupportedModelError(`${ctx.label}: a kernel of shape [${kernel.shape}] in ${groups} groups needs ${perGroup * groups} input channels, not shape [${s}]`);
      }
      const rows = convOutSize(s[1], kh, geometry.strides[0], geometry.dilationRate[0], geometry.padding);
      const cols = convOutSize(s[2], kw, geometry.strides[1], geometry.dilationRate[1], geometry.padding);
      return [s[0], rows, cols, filters];
    },
    apply: ([x], [k, b]) => {
      const xs = tf.split(x, groups, 3);
      const ks = tf.split(k, groups, 3);
      const parts = xs.map((xi, i) => tf.conv2d(xi as tf.Tensor4D, ks[i] as tf.Tensor4D, geometry.strides, geometry.padding, 'NHWC', geometry.dilationRate));
      const y = parts.length === 1 ? parts[0] : tf.concat(parts, 3);
      return b ? tf.add(y, b) : y;
    },
  };
}

function dilatedDepthwiseOp(geometry: ConvGeometry, weights: Map<string, WeightArray>, ctx: LayerContext): KerasOp {
  const kernel = weights.get('depthwise_kernel')!;
  const bias = weights.get('bias');
  const [kh, kw, channels, multiplier] = kernel.shape;
  return {
    kind: 'depthwise_conv',
    params: { strides: geometry.strides, padding: geometry.padding, dilationRate: geometry.dilationRate },
    weights: [{ name: 'depthwise_kernel', shape: kernel.shape }, ...(bias ? [{ name: 'bias', shape: bias.shape }] : [])],
    outputShape: ([s]) => {
      if (s.length !== 4 || s[3] !== channels) {
        throw new UnsupportedModelError(`${ctx.label}: a depthwise kernel of shape [${kernel.shape}] needs ${channels} input channels, not shape [${s}]`);
      }
      const rows = convOutSize(s[1], kh, geometry.strides[0], geometry.dilationRate[0], geometry.padding);
      const cols = convOutSize(s[2], kw, geometry.strides[1], geometry.dilationRate[1], geometry.padding);
      return [s[0], rows, cols, channels * multiplier];
    },
    apply: ([x], [k, b]) => {
      const y = tf.depthwiseConv2d(x as tf.Tensor4D, k as tf.Tensor4D, geometry.strides, geometry.padding, 'NHWC', geometry.dilationRate);
      return b ? tf.add(y, b) : y;
    },
  };
}

function convOutSize(size: number | null, kernel: number, stride: number, dilation: number, padding: 'valid' | 'same'): number | null {
  if (size == null) return null;
  if (padding === 'same') return Math.ceil(size / stride);
  return Math.floor((size - ((kernel - 1) * dilation + 1)) / stride) + 1;
}

/**
 * tf.keras (2.4+) and Keras 2.2-2.3 ran BatchNormalization on 4D (tf.keras: also 5D) inputs normalized on their
 * channel axis through tf.nn.fused_batch_norm, which raises epsilon to 1.001e-5; Keras 2.0-2.1 and Keras 3 never.
 */
function fusedEpsilonRanks(c: JsonObject, version: KerasVersion): number[] {
  if (c.fused === false || c.adjustment != null) return [];
  const tfKeras = version.tfKeras || (version.major === 2 && version.minor >= 4);
  if (tfKeras) return [4, 5];
  if (version.major === 2 && version.minor >= 2) return [4];
  return [];
}

function batchNormEpsilon(epsilon: number, fusedRanks: number[], rank: number, axes: number[]): number {
  const onChannels = axes.length === 1 && (axes[0] === 1 || axes[0] === rank - 1);
  return fusedRanks.includes(rank) && onChannels ? Math.max(epsilon, 1.001e-5) : epsilon;
}

export function batchNormEpsilonFor(params: Record<string, unknown>, rank: number): number {
  const axes = (params.axes as number[]).map((a) => positiveAxis(a, rank));
  return batchNormEpsilon(params.epsilon as number, params.fusedFloorRanks as number[], rank, axes);
}

/** Keras's alignment of Normalization statistics: right to left onto the kept axes, 1 elsewhere. */
export function normalizationShape(rank: number, axes: number[], size: number, inputShape: readonly (number | null)[], ctx?: LayerContext): number[] {
  const keep = axes.map((a) => positiveAxis(a, rank)).sort((a, b) => a - b);
  const shape = new Array<number>(rank).fill(1);
  const expected = keep.reduce((n, a) => n * (inputShape[a] ?? Number.NaN), 1);
  if (size !== 1 && size !== expected) {
    throw new UnsupportedModelError(`${ctx?.label ?? 'Normalization'}: ${size} statistics do not fit axes [${axes}] of inputs of shape [${inputShape.slice(1)}]`);
  }
  if (size !== 1) for (const a of keep) shape[a] = inputShape[a] as number;
  return shape;
}

function checkParameterShape(ctx: LayerContext, s: Shape, axes: number[], weights: WeightArray[]): void {
  const at = axes.map((a) => positiveAxis(a, s.length));
  if (at.some((a) => a < 1 || a >= s.length)) throw unsupportedSetting(ctx, `axis=${JSON.stringify(axes)} for inputs of rank ${s.length}`);
  const want = at.reduce((n, a) => n * (s[a] ?? Number.NaN), 1);
  for (const weight of weights) {
    const size = weight.values.length;
    if (size !== want) {
      throw new UnsupportedModelError(`${ctx.label}: weight "${weight.name}" of shape [${weight.shape}] does not fit axes [${axes}] of inputs of shape [${s.slice(1)}]`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------- config checks

function pooling(className: 'MaxPooling2D' | 'AveragePooling2D', c: JsonObject, ctx: LayerContext): LayerPlan {
  channelsLast(c, ctx);
  const poolSize = pairOf(c.pool_size ?? 2, 'pool_size', ctx);
  const strides = c.strides == null ? poolSize : pairOf(c.strides, 'strides', ctx);
  const padding = paddingOf(c, ctx);
  const make = className === 'MaxPooling2D' ? tf.layers.maxPooling2d : tf.layers.averagePooling2d;
  return builtin(className, [], (name) => make({ name, poolSize, strides, padding, dataFormat: 'channelsLast' }));
}

function globalPooling(reduce: 'mean' | 'max', c: JsonObject, ctx: LayerContext): LayerPlan {
  channelsLast(c, ctx);
  const keepdims = c.keepdims === true;
  if (!keepdims) {
    const className = reduce === 'mean' ? 'GlobalAveragePooling2D' : 'GlobalMaxPooling2D';
    const make = reduce === 'mean' ? tf.layers.globalAveragePooling2d : tf.layers.globalMaxPooling2d;
    return builtin(className, [], (name) => make({ name, dataFormat: 'channelsLast' }));
  }
  return opPlan([], () => ({
    kind: 'global_pool',
    params: { reduce, keepdims },
    weights: [],
    outputShape: ([s]) => {
      if (s.length !== 4) throw unsupportedSetting(ctx, `inputs of rank ${s.length} (an image is needed)`);
      return [s[0], 1, 1, s[3]];
    },
    apply: ([x]) => (reduce === 'mean' ? tf.mean(x, [1, 2], true) : tf.max(x, [1, 2], true)),
  }));
}

function sameSizeOnly(className: string, c: JsonObject, ctx: LayerContext): LayerPlan {
  channelsLast(c, ctx);
  const height = Number(req(c, 'height', ctx));
  const width = Number(req(c, 'width', ctx));
  return opPlan([], () => ({
    kind: 'identity',
    params: {},
    weights: [],
    outputShape: ([s]) => {
      if (s.length !== 4 || s[1] !== height || s[2] !== width) {
        throw unsupportedSetting(ctx, `${className.toLowerCase()} from ${s[1]}x${s[2]} to ${height}x${width}`, 'only a layer that keeps the size is exact');
      }
      return s;
    },
    apply: ([x]) => tf.clone(x),
  }));
}

function convolution(c: JsonObject, ctx: LayerContext): ConvGeometry {
  return {
    kernelSize: pairOf(req(c, 'kernel_size', ctx), 'kernel_size', ctx),
    strides: pairOf(c.strides ?? 1, 'strides', ctx),
    padding: paddingOf(c, ctx),
    dilationRate: pairOf(c.dilation_rate ?? 1, 'dilation_rate', ctx),
    dataFormat: 'channelsLast',
  };
}

function useBias(c: JsonObject): string[] {
  return c.use_bias === false ? [] : ['bias'];
}

function channelsLast(c: JsonObject, ctx: LayerContext): void {
  const format = c.data_format ?? 'channels_last';
  if (format !== 'channels_last') throw unsupportedSetting(ctx, `data_format=${JSON.stringify(format)}`, 'only channels_last');
}

function paddingOf(c: JsonObject, ctx: LayerContext): 'valid' | 'same' {
  const value = c.padding ?? 'valid';
  if (value !== 'valid' && value !== 'same') throw unsupportedSetting(ctx, `padding=${JSON.stringify(value)}`);
  return value;
}

function pairOf(value: Json, key: string, ctx: LayerContext): [number, number] {
  const list = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 1 ? [value[0], value[0]] : value;
  if (!Array.isArray(list) || list.length !== 2 || !list.every((v) => Number.isInteger(v) && (v as number) > 0)) {
    throw unsupportedSetting(ctx, `${key}=${JSON.stringify(value)}`);
  }
  return [list[0] as number, list[1] as number];
}

/** ZeroPadding2D/Cropping2D: int, [rows, cols] or [[top, bottom], [left, right]]. */
function pairsOf(value: Json, key: string, ctx: LayerContext): [[number, number], [number, number]] {
  const ok = (v: Json): v is number => Number.isInteger(v) && (v as number) >= 0;
  if (ok(value)) return [[value, value], [value, value]];
  if (Array.isArray(value) && value.length === 2) {
    const [a, b] = value;
    if (ok(a) && ok(b)) return [[a, a], [b, b]];
    if (Array.isArray(a) && Array.isArray(b) && a.length === 2 && b.length === 2 && [...a, ...b].every(ok)) {
      return [[a[0] as number, a[1] as number], [b[0] as number, b[1] as number]];
    }
  }
  throw unsupportedSetting(ctx, `${key}=${JSON.stringify(value)}`);
}

function axesOf(value: Json, ctx: LayerContext): number[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((a) => Number.isInteger(a))) throw unsupportedSetting(ctx, `axis=${JSON.stringify(value)}`);
  if (list.some((a) => a === 0)) throw unsupportedSetting(ctx, 'axis=0 (the batch axis)');
  return list as number[];
}

function numberArray(value: Json | undefined, key: string, ctx: LayerContext): number[] {
  const flat = (v: Json | undefined): Json[] => (Array.isArray(v) ? v.flatMap(flat) : [v ?? null]);
  const list = flat(value);
  if (!list.every((v) => typeof v === 'number')) throw unsupportedSetting(ctx, `${key}=${JSON.stringify(value)}`);
  return list as number[];
}

function int(value: Json): number {
  return Number(value);
}

export function req(c: JsonObject, key: string, ctx: LayerContext): Json {
  if (c[key] === undefined || c[key] === null) throw new UnsupportedModelError(`${ctx.label} has no "${key}" in its config`);
  return c[key];
}

export function unsupportedSetting(ctx: LayerContext, what: string, hint?: string): UnsupportedLayerConfigError {
  return new UnsupportedLayerConfigError(`${ctx.label} cannot be loaded: ${what} is not supported${hint ? ` (${hint})` : ''}`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
