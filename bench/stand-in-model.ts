// Models the bench writes itself, with untrained weights: a stand-in for the demo model while it does not exist
// (its layer stack: 56x56x1, conv 8-16-32 with pooling, dense 32, one sigmoid unit; its timings are the demo
// model's, its scores are not), and a compute-heavy model (conv 32-64-128, about 60 MFLOP per image against the
// demo's 2) for the case where the engine, not the pipeline around it, is the bottleneck.
import { writeKerasH5 } from '../server/inference/index.ts';
import { tf } from '../server/inference/runtime/tfjs.ts';

export async function writeStandInModel(file: string): Promise<void> {
  await writeConvNet(file, 'astri_demo_cnn_stand_in', [8, 16, 32], 32);
}

/** Floating-point operations per image of the heavy model, two per multiply-add: conv 1.8 + 28.9 + 28.9 MFLOP, dense 0.8. */
export const HEAVY_MODEL_MFLOP = 60.4;

export async function writeHeavyModel(file: string): Promise<void> {
  await writeConvNet(file, 'astri_heavy_cnn', [32, 64, 128], 64);
}

async function writeConvNet(file: string, name: string, filters: number[], denseUnits: number): Promise<void> {
  await tf.setBackend('cpu');
  const model = tf.sequential({ name });
  filters.forEach((count, k) => {
    model.add(tf.layers.conv2d({ ...(k === 0 ? { inputShape: [56, 56, 1] } : {}), filters: count, kernelSize: 3, activation: 'relu', padding: 'same' }));
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  });
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: denseUnits, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  await writeKerasH5(model, file);
  model.dispose();
}
