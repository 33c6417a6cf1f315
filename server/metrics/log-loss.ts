// Cross-entropy of N-class probabilities, equal to sklearn 1.2's log_loss(y, probabilities, labels=range(K))
// with its default eps="auto" on a float64 array.
import { validateClassProbabilities, type ClassProbabilities } from './class-probabilities.ts';
import { numpySum, numpySumRange } from './numpy-sum.ts';

/** np.finfo(np.float64).eps: sklearn 1.2's eps="auto" for float64 input. */
const EPSILON = 2 ** -52;

/**
 * sklearn.metrics.log_loss as in sklearn 1.2.1: clip every probability to [eps, 1 - eps] with eps the
 * float64 machine epsilon, renormalise each row by its sum, then the mean of -log(p[true class]).
 * Computed in float64 even for a Float32Array: equal to sklearn on `probabilities.astype(np.float64)`
 * (sklearn given float32 itself would clip at float32's eps and compute in float32). sklearn >= 1.5
 * stops clipping this way and only warns about rows that do not sum to 1.
 */
export function logLoss(labels: ArrayLike<number>, probabilities: ArrayLike<number>, classCount: number): number {
  return logLossOf(validateClassProbabilities(labels, probabilities, classCount));
}

export function logLossOf(input: ClassProbabilities): number {
  const { sampleCount, classCount, labels, probabilities } = input;
  const row = new Float64Array(classCount);
  const losses = new Float64Array(sampleCount);
  for (let i = 0; i < sampleCount; i++) {
    for (let c = 0; c < classCount; c++) row[c] = Math.min(Math.max(probabilities[i * classCount + c], EPSILON), 1 - EPSILON);
    losses[i] = -Math.log(row[labels[i]] / numpySumRange(row, 0, classCount));
  }
  return numpySum(losses) / sampleCount;
}
