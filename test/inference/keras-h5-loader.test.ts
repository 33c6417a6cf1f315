// The Keras .h5 loader, run in the test's own thread: numbers against independent references, descriptions, refusals.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeModelFileHere } from '../../server/inference/keras-h5/describe.ts';
import { loadKerasH5 } from '../../server/inference/keras-h5/load.ts';
import { BatchRunner } from '../../server/inference/runtime/batch-runner.ts';
import {
  MissingModelConfigError,
  ModelFileFormatError,
  ModelFileNotFoundError,
  UnsupportedLayerConfigError,
  UnsupportedLayerError,
  WeightMismatchError,
} from '../../server/inference/errors.ts';
import { allFixtures, batchOf, INVALID_DIR, maxAbsDifference, MODELS_DIR, SHARED_KERAS_DIR } from './fixtures.ts';
import { needsShared } from '../helpers/shared.ts';

const REAL = needsShared('the tests on real Keras files');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-keras-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function predict(modelFile: string, pixels: Uint8Array, count: number, pixelScale: number): Promise<Float32Array> {
  const loaded = await loadKerasH5(modelFile);
  try {
    const description = await describeModelFileHere(modelFile);
    return new BatchRunner(loaded.model, description, grayscale(pixelScale)).run(pixels, count).outputs;
  } finally {
    loaded.model.dispose();
  }
}

describe('Keras .h5 loader: outputs match independent references', () => {
  for (const fixture of allFixtures()) {
    // Real files are checked against the PyTorch reader at the 1e-4 the task asks; the small fixtures, whose
    // references are float64 numpy, at 1e-5.
    const tolerance = fixture.name.startsWith('real-') ? 1e-4 : 1e-5;
    it(`reproduces ${fixture.name} (${fixture.description})`, async () => {
      const outputs = await predict(fixture.modelFile, batchOf(fixture), fixture.pixels.length, fixture.pixelScale);
      expect(maxAbsDifference(outputs, fixture.outputs.flat())).toBeLessThan(tolerance);
    });
  }
});

describe('Keras .h5 loader: descriptions', () => {
  it.skipIf(!REAL)('describes the tf.keras 2.11 digits CNN: shapes, parameters, versions, hash', async () => {
    const file = path.join(SHARED_KERAS_DIR, 'digits_cnn_keras2.11.h5');
    const description = await describeModelFileHere(file);
    expect(description).toMatchObject({
      format: 'keras-h5',
      inputShape: [28, 28, 1],
      inputLayout: 'HWC',
      // Its last layer is a softmax Activation over the ten digits.
      outputKind: 'softmax',
      outputUnits: 10,
      // 3 x 3 x 1 x 64 + 64, 2 x (3 x 3 x 64 x 64 + 64), 64 x 64 + 64, 64 x 32 + 32, 32 x 10 + 10
      parameterCount: 640 + 2 * 36928 + 4160 + 2080 + 330,
      kerasVersion: '2.11.0',
      kerasBackend: 'tensorflow',
      sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    });
    expect(description.layers[0]).toEqual({ name: 'conv2d', className: 'Conv2D', outputShape: [26, 26, 64], parameterCount: 640 });
    expect(description.layers.at(-1)).toEqual({ name: 'activation_5', className: 'Activation', outputShape: [10], parameterCount: 0 });
  });

  it.skipIf(!REAL)('describes the Keras 3 emotion CNN written with batch_shape and dtype policies', async () => {
    const description = await describeModelFileHere(path.join(SHARED_KERAS_DIR, 'emotion_cnn_keras3.12.h5'));
    expect(description).toMatchObject({ inputShape: [48, 48, 1], outputUnits: 7, kerasVersion: '3.12.0', parameterCount: 309895 });
    expect(description.layers.map((layer) => layer.className)).toContain('Dropout');
  });

  it.skipIf(!REAL)('counts BatchNormalization moving statistics as parameters, like Keras', async () => {
    const description = await describeModelFileHere(path.join(SHARED_KERAS_DIR, 'mnist_functional_bn_keras2.10.h5'));
    // conv 3x3x1x4 (no bias) 36, BN 4 x 4 = 16, conv 3x3x4x8 + 8 = 296, dense 32 x 10 + 10 = 330
    expect(description.parameterCount).toBe(36 + 16 + 296 + 330);
    expect(description.layers.find((layer) => layer.name === 'batch_normalization')).toMatchObject({ parameterCount: 16, outputShape: [13, 13, 4] });
    expect(description.layers[0]).toMatchObject({ name: 'input_1', className: 'InputLayer' });
  });

  it('calls one sigmoid unit a probability, and names no classes (the model registry does)', async () => {
    const description = await describeModelFileHere(path.join(MODELS_DIR, 'conv_same_strides_keras2.h5'));
    expect(description).toMatchObject({ outputKind: 'sigmoid', outputUnits: 1 });
    expect(description).not.toHaveProperty('classNames');
    expect(description).not.toHaveProperty('gammaClassIndex');
  });

  it('calls two softmax units class probabilities', async () => {
    const description = await describeModelFileHere(path.join(MODELS_DIR, 'batchnorm_pooling_keras2.h5'));
    expect(description).toMatchObject({ outputKind: 'softmax', outputUnits: 2 });
    expect(description).not.toHaveProperty('classNames');
  });

  it('keeps the Keras class of layers tfjs runs as another class', async () => {
    const description = await describeModelFileHere(path.join(MODELS_DIR, 'functional_merge_keras3.h5'));
    expect(description.layers.find((layer) => layer.name === 'spatial_dropout')?.className).toBe('SpatialDropout2D');
    expect(description.layers.find((layer) => layer.name === 'concat')).toMatchObject({ className: 'Concatenate', outputShape: [6, 6, 4] });
  });

  it('feeds an (H, W) input grayscale and reports it as one channel', async () => {
    const description = await describeModelFileHere(path.join(MODELS_DIR, 'hw_input_keras2.h5'));
    expect(description).toMatchObject({ inputShape: [5, 5, 1], inputLayout: 'HW' });
  });
});

