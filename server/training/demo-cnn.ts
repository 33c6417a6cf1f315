// The demo classifier's architecture: a small Keras-style CNN, 56x56x1 pixels in [0, 1] -> gammaness (sigmoid),
// or class probabilities (softmax) for a multi-class demo.
import { tf, type LayersModel } from '../inference/runtime/tfjs.ts';
import { CAMERA_HEIGHT, CAMERA_WIDTH } from '../data/demo/camera.ts';

export const DEMO_MODEL_NAME = 'astri_demo_cnn';
export const DEMO_INPUT_SHAPE: readonly [number, number, number] = [CAMERA_HEIGHT, CAMERA_WIDTH, 1];

export interface DemoCnnOptions {
  /** Seeds the weight initializers, so one seed gives one starting point. */
  seed: number;
  /** Dropout rate before the output unit. Default 0.3. */
  dropoutRate?: number;
  /** 1 (default): one sigmoid unit, the gammaness; K >= 2: K softmax units, one per class. */
  outputUnits?: number;
  /** Keras model name. Default DEMO_MODEL_NAME. */
  name?: string;
}

/**
 * conv(8) -> pool -> conv(16) -> pool -> conv(32) -> pool -> dense(32) -> dropout -> dense(1, sigmoid) or dense(K, softmax).
 * Layer names are those Keras gives a fresh Sequential model, so the saved .h5 reads like one Keras wrote.
 * No Rescaling layer: the server scales pixels by inference.pixelScale (1/255) before the model.
 */
export function buildDemoCnn(options: DemoCnnOptions): LayersModel {
  const { seed, dropoutRate = 0.3, outputUnits = 1, name = DEMO_MODEL_NAME } = options;
  if (!Number.isInteger(outputUnits) || outputUnits < 1) throw new RangeError(`outputUnits must be a positive integer, got ${outputUnits}`);
  let initializerSeed = seed;
  const kernelInitializer = () => tf.initializers.glorotUniform({ seed: initializerSeed++ });
  const conv = (layerName: string, filters: number, extra: { inputShape?: number[] } = {}) =>
    tf.layers.conv2d({ name: layerName, filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: kernelInitializer(), ...extra });
  const model = tf.sequential({ name });
  model.add(conv('conv2d', 8, { inputShape: [...DEMO_INPUT_SHAPE] }));
  model.add(tf.layers.maxPooling2d({ name: 'max_pooling2d', poolSize: 2 }));
  model.add(conv('conv2d_1', 16));
  model.add(tf.layers.maxPooling2d({ name: 'max_pooling2d_1', poolSize: 2 }));
  model.add(conv('conv2d_2', 32));
  model.add(tf.layers.maxPooling2d({ name: 'max_pooling2d_2', poolSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'dense', units: 32, activation: 'relu', kernelInitializer: kernelInitializer() }));
  // Unseeded on purpose: a seeded tfjs Dropout draws the same mask for every batch.
  model.add(tf.layers.dropout({ name: 'dropout', rate: dropoutRate }));
  const activation = outputUnits === 1 ? 'sigmoid' : 'softmax';
  model.add(tf.layers.dense({ name: 'dense_1', units: outputUnits, activation, kernelInitializer: kernelInitializer() }));
  return model;
}
