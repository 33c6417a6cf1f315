// Each supported layer, compiled to ONNX and run by ONNX Runtime, computes what TensorFlow.js computes.
import { describe, expect, it } from 'vitest';
import { OnnxExportUnsupportedError, OnnxSession, compileKerasToOnnx } from '../../server/inference/onnx/index.ts';
import { tf, type LayersModel } from '../../server/inference/runtime/tfjs.ts';
import { asLoaded, compileAndCompare, seedWeights, smallCnn } from './models.ts';

const TOLERANCE = 1e-4;

async function expectSameOutputs(model: LayersModel, options?: { batch?: number; inputScale?: number }) {
  const result = await compileAndCompare(model, options);
  expect(result.outputRange).toBeGreaterThan(1e-3);
  expect(result.maxAbsDifference).toBeLessThan(TOLERANCE);
  return result;
}

function sequential(inputShape: number[], layers: LayersModel["layers"][number][]): LayersModel {
  const model = tf.sequential();
  layers.forEach((layer, i) => {
    if (i === 0) {
      // The first layer carries the input shape, as a Sequential model saved by Keras does.
      const input = tf.layers.inputLayer({ inputShape });
      model.add(input);
    }
    model.add(layer);
  });
  return model;
}

describe('convolutions', () => {
  it("pads 'same' stride-2 convolutions like TensorFlow on even and odd sizes", async () => {
    for (const size of [8, 7]) {
      await expectSameOutputs(
        sequential([size, size + 3, 2], [tf.layers.conv2d({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }), tf.layers.flatten()]),
      );
    }
  });

  it("computes 'valid' convolutions with non-square kernels, strides and dilation", async () => {
    await expectSameOutputs(
      sequential([9, 11, 3], [
        tf.layers.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'valid', activation: 'tanh' }),
        tf.layers.conv2d({ filters: 2, kernelSize: 2, dilationRate: 2, padding: 'same', useBias: false }),
        tf.layers.flatten(),
      ]),
    );
  });

  it('flattens a multi-channel feature map in Keras channels-last order', async () => {
    // Any channel-order mistake scrambles which Dense weight meets which activation.
    await expectSameOutputs(
      sequential([6, 5, 1], [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 3, activation: 'linear' }),
      ]),
    );
  });

  it('computes DepthwiseConv2D with a depth multiplier', async () => {
    await expectSameOutputs(
      sequential([7, 8, 3], [
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }),
        tf.layers.flatten(),
      ]),
      { inputScale: 20 },
    );
  });

  it('computes SeparableConv2D (depthwise, then pointwise with bias)', async () => {
    await expectSameOutputs(
      sequential([8, 8, 3], [
        tf.layers.separableConv2d({ filters: 5, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'elu' }),
        tf.layers.separableConv2d({ filters: 2, kernelSize: 2, strides: 2, padding: 'valid' }),
        tf.layers.flatten(),
      ]),
    );
  });

  it('applies a softmax activation of a convolution over the channels', async () => {
    await expectSameOutputs(sequential([5, 5, 2], [tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'softmax' }), tf.layers.flatten()]));
  });
});

describe('pooling', () => {
  it('computes max and average pooling with valid and same padding', async () => {
    for (const padding of ['valid', 'same'] as const) {
      for (const pool of [tf.layers.maxPooling2d, tf.layers.averagePooling2d]) {
        await expectSameOutputs(
          sequential([7, 9, 2], [
            tf.layers.conv2d({ filters: 3, kernelSize: 1 }),
            pool({ poolSize: [3, 2], strides: 2, padding }),
            tf.layers.flatten(),
          ]),
        );
      }
    }
  });

  it('computes global average and max pooling', async () => {
    for (const pool of [tf.layers.globalAveragePooling2d, tf.layers.globalMaxPooling2d]) {
      await expectSameOutputs(
        sequential([6, 6, 2], [tf.layers.conv2d({ filters: 5, kernelSize: 3 }), pool({}), tf.layers.dense({ units: 2, activation: 'softmax' })]),
      );
    }
  });
});