describe('Keras .h5 loader: refusals name the cause', () => {
  const cases: Array<[string, new (...args: never[]) => Error, RegExp]> = [
    ['lambda_layer.h5', UnsupportedLayerError, /^layer "lambda_1" \(Lambda\) cannot be loaded: Lambda layers hold Python code$/],
    ['custom_layer.h5', UnsupportedLayerError, /layer "attention_pool" \(AttentionPool\) cannot be loaded: unsupported or custom layer class/],
    ['unsupported_layer.h5', UnsupportedLayerError, /layer "lstm" \(LSTM\) cannot be loaded/],
    ['channels_first.h5', UnsupportedLayerConfigError, /layer "conv_cf" \(Conv2D\) cannot be loaded: data_format="channels_first" is not supported/],
    ['shape_mismatch.h5', WeightMismatchError, /layer "dense_out" \(Dense\): weight "dense_out\/kernel:0" has shape \[5, 1\] in the file but the layer needs \[12, 1\]/],
    ['extra_weights.h5', WeightMismatchError, /weight arrays for "dense_removed" .* but the model has no such layer/],
    ['missing_weights.h5', WeightMismatchError, /layer "conv_same_s2" \(Conv2D\) needs 2 weight arrays .* but the file holds 0/],
  ];
  for (const [file, ErrorClass, message] of cases) {
    it(`refuses ${file} with ${ErrorClass.name}`, async () => {
      const error = await loadKerasH5(path.join(INVALID_DIR, file)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ErrorClass);
      expect((error as Error).name).toBe(ErrorClass.name);
      expect((error as Error).message).toMatch(message);
    });
  }

  it.skipIf(!REAL)('refuses a file that is not HDF5 (a Python script saved as .h5)', async () => {
    await expect(loadKerasH5(path.join(SHARED_KERAS_DIR, 'invalid', 'not_hdf5.h5'))).rejects.toThrow(
      expect.objectContaining({ name: 'ModelFileFormatError', message: expect.stringMatching(/not_hdf5\.h5 cannot be opened as HDF5: not an HDF5 file/) }),
    );
  });

  it.skipIf(!REAL)('refuses an HDF5 file without model_config', async () => {
    const error = await loadKerasH5(path.join(SHARED_KERAS_DIR, 'invalid', 'weights_only.h5')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingModelConfigError);
    expect((error as Error).message).toMatch(/weights_only\.h5 has no "model_config" attribute/);
  });

  it('refuses a truncated file and says so', async () => {
    const source = path.join(MODELS_DIR, 'conv_same_strides_keras2.h5');
    const truncated = path.join(tmp, 'truncated.h5');
    writeFileSync(truncated, readFileSync(source).subarray(0, Math.floor(statSync(source).size / 2)));
    const error = await loadKerasH5(truncated).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFileFormatError);
    expect((error as Error).message).toMatch(/truncated/);
  });

  it('refuses a missing file with its path', async () => {
    const missing = path.join(tmp, 'nope.h5');
    await expect(loadKerasH5(missing)).rejects.toBeInstanceOf(ModelFileNotFoundError);
    await expect(loadKerasH5(missing)).rejects.toThrow(missing);
  });

  it('loads a valid copy of a model under another name', async () => {
    // Guards the refusals above: the same layout with nothing wrong loads.
    const copy = path.join(tmp, 'copy.h5');
    copyFileSync(path.join(MODELS_DIR, 'conv_same_strides_keras2.h5'), copy);
    const loaded = await loadKerasH5(copy);
    expect(loaded.model.layers.length).toBeGreaterThan(0);
    loaded.model.dispose();
  });
});

function grayscale(scale: number) {
  return { colorMode: 'grayscale' as const, scale, offset: 0, mean: [], std: [] };
}
