// Domain errors of the model runtime. Each names the file, layer or setting at fault so a user can act on it;
// the worker sends {name, message} back to the main thread, where `reviveInferenceError` restores the class.

/** Base class: every error this module throws on purpose is an InferenceError. */
export class InferenceError extends Error {
  override name = 'InferenceError';
}

/** The model file does not exist or cannot be read. */
export class ModelFileNotFoundError extends InferenceError {
  override name = 'ModelFileNotFoundError';
}

/** The file is not HDF5 at all, or HDF5 that cannot be opened (truncated, damaged). */
export class ModelFileFormatError extends InferenceError {
  override name = 'ModelFileFormatError';
}

/** HDF5 without a `model_config` attribute: weights only, or not a Keras model. */
export class MissingModelConfigError extends InferenceError {
  override name = 'MissingModelConfigError';
}

/** A Lambda layer, a custom layer, or a layer class this runtime does not implement. */
export class UnsupportedLayerError extends InferenceError {
  override name = 'UnsupportedLayerError';
}

/** A supported layer class with a setting this runtime cannot honour (channels_first, groups > 1, ...). */
export class UnsupportedLayerConfigError extends InferenceError {
  override name = 'UnsupportedLayerConfigError';
}

/** The model as a whole cannot be served: several inputs/outputs, an input without fixed size, ... */
export class UnsupportedModelError extends InferenceError {
  override name = 'UnsupportedModelError';
}

/** Weights in the file do not fit the architecture: wrong shape, missing, or left over. */
export class WeightMismatchError extends InferenceError {
  override name = 'WeightMismatchError';
}

/** A requested execution backend cannot be used here. */
export class BackendUnavailableError extends InferenceError {
  override name = 'BackendUnavailableError';
}

/** A batch handed to the engine does not fit the model (wrong byte count), or the engine is closed. */
export class InferenceInputError extends InferenceError {
  override name = 'InferenceInputError';
}

/** The worker thread died or the engine was closed while batches were pending. */
export class InferenceWorkerError extends InferenceError {
  override name = 'InferenceWorkerError';
}

const ERROR_CLASSES: Record<string, new (message: string) => InferenceError> = {
  InferenceError,
  ModelFileNotFoundError,
  ModelFileFormatError,
  MissingModelConfigError,
  UnsupportedLayerError,
  UnsupportedLayerConfigError,
  UnsupportedModelError,
  WeightMismatchError,
  BackendUnavailableError,
  InferenceInputError,
  InferenceWorkerError,
};

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/** Rebuilds an error sent from a worker as its own class, so `instanceof` works on the main thread. */
export function reviveInferenceError(serialized: SerializedError): Error {
  const Class = ERROR_CLASSES[serialized.name];
  // An unexpected error from deep inside a library keeps its message but is wrapped so callers see our type.
  const error = Class ? new Class(serialized.message) : new InferenceError(`${serialized.name}: ${serialized.message}`);
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

/** Describes a Keras layer the way every message here names it: layer "conv2d_1" (Conv2D). */
export function layerLabel(name: string, className: string): string {
  return `layer "${name}" (${className})`;
}
