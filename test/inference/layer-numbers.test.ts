// Hand-computed numbers for the layers whose conventions are easy to get wrong: TensorFlow's asymmetric 'same'
// padding with strides, BatchNormalization, Flatten's HWC order, and preprocessing.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKerasH5 } from '../../server/inference/index.ts';
import { describeModelFileHere } from '../../server/inference/keras-h5/describe.ts';
import { loadKerasH5 } from '../../server/inference/keras-h5/load.ts';
import { BatchRunner } from '../../server/inference/runtime/batch-runner.ts';
import { tf } from '../../server/inference/runtime/tfjs.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Saves `model` as .h5, loads it back through the reader and runs 8-bit `pixels` with `pixelScale`. */
async function runThroughFile(model: tf.LayersModel, name: string, pixels: number[], pixelScale = 1): Promise<number[]> {
  const file = path.join(tmp, `${name}.h5`);
  await writeKerasH5(model, file);
  const loaded = await loadKerasH5(file);
  const description = await describeModelFileHere(file);
  const count = pixels.length / description.inputShape.reduce((a, b) => a * b, 1);
  const { outputs } = new BatchRunner(loaded.model, description, grayscale(pixelScale)).run(Uint8Array.from(pixels), count);
  loaded.model.dispose();
  return Array.from(outputs);
}

describe('layer numbers, computed by hand', () => {
  it("pads 'same' convolutions with stride 2 at the end, as TensorFlow does", async () => {
    // 4x4 ones, 3x3 kernel of ones, stride 2: output 2x2; TensorFlow pads 0 rows before and 1 after, so the
    // windows cover 9, 6, 6 and 4 ones. Symmetric padding would give 4, 6, 6, 9.
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [4, 4, 1], filters: 1, kernelSize: 3, strides: 2, padding: 'same', useBias: false }));
    model.layers[0].setWeights([tf.ones([3, 3, 1, 1])]);
    expect(await runThroughFile(model, 'same-stride2', new Array(16).fill(1))).toEqual([9, 6, 6, 4]);
  });

  it("pads 'same' max pooling with stride 2 at the end", async () => {
    // 3x3 input 1..9, pool 2x2 stride 2 'same': windows {1,2,4,5}, {3,6}, {7,8}, {9}.
    const model = tf.sequential();
    model.add(tf.layers.maxPooling2d({ inputShape: [3, 3, 1], poolSize: 2, strides: 2, padding: 'same' }));
    model.add(tf.layers.flatten());
    expect(await runThroughFile(model, 'maxpool-same', [1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([5, 6, 8, 9]);
  });

  it("averages 'same' pooling windows over real cells only", async () => {
    // Same windows as above, averaged: (1+2+4+5)/4, (3+6)/2, (7+8)/2, 9/1.
    const model = tf.sequential();
    model.add(tf.layers.averagePooling2d({ inputShape: [3, 3, 1], poolSize: 2, strides: 2, padding: 'same' }));
    model.add(tf.layers.flatten());
    expect(await runThroughFile(model, 'avgpool-same', [1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([3, 4.5, 7.5, 9]);
  });

  it('normalizes with the moving statistics: (x - mean) / sqrt(var + eps) * gamma + beta', async () => {
    const model = tf.sequential();
    model.add(tf.layers.batchNormalization({ inputShape: [1, 1, 2], epsilon: 0.5 }));
    model.add(tf.layers.flatten());
    // channel 0: gamma 2, beta 1, mean 3, var 3.5 -> (7 - 3) / 2 * 2 + 1 = 5; channel 1: gamma 1, beta 0, mean 0, var 0.5 -> 4 / 1 = 4
    model.layers[0].setWeights([tf.tensor1d([2, 1]), tf.tensor1d([1, 0]), tf.tensor1d([3, 0]), tf.tensor1d([3.5, 0.5])]);
    expect(await runThroughFile(model, 'batchnorm', [7, 4])).toEqual([5, 4]);
  });

  it('flattens in height, width, channel order (Keras channels_last)', async () => {
    // pixels are given HWC: (h0,w0,c0..c2), (h0,w1,c0..c2); a 3-unit identity-like Dense reads back positions 5, 0 and 3.
    const model = tf.sequential();
    model.add(tf.layers.flatten({ inputShape: [1, 2, 3] }));
    model.add(tf.layers.dense({ units: 3, useBias: false }));
    const kernel = new Float32Array(6 * 3);
    kernel[5 * 3 + 0] = 1; // unit 0 <- flat index 5 = (h0, w1, c2)
    kernel[0 * 3 + 1] = 1; // unit 1 <- flat index 0 = (h0, w0, c0)
    kernel[3 * 3 + 2] = 1; // unit 2 <- flat index 3 = (h0, w1, c0)
    model.layers[1].setWeights([tf.tensor2d(kernel, [6, 3])]);
    expect(await runThroughFile(model, 'flatten', [10, 11, 12, 13, 14, 15])).toEqual([15, 10, 13]);
  });

  it('scales 8-bit pixels by pixelScale before the first layer', async () => {
    const model = tf.sequential();
    model.add(tf.layers.flatten({ inputShape: [1, 2, 1] }));
    const outputs = await runThroughFile(model, 'scale', [255, 51], 1 / 255);
    expect(outputs[0]).toBeCloseTo(1, 6);
    expect(outputs[1]).toBeCloseTo(0.2, 6);
  });

  it('applies ReLU max_value and LeakyReLU alpha', async () => {
    const model = tf.sequential();
    model.add(tf.layers.rescaling({ inputShape: [1, 3, 1], scale: 1, offset: -2 }));
    model.add(tf.layers.leakyReLU({ alpha: 0.5 }));
    model.add(tf.layers.reLU({ maxValue: 1.5 }));
    model.add(tf.layers.flatten());
    // 0 - 2 = -2 -> leaky -1 -> relu 0; 3 - 2 = 1 -> 1; 9 - 2 = 7 -> capped 1.5
    expect(await runThroughFile(model, 'relus', [0, 3, 9])).toEqual([0, 1, 1.5]);
  });
});

function grayscale(scale: number) {
  return { colorMode: 'grayscale' as const, scale, offset: 0, mean: [], std: [] };
}
