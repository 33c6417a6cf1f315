// Branching graphs, nested models, the layer families and .keras archives, on both backends, against the
// independent PyTorch reader (fixtures and references written by scripts/graph-fixtures.py).
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingModelConfigError, ModelFileFormatError, UnsupportedLayerConfigError, UnsupportedLayerError } from '../../server/inference/errors.ts';
import { describeModelFileHere } from '../../server/inference/keras-h5/describe.ts';
import { openForWriting, type Group } from '../../server/inference/keras-h5/hdf5.ts';
import { loadKerasH5, type LoadedKerasModel } from '../../server/inference/keras-h5/load.ts';
import { OnnxSession, compileKerasToOnnx, prepareOnnxSession } from '../../server/inference/onnx/index.ts';
import { tf, type Tensor } from '../../server/inference/runtime/tfjs.ts';
import { maxAbsDifference, PROJECT_ROOT } from './fixtures.ts';

const GRAPHS_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'graphs');
const TOLERANCE = 1e-4;

interface GraphFixture {
  name: string;
  model: string;
  description: string;
  pixelScale: number;
  inputShape: number[];
  pixels: number[][];
  outputs: Array<{ layer: string; shape: number[]; values: number[][] }>;
}

const fixtures: GraphFixture[] = readdirSync(GRAPHS_DIR)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => ({ name: file, ...(JSON.parse(readFileSync(path.join(GRAPHS_DIR, file), 'utf8')) as Omit<GraphFixture, 'name'>) }));

function inputOf(fixture: GraphFixture): Float32Array {
  return Float32Array.from(fixture.pixels.flat(), (p) => p * fixture.pixelScale);
}

const loadedModels: LoadedKerasModel[] = [];
afterAll(() => {
  for (const loaded of loadedModels) loaded.model.dispose();
});

async function load(fixture: GraphFixture, output: number): Promise<LoadedKerasModel> {
  const loaded = await loadKerasH5(path.join(PROJECT_ROOT, fixture.model), { outputName: String(output) });
  loadedModels.push(loaded);
  return loaded;
}

describe('Keras graphs on TensorFlow.js match the PyTorch reference', () => {
  for (const fixture of fixtures) {
    it(`reproduces every output of ${fixture.name} (${fixture.description})`, async () => {
      for (let output = 0; output < fixture.outputs.length; output++) {
        const loaded = await load(fixture, output);
        const x = tf.tensor(inputOf(fixture), [fixture.pixels.length, ...fixture.inputShape]);
        const y = loaded.model.predict(x) as Tensor;
        const actual = Float32Array.from(y.dataSync());
        tf.dispose([x, y]);
        expect(y.shape.slice(1)).toEqual(fixture.outputs[output].shape);
        expect(maxAbsDifference(actual, fixture.outputs[output].values.flat())).toBeLessThan(TOLERANCE);
      }
    });
  }
});

describe('Keras graphs compiled to ONNX match the PyTorch reference', () => {
  for (const fixture of fixtures) {
    it(`compiles every output of ${fixture.name}`, async () => {
      for (let output = 0; output < fixture.outputs.length; output++) {
        const loaded = await load(fixture, output);
        const session = await OnnxSession.create(compileKerasToOnnx(loaded), { threads: 1 });
        try {
          const actual = await session.run(inputOf(fixture), fixture.pixels.length);
          expect(maxAbsDifference(actual, fixture.outputs[output].values.flat())).toBeLessThan(TOLERANCE);
        } finally {
          await session.release();
        }
      }
    });
  }

  it('passes the load-time cross-check against TensorFlow.js for every fixture', async () => {
    for (const fixture of fixtures) {
      const loaded = await load(fixture, 0);
      const prepared = await prepareOnnxSession(loaded, { threads: 1 });
      expect(prepared.reason, fixture.name).toBeUndefined();
      await prepared.session?.release();
    }
  });
});

