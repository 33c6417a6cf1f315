// Compiles a loaded Keras model (its TensorFlow.js twin, weights set) into an ONNX graph, layer by layer.
//
// Layout: Keras tensors are channels-last (NHWC); ONNX Conv and pooling are channels-first (NCHW). Every value
// carries its layout; a rank-4 value is transposed to NCHW only when a Conv/pool/BatchNorm needs it, and back to
// NHWC only when a layer depends on element order (Flatten, Reshape, Dense) or at the output. Each conversion is
// made once per value. The graph's input and output are in Keras layout, so callers feed NHWC images as they are.
import { layerLabel } from '../errors.ts';
import { KerasOpLayer } from '../keras-h5/keras-op.ts';
import { batchNormEpsilonFor, normalizationShape } from '../keras-h5/layers.ts';
import type { LoadedKerasModel } from '../keras-h5/load.ts';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import { OnnxExportUnsupportedError } from './errors.ts';
import { DataType, INPUT_LAYOUT_METADATA_KEY, encodeModel, type AttributeValue, type OnnxInitializer, type OnnxNode } from './onnx-proto.ts';

type Layer = LayersModel['layers'][number];
type Config = Record<string, unknown>;

/** Name of the graph's single input and output in compiled models. */
export const COMPILED_INPUT_NAME = 'input';
export const COMPILED_OUTPUT_NAME = 'output';
const BATCH_DIM = 'N';

/** Layer classes (tfjs names) the compiler translates; anything else is refused with OnnxExportUnsupportedError. */
export const ONNX_EXPORTABLE_LAYERS: readonly string[] = [
  'InputLayer', 'Conv2D', 'SeparableConv2D', 'DepthwiseConv2D', 'MaxPooling2D', 'AveragePooling2D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling2D', 'Flatten', 'Reshape', 'Dense', 'Dropout', 'SpatialDropout1D',
  'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'BatchNormalization', 'Activation',
  'ReLU', 'LeakyReLU', 'Rescaling', 'Concatenate', 'Add', 'Multiply', 'Average', 'Maximum', 'Minimum',
  'Conv2DTranspose', 'ZeroPadding2D', 'Cropping2D', 'UpSampling2D', 'Permute', 'KerasOp',
];

/** KerasOp kinds (operations the loader computes itself) the compiler translates. */
export const ONNX_EXPORTABLE_OPS: readonly string[] = [
  'batch_norm', 'layer_norm', 'normalization', 'relu', 'elu', 'prelu', 'softmax', 'activation', 'global_pool',
  'grouped_conv', 'depthwise_conv', 'subtract', 'identity', 'reshape',
];

interface Value {
  name: string;
  /** Keras shape without the batch dimension, in Keras (channels-last) order whatever the layout. */
  shape: number[];
  /** 'nchw' only for rank-4 values stored channels-first. */
  layout: 'keras' | 'nchw';
}

export function compileKerasToOnnx(loaded: LoadedKerasModel): Uint8Array {
  const classOf = new Map(loaded.layers.map((layer) => [layer.name, layer.kerasClassName]));
  const compiler = new KerasToOnnx(loaded.model, (layer) => classOf.get(layer.name) ?? layer.getClassName());
  return encodeModel({
    producerName: 'astri-inference',
    producerVersion: '1',
    docString: `Compiled from ${loaded.contents.file} (Keras ${loaded.contents.kerasVersion ?? 'unknown'})`,
    graph: compiler.compile(),
    // Tells OnnxSession the input is channels-last whatever its channel count (shape alone is ambiguous).
    metadata: { [INPUT_LAYOUT_METADATA_KEY]: 'NHWC' },
  });
}

class KerasToOnnx {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxInitializer[] = [];
  private readonly usedNames = new Set<string>();
  private readonly values = new Map<number, Value>();
  private readonly converted = new Map<string, Value>();
  private readonly scalars = new Map<number, string>();

  constructor(
    private readonly model: LayersModel,
    private readonly kerasClassOf: (layer: Layer) => string,
  ) {}

  compile() {
    const { model } = this;
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new OnnxExportUnsupportedError(
        `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; the ONNX compiler handles one of each`,
      );
    }
    const input = model.inputs[0];
    const inputShape = fixedShape(input, 'the model input');
    this.usedNames.add(COMPILED_INPUT_NAME).add(COMPILED_OUTPUT_NAME);
    this.values.set(input.id, { name: COMPILED_INPUT_NAME, shape: inputShape, layout: 'keras' });

