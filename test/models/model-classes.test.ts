// The model registry names a model's classes (the inference runtime names none): upload, labels file beside the
// model, configuration, else "0".."N-1"; a labels file that does not fit the outputs is refused by name.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserInputError } from '../../server/errors.ts';
import { describeModelFile, type ModelDescription } from '../../server/inference/index.ts';
import { resolveClassNames } from '../../server/models/model-classes.ts';
import { MODELS_DIR, PROJECT_ROOT } from '../inference/fixtures.ts';

const TEACHABLE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'graphs', 'teachable_archive.keras');
const SIGMOID = path.join(MODELS_DIR, 'conv_same_strides_keras2.h5');

let tmp: string;
let teachable: ModelDescription;
let sigmoid: ModelDescription;
let folder = 0;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-model-classes-'));
  [teachable, sigmoid] = await Promise.all([describeModelFile(TEACHABLE), describeModelFile(SIGMOID)]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of `model` named `name` in a folder of its own, with the given files beside it. */
function modelIn(model: string, name: string, beside: Record<string, string> = {}): string {
  const dir = path.join(tmp, String(folder++));
  mkdirSync(dir);
  const file = path.join(dir, name);
  copyFileSync(model, file);
  for (const [other, text] of Object.entries(beside)) writeFileSync(path.join(dir, other), text);
  return file;
}

describe('resolveClassNames', () => {
  it('describes a model without class names: the registry names them', () => {
    expect(teachable).toMatchObject({ outputUnits: 3 });
    expect(teachable).not.toHaveProperty('classNames');
  });

  it('names the classes from a Teachable Machine labels.txt ("0 Cat" lines) in the model\'s folder', async () => {
    const file = modelIn(TEACHABLE, 'keras_model.keras', { 'labels.txt': '0 Cat\n1 Dog\n2 Bird\n' });
    expect(await resolveClassNames(file, teachable, {})).toEqual({ classNames: ['Cat', 'Dog', 'Bird'], source: 'labels-file' });
  });

  it('names the classes from <model>.labels.txt beside the model, before a labels.txt in the folder', async () => {
    const file = modelIn(TEACHABLE, 'pets.keras', { 'pets.labels.txt': 'cat\r\ndog\r\n\r\nbird\r\n', 'labels.txt': '0 x\n1 y\n2 z\n' });
    expect(await resolveClassNames(file, teachable, {})).toEqual({ classNames: ['cat', 'dog', 'bird'], source: 'labels-file' });
  });

  it('refuses a labels file beside the model that names another number of classes, and names the file', async () => {
    const file = modelIn(TEACHABLE, 'keras_model.keras', { 'labels.txt': '0 Cat\n1 Dog\n' });
    const error = await resolveClassNames(file, teachable, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    expect((error as Error).message).toBe('labels.txt names 2 classes, but the model has 3 outputs');
  });

  it('takes the upload\'s names first, then the labels file, then the configuration, else "0".."N-1"', async () => {
    const labelled = modelIn(TEACHABLE, 'm.keras', { 'm.labels.txt': 'a\nb\nc\n' });
    expect(await resolveClassNames(labelled, teachable, { classNames: ['x', 'y', 'z'], configClassNames: ['p', 'q', 'r'] })).toEqual({ classNames: ['x', 'y', 'z'], source: 'upload' });
    expect(await resolveClassNames(labelled, teachable, { configClassNames: ['p', 'q', 'r'] })).toEqual({ classNames: ['a', 'b', 'c'], source: 'labels-file' });
    const bare = modelIn(TEACHABLE, 'm.keras');
    expect(await resolveClassNames(bare, teachable, { configClassNames: ['p', 'q', 'r'] })).toEqual({ classNames: ['p', 'q', 'r'], source: 'config' });
    // Configured names for another class count belong to another model: ignored.
    expect(await resolveClassNames(bare, teachable, { configClassNames: ['p', 'q'] })).toEqual({ classNames: ['0', '1', '2'], source: 'default' });
  });

  it('gives one sigmoid unit two classes (negative, positive), from a labels file beside it or by default', async () => {
    expect(sigmoid).toMatchObject({ outputKind: 'sigmoid', outputUnits: 1 });
    const labelled = modelIn(SIGMOID, 'cnn.h5', { 'cnn.labels.txt': '0 hadron\n1 gamma\n' });
    expect(await resolveClassNames(labelled, sigmoid, {})).toEqual({ classNames: ['hadron', 'gamma'], source: 'labels-file' });
    expect(await resolveClassNames(modelIn(SIGMOID, 'cnn.h5'), sigmoid, {})).toEqual({ classNames: ['0', '1'], source: 'default' });
  });
});
