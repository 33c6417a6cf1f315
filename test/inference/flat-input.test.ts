// A flat input (an MLP on H*W*C values, e.g. 784 for 28x28 digits) is fed the image's pixels in HWC order.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeModelFile, InferenceEngine, writeKerasH5 } from '../../server/inference/index.ts';
import { tf } from '../../server/inference/runtime/tfjs.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-flat-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function mlp(inputValues: number, name: string): Promise<{ file: string; model: tf.Sequential }> {
  const model = tf.sequential({ name });
  model.add(tf.layers.dense({ inputShape: [inputValues], units: 12, activation: 'relu', name: 'hidden', kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', name: 'digits', kernelInitializer: tf.initializers.randomNormal({ seed: 4 }) }));
  const file = path.join(tmp, `${name}.h5`);
  await writeKerasH5(model, file);
  return { file, model };
}

describe('flat inputs', () => {
  it('describes a 784-value MLP as a 28x28 gray image, and a 3*32*32 one as 32x32 RGB', async () => {
    expect(await describeModelFile((await mlp(784, 'gray')).file)).toMatchObject({ inputShape: [28, 28, 1], inputLayout: 'FLAT', outputKind: 'softmax', outputUnits: 10 });
    expect(await describeModelFile((await mlp(3 * 32 * 32, 'rgb')).file)).toMatchObject({ inputShape: [32, 32, 3], inputLayout: 'FLAT' });
  });

  it('refuses a vector that is no square image, saying so', async () => {
    await expect(describeModelFile((await mlp(600, 'odd')).file)).rejects.toThrow(/input shape \(None, 600\) is a vector that is no square image/);
  });

  it.each(['cpu', 'onnxruntime'] as const)('feeds the pixels in HWC order on %s, as model.predict on the flattened image', async (backend) => {
    const { file, model } = await mlp(784, `digits-${backend}`);
    const engine = await InferenceEngine.start({ modelFile: file, backend, threads: 1, preprocessing: { colorMode: 'grayscale', scale: 1 / 255, offset: 0, mean: [], std: [] } });
    try {
      const pixels = Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 37) % 256);
      const { outputs } = await engine.infer(pixels.slice(), 3);
      const expected = (model.predict(tf.tensor2d(Float32Array.from(pixels, (p) => p / 255), [3, 784])) as tf.Tensor).dataSync();
      expect(outputs).toHaveLength(30);
      outputs.forEach((value, i) => expect(Math.abs(value - expected[i])).toBeLessThan(1e-5));
    } finally {
      await engine.close();
    }
  });
});
