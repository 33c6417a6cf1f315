// Reads the parts of a Keras model file the runtime needs: architecture, weights, versions. Two containers: legacy
// HDF5 (model.save("x.h5"), Keras 2.0 to 3.x) and Keras 3's native .keras zip (config.json, metadata.json,
// model.weights.h5); the file's first bytes decide, not its extension.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { MissingModelConfigError, ModelFileFormatError, ModelFileNotFoundError } from '../errors.ts';
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
  /**
   * keras-h5: weights per top-level layer group of `model_weights`, named; keras-v3: weights per layer path of
   * model.weights.h5 (`layers/conv2d`, `layers/functional/layers/dense_1`), in the layer's own order (`vars/0`, ...).
   */
  container: 'keras-h5' | 'keras-v3';
  /** Parsed root attribute `model_config`. */
  modelConfig: unknown;
  kerasVersion: string | null;
  kerasBackend: string | null;
  /** Weight arrays per layer group of `model_weights`, in `weight_names` order. Groups without weights are included. */
  weights: Map<string, WeightArray[]>;
}

/** Reads a .h5 or .keras model file, whichever its content is. */
export async function readKerasFile(file: string): Promise<KerasH5Contents> {
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) throw new ModelFileNotFoundError(`model file not found: ${absolute}`);
  return isZipFile(absolute) ? readKerasArchive(absolute) : readKerasH5(absolute);
}

const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export function isZipFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head.equals(ZIP_SIGNATURE);
  } finally {
    closeSync(fd);
  }
}

/** Opens a legacy HDF5 model file and reads architecture and weights; the file is closed before returning. */
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
      container: 'keras-h5',
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

/** Largest member read from a .keras archive: more is not a model this service can hold in memory. */
const MAX_ARCHIVE_MEMBER_BYTES = 2 ** 31;

/** A Keras 3 `.keras` archive: config.json (architecture), metadata.json (versions), model.weights.h5 (weights). */
export async function readKerasArchive(file: string): Promise<KerasH5Contents> {
  const absolute = path.resolve(file);
  let members: Map<string, Buffer>;
  try {
    members = await readZipMembers(absolute, new Set(['config.json', 'metadata.json', 'model.weights.h5']));
  } catch (error) {
    throw new ModelFileFormatError(`${absolute} cannot be read as a .keras archive: ${(error as Error).message}`);
  }
  const configBytes = members.get('config.json');
  if (!configBytes) {
    throw new MissingModelConfigError(`${absolute} is a zip without config.json, so there is no architecture to load; save the model with model.save("model.keras")`);
  }
  const weightBytes = members.get('model.weights.h5');
  if (!weightBytes) throw new ModelFileFormatError(`${absolute} has no model.weights.h5; save the model with model.save("model.keras")`);
  const modelConfig = parseJson(configBytes, `${absolute}: config.json`);
  const metadata = members.has('metadata.json') ? parseJson(members.get('metadata.json')!, `${absolute}: metadata.json`) : {};
  const meta = typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
  // h5wasm opens files by path: the weights go to a private temporary file for the time of the read.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'astri-keras-'));
  const weightsFile = path.join(dir, 'model.weights.h5');
  try {
    writeFileSync(weightsFile, weightBytes);
    const h5 = await openForReading(weightsFile).catch((error: unknown) => {
      throw new ModelFileFormatError(`${absolute}: model.weights.h5 ${(error as Error).message.replace(weightsFile, '').trim()}`);
    });
    try {
      return {
        file: absolute,
        container: 'keras-v3',
        modelConfig,
        kerasVersion: typeof meta.keras_version === 'string' ? meta.keras_version : '3',
        kerasBackend: null,
        weights: readVarsGroups(h5, absolute),
      };
    } finally {
      h5.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every group holding a `vars` group, by path without `/vars`, its datasets in index order. */
function readVarsGroups(root: Group, file: string): Map<string, WeightArray[]> {
  const out = new Map<string, WeightArray[]>();
  const walk = (group: Group, prefix: string): void => {
    for (const key of group.keys()) {
      const child = group.get(key);
      if (!isGroup(child)) continue;
      const childPath = prefix ? `${prefix}/${key}` : key;
      if (key === 'vars') {
        const indices = child.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
        out.set(
          prefix,
          indices.map((index) => {
            const dataset = child.get(index);
            if (!isDataset(dataset)) throw new ModelFileFormatError(`${file}: ${childPath}/${index} is not a dataset`);
            try {
              return { name: `${childPath}/${index}`, ...readFloatDataset(dataset) };
            } catch (error) {
              throw new ModelFileFormatError(`${file}: weight "${childPath}/${index}" ${(error as Error).message}`);
            }
          }),
        );
      } else if (childPath !== 'optimizer' && !childPath.startsWith('optimizer/')) {
        walk(child, childPath);
      }
    }
  };
  walk(root, '');
  return out;
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new ModelFileFormatError(`${what} is not valid JSON (${(error as Error).message})`);
  }
}

/** Reads the wanted members of a zip into memory (their names are matched exactly, never used as paths). */
function readZipMembers(file: string, wanted: Set<string>): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (openError, zip) => {
      if (openError || !zip) return reject(openError ?? new Error('cannot open'));
      const out = new Map<string, Buffer>();
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!wanted.has(entry.fileName)) return zip.readEntry();
        if (entry.uncompressedSize > MAX_ARCHIVE_MEMBER_BYTES) return reject(new Error(`${entry.fileName} is larger than 2 GiB`));
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error(`cannot read ${entry.fileName}`));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            out.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
