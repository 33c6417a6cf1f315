// Real Keras files, loaded by the Keras loader, compiled to ONNX: ONNX Runtime agrees with TensorFlow.js.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config.ts';
import { loadKerasH5 } from '../../server/inference/keras-h5/load.ts';
import { OnnxSession, compileKerasToOnnx, describeOnnxFile, prepareOnnxSession, seededUniform, verifyAgainstTfjs } from '../../server/inference/onnx/index.ts';
import { tf, type Tensor } from '../../server/inference/runtime/tfjs.ts';
import { asLoaded, seedWeights, smallCnn } from './models.ts';
import { needsShared } from '../helpers/shared.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const REAL = needsShared('the tests on real Keras files');

const FIXTURES = path.join(PROJECT_ROOT, '..', 'shared', 'fixtures', 'keras');
const tempDir = temporaryDir('astri-onnx-');
const sessions: OnnxSession[] = [];

afterAll(async () => {
  await Promise.all(sessions.map((session) => session.release()));
  rmSync(tempDir, { recursive: true, force: true });
});

async function sessionFor(bytes: Uint8Array): Promise<OnnxSession> {
  const session = await OnnxSession.create(bytes, { threads: 1 });
  sessions.push(session);
  return session;
}

describe.skipIf(!REAL)('real Keras files', () => {
  const files = [
    { file: 'mnist_functional_bn_keras2.10.h5', inputShape: [28, 28, 1], outputUnits: 10 },
    { file: 'digits_cnn_keras2.11.h5', inputShape: [28, 28, 1], outputUnits: 10 },
    { file: 'emotion_cnn_keras3.12.h5', inputShape: [48, 48, 1], outputUnits: 7 },
  ];

  for (const { file, inputShape, outputUnits } of files) {
    it(`compiles ${file} to an ONNX model that agrees with TensorFlow.js`, async () => {
      const loaded = await loadKerasH5(path.join(FIXTURES, file));
      try {
        const session = await sessionFor(compileKerasToOnnx(loaded));
        expect(session.inputShape).toEqual(inputShape);
        expect(session.outputUnits).toBe(outputUnits);
        const result = await verifyAgainstTfjs(loaded, session, { batch: 4, seed: 3 });
        expect(result.maxAbsDifference).toBeLessThan(1e-4);
        expect(result.passed).toBe(true);
      } finally {
        loaded.model.dispose();
      }
    });
  }

  it('agrees on raw 0..255 pixels with the model trained on them (large activations through BatchNormalization)', async () => {
    const loaded = await loadKerasH5(path.join(FIXTURES, 'mnist_functional_bn_keras2.10.h5'));
    try {
      const session = await sessionFor(compileKerasToOnnx(loaded));
      const input = seededUniform(4 * 28 * 28, 5).map((v) => Math.round(v * 255));
      const inputTensor = tf.tensor(input, [4, 28, 28, 1]);
      const outputTensor = loaded.model.predict(inputTensor) as Tensor;
      const expected = outputTensor.dataSync();
      const actual = await session.run(input, 4);
      tf.dispose([inputTensor, outputTensor]);
      const maxAbsDifference = Math.max(...Array.from(expected, (v, i) => Math.abs(v - actual[i])));
      expect(maxAbsDifference).toBeLessThan(1e-4);
    } finally {
      loaded.model.dispose();
    }
  });
});

describe('verifyAgainstTfjs', () => {
  it('fails a model whose ONNX graph computes something else', async () => {
    const model = smallCnn([16, 16, 1], { units: 2, activation: 'softmax' });
    seedWeights(model, 1);
    const session = await sessionFor(compileKerasToOnnx(asLoaded(model)));
    expect((await verifyAgainstTfjs(asLoaded(model), session)).passed).toBe(true);
    // Same architecture, other weights: the compiled graph no longer matches.
    seedWeights(model, 2);
    const result = await verifyAgainstTfjs(asLoaded(model), session);
    expect(result.passed).toBe(false);
    expect(result.maxAbsDifference).toBeGreaterThan(1e-4);
  });
});

describe('compiled models as .onnx files', () => {
  it('describes a compiled sigmoid model by its geometry and output kind', async () => {
    const model = seedWeights(smallCnn([56, 56, 1], { units: 1, activation: 'sigmoid' }));
    const file = path.join(tempDir, 'sigmoid.onnx');
    writeFileSync(file, compileKerasToOnnx(asLoaded(model)));
    expect(await describeOnnxFile(file)).toEqual({ inputShape: [56, 56, 1], inputLayout: 'NHWC', outputUnits: 1, outputKind: 'sigmoid' });
  });

  it('describes a compiled two-way softmax model', async () => {
    const model = seedWeights(smallCnn([20, 24, 3], { units: 2, activation: 'softmax' }));
    const file = path.join(tempDir, 'softmax.onnx');
    writeFileSync(file, compileKerasToOnnx(asLoaded(model)));
    expect(await describeOnnxFile(file)).toEqual({ inputShape: [20, 24, 3], inputLayout: 'NHWC', outputUnits: 2, outputKind: 'softmax' });
  });
});

describe('prepareOnnxSession', () => {
  it.skipIf(!REAL)('serves a supported model with ONNX Runtime after checking it', async () => {
    const loaded = await loadKerasH5(path.join(FIXTURES, 'digits_cnn_keras2.11.h5'));
    try {
      const prepared = await prepareOnnxSession(loaded, { threads: 1 });
      expect(prepared.reason).toBeUndefined();
      expect(prepared.maxAbsDifference).toBeLessThan(1e-4);
      if (prepared.session) sessions.push(prepared.session);
      expect(prepared.session?.outputUnits).toBe(10);
    } finally {
      loaded.model.dispose();
    }
  });

  it('explains, without throwing, why a model stays on TensorFlow.js', async () => {
    const model = tf.sequential({
      layers: [tf.layers.upSampling2d({ inputShape: [4, 4, 1], name: 'upsample', interpolation: 'bilinear' }), tf.layers.flatten()],
    });
    const prepared = await prepareOnnxSession(asLoaded(model), { threads: 1 });
    expect(prepared.session).toBeNull();
    expect(prepared.reason).toMatch(/^OnnxExportUnsupportedError: layer "upsample" \(UpSampling2D\) cannot be compiled to ONNX: interpolation="bilinear"/);
  });
});