    const result = this.toKeras(this.valueOf(model.outputs[0]));
    this.nodes.push({ opType: 'Identity', inputs: [result.name], outputs: [COMPILED_OUTPUT_NAME], name: 'output_identity' });
    return {
      name: model.name || 'keras_model',
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: [{ name: COMPILED_INPUT_NAME, shape: [BATCH_DIM, ...inputShape] }],
      outputs: [{ name: COMPILED_OUTPUT_NAME, shape: [BATCH_DIM, ...result.shape] }],
    };
  }

  /** Depth-first from the output: each symbolic tensor is compiled once, after the tensors it is computed from. */
  private valueOf(tensor: SymbolicTensor): Value {
    const known = this.values.get(tensor.id);
    if (known) return known;
    const layer = tensor.sourceLayer;
    const label = layerLabel(layer.name, this.kerasClassOf(layer));
    if (layer.getClassName() === 'InputLayer') {
      throw new OnnxExportUnsupportedError(`${label} is a second model input; the ONNX compiler handles one input`);
    }
    const inputs = tensor.inputs.map((input) => this.valueOf(input));
    const outputShape = fixedShape(tensor, label);
    const value = this.compileLayer(layer, label, inputs, outputShape);
    if (value.shape.join() !== outputShape.join()) {
      // A translation bug must not produce a model that silently computes something else.
      throw new OnnxExportUnsupportedError(`${label}: the ONNX translation gives shape [${value.shape}] but Keras gives [${outputShape}]`);
    }
    this.values.set(tensor.id, value);
    return value;
  }

  private compileLayer(layer: Layer, label: string, inputs: Value[], outputShape: number[]): Value {
    const className = layer.getClassName();
    const config = layer.getConfig() as Config;
    const refuse = (what: string): never => {
      throw new OnnxExportUnsupportedError(`${label} cannot be compiled to ONNX: ${what}`);
    };
    const single = (): Value => (inputs.length === 1 ? inputs[0] : refuse(`it takes ${inputs.length} inputs, expected 1`));
    const base = sanitize(layer.name);

    switch (className) {
      case 'Conv2D':
        return this.activation(this.conv2d(layer, single(), config, base, refuse), config.activation, base, refuse);
      case 'DepthwiseConv2D':
        return this.activation(this.depthwise(layer, single(), config, base, refuse), config.activation, base, refuse);
      case 'SeparableConv2D':
        return this.activation(this.separable(layer, single(), config, base, refuse), config.activation, base, refuse);
      case 'MaxPooling2D':
      case 'AveragePooling2D':
        return this.pooling(className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', single(), config, base, refuse);
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        const x = this.toNchw(single(), refuse);
        channelsLast(config, refuse);
        if (config.keepDims === true || config.keepdims === true) refuse('keepdims=true');
        const op = className === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool';
        const pooled = this.node(op, [x.name], base);
        // [N, C, 1, 1] -> [N, C]: channel order is the same in both layouts.
        return { name: this.node('Flatten', [pooled], `${base}_flatten`, { axis: 1 }), shape: [x.shape[2]], layout: 'keras' };
      }
      case 'Flatten': {
        const x = this.toKeras(single());
        if (x.shape.length <= 1) return x;
        return { name: this.node('Flatten', [x.name], base, { axis: 1 }), shape: [product(x.shape)], layout: 'keras' };
      }
      case 'Reshape': {
        const x = this.toKeras(single());
        const shape = this.int64s(`${base}_shape`, [-1, ...outputShape]);
        return { name: this.node('Reshape', [x.name, shape], base), shape: outputShape, layout: 'keras' };
      }
      case 'Dense':
        return this.activation(this.dense(layer, single(), config, base, refuse), config.activation, base, refuse);
      case 'Dropout':
      case 'SpatialDropout1D':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        // Identities at inference; the next layer reads the same value.
        return single();
      case 'BatchNormalization':
        return this.batchNorm(layer, single(), config, base, refuse);
      case 'Activation':
        return this.activation(single(), config.activation, base, refuse);
      case 'ReLU': {
        const x = single();
        const maxValue = config.maxValue ?? config.max_value ?? null;
        if (maxValue == null) return { ...x, name: this.node('Relu', [x.name], base) };
        if (typeof maxValue !== 'number') return refuse(`max_value ${JSON.stringify(maxValue)}`);
        return { ...x, name: this.node('Clip', [x.name, this.scalar(0), this.scalar(maxValue)], base) };
      }
      case 'LeakyReLU': {
        const x = single();
        const alpha = Number(config.alpha ?? 0.3);
        return { ...x, name: this.node('LeakyRelu', [x.name], base, { alpha: { float: alpha } }) };
      }
      case 'Rescaling': {
        const x = single();
        const { scale, offset } = config;
        if (typeof scale !== 'number' || typeof (offset ?? 0) !== 'number') return refuse('per-channel scale or offset');
        const scaled = this.node('Mul', [x.name, this.scalar(scale)], `${base}_scale`);
        return { ...x, name: this.node('Add', [scaled, this.scalar((offset as number | undefined) ?? 0)], base) };
      }
      case 'Concatenate':
        return this.concatenate(inputs, config, base, outputShape, refuse);
      case 'Add':
        return this.merge('Add', inputs, base, outputShape, refuse);
      case 'Multiply':
        return this.merge('Mul', inputs, base, outputShape, refuse);
      case 'Maximum':
        return this.merge('Max', inputs, base, outputShape, refuse);
      case 'Minimum':
        return this.merge('Min', inputs, base, outputShape, refuse);
      case 'Average': {
        const sum = this.merge('Add', inputs, `${base}_sum`, outputShape, refuse);
        return { ...sum, name: this.node('Div', [sum.name, this.scalar(inputs.length)], base) };
      }
      case 'Conv2DTranspose':
        return this.activation(this.convTranspose(layer, single(), config, base, refuse), config.activation, base, refuse);
      case 'ZeroPadding2D': {
        const x = this.toNchw(single(), refuse);
        const [[top, bottom], [left, right]] = config.padding as [[number, number], [number, number]];
        const pads = this.int64s(`${base}_pads`, [0, 0, top, left, 0, 0, bottom, right]);
        return { name: this.node('Pad', [x.name, pads], base), shape: outputShape, layout: 'nchw' };
      }
      case 'Cropping2D': {
        const x = this.toNchw(single(), refuse);
        const [[top, bottom], [left, right]] = config.cropping as [[number, number], [number, number]];
        const [height, width] = x.shape;
        const starts = this.int64s(`${base}_starts`, [top, left]);
        const ends = this.int64s(`${base}_ends`, [height - bottom, width - right]);
        const axes = this.int64s(`${base}_axes`, [2, 3]);
        return { name: this.node('Slice', [x.name, starts, ends, axes], base), shape: outputShape, layout: 'nchw' };
      }
      case 'UpSampling2D': {
        const x = this.toNchw(single(), refuse);
        if ((config.interpolation ?? 'nearest') !== 'nearest') return refuse(`interpolation=${JSON.stringify(config.interpolation)}`);
        const [sh, sw] = pair(config.size, 'size', refuse);
        const scales = this.floats(`${base}_scales`, [4], Float32Array.of(1, 1, sh, sw));
        // Output cell i reads input cell floor(i / scale): Keras's nearest upsampling repeats each cell.
        const name = this.node('Resize', [x.name, '', scales], base, {
          mode: 'nearest',
          coordinate_transformation_mode: 'asymmetric',
          nearest_mode: 'floor',
        });
        return { name, shape: outputShape, layout: 'nchw' };
      }
      case 'Permute': {
        const x = this.toKeras(single());
        const dims = config.dims as number[];
        return { name: this.node('Transpose', [x.name], base, { perm: [0, ...dims] }), shape: outputShape, layout: 'keras' };
      }
      case 'KerasOp':
        return this.kerasOp(layer as KerasOpLayer, inputs, base, outputShape, refuse);
      default:
        return refuse(`layer class ${className} has no ONNX translation; supported: ${ONNX_EXPORTABLE_LAYERS.join(', ')}`);
    }
  }

  private conv2d(layer: Layer, input: Value, config: Config, base: string, refuse: Refuse): Value {
    const x = this.toNchw(input, refuse);
    channelsLast(config, refuse);
    if (Number(config.groups ?? 1) !== 1) refuse(`groups=${String(config.groups)}`);
    const geometry = convGeometry(config, x, refuse);
    const kernel = weight(layer, 'kernel', refuse);
    const [kh, kw, cin, cout] = kernel.shape;
    const w = this.floats(`${base}_W`, [cout, cin, kh, kw], transpose(kernel.values, kernel.shape, [3, 2, 0, 1]));
    const inputsNames = [x.name, w];
    if (config.useBias !== false) inputsNames.push(this.floats(`${base}_B`, [cout], weight(layer, 'bias', refuse).values));
    const name = this.node('Conv', inputsNames, base, convAttributes(geometry, 1));
    return { name, shape: [geometry.outHeight, geometry.outWidth, cout], layout: 'nchw' };
  }

  private depthwise(layer: Layer, input: Value, config: Config, base: string, refuse: Refuse): Value {
    const x = this.toNchw(input, refuse);
    channelsLast(config, refuse);
    const geometry = convGeometry(config, x, refuse);
    const kernel = this.depthwiseKernel(layer, `${base}_W`, refuse);
    const names = [x.name, kernel.name];
    if (config.useBias !== false) names.push(this.floats(`${base}_B`, [kernel.channels], weight(layer, 'bias', refuse).values));
    const name = this.node('Conv', names, base, convAttributes(geometry, kernel.inputChannels));
    return { name, shape: [geometry.outHeight, geometry.outWidth, kernel.channels], layout: 'nchw' };
  }

  /**
   * A depthwise kernel (kh, kw, cin, multiplier) as the weights of a grouped ONNX Conv: TF orders depthwise outputs
   * as input channel c, multiplier m -> c * multiplier + m, which is ONNX's grouping.
   */
  private depthwiseKernel(layer: Layer, name: string, refuse: Refuse): { name: string; channels: number; inputChannels: number } {
    const kernel = weight(layer, 'depthwise_kernel', refuse);
    const [kh, kw, cin, multiplier] = kernel.shape;
    const channels = cin * multiplier;
    return { name: this.floats(name, [channels, 1, kh, kw], transpose(kernel.values, kernel.shape, [2, 3, 0, 1])), channels, inputChannels: cin };
  }

  private separable(layer: Layer, input: Value, config: Config, base: string, refuse: Refuse): Value {
    const x = this.toNchw(input, refuse);
    channelsLast(config, refuse);
    const geometry = convGeometry(config, x, refuse);
    const depthwise = this.depthwiseKernel(layer, `${base}_depthwise_W`, refuse);
    const middle = depthwise.channels;
    const spatial = this.node('Conv', [x.name, depthwise.name], `${base}_depthwise`, convAttributes(geometry, depthwise.inputChannels));
    const pointwise = weight(layer, 'pointwise_kernel', refuse);
    const filters = pointwise.shape[3];
    const pw = this.floats(`${base}_pointwise_W`, [filters, middle, 1, 1], transpose(pointwise.values, pointwise.shape, [3, 2, 0, 1]));
    const names = [spatial, pw];
    if (config.useBias !== false) names.push(this.floats(`${base}_B`, [filters], weight(layer, 'bias', refuse).values));
    const name = this.node('Conv', names, base, { kernel_shape: [1, 1] });
    return { name, shape: [geometry.outHeight, geometry.outWidth, filters], layout: 'nchw' };
  }

  private pooling(op: 'MaxPool' | 'AveragePool', input: Value, config: Config, base: string, refuse: Refuse): Value {
    const x = this.toNchw(input, refuse);
    channelsLast(config, refuse);
    const kernel = pair(config.poolSize ?? config.pool_size ?? 2, 'pool_size', refuse);
    const strides = pair(config.strides ?? kernel, 'strides', refuse);
    const padding = paddingOf(config, refuse);
    const [height, width, channels] = x.shape;
    const rows = window(height, kernel[0], strides[0], 1, padding);
    const cols = window(width, kernel[1], strides[1], 1, padding);
    // AveragePool's default count_include_pad=0 matches TF: padded cells are left out of the mean.
    const name = this.node(op, [x.name], base, {
      kernel_shape: kernel,
      strides,
      pads: [rows.padBegin, cols.padBegin, rows.padEnd, cols.padEnd],
    });
    return { name, shape: [rows.outSize, cols.outSize, channels], layout: 'nchw' };
  }

  private dense(layer: Layer, input: Value, config: Config, base: string, refuse: Refuse): Value {
    const x = this.toKeras(input);
    const kernel = weight(layer, 'kernel', refuse);
    const [inUnits, units] = kernel.shape;
    if (x.shape.at(-1) !== inUnits) refuse(`kernel expects ${inUnits} inputs but receives shape [${x.shape}]`);
    const w = this.floats(`${base}_W`, [inUnits, units], kernel.values);
    const bias = config.useBias !== false ? this.floats(`${base}_B`, [units], weight(layer, 'bias', refuse).values) : null;
    const shape = [...x.shape.slice(0, -1), units];
    if (x.shape.length === 1) {
      const name = this.node('Gemm', bias ? [x.name, w, bias] : [x.name, w], base);
      return { name, shape, layout: 'keras' };
    }
    // Dense on a rank > 2 tensor applies to the last axis; MatMul broadcasts over the others.
    const product = this.node('MatMul', [x.name, w], bias ? `${base}_matmul` : base);
    return { name: bias ? this.node('Add', [product, bias], base) : product, shape, layout: 'keras' };
  }

  private batchNorm(layer: Layer, input: Value, config: Config, base: string, refuse: Refuse): Value {
    const rank = input.shape.length + 1;
    let axis = config.axis ?? -1;
    if (Array.isArray(axis)) axis = axis.length === 1 ? axis[0] : refuse(`axis=${JSON.stringify(axis)}`);
    if (typeof axis !== 'number') return refuse(`axis=${JSON.stringify(axis)}`);
    const kerasAxis = axis < 0 ? rank + axis : axis;
    if (kerasAxis < 1 || kerasAxis >= rank) return refuse(`axis=${axis} for a rank-${rank} input`);
    const channels = input.shape[kerasAxis - 1];
    const epsilon = Number(config.epsilon ?? 1e-3);
    const stats = {
      gamma: optionalWeight(layer, 'gamma') ?? new Float32Array(channels).fill(1),
      beta: optionalWeight(layer, 'beta') ?? new Float32Array(channels),
      mean: weight(layer, 'moving_mean', refuse).values,
      variance: weight(layer, 'moving_variance', refuse).values,
    };
    // ONNX BatchNormalization normalizes axis 1: the channels of an NCHW value or the features of [N, F].
    const channelAxisInNchw = rank === 4 && kerasAxis === 3;
    if (channelAxisInNchw || rank === 2) {
      const x = channelAxisInNchw ? this.toNchw(input, refuse) : input;
      const names = [
        x.name,
        this.floats(`${base}_scale`, [channels], stats.gamma),
        this.floats(`${base}_bias`, [channels], stats.beta),
        this.floats(`${base}_mean`, [channels], stats.mean),
        this.floats(`${base}_var`, [channels], stats.variance),
      ];
      const name = this.node('BatchNormalization', names, base, { epsilon: { float: epsilon } });
      return { ...x, name };
    }
    // Any other axis: y = x * s + t, with s and t shaped to broadcast along that Keras axis.
    const x = this.toKeras(input);
    const scale = new Float32Array(channels);
    const shift = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const s = stats.gamma[c] / Math.sqrt(stats.variance[c] + epsilon);
      scale[c] = s;
      shift[c] = stats.beta[c] - stats.mean[c] * s;
    }
    const dims = [channels, ...new Array<number>(rank - 1 - kerasAxis).fill(1)];
    const scaled = this.node('Mul', [x.name, this.floats(`${base}_scale`, dims, scale)], `${base}_mul`);
    return { ...x, name: this.node('Add', [scaled, this.floats(`${base}_shift`, dims, shift)], base) };
  }

  private concatenate(inputs: Value[], config: Config, base: string, outputShape: number[], refuse: Refuse): Value {
    if (inputs.length < 2) return refuse('it needs at least two inputs');
    const rank = outputShape.length + 1;
    const axis = Number(config.axis ?? -1);
    const kerasAxis = axis < 0 ? rank + axis : axis;
    if (!Number.isInteger(kerasAxis) || kerasAxis < 1 || kerasAxis >= rank) return refuse(`axis=${config.axis}`);
    // Stay channels-first when the branches already are (the usual Inception-style channel concatenation).
    const useNchw = rank === 4 && inputs.some((v) => v.layout === 'nchw');
    const parts = inputs.map((v) => (useNchw ? this.toNchw(v, refuse) : this.toKeras(v)));
    const onnxAxis = useNchw ? [0, 2, 3, 1][kerasAxis] : kerasAxis;
    const name = this.node('Concat', parts.map((v) => v.name), base, { axis: onnxAxis });
    return { name, shape: outputShape, layout: useNchw ? 'nchw' : 'keras' };
  }

  /** Operations the loader computes itself (KerasOpLayer), by kind. */
  private kerasOp(layer: KerasOpLayer, inputs: Value[], base: string, outputShape: number[], refuse: Refuse): Value {
    const { kind, params } = layer.op;
    const single = (): Value => (inputs.length === 1 ? inputs[0] : refuse(`it takes ${inputs.length} inputs, expected 1`));
    const rankOf = (v: Value) => v.shape.length + 1;
    switch (kind) {
      case 'identity':
        return single();
      case 'batch_norm': {
        const input = single();
        const rank = rankOf(input);
        const axes = (params.axes as number[]).map((a) => (a < 0 ? a + rank : a));
        const epsilon = batchNormEpsilonFor(params, rank);
        if (axes.length === 1) return this.batchNorm(layer, input, { axis: axes[0], epsilon }, base, refuse);
        // Several axes: y = x * s + t with s and t shaped to broadcast over the other axes.
        const x = this.toKeras(input);
        const size = axes.reduce((n, a) => n * x.shape[a - 1], 1);
        const get = (name: string, fill: number) => optionalWeight(layer, name) ?? new Float32Array(size).fill(fill);
        const [gamma, beta, mean, variance] = [get('gamma', 1), get('beta', 0), weight(layer, 'moving_mean', refuse).values, weight(layer, 'moving_variance', refuse).values];
        const scale = new Float32Array(size);
        const shift = new Float32Array(size);
        for (let i = 0; i < size; i++) {
          scale[i] = gamma[i] / Math.sqrt(variance[i] + epsilon);
          shift[i] = beta[i] - mean[i] * scale[i];
        }
        const dims = x.shape.map((d, i) => (axes.includes(i + 1) ? d : 1));
        const scaled = this.node('Mul', [x.name, this.floats(`${base}_scale`, dims, scale)], `${base}_mul`);
        return { ...x, name: this.node('Add', [scaled, this.floats(`${base}_shift`, dims, shift)], base) };
      }
      case 'layer_norm': {
        const x = this.toKeras(single());
        const rank = rankOf(x);
        const axes = (params.axes as number[]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
        const dims = x.shape.map((d, i) => (axes.includes(i + 1) ? d : 1));
        const mean = this.node('ReduceMean', [x.name], `${base}_mean`, { axes, keepdims: 1 });
        const centered = this.node('Sub', [x.name, mean], `${base}_centered`);
        const squared = this.node('Mul', [centered, centered], `${base}_squared`);
        const variance = this.node('ReduceMean', [squared], `${base}_variance`, { axes, keepdims: 1 });
        const deviation = this.node('Sqrt', [this.node('Add', [variance, this.scalar(Number(params.epsilon))], `${base}_var_eps`)], `${base}_sd`);
        let y = this.node('Div', [centered, deviation], params.scale || params.center ? `${base}_normed` : base);
        if (params.scale) y = this.node('Mul', [y, this.floats(`${base}_gamma`, dims, weight(layer, 'gamma', refuse).values)], params.center ? `${base}_scaled` : base);
        if (params.center) y = this.node('Add', [y, this.floats(`${base}_beta`, dims, weight(layer, 'beta', refuse).values)], base);
        return { ...x, name: y };
      }
      case 'normalization': {
        const x = this.toKeras(single());
        const rank = rankOf(x);
        const mean = params.mean as number[];
        const variance = params.variance as number[];
        const dims = normalizationShape(rank, params.axes as number[], mean.length, [null, ...x.shape]).slice(1);
        const deviation = Float32Array.from(variance, (v) => Math.max(Math.sqrt(v), 1e-7));
        const m = this.floats(`${base}_mean`, dims, Float32Array.from(mean));
        const sd = this.floats(`${base}_sd`, dims, deviation);
        if (params.invert) return { ...x, name: this.node('Add', [m, this.node('Mul', [x.name, sd], `${base}_scaled`)], base) };
        return { ...x, name: this.node('Div', [this.node('Sub', [x.name, m], `${base}_centered`), sd], base) };
      }
      case 'relu': {
        const x = single();
        const { maxValue, negativeSlope, threshold } = params as { maxValue: number | null; negativeSlope: number; threshold: number };
        let y =
          threshold !== 0
            ? this.node('Where', [this.node('Greater', [x.name, this.scalar(threshold)], `${base}_above`), x.name, this.scalar(0)], `${base}_thresholded`)
            : this.node('Relu', [x.name], `${base}_relu`);
        if (maxValue !== null) y = this.node('Clip', [y, this.scalar(0), this.scalar(maxValue)], `${base}_clipped`);
        if (negativeSlope !== 0) {
          const below = this.node('Relu', [this.node('Sub', [this.scalar(threshold), x.name], `${base}_below_in`)], `${base}_below`);
          y = this.node('Sub', [y, this.node('Mul', [below, this.scalar(negativeSlope)], `${base}_leak`)], base);
        }
        return { ...x, name: y };
      }
      case 'elu': {
        const x = single();
        return { ...x, name: this.node('Elu', [x.name], base, { alpha: { float: Number(params.alpha) } }) };
      }
      case 'prelu': {
        const x = this.toKeras(single());
        const alpha = weight(layer, 'alpha', refuse);
        return { ...x, name: this.node('PRelu', [x.name, this.floats(`${base}_alpha`, alpha.shape, alpha.values)], base) };
      }
      case 'softmax': {
        const x = this.toKeras(single());
        const rank = rankOf(x);
        const axes = (params.axes as number[]).map((a) => (a < 0 ? a + rank : a));
        if (axes.length === 1) return { ...x, name: this.node('Softmax', [x.name], base, { axis: axes[0] }) };
        const lse = this.node('ReduceLogSumExp', [x.name], `${base}_lse`, { axes, keepdims: 1 });
        return { ...x, name: this.node('Exp', [this.node('Sub', [x.name, lse], `${base}_shifted`)], base) };
      }
      case 'activation':
        return this.activation(single(), params.name, base, refuse);
      case 'global_pool': {
        const x = this.toNchw(single(), refuse);
        const op = params.reduce === 'mean' ? 'GlobalAveragePool' : 'GlobalMaxPool';
        return { name: this.node(op, [x.name], base), shape: [1, 1, x.shape[2]], layout: 'nchw' };
      }
      case 'grouped_conv': {
        const x = this.toNchw(single(), refuse);
        const config = { kernelSize: weight(layer, 'kernel', refuse).shape.slice(0, 2), strides: params.strides, dilationRate: params.dilationRate, padding: params.padding };
        const geometry = convGeometry(config, x, refuse);
        const kernel = weight(layer, 'kernel', refuse);
        const [kh, kw, cin, cout] = kernel.shape;
        const w = this.floats(`${base}_W`, [cout, cin, kh, kw], transpose(kernel.values, kernel.shape, [3, 2, 0, 1]));
        const names = [x.name, w];
        const bias = optionalWeight(layer, 'bias');
        if (bias) names.push(this.floats(`${base}_B`, [cout], bias));
        const name = this.node('Conv', names, base, convAttributes(geometry, Number(params.groups)));
        return { name, shape: [geometry.outHeight, geometry.outWidth, cout], layout: 'nchw' };
      }
      case 'depthwise_conv': {
        const kernelSize = weight(layer, 'depthwise_kernel', refuse).shape.slice(0, 2);
        const config = { kernelSize, strides: params.strides, dilationRate: params.dilationRate, padding: params.padding, useBias: optionalWeight(layer, 'bias') !== null };
        return this.depthwise(layer, single(), config, base, refuse);
      }
      case 'subtract':
        return this.merge('Sub', inputs, base, outputShape, refuse);
      case 'reshape': {
        const x = this.toKeras(single());
        const shape = this.int64s(`${base}_shape`, [-1, ...outputShape]);
        return { name: this.node('Reshape', [x.name, shape], base), shape: outputShape, layout: 'keras' };
      }
      default:
        return refuse(`operation "${kind}" has no ONNX translation; supported: ${ONNX_EXPORTABLE_OPS.join(', ')}`);
    }
  }

  /**
   * Conv2DTranspose as TensorFlow defines it: the full transposed convolution has (n-1)*s + k rows, of which TF
   * keeps n*s ('same', from max(k-s, 0)//2) or n*s + max(k-s, 0) ('valid', from the top); rows past the full
   * result (k < s) hold the bias only, which ONNX's output_padding gives.
   */
  private convTranspose(layer: Layer, input: Value, config: Config, base: string, refuse: Refuse): Value {
    const x = this.toNchw(input, refuse);
    channelsLast(config, refuse);
    const kernelSize = pair(config.kernelSize ?? config.kernel_size, 'kernel_size', refuse);
    const strides = pair(config.strides ?? 1, 'strides', refuse);
    if (config.outputPadding != null) refuse(`output_padding=${JSON.stringify(config.outputPadding)}`);
    const dilations = pair(config.dilationRate ?? 1, 'dilation_rate', refuse);
    if (dilations.some((d) => d !== 1)) refuse(`dilation_rate=${JSON.stringify(config.dilationRate)}`);
    const padding = paddingOf(config, refuse);
    const kernel = weight(layer, 'kernel', refuse);
    const [kh, kw, cout, cin] = kernel.shape;
    const pads = [0, 0, 0, 0];
    const outputPadding = [0, 0];
    const outSizes = [0, 0];
    [0, 1].forEach((i) => {
      const n = x.shape[i];
      const k = kernelSize[i];
      const s = strides[i];
      const full = (n - 1) * s + k;
      const size = padding === 'same' ? n * s : n * s + Math.max(k - s, 0);
      const start = padding === 'same' ? Math.floor(Math.max(k - s, 0) / 2) : 0;
      pads[i] = start;
      const end = full - start - size;
      if (end >= 0) pads[i + 2] = end;
      else outputPadding[i] = -end;
      outSizes[i] = size;
    });
    const w = this.floats(`${base}_W`, [cin, cout, kh, kw], transpose(kernel.values, kernel.shape, [3, 2, 0, 1]));
    const names = [x.name, w];
    if (config.useBias !== false) names.push(this.floats(`${base}_B`, [cout], weight(layer, 'bias', refuse).values));
    const attributes: Record<string, AttributeValue> = { kernel_shape: [kh, kw], strides, pads };
    if (outputPadding.some((p) => p > 0)) attributes.output_padding = outputPadding;
    const name = this.node('ConvTranspose', names, base, attributes);
    return { name, shape: [outSizes[0], outSizes[1], cout], layout: 'nchw' };
  }

  /**
   * Element-wise merges. Same shapes keep their layout; otherwise Keras's broadcast: a lower-rank input gets
   * axes inserted at 1 (as Keras's _Merge and tfjs-layers do), then numpy broadcasting, in Keras layout.
   */
  private merge(op: 'Add' | 'Mul' | 'Max' | 'Min' | 'Sub', inputs: Value[], base: string, outputShape: number[], refuse: Refuse): Value {
    if (inputs.length < 2) return refuse('it needs at least two inputs');
    const first = inputs[0];
    let parts: Value[];
    let layout: Value['layout'];
    if (inputs.every((v) => v.shape.join() === first.shape.join())) {
      const useNchw = first.shape.length === 3 && inputs.some((v) => v.layout === 'nchw');
      parts = inputs.map((v) => (useNchw ? this.toNchw(v, refuse) : this.toKeras(v)));
      layout = useNchw ? 'nchw' : 'keras';
    } else {
      const rank = Math.max(...inputs.map((v) => v.shape.length));
      parts = inputs.map((v, i) => {
        const x = this.toKeras(v);
        const missing = rank - x.shape.length;
        if (missing === 0) return x;
        const axes = this.int64s(`${base}_axes_${i}`, Array.from({ length: missing }, (_, k) => k + 1));
        return { name: this.node('Unsqueeze', [x.name, axes], `${base}_expanded_${i}`), shape: [...new Array<number>(missing).fill(1), ...x.shape], layout: 'keras' };
      });
      layout = 'keras';
    }
    let name: string;
    if (op === 'Max' || op === 'Min' || (op === 'Add' && parts.length > 2)) {
      name = this.node(op === 'Add' ? 'Sum' : op, parts.map((v) => v.name), base);
    } else {
      name = parts[0].name;
      for (let i = 1; i < parts.length; i++) name = this.node(op, [name, parts[i].name], i === parts.length - 1 ? base : `${base}_${i}`);
    }
    return { name, shape: outputShape, layout };
  }

  /** Applies a Keras activation (tfjs class name or Keras name) to a value, keeping its layout. */
  private activation(x: Value, activation: unknown, base: string, refuse: Refuse): Value {
    const name = typeof activation === 'string' ? activation : activation == null ? 'linear' : refuse(`activation ${JSON.stringify(activation)}`);
    const out = `${base}_${name}`;
    const unary = (op: string, attributes?: Record<string, AttributeValue>): Value => ({ ...x, name: this.node(op, [x.name], out, attributes) });
    // Softmax runs over the Keras last axis, which is ONNX axis 1 for a channels-first value.
    const lastAxis = x.layout === 'nchw' ? 1 : -1;
    switch (name) {
      case 'linear':
        return x;
      case 'relu':
        return unary('Relu');
      case 'relu6':
        return { ...x, name: this.node('Clip', [x.name, this.scalar(0), this.scalar(6)], out) };
      case 'sigmoid':
        return unary('Sigmoid');
      case 'softmax':
        return unary('Softmax', { axis: lastAxis });
      case 'logSoftmax':
      case 'log_softmax':
        return unary('LogSoftmax', { axis: lastAxis });
      case 'tanh':
        return unary('Tanh');
      case 'elu':
        return unary('Elu', { alpha: { float: 1 } });
      case 'selu':
        // ONNX's default alpha and gamma are the constants TF and tfjs use.
        return unary('Selu');
      case 'softplus':
        return unary('Softplus');
      case 'softsign':
        return unary('Softsign');
      case 'hardSigmoid':
      case 'hard_sigmoid':
        // tfjs implements the Keras 2 definition, clip(0.2 x + 0.5, 0, 1); the loader refuses Keras 3's.
        return unary('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
      case 'hard_sigmoid_keras2':
        return unary('HardSigmoid', { alpha: { float: 0.2 }, beta: { float: 0.5 } });
      case 'hard_sigmoid_keras3':
        return unary('HardSigmoid', { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
      case 'hard_silu': {
        const gate = this.node('HardSigmoid', [x.name], `${out}_gate`, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } });
        return { ...x, name: this.node('Mul', [x.name, gate], out) };
      }
      case 'exponential':
        return unary('Exp');
      case 'leaky_relu':
        return unary('LeakyRelu', { alpha: { float: 0.2 } });
      case 'swish':
      case 'silu': {
        const sigmoid = this.node('Sigmoid', [x.name], `${out}_sigmoid`);
        return { ...x, name: this.node('Mul', [x.name, sigmoid], out) };
      }
      case 'mish': {
        const softplus = this.node('Softplus', [x.name], `${out}_softplus`);
        const tanh = this.node('Tanh', [softplus], `${out}_tanh`);
        return { ...x, name: this.node('Mul', [x.name, tanh], out) };
      }
      case 'gelu': {
        // x * 0.5 * (1 + erf(x / sqrt 2)), as tfjs computes it.
        const scaled = this.node('Mul', [x.name, this.scalar(Math.SQRT1_2)], `${out}_scaled`);
        const erf = this.node('Erf', [scaled], `${out}_erf`);
        const plusOne = this.node('Add', [erf, this.scalar(1)], `${out}_plus_one`);
        const half = this.node('Mul', [x.name, this.scalar(0.5)], `${out}_half`);
        return { ...x, name: this.node('Mul', [half, plusOne], out) };
      }
      default:
        return refuse(`activation "${name}" has no ONNX translation`);
    }
  }

  private toNchw(value: Value, refuse: Refuse): Value {
    if (value.layout === 'nchw') return value;
    if (value.shape.length !== 3) return refuse(`it needs an image input (height, width, channels) but receives shape [${value.shape}]`);
    return this.convert(value, 'nchw', [0, 3, 1, 2]);
  }

  private toKeras(value: Value): Value {
    return value.layout === 'keras' ? value : this.convert(value, 'keras', [0, 2, 3, 1]);
  }

  private convert(value: Value, layout: Value['layout'], perm: number[]): Value {
    const key = `${value.name}\u0000${layout}`;
    const cached = this.converted.get(key);
    if (cached) return cached;
    const converted: Value = { name: this.node('Transpose', [value.name], `${value.name}_to_${layout}`, { perm }), shape: value.shape, layout };
    this.converted.set(key, converted);
    return converted;
  }

  /** Adds a node with one output and returns that output's (unique) name. */
  private node(opType: string, inputs: string[], baseName: string, attributes?: Record<string, AttributeValue>): string {
    const output = this.unique(baseName);
    this.nodes.push({ opType, inputs, outputs: [output], name: output, attributes });
    return output;
  }

  private floats(baseName: string, dims: number[], values: Float32Array): string {
    const name = this.unique(baseName);
    this.initializers.push({ name, dims, dataType: DataType.FLOAT, values });
    return name;
  }

  private int64s(baseName: string, values: number[]): string {
    const name = this.unique(baseName);
    this.initializers.push({ name, dims: [values.length], dataType: DataType.INT64, values: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  /** A float32 scalar constant, shared by every node that uses the same value. */
  private scalar(value: number): string {
    const known = this.scalars.get(value);
    if (known) return known;
    const name = this.unique(`const_${String(value).replace(/[^0-9a-z]/gi, '_')}`);
    this.initializers.push({ name, dims: [], dataType: DataType.FLOAT, values: Float32Array.of(value) });
    this.scalars.set(value, name);
    return name;
  }

  private unique(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }
}

type Refuse = (what: string) => never;

interface ConvGeometry {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  pads: [number, number, number, number];
  outHeight: number;
  outWidth: number;
}

function convGeometry(config: Config, x: Value, refuse: Refuse): ConvGeometry {
  const kernel = pair(config.kernelSize ?? config.kernel_size, 'kernel_size', refuse);
  const strides = pair(config.strides ?? 1, 'strides', refuse);
  const dilations = pair(config.dilationRate ?? config.dilation_rate ?? 1, 'dilation_rate', refuse);
  const padding = paddingOf(config, refuse);
  const rows = window(x.shape[0], kernel[0], strides[0], dilations[0], padding);
  const cols = window(x.shape[1], kernel[1], strides[1], dilations[1], padding);
  return {
    kernel,
    strides,
    dilations,
    pads: [rows.padBegin, cols.padBegin, rows.padEnd, cols.padEnd],
    outHeight: rows.outSize,
    outWidth: cols.outSize,
  };
}

function convAttributes(geometry: ConvGeometry, group: number): Record<string, AttributeValue> {
  return { kernel_shape: geometry.kernel, strides: geometry.strides, dilations: geometry.dilations, pads: geometry.pads, group };
}

/**
 * Output size and explicit padding along one spatial axis, by TensorFlow's rule: 'same' gives ceil(in / stride)
 * outputs and splits the padding with the extra cell at the end; 'valid' pads nothing.
 */
export function window(inSize: number, kernel: number, stride: number, dilation: number, padding: 'valid' | 'same') {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { outSize: Math.floor((inSize - span) / stride) + 1, padBegin: 0, padEnd: 0 };
  const outSize = Math.ceil(inSize / stride);
  const total = Math.max((outSize - 1) * stride + span - inSize, 0);
  const padBegin = Math.floor(total / 2);
  return { outSize, padBegin, padEnd: total - padBegin };
}

function paddingOf(config: Config, refuse: Refuse): 'valid' | 'same' {
  const padding = config.padding ?? 'valid';
  if (padding !== 'valid' && padding !== 'same') return refuse(`padding=${JSON.stringify(padding)}`);
  return padding;
}

function channelsLast(config: Config, refuse: Refuse): void {
  const format = config.dataFormat ?? config.data_format ?? 'channelsLast';
  if (format !== 'channelsLast' && format !== 'channels_last') refuse(`data_format=${JSON.stringify(format)}`);
}

function pair(value: unknown, key: string, refuse: Refuse): [number, number] {
  const list = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 1 ? [value[0], value[0]] : value;
  if (!Array.isArray(list) || list.length !== 2 || !list.every((v) => Number.isInteger(v) && v > 0)) {
    return refuse(`${key}=${JSON.stringify(value)}`);
  }
  return [list[0], list[1]];
}

interface WeightValues {
  shape: number[];
  values: Float32Array;
}

/** A layer weight by its Keras name (kernel, bias, gamma, moving_mean, depthwise_kernel, ...), copied out of tfjs. */
function weight(layer: Layer, shortName: string, refuse: Refuse): WeightValues {
  const found = findWeight(layer, shortName);
  return found ?? refuse(`it has no "${shortName}" weight`);
}

function optionalWeight(layer: Layer, shortName: string): Float32Array | null {
  return findWeight(layer, shortName)?.values ?? null;
}

function findWeight(layer: Layer, shortName: string): WeightValues | null {
  for (const variable of layer.weights) {
    const name = (variable.originalName ?? variable.name).split('/').at(-1)?.replace(/:\d+$/, '');
    if (name !== shortName) continue;
    const tensor = variable.read();
    // The variable's own buffer must not be aliased by the ONNX initializer (nor disposed): copy it.
    return { shape: tensor.shape.slice(), values: Float32Array.from(tensor.dataSync() as Float32Array) };
  }
  return null;
}

/** Permutes a dense row-major array: output axis i is input axis perm[i]. */
export function transpose(values: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, stride = 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i];
  }
  const outShape = perm.map((axis) => shape[axis]);
  const strides = perm.map((axis) => inStrides[axis]);
  const out = new Float32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = values[source];
    // Odometer over the output index, moving the source offset by the permuted strides.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      source += strides[axis];
      if (index[axis] < outShape[axis]) break;
      source -= strides[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

function fixedShape(tensor: SymbolicTensor, what: string): number[] {
  const shape = tensor.shape.slice(1);
  if (!shape.every((d): d is number => typeof d === 'number' && d > 0)) {
    throw new OnnxExportUnsupportedError(`${what} has shape [${tensor.shape.map((d) => d ?? 'None')}]; the ONNX compiler needs fixed sizes besides the batch`);
  }
  return shape;
}

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.\-/]/g, '_') || 'layer';
}