describe('normalization and activations', () => {
  it('applies BatchNormalization on channels and on dense features', async () => {
    await expectSameOutputs(
      sequential([6, 6, 2], [
        tf.layers.conv2d({ filters: 3, kernelSize: 3, useBias: false }),
        tf.layers.batchNormalization({ epsilon: 1e-3 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4 }),
        tf.layers.batchNormalization({ center: false }),
      ]),
    );
  });

  it('normalizes along a non-channel BatchNormalization axis as Keras defines it', async () => {
    // tfjs's CPU kernel applies the statistics along the last axis whatever `axis` says, so this case is checked
    // against hand-computed Keras values instead: y = (x - mean) * gamma / sqrt(variance + epsilon) + beta per row.
    const model = sequential([2, 3, 2], [tf.layers.batchNormalization({ axis: 1, epsilon: 0.25, name: 'bn_rows' })]);
    model.getLayer('bn_rows').setWeights([tf.tensor([2, 3]), tf.tensor([10, 20]), tf.tensor([1, -1]), tf.tensor([0.75, 3.75])]);
    const session = await OnnxSession.create(compileKerasToOnnx(asLoaded(model)), { threads: 1 });
    try {
      const output = await session.run(new Float32Array(12).fill(2), 1);
      expect(Array.from(output)).toEqual([...new Array(6).fill(12), ...new Array(6).fill(24.5)]);
    } finally {
      await session.release();
    }
  });

  it('applies every activation layer and function', async () => {
    const activations = ['relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'selu', 'softplus', 'softsign', 'swish', 'mish', 'gelu', 'hardSigmoid', 'softmax', 'linear'];
    for (const activation of activations) {
      await expectSameOutputs(
        sequential([4, 4, 1], [tf.layers.conv2d({ filters: 3, kernelSize: 2 }), tf.layers.activation({ activation: activation as 'relu' }), tf.layers.flatten()]),
        { inputScale: 4 },
      );
    }
    await expectSameOutputs(
      sequential([4, 4, 1], [
        tf.layers.conv2d({ filters: 3, kernelSize: 2 }),
        tf.layers.reLU({ maxValue: 0.2 }),
        tf.layers.conv2d({ filters: 3, kernelSize: 2 }),
        tf.layers.leakyReLU({ alpha: 0.1 }),
        tf.layers.reLU(),
        tf.layers.flatten(),
      ]),
      { inputScale: 4 },
    );
  });

  it('rescales inputs and ignores dropout at inference', async () => {
    await expectSameOutputs(
      sequential([5, 5, 1], [
        tf.layers.rescaling({ scale: 1 / 255, offset: -0.5 }),
        tf.layers.conv2d({ filters: 2, kernelSize: 3 }),
        tf.layers.dropout({ rate: 0.5 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 1, activation: 'sigmoid' }),
      ]),
      { inputScale: 255 },
    );
  });
});

describe('shapes and graphs', () => {
  it('reshapes in Keras order and applies Dense to the last axis of a rank-3 tensor', async () => {
    await expectSameOutputs(
      sequential([4, 6, 2], [
        tf.layers.conv2d({ filters: 3, kernelSize: 1 }),
        tf.layers.reshape({ targetShape: [8, 9] }),
        tf.layers.dense({ units: 2 }),
        tf.layers.flatten(),
      ]),
    );
  });

  it('accepts a two-dimensional (H, W) input reshaped to an image', async () => {
    await expectSameOutputs(sequential([6, 7], [tf.layers.reshape({ targetShape: [6, 7, 1] }), tf.layers.conv2d({ filters: 2, kernelSize: 3 }), tf.layers.flatten()]));
  });

  it('follows a functional graph with Concatenate and Add branches', async () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const stem = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const left = tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(stem) as tf.SymbolicTensor;
    const right = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(stem) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([left, right, stem]) as tf.SymbolicTensor;
    const joined = tf.layers.concatenate({ axis: -1 }).apply([sum, input]) as tf.SymbolicTensor;
    const rows = tf.layers.concatenate({ axis: 1 }).apply([joined, joined]) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(rows) as tf.SymbolicTensor;
    const flat = tf.layers.flatten().apply(tf.layers.maxPooling2d({ poolSize: 4 }).apply(rows)) as tf.SymbolicTensor;
    const features = tf.layers.concatenate().apply([pooled, flat]) as tf.SymbolicTensor;
    const residual = tf.layers.add().apply([tf.layers.dense({ units: 6 }).apply(features) as tf.SymbolicTensor, tf.layers.dense({ units: 6 }).apply(features) as tf.SymbolicTensor]);
    const output = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(residual) as tf.SymbolicTensor;
    await expectSameOutputs(tf.model({ inputs: input, outputs: output, name: 'branches' }));
  });

  it('gives a sigmoid head one output unit and a softmax head a probability per class', async () => {
    const sigmoid = await expectSameOutputs(smallCnn([12, 12, 1], { units: 1, activation: 'sigmoid' }));
    expect(sigmoid.outputUnits).toBe(1);
    const softmax = await expectSameOutputs(smallCnn([12, 12, 3], { units: 10, activation: 'softmax' }));
    expect(softmax.outputUnits).toBe(10);
  });
});

describe('refusals', () => {
  it('refuses an unsupported layer and names it', () => {
    const model = sequential([8, 8, 1], [tf.layers.conv2d({ filters: 2, kernelSize: 3 }), tf.layers.upSampling2d({ name: 'my_upsampling', interpolation: 'bilinear' }), tf.layers.flatten()]);
    seedWeights(model);
    expect(() => compileKerasToOnnx(asLoaded(model))).toThrowError(OnnxExportUnsupportedError);
    expect(() => compileKerasToOnnx(asLoaded(model))).toThrowError(/layer "my_upsampling" \(UpSampling2D\) cannot be compiled to ONNX/);
  });

  it('names the layer by its Keras class from the file', () => {
    const model = sequential([8, 8, 1], [tf.layers.conv2d({ filters: 2, kernelSize: 3 }), tf.layers.thresholdedReLU({ name: 'gate_1' }), tf.layers.flatten()]);
    expect(() => compileKerasToOnnx(asLoaded(model, { gate_1: 'ThresholdedReLU' }))).toThrowError(/layer "gate_1" \(ThresholdedReLU\)/);
  });

  it('refuses a channels-first convolution and names the setting', () => {
    const model = sequential([2, 8, 8], [tf.layers.conv2d({ filters: 2, kernelSize: 3, dataFormat: 'channelsFirst', name: 'conv_cf' }), tf.layers.flatten()]);
    expect(() => compileKerasToOnnx(asLoaded(model))).toThrowError(/layer "conv_cf" \(Conv2D\) cannot be compiled to ONNX: data_format="channelsFirst"/);
  });
});
