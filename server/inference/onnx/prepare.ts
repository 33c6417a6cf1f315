// The load-time decision for a Keras model: compile it to ONNX, open it in ONNX Runtime, check it against
// TensorFlow.js; any step that fails leaves a reason and the caller serves with TensorFlow.js instead.
import type { LoadedKerasModel } from '../keras-h5/load.ts';
import { compileKerasToOnnx } from './compile-keras.ts';
import { OnnxSession } from './session.ts';
import { verifyAgainstTfjs, type VerifyOptions } from './verify.ts';

export type OnnxPreparation =
  | { session: OnnxSession; maxAbsDifference: number; reason?: undefined; /** The compiled model, for more sessions. */ bytes: Uint8Array }
  | { session: null; maxAbsDifference: number | null; reason: string };

/** Never throws for a model ONNX cannot serve: the result says why, so falling back to tfjs is one `if`. */
export async function prepareOnnxSession(
  loaded: LoadedKerasModel,
  opts: { threads: number } & VerifyOptions,
): Promise<OnnxPreparation> {
  let session: OnnxSession;
  let bytes: Uint8Array;
  try {
    bytes = compileKerasToOnnx(loaded);
    session = await OnnxSession.create(bytes, { threads: opts.threads });
  } catch (error) {
    return { session: null, maxAbsDifference: null, reason: describe(error) };
  }
  try {
    const check = await verifyAgainstTfjs(loaded, session, opts);
    if (check.passed) return { session, maxAbsDifference: check.maxAbsDifference, bytes };
    await session.release();
    const tolerance = opts.tolerance ?? 1e-4;
    return {
      session: null,
      maxAbsDifference: check.maxAbsDifference,
      reason: `ONNX Runtime and TensorFlow.js differ by up to ${check.maxAbsDifference.toExponential(2)} on a random batch (tolerance ${tolerance})`,
    };
  } catch (error) {
    await session.release();
    return { session: null, maxAbsDifference: null, reason: describe(error) };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
