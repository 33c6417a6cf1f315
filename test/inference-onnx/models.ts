// Test models for the ONNX compiler: tfjs models with seeded weights, wrapped the way the Keras loader returns them.
import type { LoadedKerasModel } from '../../server/inference/keras-h5/load.ts';
import { OnnxSession, compileKerasToOnnx, seededUniform } from '../../server/inference/onnx/index.ts';
import { ensureBackend, tf, type LayersModel, type Tensor } from '../../server/inference/runtime/tfjs.ts';

/** Replaces every weight with seeded values: kernels in [-0.5, 0.5), BatchNorm scales and variances in [0.5, 1.5). */
export function seedWeights(model: LayersModel, seed = 1): LayersModel {
  let next = seed;
  for (const layer of model.layers) {
    const values = layer.weights.map((variable) => {
      const size = variable.shape.reduce<number>((a, b) => a * (b ?? 1), 1);
      const uniform = seededUniform(size, next++);
      const positive = /gamma|variance/.test(variable.originalName ?? variable.name);
      const data = uniform.map((u) => (positive ? 0.5 + u : u - 0.5));
      return tf.tensor(data, variable.shape as number[], 'float32');
    });
    if (values.length > 0) layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

/** The loader's result shape for a model built in the test; `kerasClassOf` renames classes as a file would. */
export function asLoaded(model: LayersModel, kerasClassOf: Record<string, string> = {}): LoadedKerasModel {
  return {
    model,
    layers: model.layers.map((layer) => ({
      name: layer.name,
      kerasClassName: kerasClassOf[layer.name] ?? layer.getClassName(),
      tfjsClassName: layer.getClassName(),
    })),
    contents: { file: `${model.name}.h5`, container: 'keras-h5', modelConfig: null, kerasVersion: null, kerasBackend: null },
  };
}

export interface Comparison {
  maxAbsDifference: number;
  /** max - min of the tfjs outputs: a comparison of constant outputs would prove nothing. */
  outputRange: number;
  outputUnits: number;
}

/** Compiles `model` (weights seeded), runs the same seeded batch through tfjs and ONNX Runtime, compares. */
export async function compileAndCompare(model: LayersModel, options: { batch?: number; inputScale?: number } = {}): Promise<Comparison> {
  await ensureBackend();
  seedWeights(model);
  const loaded = asLoaded(model);
  const session = await OnnxSession.create(compileKerasToOnnx(loaded), { threads: 1 });
  try {
    const batch = options.batch ?? 3;
    const shape = model.inputs[0].shape.slice(1) as number[];
    const input = seededUniform(batch * shape.reduce((a, b) => a * b, 1), 99).map((v) => v * (options.inputScale ?? 1));
    const inputTensor = tf.tensor(input, [batch, ...shape]);
    const outputTensor = model.predict(inputTensor) as Tensor;
    const expected = Float32Array.from(outputTensor.dataSync());
    tf.dispose([inputTensor, outputTensor]);
    const actual = await session.run(input, batch);
    let maxAbsDifference = actual.length === expected.length ? 0 : Number.POSITIVE_INFINITY;
    for (let i = 0; i < expected.length; i++) {
      const d = Math.abs(actual[i] - expected[i]);
      maxAbsDifference = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbsDifference, d);
    }
    const outputRange = Math.max(...expected) - Math.min(...expected);
    return { maxAbsDifference, outputRange, outputUnits: session.outputUnits };
  } finally {
    await session.release();
  }
}

/** Conv stack ending in Flatten: the ONNX graph must flatten in Keras's channels-last order. */
export function smallCnn(inputShape: [number, number, number], head: { units: number; activation: 'sigmoid' | 'softmax' }): LayersModel {
  return tf.sequential({
    name: 'small_cnn',
    layers: [
      tf.layers.conv2d({ inputShape, filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: head.units, activation: head.activation }),
    ],
  });
}
