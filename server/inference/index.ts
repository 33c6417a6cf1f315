// The model runtime's public surface: describe a model file, run an inference engine, save a tfjs model as Keras .h5.
// Importing it is cheap: TensorFlow.js and the HDF5 library load in worker threads, or on first use of writeKerasH5.
import type { LayersModel } from '@tensorflow/tfjs';
import type { WriteKerasH5Options } from './keras-h5/write.ts';
export { describeModelFile } from './describe-model-file.ts';
export type { DescribeOptions, LayerDescription, ModelDescription, OutputDescription, OutputKind } from './model-description.ts';
export { InferenceEngine } from './engine.ts';
export type { InferenceEngineOptions, InferenceResult } from './engine.ts';
export { FairQueue } from './fair-queue.ts';
export type { Lane } from './fair-queue.ts';
export { BACKEND_REQUESTS } from './runtime/backend-info.ts';
export type { BackendInfo, BackendName, BackendRequest, Threading, ThreadVariant } from './runtime/backend-info.ts';
export type { WriteKerasH5Options } from './keras-h5/write.ts';
export {
  BackendUnavailableError,
  InferenceError,
  InferenceInputError,
  InferenceWorkerError,
  MissingModelConfigError,
  ModelFileFormatError,
  ModelFileNotFoundError,
  UnsupportedLayerConfigError,
  UnsupportedLayerError,
  UnsupportedModelError,
  WeightMismatchError,
} from './errors.ts';

/**
 * Writes a TensorFlow.js model as a Keras 2 style .h5 file (model_config, model_weights, keras_version, backend)
 * that this runtime and Keras itself can load.
 */
export async function writeKerasH5(model: LayersModel, file: string, options: WriteKerasH5Options = {}): Promise<void> {
  const writer = await import('./keras-h5/write.ts');
  return writer.writeKerasH5(model, file, options);
}
