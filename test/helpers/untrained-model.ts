// A small untrained gamma/proton CNN (56x56x1, seeded weights): a second model to compare the demo model with.
export async function writeUntrainedModel(file: string): Promise<void> {
  // Loaded on demand: TensorFlow.js is heavy for the callers that never need it.
  const { tf } = await import('../../server/inference/runtime/tfjs.ts');
  const { writeKerasH5 } = await import('../../server/inference/index.ts');
  const model = tf.sequential({ name: 'untrained' });
  model.add(tf.layers.conv2d({ inputShape: [56, 56, 1], filters: 2, kernelSize: 5, strides: 4, activation: 'relu', name: 'conv2d', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', name: 'dense', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }));
  await writeKerasH5(model, file);
}
