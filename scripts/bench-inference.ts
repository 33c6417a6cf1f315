// Prints images per second of InferenceEngine (worker threads, batches of 8-bit pixels in, gammaness out) for
// one small CNN (56x56x1: conv16-pool-conv32-pool-dense64-dense1, the shape of scripts/bench-raw-model.ts),
// saved to .h5 with writeKerasH5 and loaded back, on each TensorFlow.js backend and worker count.
//
//   node --import tsx scripts/bench-inference.ts [--batch 256] [--iterations 6] [--backends wasm,cpu] [--threads 1,2] [--model FILE]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceEngine, writeKerasH5, type BackendRequest } from '../server/inference/index.ts';
import { tf } from '../server/inference/runtime/tfjs.ts';

const { values } = parseArgs({
  options: {
    batch: { type: 'string', default: '256' },
    iterations: { type: 'string', default: '6' },
    backends: { type: 'string', default: 'wasm,cpu' },
    threads: { type: 'string', default: `1,${os.availableParallelism()}` },
    model: { type: 'string' },
  },
});
const batch = Number(values.batch);
const iterations = Number(values.iterations);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-bench-'));
let modelFile = values.model;
if (!modelFile) {
  await tf.setBackend('cpu');
  const model = tf.sequential({
    name: 'bench_cnn',
    layers: [
      tf.layers.conv2d({ inputShape: [56, 56, 1], filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid' }),
    ],
  });
  modelFile = path.join(tmp, 'bench_cnn.h5');
  await writeKerasH5(model, modelFile);
}

console.log(`model ${values.model ?? 'bench_cnn (56x56x1, conv16-pool-conv32-pool-dense64-dense1)'}, batch ${batch}, ${iterations} timed batches, ${os.availableParallelism()} cores`);
try {
  for (const backend of values.backends.split(',') as BackendRequest[]) {
    for (const threads of values.threads.split(',').map(Number)) {
      const engine = await InferenceEngine.start({ modelFile, backend, threads, pixelScale: 1 / 255, gammaClassIndex: 1 });
      const [h, w, c] = engine.description.inputShape;
      const pixels = new Uint8Array(batch * h * w * c);
      for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
      await engine.infer(pixels, batch); // first full-size batch allocates; not timed
      const started = performance.now();
      for (let i = 0; i < iterations; i++) await engine.infer(pixels, batch);
      const seconds = (performance.now() - started) / 1000;
      const imagesPerSecond = (batch * iterations) / seconds;
      console.log(
        `${engine.backend.name.padEnd(5)} workers ${String(engine.backend.threads).padStart(2)}: ${imagesPerSecond.toFixed(0).padStart(6)} images/s (${((seconds * 1000) / iterations).toFixed(0)} ms per batch)  [${engine.backend.device}]`,
      );
      await engine.close();
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