describe('describing graphs', () => {
  it('lists every output and serves the class probabilities by default', async () => {
    const description = await describeModelFileHere(path.join(GRAPHS_DIR, 'branching_keras2.h5'));
    expect(description.outputs).toEqual([
      { name: 'aux_regression', shape: [3] },
      { name: 'class_probabilities', shape: [2] },
    ]);
    expect(description).toMatchObject({ outputName: 'class_probabilities', outputKind: 'softmax', outputUnits: 2, container: 'keras-h5' });
  });

  it('serves the output the configuration names', async () => {
    const file = path.join(GRAPHS_DIR, 'branching_keras3.h5');
    expect(await describeModelFileHere(file, { outputName: 'aux_regression' })).toMatchObject({ outputName: 'aux_regression', outputKind: 'other', outputUnits: 3 });
    await expect(describeModelFileHere(file, { outputName: 'nope' })).rejects.toThrow(/the model has no output "nope"; its outputs are 0: "aux_regression", 1: "class_probabilities"/);
  });

  it('names the layers of nested models after the models they are in, and counts their parameters once', async () => {
    const description = await describeModelFileHere(path.join(GRAPHS_DIR, 'nested_shared_archive.keras'));
    expect(description.container).toBe('keras-v3');
    const names = description.layers.map((layer) => layer.name);
    expect(names).toContain('encoder/enc_conv');
    expect(names).toContain('classifier/probabilities');
    expect(names.filter((name) => name === 'encoder/enc_conv')).toHaveLength(1);
    // enc_conv 3x3x2x4 + 4, enc_bn 4 x 4, hidden 8x6 + 6, probabilities 6x2 + 2
    expect(description.parameterCount).toBe(76 + 16 + 54 + 14);
    expect(description).toMatchObject({ outputName: 'classifier/probabilities', outputKind: 'softmax' });
  });

  it('loads the Teachable Machine shape (Sequential > Sequential > Functional) with its three softmax units', async () => {
    for (const file of ['teachable_keras2.h5', 'teachable_archive.keras']) {
      const description = await describeModelFileHere(path.join(GRAPHS_DIR, file));
      expect(description).toMatchObject({ inputShape: [32, 32, 3], outputUnits: 3, outputKind: 'softmax' });
      expect(description.layers.map((layer) => layer.name)).toContain('sequential_1/mobilenetv2_0.35_32/block_1_depthwise');
    }
  });
});

