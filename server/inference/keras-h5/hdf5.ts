// Thin, typed access to HDF5 through h5wasm: opening with clear errors, Keras-style string attributes, float arrays.
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import type { Dataset, Group, File as H5File } from 'h5wasm';
import { ModelFileFormatError, ModelFileNotFoundError } from '../errors.ts';

export type { Dataset, Group, H5File };

let ready: Promise<void> | undefined;

/** Loads the HDF5 wasm module once. HDF5's own diagnostics are turned into exceptions instead of stderr noise. */
export function h5Ready(): Promise<void> {
  ready ??= h5wasm.ready.then((module) => {
    module.activate_throwing_error_handler();
  });
  return ready;
}

export function isGroup(entity: unknown): entity is Group {
  return entity instanceof h5wasm.Group;
}

export function isDataset(entity: unknown): entity is Dataset {
  return entity instanceof h5wasm.Dataset;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Opens an HDF5 file for reading; `file` must exist. Errors name the file and the cause. */
export async function openForReading(file: string): Promise<H5File> {
  await h5Ready();
  const absolute = path.resolve(file);
  if (!existsSync(absolute) || !statSync(absolute).isFile()) {
    throw new ModelFileNotFoundError(`model file not found: ${absolute}`);
  }
  try {
    return new h5wasm.File(absolute, 'r');
  } catch (error) {
    throw new ModelFileFormatError(`${absolute} cannot be opened as HDF5: ${hdf5Cause(error, absolute)}`);
  }
}

/** Creates (truncating) an HDF5 file for writing. */
export async function openForWriting(file: string): Promise<H5File> {
  await h5Ready();
  return new h5wasm.File(path.resolve(file), 'w');
}

/** Turns HDF5's error stack into one sentence a user can act on. */
function hdf5Cause(error: unknown, file: string): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/file signature not found/.test(text) || !hasHdf5Signature(file)) {
    return 'not an HDF5 file (no HDF5 signature); a Keras model must be saved with model.save("model.h5")';
  }
  const truncated = /truncated file: eof = (\d+).*stored_eof = (\d+)/.exec(text);
  if (truncated) {
    return `the file is truncated (${truncated[1]} of ${truncated[2]} bytes); copy or download it again`;
  }
  // The innermost "minor:" line of the HDF5 error stack is the most specific.
  const minors = [...text.matchAll(/minor: ([^\n]+)/g)].map((m) => m[1].trim());
  const innermost = [...text.matchAll(/in [A-Za-z0-9_]+\(\): ([^\n]+)/g)].map((m) => m[1].trim());
  return innermost.at(-1) ?? minors.at(-1) ?? text.split('\n')[0];
}

/** HDF5 puts its signature at offset 0 or after a user block of 512 * 2^n bytes. */
function hasHdf5Signature(file: string): boolean {
  try {
    const bytes = readHead(file, 8192);
    for (let offset = 0; offset + 8 <= bytes.length; offset = offset === 0 ? 512 : offset * 2) {
      if (bytes.subarray(offset, offset + 8).equals(HDF5_SIGNATURE)) return true;
    }
  } catch {
    // unreadable: report as not HDF5
  }
  return false;
}

function readHead(file: string, length: number): Buffer {
  // Small synchronous read: only called on the error path.
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** Attribute names present on a group or file. */
export function attributeNames(object: Group): string[] {
  return Object.keys(object.attrs);
}

/** Reads a scalar string attribute (fixed-length bytes or variable-length UTF-8); null when absent. */
export function readStringAttribute(object: Group, name: string): string | null {
  if (!attributeNames(object).includes(name)) return null;
  const value = object.attrs[name].value;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string') return value[0];
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return value == null ? null : String(value);
}

/**
 * Reads a list-of-strings attribute the way Keras stores it: one attribute, or when it exceeds HDF5's
 * 64 KiB attribute limit, chunks `name0`, `name1`, ... An empty list is stored as a float array of length 0.
 */
export function readStringListAttribute(object: Group, name: string): string[] | null {
  const names = attributeNames(object);
  if (names.includes(name)) return toStringList(object.attrs[name].value);
  if (!names.includes(`${name}0`)) return null;
  const out: string[] = [];
  for (let chunk = 0; names.includes(`${name}${chunk}`); chunk++) out.push(...toStringList(object.attrs[`${name}${chunk}`].value));
  return out;
}

function toStringList(value: unknown): string[] {
  if (value == null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.map((v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v)));
  if (ArrayBuffer.isView(value) && (value as unknown as ArrayLike<number>).length === 0) return [];
  return [String(value)];
}

/**
 * A dataset's values as float32 with its shape; float64 is converted, and so are integers (Keras stores a
 * Normalization layer's sample `count` as an int64 scalar).
 */
export function readFloatDataset(dataset: Dataset): { shape: number[]; values: Float32Array } {
  const shape = dataset.shape ?? [];
  const meta = dataset.metadata;
  if (meta.type !== 1 && meta.type !== 0) throw new Error(`holds ${String(dataset.dtype)}, not numbers`);
  // h5wasm cannot decode half floats; Keras writes them only for models built with dtype float16.
  if (meta.type === 1 && meta.size === 2) throw new Error('holds float16 values, which cannot be read; save the model with float32 weights');
  const value = dataset.value as unknown;
  if (value instanceof Float32Array) return { shape, values: value };
  if (typeof value === 'number') return { shape, values: Float32Array.of(value) };
  if (typeof value === 'bigint') return { shape, values: Float32Array.of(Number(value)) };
  if (value instanceof BigInt64Array || value instanceof BigUint64Array) return { shape, values: Float32Array.from(value, (v) => Number(v)) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return { shape, values: Float32Array.from(value as unknown as ArrayLike<number>) };
  throw new Error(`has an unsupported number type ${String(dataset.dtype)}`);
}
