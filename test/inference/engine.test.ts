// InferenceEngine: worker threads (loaded through the .mjs bootstrap from vitest), backends, batching, refusals.
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeModelFile,
  InferenceEngine,
  InferenceInputError,
  InferenceWorkerError,
  UnsupportedLayerError,
  WeightMismatchError,
} from '../../server/inference/index.ts';
import { writeFileSync } from 'node:fs';
import { loadKerasH5 } from '../../server/inference/keras-h5/load.ts';
import { compileKerasToOnnx } from '../../server/inference/onnx/index.ts';
import { batchOf, INVALID_DIR, loadFixture, maxAbsDifference, SHARED_KERAS_DIR } from './fixtures.ts';
import { needsShared } from '../helpers/shared.ts';
import { availableCores } from '../../server/inference/runtime/backend-info.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const REAL = needsShared('the tests on real Keras files');

const engines: InferenceEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

async function start(modelFile: string, backend: 'auto' | 'wasm' | 'cpu' | 'tensorflow' | 'onnxruntime', threads = 2) {
  const engine = await InferenceEngine.start({ modelFile, backend, threads, preprocessing: { colorMode: 'grayscale', scale: 1 / 255, offset: 0, mean: [], std: [] } });
  engines.push(engine);
  return engine;
}

/** `times` copies of the fixture's images, so a batch is big enough to be split across workers. */
function repeated(pixels: Uint8Array, times: number): Uint8Array {
  const out = new Uint8Array(pixels.length * times);
  for (let i = 0; i < times; i++) out.set(pixels, i * pixels.length);
  return out;
}

