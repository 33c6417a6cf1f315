// Graph models through the whole engine: worker threads, the backend chosen, the served output.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InferenceEngine } from '../../server/inference/index.ts';
import { maxAbsDifference, PROJECT_ROOT } from './fixtures.ts';

const GRAPHS_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'graphs');

interface GraphFixture {
  model: string;
  pixels: number[][];
  outputs: Array<{ values: number[][] }>;
}

function fixture(name: string): GraphFixture {
  return JSON.parse(readFileSync(path.join(GRAPHS_DIR, name), 'utf8')) as GraphFixture;
}

const engines: InferenceEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((engine) => engine.close()));
});

describe('InferenceEngine on Keras graphs', () => {
  it('serves a .keras Teachable-Machine-shaped model on ONNX Runtime, checked against TensorFlow.js at load', async () => {
    const teachable = fixture('teachable_archive.json');
    const engine = await InferenceEngine.start({ modelFile: path.join(PROJECT_ROOT, teachable.model), backend: 'onnxruntime', threads: 1, preprocessing: { colorMode: 'grayscale', scale: 1 / 255, offset: 0, mean: [], std: [] } });
    engines.push(engine);
    expect(engine.backend.name).toBe('onnxruntime');
    expect(engine.description).toMatchObject({ container: 'keras-v3', outputUnits: 3 });
    const result = await engine.infer(Uint8Array.from(teachable.pixels.flat()), teachable.pixels.length);
    expect(maxAbsDifference(result.outputs, teachable.outputs[0].values.flat())).toBeLessThan(1e-4);
  });

  it('computes the operations the loader implements itself on the wasm backend too', async () => {
    for (const name of ['teachable_keras2.json', 'odds_and_ends_keras2.json', 'layer_families_keras2.json']) {
      const graph = fixture(name);
      const engine = await InferenceEngine.start({ modelFile: path.join(PROJECT_ROOT, graph.model), backend: 'wasm', threads: 1, preprocessing: { colorMode: 'grayscale', scale: 1 / 255, offset: 0, mean: [], std: [] } });
      engines.push(engine);
      expect(engine.backend.name).toBe('wasm');
      const result = await engine.infer(Uint8Array.from(graph.pixels.flat()), graph.pixels.length);
      expect(maxAbsDifference(result.outputs, graph.outputs[0].values.flat()), name).toBeLessThan(1e-4);
    }
  });

  it('serves the output named in the options of a two-output model', async () => {
    const branching = fixture('branching_keras3.json');
    const engine = await InferenceEngine.start({
      modelFile: path.join(PROJECT_ROOT, branching.model),
      backend: 'cpu',
      threads: 1,
      preprocessing: { colorMode: 'grayscale', scale: 1 / 255, offset: 0, mean: [], std: [] },
      outputName: 'aux_regression',
    });
    engines.push(engine);
    expect(engine.description).toMatchObject({ outputName: 'aux_regression', outputUnits: 3 });
    const result = await engine.infer(Uint8Array.from(branching.pixels.flat()), branching.pixels.length);
    expect(maxAbsDifference(result.outputs, branching.outputs[0].values.flat())).toBeLessThan(1e-4);
  });
});
