// Saves a TensorFlow.js model in the layout Keras 2 writes for model.save("x.h5"), so Keras and this runtime read it.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tf, type LayersModel } from '../runtime/tfjs.ts';
import { openForWriting, type Group } from './hdf5.ts';

export interface WriteKerasH5Options {
  /** Stored as `keras_version`; by default the tfjs-layers version that produced the file. */
  kerasVersion?: string;
}

/**
 * Writes `model` to `file`: root attributes `model_config` (JSON), `keras_version`, `backend`; group `model_weights`
 * with `layer_names`, and per layer a group whose `weight_names` point at datasets `<layer>/<layer>/<weight>:0`.
 * The file is written next to its destination and renamed into place, so readers never see half a file.
 */
export async function writeKerasH5(model: LayersModel, file: string, options: WriteKerasH5Options = {}): Promise<void> {
  const target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  const kerasVersion = options.kerasVersion ?? `tfjs-layers ${tf.version_layers}`;
  // Weights follow TensorFlow's conventions (HWIO kernels), which is what Keras reads for backend "tensorflow".
  const backend = 'tensorflow';
  const topology = model.toJSON(null, false) as unknown as { class_name: string; config: unknown };
  const h5 = await openForWriting(partial);
  try {
    h5.create_attribute('keras_version', kerasVersion);
    h5.create_attribute('backend', backend);
    h5.create_attribute('model_config', JSON.stringify({ class_name: topology.class_name, config: topology.config }));
    const root = h5.create_group('model_weights');
    const layers = model.layers;
    writeStringList(root, 'layer_names', layers.map((layer) => layer.name));
    root.create_attribute('backend', backend);
    root.create_attribute('keras_version', kerasVersion);
    for (const layer of layers) {
      const group = root.create_group(layer.name);
      const weightNames: string[] = [];
      // getWeights() hands out the variables' own tensors: read them, never dispose them.
      const values = layer.getWeights();
      layer.weights.forEach((variable, i) => {
        const shortName = variable.originalName.split('/').at(-1) ?? variable.originalName;
        const weightName = `${layer.name}/${shortName}:0`;
        weightNames.push(weightName);
        const inner = group.keys().includes(layer.name) ? (group.get(layer.name) as Group) : group.create_group(layer.name);
        inner.create_dataset({
          name: `${shortName}:0`,
          data: values[i].dataSync() as Float32Array,
          shape: variable.shape as number[],
          dtype: '<f',
        });
      });
      writeStringList(group, 'weight_names', weightNames);
    }
  } catch (error) {
    h5.close();
    rmSync(partial, { force: true });
    throw error;
  }
  h5.close();
  if (existsSync(target)) rmSync(target);
  renameSync(partial, target);
}

/** Keras stores name lists as fixed-length byte strings, and an empty list as an empty float array. */
function writeStringList(group: Group, name: string, values: string[]): void {
  if (values.length === 0) {
    group.create_attribute(name, new Float64Array(0), [0], '<d');
    return;
  }
  const width = Math.max(1, ...values.map((v) => Buffer.byteLength(v, 'utf8')));
  group.create_attribute(name, values, [values.length], `S${width}`);
}
