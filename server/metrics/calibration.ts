// Calibration of a binary classifier's score: the reliability diagram of sklearn.calibration.calibration_curve
// (strategy="uniform") and sklearn.metrics.brier_score_loss.
import { numpySum } from './numpy-sum.ts';
import { assertScore } from './scores.ts';

export interface ReliabilityBin {
  /** Edges of the score bin: [lower, upper), the last one closed. */
  lower: number;
  upper: number;
  /** Events whose score falls in the bin. */
  count: number;
  /** Mean score of those events (calibration_curve's prob_pred). */
  meanScore: number;
  /** Fraction of them that are positives (prob_true). */
  fractionPositive: number;
}

export interface Calibration {
  /** Non-empty bins only, as calibration_curve returns them. */
  bins: ReliabilityBin[];
  /** brier_score_loss: mean of (score - label)^2. */
  brierScore: number;
  /** Events counted. */
  count: number;
}

/**
 * Bins of equal width over [0, 1] (edges numpy.linspace(0, 1, binCount + 1)); an event goes to the bin
 * numpy.searchsorted(edges[1:-1], score) names, so a score on an inner edge falls in the lower bin.
 * labels: 1 for the positive (signal) class, 0 otherwise. Null without events.
 */
export function calibrationCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, binCount = 10): Calibration | null {
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`binCount must be a whole number >= 1, got ${binCount}`);
  if (labels.length !== scores.length) throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) must have the same length`);
  const n = scores.length;
  if (n === 0) return null;
  const step = 1 / binCount;
  const edges = Array.from({ length: binCount + 1 }, (_, k) => (k === binCount ? 1 : k * step));
  const sums = new Float64Array(binCount);
  const positives = new Float64Array(binCount);
  const counts = new Float64Array(binCount);
  const squaredErrors = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const score = scores[i];
    assertScore(score, i, { source: 'calibration', unitInterval: true });
    let bin = 0;
    while (bin < binCount - 1 && edges[bin + 1] < score) bin++;
    sums[bin] += score;
    positives[bin] += labels[i];
    counts[bin]++;
    squaredErrors[i] = (labels[i] - score) ** 2;
  }
  const bins: ReliabilityBin[] = [];
  for (let k = 0; k < binCount; k++) {
    if (counts[k] === 0) continue;
    bins.push({ lower: edges[k], upper: edges[k + 1], count: counts[k], meanScore: sums[k] / counts[k], fractionPositive: positives[k] / counts[k] });
  }
  return { bins, brierScore: numpySum(squaredErrors) / n, count: n };
}