describe.skipIf(!REAL)('InferenceEngine', () => {
  const digits = loadFixture('real-digits_cnn_keras2.11.json');

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`matches the reference outputs on the ${backend} backend, across a batch split between workers`, async () => {
      const engine = await start(digits.modelFile, backend);
      expect(engine.backend).toMatchObject({ name: backend, threads: 2 });
      const images = digits.pixels.length;
      const copies = 10; // 40 images: two shards of 20
      const result = await engine.infer(repeated(batchOf(digits), copies), images * copies);
      expect(result.outputsPerImage).toBe(10);
      expect(result.outputs).toHaveLength(images * copies * 10);
      const expected = Array.from({ length: copies }, () => digits.outputs.flat()).flat();
      expect(maxAbsDifference(result.outputs, expected)).toBeLessThan(1e-4);
      // The engine answers raw outputs only: no unit is singled out as a class score.
      expect(Object.keys(result).sort()).toEqual(['inferenceMs', 'outputs', 'outputsPerImage']);
      expect(result.inferenceMs).toBeGreaterThan(0);
    });
  }

  it('picks a working backend for auto and describes it', async () => {
    const engine = await start(digits.modelFile, 'auto', 1);
    expect(['tensorflow', 'onnxruntime', 'wasm', 'cpu']).toContain(engine.backend.name);
    expect(engine.backend.device.length).toBeGreaterThan(0);
    // Without native TensorFlow, auto compares ONNX Runtime with TensorFlow.js and says why it kept tfjs.
    if (engine.backend.name === 'wasm' || engine.backend.name === 'cpu') expect(engine.backend.note).toMatch(/ONNX Runtime/);
    expect(engine.description).toMatchObject({ inputShape: [28, 28, 1], outputUnits: 10 });
  });

  it('runs queued batches one after another and keeps each answer with its batch', async () => {
    const engine = await start(digits.modelFile, 'wasm', 2);
    const one = (i: number) => Uint8Array.from(digits.pixels[i]);
    const results = await Promise.all([0, 1, 2, 3].map((i) => engine.infer(one(i), 1)));
    results.forEach((result, i) => expect(maxAbsDifference(result.outputs, digits.outputs[i])).toBeLessThan(1e-4));
  });

  it('answers every output unit of each image in order, and the one unit of a sigmoid model', async () => {
    const engine = await start(digits.modelFile, 'cpu', 1);
    const result = await engine.infer(batchOf(digits), digits.pixels.length);
    expect(result.outputsPerImage).toBe(10);
    digits.outputs.forEach((expected, i) => expect(maxAbsDifference(result.outputs.subarray(i * 10, (i + 1) * 10), expected), `image ${i}`).toBeLessThan(1e-4));
    expect(result.outputs[3]).toBeCloseTo(digits.outputs[0][3], 4);

    const sigmoid = loadFixture('conv_same_strides_keras2.json');
    const sigmoidEngine = await start(sigmoid.modelFile, 'cpu', 1);
    expect(sigmoidEngine.description).toMatchObject({ outputKind: 'sigmoid', outputUnits: 1 });
    const scores = await sigmoidEngine.infer(batchOf(sigmoid), sigmoid.pixels.length);
    expect(scores.outputsPerImage).toBe(1);
    expect(maxAbsDifference(scores.outputs, sigmoid.outputs.map((o) => o[0]))).toBeLessThan(1e-5);
  });

  it('rejects a batch whose size does not match the model input', async () => {
    const engine = await start(digits.modelFile, 'cpu', 1);
    await expect(engine.infer(new Uint8Array(28 * 28 + 1), 1)).rejects.toThrow(InferenceInputError);
    await expect(engine.infer(new Uint8Array(28 * 28 + 1), 1)).rejects.toThrow(/needs 784 bytes, got 785/);
    // and keeps working afterwards
    expect((await engine.infer(new Uint8Array(28 * 28), 1)).outputs).toHaveLength(10);
  });

  it('answers an empty batch with empty arrays', async () => {
    const engine = await start(digits.modelFile, 'cpu', 1);
    const result = await engine.infer(new Uint8Array(0), 0);
    expect(result.outputs).toHaveLength(0);
    expect(result.outputsPerImage).toBe(10);
  });

  it('refuses to start on a model with a Lambda layer, with the named error', async () => {
    const error = await start(path.join(INVALID_DIR, 'lambda_layer.h5'), 'wasm').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedLayerError);
    expect((error as Error).message).toBe('layer "lambda_1" (Lambda) cannot be loaded: Lambda layers hold Python code');
  });

  it('refuses to start on mismatched weights, with the named error', async () => {
    await expect(start(path.join(INVALID_DIR, 'shape_mismatch.h5'), 'cpu')).rejects.toBeInstanceOf(WeightMismatchError);
  });

  it('runs a Keras file on ONNX Runtime when asked, with the same outputs as the reference', async () => {
    const engine = await start(digits.modelFile, 'onnxruntime');
    expect(engine.backend.name).toBe('onnxruntime');
    expect(engine.backend.device).toMatch(/compiled from Keras/);
    const result = await engine.infer(batchOf(digits), digits.pixels.length);
    digits.outputs.forEach((expected, i) => expect(maxAbsDifference(result.outputs.subarray(i * 10, (i + 1) * 10), expected)).toBeLessThan(1e-4));
  });

  it.skipIf(availableCores() < 2)('times ONNX Runtime thread settings at load when threads is 0, serves with the fastest, with the same outputs', async () => {
    const engine = await start(digits.modelFile, 'onnxruntime', 0);
    const threading = engine.backend.threading!;
    expect(threading.variants.map((variant) => [variant.intraOpThreads, variant.spinning])).toEqual([[availableCores(), true], [availableCores(), false], [1, true]]);
    for (const variant of threading.variants) expect(variant.loadImagesPerSecond).toBeGreaterThan(0);
    expect(threading.variants[threading.chosen].loadImagesPerSecond).toBe(Math.max(...threading.variants.map((variant) => variant.loadImagesPerSecond)));
    expect(engine.backend.threads).toBe(threading.variants[threading.chosen].intraOpThreads);
    const result = await engine.infer(batchOf(digits), digits.pixels.length);
    digits.outputs.forEach((expected, i) => expect(maxAbsDifference(result.outputs.subarray(i * 10, (i + 1) * 10), expected)).toBeLessThan(1e-4));
  });

  it('serves a .onnx file directly, and refuses a TensorFlow.js backend for it', async () => {
    const onnxFile = path.join(temporaryDir('astri-onnx-'), 'digits.onnx');
    const loaded = await loadKerasH5(digits.modelFile);
    writeFileSync(onnxFile, compileKerasToOnnx(loaded));
    loaded.model.dispose();
    await expect(start(onnxFile, 'wasm')).rejects.toThrow(/ONNX model: it runs on onnxruntime, not on wasm/);
    const engine = await start(onnxFile, 'auto');
    expect(engine.backend.name).toBe('onnxruntime');
    expect(engine.description).toMatchObject({ format: 'onnx', inputShape: [28, 28, 1], outputUnits: 10 });
    const result = await engine.infer(batchOf(digits), digits.pixels.length);
    digits.outputs.forEach((expected, i) => expect(maxAbsDifference(result.outputs.subarray(i * 10, (i + 1) * 10), expected)).toBeLessThan(1e-4));
  });

  it('uses native TensorFlow only when @tensorflow/tfjs-node is installed, and says so otherwise', async () => {
    const require = createRequire(import.meta.url);
    const installed = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((name) => {
      try {
        require.resolve(name);
        return true;
      } catch {
        return false;
      }
    });
    if (installed) {
      expect((await start(digits.modelFile, 'tensorflow')).backend.name).toBe('tensorflow');
    } else {
      await expect(start(digits.modelFile, 'tensorflow')).rejects.toThrow(/native TensorFlow is not installed: @tensorflow\/tfjs-node-gpu/);
    }
  });

  it('rejects batches after close', async () => {
    const engine = await start(digits.modelFile, 'cpu', 1);
    await engine.close();
    await expect(engine.infer(new Uint8Array(784), 1)).rejects.toThrow(/closed/);
  });

  it('rejects a batch still running when the engine closes', async () => {
    const engine = await start(digits.modelFile, 'cpu', 1);
    const pending = engine.infer(new Uint8Array(784 * 64), 64);
    await engine.close();
    await expect(pending).rejects.toBeInstanceOf(InferenceWorkerError);
  });
});

describe.skipIf(!REAL)('describeModelFile (in a worker thread)', () => {
  it('describes a real Keras 3 file', async () => {
    const description = await describeModelFile(path.join(SHARED_KERAS_DIR, 'emotion_cnn_keras3.12.h5'));
    expect(description).toMatchObject({ format: 'keras-h5', inputShape: [48, 48, 1], outputUnits: 7, kerasVersion: '3.12.0' });
  });

  it('rejects a file that cannot be loaded with the named error', async () => {
    await expect(describeModelFile(path.join(SHARED_KERAS_DIR, 'invalid', 'weights_only.h5'))).rejects.toThrow(
      expect.objectContaining({ name: 'MissingModelConfigError' }),
    );
  });
});
