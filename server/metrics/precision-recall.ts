// Precision-recall curve and average precision, equal to sklearn.metrics.precision_recall_curve and
// average_precision_score (the uninterpolated step sum, not a trapezoid).
import { numpySum } from './numpy-sum.ts';
import { curveCounts, sortLabelledScores, type SortedClassScores } from './scores.ts';

export interface PrecisionRecallCurve {
  /** Precision at each threshold, then a final 1 (the point with no threshold). Length thresholds + 1. */
  precision: number[];
  /** Recall at each threshold, non-increasing, then a final 0. Length thresholds + 1. */
  recall: number[];
  /**
   * Increasing distinct scores; point k counts scores >= thresholds[k]. The first point (lowest
   * threshold) has recall 1 and precision = gamma fraction: the classifier that accepts everything.
   */
  thresholds: number[];
}

export interface PrecisionRecallOptions {
  /**
   * sklearn >= 1.3's drop_intermediate: keep only the first and last point of each run of equal true
   * positives (a vertical segment on the plot). Default false, as in sklearn.
   */
  dropIntermediate?: boolean;
}

/**
 * sklearn.metrics.precision_recall_curve(labels, scores) with pos_label 1: every distinct score is a
 * threshold (nothing dropped by default, no truncation at full recall, as sklearn >= 1.1).
 * Returns null for empty input (sklearn raises) and when no gamma is present (sklearn warns and sets
 * recall to 1 by convention; recall over zero gammas is undefined). With no protons precision is 1.
 */
export function precisionRecallCurve(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: PrecisionRecallOptions = {},
): PrecisionRecallCurve | null {
  return precisionRecallCurveSorted(sortLabelledScores(labels, scores), options);
}

/**
 * sklearn.metrics.average_precision_score(labels, scores): AP = sum_n (R_n - R_{n-1}) P_n over the
 * full precision-recall curve. Returns null for empty input or when no gamma is present (sklearn warns
 * and returns 0, which would read as "worst classifier" rather than "not yet measurable").
 */
export function averagePrecisionScore(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return averagePrecisionSorted(sortLabelledScores(labels, scores));
}

export function precisionRecallCurveSorted(
  sorted: SortedClassScores,
  options: PrecisionRecallOptions = {},
): PrecisionRecallCurve | null {
  const positives = sorted.positive.length;
  if (positives === 0) return null;
  const { thresholds, truePositives: tps, falsePositives: fps } = curveCounts(sorted);
  const count = thresholds.length;
  const keep = options.dropIntermediate && count > 2 ? pointsOnRecallSteps(tps) : null;
  const size = keep ? keep.length : count;
  const precision = new Array<number>(size + 1);
  const recall = new Array<number>(size + 1);
  const ascending = new Array<number>(size);
  // sklearn computes highest threshold first, then reverses so that recall decreases along the arrays.
  for (let s = 0; s < size; s++) {
    const k = keep ? keep[s] : s;
    const out = size - 1 - s;
    precision[out] = tps[k] / (tps[k] + fps[k]);
    recall[out] = tps[k] / positives;
    ascending[out] = thresholds[k];
  }
  precision[size] = 1;
  recall[size] = 0;
  return { precision, recall, thresholds: ascending };
}

export function averagePrecisionSorted(sorted: SortedClassScores): number | null {
  const curve = precisionRecallCurveSorted(sorted);
  return curve ? averagePrecisionOfCurve(curve) : null;
}

/** -sum(diff(recall) * precision[:-1]) over a full (not drop_intermediate) curve, in numpy's summation order. */
export function averagePrecisionOfCurve(curve: PrecisionRecallCurve): number {
  const { precision, recall } = curve;
  const terms = new Float64Array(recall.length - 1);
  for (let k = 0; k < terms.length; k++) terms[k] = (recall[k + 1] - recall[k]) * precision[k];
  return -numpySum(terms);
}

/** Indices (highest threshold first) sklearn keeps with drop_intermediate: where tps changes before or after. */
function pointsOnRecallSteps(tps: Float64Array): number[] {
  const kept = [0];
  for (let k = 1; k < tps.length - 1; k++) {
    if (tps[k] !== tps[k - 1] || tps[k + 1] !== tps[k]) kept.push(k);
  }
  kept.push(tps.length - 1);
  return kept;
}
