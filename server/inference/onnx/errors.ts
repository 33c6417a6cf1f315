// Errors of the ONNX path. An export refusal is expected (the caller falls back to TensorFlow.js), so it names
// the layer and the setting that stopped it.
import { InferenceError } from '../errors.ts';

/** A layer class, a layer setting or a model shape the Keras-to-ONNX compiler does not translate. */
export class OnnxExportUnsupportedError extends InferenceError {
  override name = 'OnnxExportUnsupportedError';
}
