// N-class predictions by argmax, their confusion matrix and accuracy, and top-k accuracy, equal to
// sklearn's confusion_matrix(y, argmax), accuracy_score and top_k_accuracy_score.
import { validateClassProbabilities, type ClassProbabilities } from './class-probabilities.ts';
import { InvalidLabelError } from './scores.ts';

/** numpy.argmax(probabilities, axis=1): the first (lowest-index) class of the highest probability. */
export function argmaxPredictions(input: ClassProbabilities): Int32Array {
  const { sampleCount, classCount, probabilities } = input;
  const predicted = new Int32Array(sampleCount);
  for (let i = 0; i < sampleCount; i++) {
    const row = i * classCount;
    let best = 0;
    for (let c = 1; c < classCount; c++) if (probabilities[row + c] > probabilities[row + best]) best = c;
    predicted[i] = best;
  }
  return predicted;
}

/** sklearn.metrics.confusion_matrix(labels, argmax, labels=range(K)): rows true class, columns predicted class. */
export function multiclassConfusionMatrix(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
): number[][] {
  const input = validateClassProbabilities(labels, probabilities, classCount);
  return confusionOfPredictions(input, argmaxPredictions(input));
}

export function confusionOfPredictions(input: ClassProbabilities, predicted: Int32Array): number[][] {
  const { classCount, labels } = input;
  const counts = new Int32Array(classCount * classCount);
  for (let i = 0; i < labels.length; i++) counts[labels[i] * classCount + predicted[i]]++;
  const matrix = new Array<number[]>(classCount);
  for (let t = 0; t < classCount; t++) matrix[t] = Array.from(counts.subarray(t * classCount, (t + 1) * classCount));
  return matrix;
}

/** sklearn.metrics.accuracy_score(labels, argmax): the fraction of samples whose argmax is their class. */
export function accuracyScore(labels: ArrayLike<number>, probabilities: ArrayLike<number>, classCount: number): number {
  const input = validateClassProbabilities(labels, probabilities, classCount);
  return accuracyOfPredictions(input, argmaxPredictions(input));
}

export function accuracyOfPredictions(input: ClassProbabilities, predicted: Int32Array): number {
  let correct = 0;
  for (let i = 0; i < input.sampleCount; i++) if (predicted[i] === input.labels[i]) correct++;
  return correct / input.sampleCount;
}

/**
 * sklearn.metrics.top_k_accuracy_score(labels, probabilities, k=k, labels=range(K)): the fraction of
 * samples whose class is among the k highest scores. Ties follow sklearn, not argmax: it ranks by a stable
 * ascending argsort reversed, so among equal scores the HIGHER class index ranks first. Hence k = 1 can
 * differ from accuracyScore when the top score is tied. (sklearn's binary path, a 1-D score with
 * threshold 0.5, is not used: K = 2 follows the same rule as K > 2.)
 */
export function topKAccuracyScore(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
  k: number,
): number {
  return topKAccuracyOf(validateClassProbabilities(labels, probabilities, classCount), k);
}

export function topKAccuracyOf(input: ClassProbabilities, k: number): number {
  const { sampleCount, classCount, labels, probabilities } = input;
  if (!Number.isInteger(k) || k < 1 || k > classCount) {
    throw new InvalidLabelError(`top-k accuracy's k is ${String(k)}: it must be an integer in 1..${classCount} (classCount)`);
  }
  let hits = 0;
  for (let i = 0; i < sampleCount; i++) {
    const row = i * classCount;
    const label = labels[i];
    const own = probabilities[row + label];
    // Classes ranked ahead of the true one: higher score, or an equal score at a higher index.
    let ahead = 0;
    for (let c = 0; c < classCount; c++) {
      const score = probabilities[row + c];
      if (score > own || (score === own && c > label)) ahead++;
    }
    if (ahead < k) hits++;
  }
  return hits / sampleCount;
}
