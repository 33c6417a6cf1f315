// Describes a .onnx model file in the same terms as a Keras one (no layer list: ONNX graphs have nodes).
import path from 'node:path';
import { sha256File } from '../../util/file-hash.ts';
import type { ModelDescription } from '../model-description.ts';
import { OnnxSession } from './session.ts';

export function isOnnxFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.onnx';
}

export async function describeOnnxSession(session: OnnxSession, file: string): Promise<ModelDescription> {
  return {
    format: 'onnx',
    inputShape: session.inputShape,
    inputLayout: session.inputLayout === 'HW' || session.inputLayout === 'FLAT' ? session.inputLayout : 'HWC',
    outputKind: session.outputKind,
    outputUnits: session.outputUnits,
    parameterCount: 0,
    layers: [],
    kerasVersion: null,
    kerasBackend: null,
    sha256: await sha256File(file),
  };
}

export async function describeOnnxFileHere(file: string): Promise<ModelDescription> {
  const session = await OnnxSession.create(file, { threads: 1 });
  try {
    return await describeOnnxSession(session, file);
  } finally {
    await session.release();
  }
}