describe('refusals in .keras archives name the layer and the cause', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-keras-archive-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const tensor = (name: string) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [name, 0, 0] } });
  const input = { module: 'keras.layers', class_name: 'InputLayer', name: 'image', config: { batch_shape: [null, 4, 4, 1], dtype: 'float32', name: 'image' }, inbound_nodes: [] };
  const functional = (name: string, layers: unknown[], last: string) => ({
    module: 'keras',
    class_name: 'Functional',
    registered_name: 'Functional',
    name,
    config: { name, layers, input_layers: ['image', 0, 0], output_layers: [last, 0, 0] },
  });
  const layer = (className: string, name: string, config: Record<string, unknown>, from: string) => ({
    module: 'keras.layers',
    class_name: className,
    registered_name: null,
    name,
    config: { name, ...config },
    inbound_nodes: [{ args: [tensor(from)], kwargs: {} }],
  });

  /** A .keras archive with `config` and weights `vars` ({ "layers/dense": [arrays] }), written with yazl and h5wasm. */
  async function archive(name: string, config: unknown, vars: Record<string, Array<{ shape: number[]; values: number[] }>> = {}, skip: string[] = []): Promise<string> {
    const weightsFile = path.join(tmp, `${name}.weights.h5`);
    const h5 = await openForWriting(weightsFile);
    for (const [group, arrays] of Object.entries(vars)) {
      let varsGroup = h5 as Group;
      for (const part of [...group.split('/'), 'vars']) varsGroup = varsGroup.keys().includes(part) ? (varsGroup.get(part) as Group) : varsGroup.create_group(part);
      arrays.forEach((array, i) => varsGroup.create_dataset({ name: String(i), data: Float32Array.from(array.values), shape: array.shape, dtype: '<f' }));
    }
    h5.close();
    const file = path.join(tmp, `${name}.keras`);
    const zip = new yazl.ZipFile();
    if (!skip.includes('config.json')) zip.addBuffer(Buffer.from(JSON.stringify(config)), 'config.json');
    zip.addBuffer(Buffer.from(JSON.stringify({ keras_version: '3.12.0' })), 'metadata.json');
    zip.addBuffer(skip.includes('weights') ? Buffer.from('not hdf5') : readFileSync(weightsFile), 'model.weights.h5');
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(file));
    return file;
  }

  it('refuses a Lambda layer inside a nested model, named by its path', async () => {
    const inner = functional('inner', [input, layer('Lambda', 'lambda', { function: 'x' }, 'image')], 'lambda');
    const outer = functional('outer', [input, { ...inner, inbound_nodes: [{ args: [tensor('image')], kwargs: {} }] }], 'inner');
    const error = await loadKerasH5(await archive('lambda', outer)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedLayerError);
    expect((error as Error).message).toBe('layer "inner/lambda" (Lambda) cannot be loaded: Lambda layers hold Python code');
  });

  it('refuses recurrent layers, custom classes and unimplemented options', async () => {
    const cases: Array<[unknown, new (...args: never[]) => Error, RegExp]> = [
      [layer('LSTM', 'lstm', { units: 2 }, 'image'), UnsupportedLayerError, /layer "lstm" \(LSTM\) cannot be loaded: recurrent layers are not supported/],
      [{ ...layer('Dense', 'mine', { units: 2 }, 'image'), module: 'my_project.layers', registered_name: 'MyDense' }, UnsupportedLayerError, /layer "mine" \(MyDense\) cannot be loaded: custom layer class "MyDense"/],
      [layer('Conv2D', 'conv', { filters: 2, kernel_size: [3, 3], data_format: 'channels_first' }, 'image'), UnsupportedLayerConfigError, /layer "conv" \(Conv2D\) cannot be loaded: data_format="channels_first" is not supported/],
      [layer('UpSampling2D', 'up', { size: [2, 2], interpolation: 'bicubic' }, 'image'), UnsupportedLayerConfigError, /layer "up" \(UpSampling2D\) cannot be loaded: interpolation="bicubic" is not supported/],
      [layer('Resizing', 'resize', { height: 8, width: 8, interpolation: 'bilinear' }, 'image'), UnsupportedLayerConfigError, /layer "resize" \(Resizing\) cannot be loaded: resizing from 4x4 to 8x8 is not supported/],
      [layer('MyAttention', 'attention', {}, 'image'), UnsupportedLayerError, /layer "attention" \(MyAttention\) cannot be loaded: unsupported or custom layer class/],
    ];
    for (const [bad, ErrorClass, message] of cases) {
      const name = (bad as { name: string }).name;
      const error = await loadKerasH5(await archive(`bad_${name}`, functional('model', [input, bad], name))).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(ErrorClass);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('refuses weights the model does not use, and an archive without config.json or with damaged weights', async () => {
    const dense = layer('Dense', 'dense', { units: 1, activation: 'sigmoid' }, 'flat');
    const flat = layer('Flatten', 'flat', {}, 'image');
    const config = functional('model', [input, flat, dense], 'dense');
    const weights = { 'layers/dense': [{ shape: [16, 1], values: new Array(16).fill(0.1) }, { shape: [1], values: [0] }] };
    const ok = await loadKerasH5(await archive('ok', config, weights));
    loadedModels.push(ok);
    // Random seed state (Dropout's seed_generator) and optimizer variables are not layer weights.
    const withState = { ...weights, 'layers/flatten/seed_generator': [{ shape: [2], values: [1, 2] }], optimizer: [{ shape: [1], values: [3] }] };
    loadedModels.push(await loadKerasH5(await archive('state', config, withState)));
    // tf.keras 2.13-2.15 archives name the layers' group _layer_checkpoint_dependencies.
    loadedModels.push(await loadKerasH5(await archive('tf_keras', config, { '_layer_checkpoint_dependencies/dense': weights['layers/dense'] })));
    const extra = { ...weights, 'layers/dense_1': [{ shape: [1], values: [1] }] };
    await expect(loadKerasH5(await archive('extra', config, extra))).rejects.toThrow(/the file holds 1 weight arrays for "layers\/dense_1"/);
    await expect(loadKerasH5(await archive('no_config', config, weights, ['config.json']))).rejects.toBeInstanceOf(MissingModelConfigError);
    await expect(loadKerasH5(await archive('bad_weights', config, weights, ['weights']))).rejects.toBeInstanceOf(ModelFileFormatError);
    const short = { 'layers/dense': [{ shape: [16, 1], values: new Array(16).fill(0.1) }] };
    await expect(loadKerasH5(await archive('short', config, short))).rejects.toThrow(
      /layer "dense" \(Dense\) needs 2 weight arrays \(kernel, bias\) but the file holds 1/,
    );
  });
});

