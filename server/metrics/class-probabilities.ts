// Validation of N-class input (true class indices plus a row-major n × K probability matrix) and the
// one-vs-rest split that lets the binary ROC and precision-recall code serve each class.
import { InvalidLabelError, InvalidScoreError, type SortedClassScores } from './scores.ts';

/** Row-major n × classCount scores: row i holds sample i's probability of each class, in the dataset's class order. */
export type ProbabilityMatrix = Float32Array | Float64Array | readonly number[];

/** Validated N-class input: labels as Int32Array, probabilities as given (row-major). */
export interface ClassProbabilities {
  readonly sampleCount: number;
  readonly classCount: number;
  readonly labels: Int32Array;
  readonly probabilities: ArrayLike<number>;
  /** Samples per true class. */
  readonly support: Int32Array;
}

/**
 * Checks classCount (integer >= 2), n >= 1, the matrix length (n × classCount), every label (an integer
 * in 0..classCount-1) and every probability (finite). Throws InvalidLabelError / InvalidScoreError naming
 * what is wrong and where.
 */
export function validateClassProbabilities(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
): ClassProbabilities {
  if (!Number.isInteger(classCount) || classCount < 2) {
    throw new InvalidLabelError(`classCount is ${String(classCount)}: it must be an integer >= 2`);
  }
  const sampleCount = labels.length;
  if (sampleCount === 0) throw new InvalidLabelError('labels is empty: classification metrics need at least one sample');
  if (probabilities.length !== sampleCount * classCount) {
    throw new InvalidScoreError(
      `probabilities has ${probabilities.length} values: expected labels.length (${sampleCount}) × classCount ` +
        `(${classCount}) = ${sampleCount * classCount}, one row of ${classCount} per sample (row-major)`,
    );
  }
  const validLabels = new Int32Array(sampleCount);
  const support = new Int32Array(classCount);
  for (let i = 0; i < sampleCount; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new InvalidLabelError(
        `label at index ${i} is ${String(label)}: labels must be class indices 0..${classCount - 1} (classCount ${classCount})`,
      );
    }
    validLabels[i] = label;
    support[label]++;
  }
  for (let k = 0; k < probabilities.length; k++) {
    const value = probabilities[k];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      const sample = Math.floor(k / classCount);
      throw new InvalidScoreError(
        `probability of class ${k % classCount} for sample ${sample} (index ${k} of the row-major array) is ` +
          `${String(value)}: probabilities must be finite numbers (a NaN usually means the model produced no valid output)`,
      );
    }
  }
  return { sampleCount, classCount, labels: validLabels, probabilities, support };
}

/** Class `positiveClass` against the rest: its column, split by whether the sample is of that class, sorted ascending. */
export function oneVsRestScores(input: ClassProbabilities, positiveClass: number): SortedClassScores {
  const { sampleCount, classCount, labels, probabilities, support } = input;
  const positive = new Float64Array(support[positiveClass]);
  const negative = new Float64Array(sampleCount - support[positiveClass]);
  let p = 0;
  let n = 0;
  for (let i = 0; i < sampleCount; i++) {
    // `+ 0` folds -0 into +0, as sortedScores does.
    const score = probabilities[i * classCount + positiveClass] + 0;
    if (labels[i] === positiveClass) positive[p++] = score;
    else negative[n++] = score;
  }
  return { positive: positive.sort(), negative: negative.sort() };
}
