// Reads the parts of a Keras legacy HDF5 file (model.save("x.h5")) the runtime needs: architecture, weights, versions.
import path from 'node:path';
import { MissingModelConfigError, ModelFileFormatError } from '../errors.ts';
import {
  attributeNames,
  isDataset,
  isGroup,
  openForReading,
  readFloatDataset,
  readStringAttribute,
  readStringListAttribute,
  type Group,
} from './hdf5.ts';

export interface WeightArray {
  /** Name as listed in the layer group's `weight_names`, e.g. "conv2d/kernel:0" or "sequential/conv2d/kernel". */
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface KerasH5Contents {
  file: string;
  /** Parsed root attribute `model_config`. */
  modelConfig: unknown;
  kerasVersion: string | null;
  kerasBackend: string | null;
  /** Weight arrays per layer group of `model_weights`, in `weight_names` order. Groups without weights are included. */
  weights: Map<string, WeightArray[]>;
}

/** Opens `file` and reads architecture and weights; the file is closed before returning. */
export async function readKerasH5(file: string): Promise<KerasH5Contents> {
  const absolute = path.resolve(file);
  const h5 = await openForReading(absolute);
  try {
    const configText = readStringAttribute(h5, 'model_config');
    if (configText == null) {
      const attributes = attributeNames(h5);
      const hint = attributes.includes('layer_names')
        ? 'it holds weights only (written by model.save_weights)'
        : `it is not a Keras model file (root attributes: ${list(attributes)}; groups: ${list(h5.keys())})`;
      throw new MissingModelConfigError(
        `${absolute} has no "model_config" attribute, so there is no architecture to load: ${hint}; save the whole model with model.save("model.h5")`,
      );
    }
    let modelConfig: unknown;
    try {
      modelConfig = JSON.parse(configText);
    } catch (error) {
      throw new ModelFileFormatError(`${absolute}: "model_config" is not valid JSON (${(error as Error).message})`);
    }
    const weightsRoot = h5.keys().includes('model_weights') ? h5.get('model_weights') : null;
    if (!isGroup(weightsRoot)) {
      throw new ModelFileFormatError(`${absolute} has a model_config but no "model_weights" group; save it with model.save("model.h5")`);
    }
    return {
      file: absolute,
      modelConfig,
      kerasVersion: readStringAttribute(h5, 'keras_version') ?? readStringAttribute(weightsRoot, 'keras_version'),
      kerasBackend: readStringAttribute(h5, 'backend') ?? readStringAttribute(weightsRoot, 'backend'),
      weights: readWeightGroups(weightsRoot, absolute),
    };
  } finally {
    h5.close();
  }
}

function readWeightGroups(root: Group, file: string): Map<string, WeightArray[]> {
  // `layer_names` lists the layers Keras saved, in order; groups not listed (Keras 3's top_level_model_weights)
  // are read too so that a weight nobody uses is noticed rather than silently dropped.
  const listed = readStringListAttribute(root, 'layer_names') ?? [];
  const present = root.keys();
  const names = [...listed, ...present.filter((key) => !listed.includes(key))];
  const out = new Map<string, WeightArray[]>();
  for (const layerName of names) {
    const group = present.includes(layerName) ? root.get(layerName) : null;
    if (!isGroup(group)) {
      throw new ModelFileFormatError(`${file}: model_weights lists layer "${layerName}" but has no group for it`);
    }
    const weightNames = readStringListAttribute(group, 'weight_names') ?? [];
    out.set(
      layerName,
      weightNames.map((weightName) => {
        const dataset = group.get(weightName);
        if (!isDataset(dataset)) {
          throw new ModelFileFormatError(`${file}: weight "${weightName}" of layer "${layerName}" is listed but missing`);
        }
        try {
          const { shape, values } = readFloatDataset(dataset);
          return { name: weightName, shape, values };
        } catch (error) {
          throw new ModelFileFormatError(`${file}: weight "${weightName}" of layer "${layerName}" ${(error as Error).message}`);
        }
      }),
    );
  }
  return out;
}

function list(names: string[]): string {
  return names.length === 0 ? 'none' : names.slice(0, 8).join(', ') + (names.length > 8 ? ', ...' : '');
}
