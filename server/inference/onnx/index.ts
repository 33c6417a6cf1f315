// The ONNX Runtime path: compile a loaded Keras model to ONNX, check it against TensorFlow.js, run it.
export { compileKerasToOnnx, ONNX_EXPORTABLE_LAYERS } from './compile-keras.ts';
export { OnnxExportUnsupportedError } from './errors.ts';
export {
  OnnxSession,
  describeOnnxFile,
  detectInputLayout,
  type OnnxFileDescription,
  type OnnxInputLayout,
  type OnnxOutputKind,
  type OnnxSessionOptions,
} from './session.ts';
export { verifyAgainstTfjs, seededUniform, type VerifyOptions, type VerifyResult } from './verify.ts';
export { prepareOnnxSession, type OnnxPreparation } from './prepare.ts';
