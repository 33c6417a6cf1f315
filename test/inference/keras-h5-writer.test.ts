// writeKerasH5: the Keras 2 layout, and an exact round trip through the reader.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKerasH5 } from '../../server/inference/index.ts';
import { loadKerasH5 } from '../../server/inference/keras-h5/load.ts';
import { readKerasH5 } from '../../server/inference/keras-h5/read.ts';
import { tf, type Tensor } from '../../server/inference/runtime/tfjs.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A small CNN like the demo model: conv, batch norm, pooling, dropout, dense, sigmoid. */
function demoLikeModel(): tf.Sequential {
  const model = tf.sequential({ name: 'demo' });
  model.add(tf.layers.conv2d({ name: 'conv1', inputShape: [12, 12, 1], filters: 4, kernelSize: 3, padding: 'same', strides: 2, activation: 'relu' }));
  model.add(tf.layers.batchNormalization({ name: 'bn1' }));
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tf.layers.separableConv2d({ name: 'sep1', filters: 3, kernelSize: 2, activation: 'relu' }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dropout({ name: 'dropout', rate: 0.3 }));
  model.add(tf.layers.dense({ name: 'dense_out', units: 1, activation: 'sigmoid' }));
  // Random, non-default weights everywhere, including the batch-norm statistics.
  model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, 0.2, 1.5, 'float32', 1000 + i)));
  return model;
}

function functionalModel(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 2], name: 'image' });
  const a = tf.layers.conv2d({ name: 'a', filters: 2, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  const b = tf.layers.depthwiseConv2d({ name: 'b', kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate({ name: 'joined' }).apply([a, b]) as tf.SymbolicTensor;
  const summed = tf.layers.add({ name: 'summed' }).apply([joined, joined]) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(summed) as tf.SymbolicTensor;
  const output = tf.layers.dense({ name: 'dense_out', units: 2, activation: 'softmax' }).apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'branches' });
}

describe('writeKerasH5', () => {
  it('writes the layout Keras 2 writes', async () => {
    const file = path.join(tmp, 'layout.h5');
    await writeKerasH5(demoLikeModel(), file, { kerasVersion: '2.15.0' });
    await h5wasm.ready;
    const h5 = new h5wasm.File(file, 'r');
    try {
      expect(h5.attrs.keras_version.value).toBe('2.15.0');
      expect(h5.attrs.backend.value).toBe('tensorflow');
      const config = JSON.parse(String(h5.attrs.model_config.value));
      expect(config.class_name).toBe('Sequential');
      expect(config.config.layers.map((l: { class_name: string }) => l.class_name)).toEqual([
        'Conv2D', 'BatchNormalization', 'MaxPooling2D', 'SeparableConv2D', 'Flatten', 'Dropout', 'Dense',
      ]);
      const weights = h5.get('model_weights') as InstanceType<typeof h5wasm.Group>;
      expect(weights.attrs.layer_names.value).toEqual(['conv1', 'bn1', 'pool1', 'sep1', 'flatten', 'dropout', 'dense_out']);
      expect(weights.attrs.keras_version.value).toBe('2.15.0');
      expect(weights.attrs.backend.value).toBe('tensorflow');
      const conv = weights.get('conv1') as InstanceType<typeof h5wasm.Group>;
      expect(conv.attrs.weight_names.value).toEqual(['conv1/kernel:0', 'conv1/bias:0']);
      expect((h5.get('model_weights/conv1/conv1/kernel:0') as InstanceType<typeof h5wasm.Dataset>).shape).toEqual([3, 3, 1, 4]);
      const bn = weights.get('bn1') as InstanceType<typeof h5wasm.Group>;
      expect(bn.attrs.weight_names.value).toEqual(['bn1/gamma:0', 'bn1/beta:0', 'bn1/moving_mean:0', 'bn1/moving_variance:0']);
      const pool = weights.get('pool1') as InstanceType<typeof h5wasm.Group>;
      expect(Array.from(pool.attrs.weight_names.value as ArrayLike<unknown>)).toEqual([]);
    } finally {
      h5.close();
    }
  });

  it('round-trips a Sequential model exactly: every weight bit and every prediction', async () => {
    const model = demoLikeModel();
    const file = path.join(tmp, 'sequential.h5');
    await writeKerasH5(model, file);
    const contents = await readKerasH5(file);
    for (const layer of model.layers) {
      const stored = contents.weights.get(layer.name) ?? [];
      const original = layer.getWeights();
      expect(stored.map((w) => w.shape)).toEqual(original.map((t) => t.shape));
      stored.forEach((w, i) => expect(w.values).toEqual(original[i].dataSync()));
    }
    expect(contents.kerasVersion).toBe(`tfjs-layers ${tf.version_layers}`);

    const { model: reloaded } = await loadKerasH5(file);
    const x = tf.randomUniform([5, 12, 12, 1], 0, 1, 'float32', 7);
    expect((reloaded.predict(x) as tf.Tensor).dataSync()).toEqual((model.predict(x) as tf.Tensor).dataSync());
  });

  it('round-trips a Functional model with branches, Concatenate and Add', async () => {
    const model = functionalModel();
    const file = path.join(tmp, 'functional.h5');
    await writeKerasH5(model, file);
    const { model: reloaded, layers } = await loadKerasH5(file);
    expect(layers.map((l) => l.kerasClassName)).toEqual(['InputLayer', 'Conv2D', 'DepthwiseConv2D', 'Concatenate', 'Add', 'GlobalAveragePooling2D', 'Dense']);
    const x = tf.randomUniform([3, 6, 6, 2], 0, 1, 'float32', 8);
    expect((reloaded.predict(x) as tf.Tensor).dataSync()).toEqual((model.predict(x) as tf.Tensor).dataSync());
  });

  it('replaces an existing file only once the new one is complete', async () => {
    const file = path.join(tmp, 'replace.h5');
    await writeKerasH5(demoLikeModel(), file);
    await writeKerasH5(functionalModel(), file);
    const { layers } = await loadKerasH5(file);
    expect(layers[0].kerasClassName).toBe('InputLayer');
  });

  it('computes a BatchNormalization over a non-last axis as Keras defines it (tfjs-layers itself would not)', async () => {
    const model = tf.sequential({ name: 'bn_axis' });
    model.add(tf.layers.batchNormalization({ name: 'bn_rows', axis: 1, inputShape: [4, 3, 2], epsilon: 0.01 }));
    model.add(tf.layers.flatten({ name: 'flatten' }));
    const stats = { gamma: [1, 2, 0.5, 1.5], beta: [0, 1, -1, 0.5], mean: [0.1, 0.2, 0.3, 0.4], variance: [1, 0.5, 2, 0.25] };
    model.layers[0].setWeights([stats.gamma, stats.beta, stats.mean, stats.variance].map((v) => tf.tensor1d(v)));
    const file = path.join(tmp, 'bn.h5');
    await writeKerasH5(model, file);
    const loaded = await loadKerasH5(file);
    const x = Float32Array.from({ length: 24 }, (_, i) => i / 10);
    const input = tf.tensor(x, [1, 4, 3, 2]);
    const output = loaded.model.predict(input) as Tensor;
    const actual = output.dataSync();
    const expected = Array.from(x, (v, i) => {
      const row = Math.floor(i / 6);
      return ((v - stats.mean[row]) / Math.sqrt(stats.variance[row] + 0.01)) * stats.gamma[row] + stats.beta[row];
    });
    expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 5));
    tf.dispose([input, output]);
    loaded.model.dispose();
  });
});
