// Prints images per second of one small CNN (56x56x1: conv16-pool-conv32-pool-dense64-dense1) on TensorFlow.js
// and on ONNX Runtime (the model compiled by server/inference/onnx), same weights, same batch, this thread only.
//
//   npx tsx scripts/bench-raw-model.ts [--batch 256] [--iterations 8] [--threads 2] [--tfjs-backend auto|wasm|cpu]
import { parseArgs } from 'node:util';
import type { LoadedKerasModel } from '../server/inference/keras-h5/load.ts';
import { OnnxSession, compileKerasToOnnx, seededUniform, verifyAgainstTfjs } from '../server/inference/onnx/index.ts';
import { activateBackend } from '../server/inference/runtime/backends.ts';
import { tf, type Tensor } from '../server/inference/runtime/tfjs.ts';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '256' },
    iterations: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    'tfjs-backend': { type: 'string', default: 'auto' },
  },
});
const batch = Number(values.batch);
const iterations = Number(values.iterations);
const threads = Number(values.threads);
const SHAPE = [56, 56, 1] as const;

const backend = await activateBackend(values['tfjs-backend'] as 'auto' | 'wasm' | 'cpu', 1);
const model = tf.sequential({
  name: 'bench_cnn',
  layers: [
    tf.layers.conv2d({ inputShape: [...SHAPE], filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 64, activation: 'relu' }),
    tf.layers.dense({ units: 1, activation: 'sigmoid' }),
  ],
});
const loaded: LoadedKerasModel = {
  model,
  layers: model.layers.map((layer) => ({ name: layer.name, kerasClassName: layer.getClassName(), tfjsClassName: layer.getClassName() })),
  contents: { file: 'bench_cnn', modelConfig: null, kerasVersion: null, kerasBackend: null },
};
const input = seededUniform(batch * SHAPE[0] * SHAPE[1] * SHAPE[2], 42);

async function timeIt(label: string, runBatch: () => Promise<unknown>): Promise<void> {
  await runBatch(); // warm-up: kernel compilation, memory arenas
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await runBatch();
  const elapsedMs = performance.now() - started;
  const imagesPerSecond = (batch * iterations) / (elapsedMs / 1000);
  console.log(`${label.padEnd(44)} ${imagesPerSecond.toFixed(0).padStart(8)} images/s  (${(elapsedMs / iterations).toFixed(1)} ms per batch of ${batch})`);
}

console.log(`small CNN 56x56x1, ${model.countParams()} parameters, batch ${batch}, ${iterations} timed batches`);
await timeIt(`tfjs ${backend.name}`, async () => {
  const x = tf.tensor(input, [batch, ...SHAPE]);
  const y = model.predict(x) as Tensor;
  await y.data();
  tf.dispose([x, y]);
});

const onnxBytes = compileKerasToOnnx(loaded);
for (const sessionThreads of [...new Set([1, threads])]) {
  const session = await OnnxSession.create(onnxBytes, { threads: sessionThreads });
  const check = await verifyAgainstTfjs(loaded, session, { batch: 8 });
  await timeIt(`onnxruntime ${sessionThreads} thread(s) (max |diff| ${check.maxAbsDifference.toExponential(1)})`, () => session.run(input, batch));
  await session.release();
}
