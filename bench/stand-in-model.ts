// A stand-in for the demo model while it does not exist: the same layer stack (56x56x1, conv 8-16-32 with
// pooling, dense 32, one sigmoid unit) with untrained weights. Its timings are the demo model's; its scores are not.
import { writeKerasH5 } from '../server/inference/index.ts';
import { tf } from '../server/inference/runtime/tfjs.ts';

export async function writeStandInModel(file: string): Promise<void> {
  await tf.setBackend('cpu');
  const model = tf.sequential({ name: 'astri_demo_cnn_stand_in' });
  model.add(tf.layers.conv2d({ inputShape: [56, 56, 1], filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 32, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.3 }));
  model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
  await writeKerasH5(model, file);
  model.dispose();
}
