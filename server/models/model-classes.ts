// What a model's outputs mean: the class names (from the upload, a labels.txt as Teachable Machine exports it,
// the configuration, or "0".."N-1") and the default preprocessing of its pixels.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { classNamesProblem, defaultClassNames, parseLabelsFile } from '../domain/classes.ts';
import { classCountOf, preprocessingProblem, type ClassNamesSource, type Preprocessing } from '../domain/model.ts';
import { UserInputError } from '../errors.ts';

export interface OutputShape {
  outputKind: string;
  outputUnits: number;
  inputShape: [number, number, number];
}

export interface ClassNameSources {
  /** Given with the upload. */
  classNames?: readonly string[] | null;
  /** The text of an uploaded labels file. */
  labelsText?: string | null;
  /** From the configuration (inference.classNames), for the configured model only. */
  configClassNames?: readonly string[] | null;
}

/** Labels files looked for beside a model file, in this order. */
export function labelsFilesBeside(modelFile: string): string[] {
  const base = modelFile.replace(/\.(h5|hdf5|keras|onnx)$/i, '');
  return [`${base}.labels.txt`, path.join(path.dirname(modelFile), 'labels.txt')];
}

/** The class names of a model's outputs and where they came from; refuses a list that does not fit the outputs. */
export async function resolveClassNames(modelFile: string, shape: OutputShape, sources: ClassNameSources): Promise<{ classNames: string[]; source: ClassNamesSource }> {
  const count = classCountOf(shape.outputKind, shape.outputUnits);
  const check = (names: readonly string[], what: string): string[] => {
    const problem = classNamesProblem(names);
    if (problem) throw new UserInputError(`${what}: ${problem}`, 'classNames');
    if (names.length !== count) {
      const outputs = shape.outputKind === 'sigmoid' ? 'one sigmoid unit, which scores 2 classes (negative, positive)' : `${shape.outputUnits} outputs`;
      throw new UserInputError(`${what} names ${names.length} classes, but the model has ${outputs}`, 'classNames');
    }
    return [...names];
  };
  if (sources.classNames && sources.classNames.length > 0) return { classNames: check(sources.classNames, 'classNames'), source: 'upload' };
  if (sources.labelsText != null) return { classNames: check(parseLabelsFile(sources.labelsText), 'the labels file'), source: 'labels-file' };
  for (const file of labelsFilesBeside(modelFile)) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text !== null) return { classNames: check(parseLabelsFile(text), path.basename(file)), source: 'labels-file' };
  }
  if (sources.configClassNames && sources.configClassNames.length === count) {
    return { classNames: check(sources.configClassNames, 'inference.classNames'), source: 'config' };
  }
  return { classNames: defaultClassNames(count), source: 'default' };
}

/** The preprocessing a model gets unless told otherwise: its input's colour mode and pixel * scale. */
export function resolvePreprocessing(shape: OutputShape, defaultScale: number, given: Partial<Preprocessing> | null | undefined): Preprocessing {
  const channels = shape.inputShape[2];
  const preprocessing: Preprocessing = {
    colorMode: given?.colorMode ?? (channels === 3 ? 'rgb' : 'grayscale'),
    scale: given?.scale ?? defaultScale,
    offset: given?.offset ?? 0,
    mean: given?.mean ? [...given.mean] : [],
    std: given?.std ? [...given.std] : [],
  };
  const expected = preprocessing.colorMode === 'rgb' ? 3 : 1;
  if (expected !== channels && shape.inputShape[2] !== 1 && shape.inputShape[2] !== 3) {
    throw new UserInputError(`the model takes ${channels} channels per pixel; images can be fed as 1 (grayscale) or 3 (RGB)`, 'preprocessing');
  }
  if (expected !== channels) {
    throw new UserInputError(`preprocessing colorMode ${preprocessing.colorMode} gives ${expected} channel(s), but the model's input has ${channels}`, 'preprocessing');
  }
  const problem = preprocessingProblem(preprocessing);
  if (problem) throw new UserInputError(`preprocessing: ${problem}`, 'preprocessing');
  return preprocessing;
}
