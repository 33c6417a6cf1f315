// ROC curve and its area, equal to sklearn.metrics.roc_curve / roc_auc_score (ties included).
import { numpySum } from './numpy-sum.ts';
import { curveCounts, sortLabelledScores, type SortedClassScores } from './scores.ts';

export interface RocCurve {
  /** False-positive rate (hadron efficiency) at each threshold, non-decreasing from 0 to 1. */
  fpr: number[];
  /** True-positive rate (gamma efficiency) at each threshold, non-decreasing from 0 to 1. */
  tpr: number[];
  /**
   * Decreasing thresholds; point k counts scores >= thresholds[k]. thresholds[0] is Infinity (the added
   * (0, 0) point), as in sklearn >= 1.3 (older versions wrote max(score) + 1). Infinity is not valid
   * JSON or GraphQL Float: serialise it explicitly.
   */
  thresholds: number[];
}

export interface RocOptions {
  /** sklearn's drop_intermediate: drop points that are collinear with their neighbours. Default true. */
  dropIntermediate?: boolean;
}

/**
 * sklearn.metrics.roc_curve(labels, scores) with pos_label 1.
 * Returns null when either class is absent (sklearn warns and returns NaN rates) or the input is empty
 * (sklearn raises): a rate over an empty class is undefined.
 */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>, options: RocOptions = {}): RocCurve | null {
  return rocCurveSorted(sortLabelledScores(labels, scores), options);
}

/**
 * sklearn.metrics.roc_auc_score(labels, scores): the trapezoid area under the full ROC curve, so tied
 * scores count one half. Returns null when only one class is present (sklearn raises ValueError) or the
 * input is empty.
 */
export function rocAucScore(labels: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  return rocAucSorted(sortLabelledScores(labels, scores));
}

export function rocCurveSorted(sorted: SortedClassScores, options: RocOptions = {}): RocCurve | null {
  const positives = sorted.positive.length;
  const negatives = sorted.negative.length;
  if (positives === 0 || negatives === 0) return null;
  const { thresholds, truePositives: tps, falsePositives: fps } = curveCounts(sorted);
  const count = thresholds.length;
  const fpr = [0];
  const tpr = [0];
  const kept = [Infinity];
  const dropIntermediate = options.dropIntermediate ?? true;
  for (let k = 0; k < count; k++) {
    // sklearn keeps the ends and every point where the second difference of fps or tps is non-zero.
    if (dropIntermediate && count > 2 && k > 0 && k < count - 1) {
      const fpsBend = fps[k + 1] - fps[k] - (fps[k] - fps[k - 1]);
      const tpsBend = tps[k + 1] - tps[k] - (tps[k] - tps[k - 1]);
      if (fpsBend === 0 && tpsBend === 0) continue;
    }
    fpr.push(fps[k] / negatives);
    tpr.push(tps[k] / positives);
    kept.push(thresholds[k]);
  }
  return { fpr, tpr, thresholds: kept };
}

export function rocAucSorted(sorted: SortedClassScores): number | null {
  const curve = rocCurveSorted(sorted);
  if (!curve) return null;
  return trapezoidArea(curve.fpr, curve.tpr);
}

/** np.trapz(y, x) as sklearn.metrics.auc computes it: sum of dx * (y[k+1] + y[k]) / 2. */
export function trapezoidArea(x: readonly number[], y: readonly number[]): number {
  const terms = new Float64Array(Math.max(0, x.length - 1));
  for (let k = 0; k < terms.length; k++) terms[k] = ((x[k + 1] - x[k]) * (y[k + 1] + y[k])) / 2;
  return numpySum(terms);
}
