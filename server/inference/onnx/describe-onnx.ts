// Describes a .onnx model file in the same terms as a Keras one (no layer list: ONNX graphs have nodes).
import path from 'node:path';
import { UnsupportedModelError } from '../errors.ts';
import { sha256File } from '../../util/file-hash.ts';
import { classNamesFor } from '../keras-h5/describe.ts';
import { DEFAULT_GAMMA_CLASS_INDEX, type DescribeOptions, type ModelDescription } from '../model-description.ts';
import { OnnxSession } from './session.ts';

export function isOnnxFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.onnx';
}

export async function describeOnnxSession(session: OnnxSession, file: string, options: DescribeOptions = {}): Promise<ModelDescription> {
  const units = session.outputUnits;
  const gammaClassIndex = units === 1 ? 0 : (options.gammaClassIndex ?? DEFAULT_GAMMA_CLASS_INDEX);
  if (gammaClassIndex >= units) {
    throw new UnsupportedModelError(`${path.basename(file)}: gamma class index ${gammaClassIndex} is outside the ${units} outputs; set inference.gammaClassIndex to 0..${units - 1}`);
  }
  return {
    format: 'onnx',
    inputShape: session.inputShape,
    inputLayout: session.inputLayout === 'HW' ? 'HW' : 'HWC',
    outputKind: session.outputKind,
    outputUnits: units,
    classNames: classNamesFor(session.outputKind, units, gammaClassIndex),
    gammaClassIndex,
    parameterCount: 0,
    layers: [],
    kerasVersion: null,
    kerasBackend: null,
    sha256: await sha256File(file),
  };
}

export async function describeOnnxFileHere(file: string, options: DescribeOptions = {}): Promise<ModelDescription> {
  const session = await OnnxSession.create(file, { threads: 1 });
  try {
    return await describeOnnxSession(session, file, options);
  } finally {
    await session.release();
  }
}
