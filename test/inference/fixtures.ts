// Reference fixtures written by scripts/reference-outputs.py: model files, 8-bit inputs, expected outputs.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { needsShared } from '../helpers/shared.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MODELS_DIR = path.join(PROJECT_ROOT, 'test', 'fixtures', 'models');
export const INVALID_DIR = path.join(MODELS_DIR, 'invalid');
/** Real Keras files from public projects (../shared/fixtures/keras/README.md). */
export const SHARED_KERAS_DIR = path.resolve(PROJECT_ROOT, '..', 'shared', 'fixtures', 'keras');

export interface ReferenceFixture {
  /** Fixture JSON file name. */
  name: string;
  /** Absolute path of the model file. */
  modelFile: string;
  description: string;
  reference: string;
  pixelScale: number;
  /** One flat HWC array of 8-bit samples per image. */
  pixels: number[][];
  /** One flat array of output values per image. */
  outputs: number[][];
}

export function loadFixture(name: string): ReferenceFixture {
  const doc = JSON.parse(readFileSync(path.join(MODELS_DIR, name), 'utf8')) as Omit<ReferenceFixture, 'name' | 'modelFile'> & { model: string };
  return { ...doc, name, modelFile: path.resolve(PROJECT_ROOT, doc.model) };
}

export function allFixtures(): ReferenceFixture[] {
  return readdirSync(MODELS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map(loadFixture)
    // Fixtures of the real Keras files in ../shared run only where it is (test/helpers/shared.ts says why not).
    .filter((fixture) => !fixture.modelFile.startsWith(SHARED_KERAS_DIR) || needsShared('the reference outputs of real Keras files'));
}

/** The fixture's images as one batch, as the engine takes them. */
export function batchOf(fixture: ReferenceFixture): Uint8Array {
  return Uint8Array.from(fixture.pixels.flat());
}

export function maxAbsDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < expected.length; i++) max = Math.max(max, Math.abs(actual[i] - expected[i]));
  return max;
}
