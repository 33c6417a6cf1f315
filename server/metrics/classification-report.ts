// Per-class precision, recall, F1 and support with macro and weighted averages, equal to
// sklearn.metrics.precision_recall_fscore_support(y, argmax, labels=range(K), zero_division=0)
// (and so to classification_report's rows).
import { numpySum } from './numpy-sum.ts';

export type ClassScoreName = 'precision' | 'recall' | 'f1';

export interface ClassReport {
  /** TP / (TP + FP); 0 when the class is never predicted (sklearn's zero_division=0). */
  precision: number;
  /** TP / (TP + FN); 0 when the class has no samples. */
  recall: number;
  /** 2PR / (P + R); 0 when P + R = 0. */
  f1: number;
  /** Samples of this class. */
  support: number;
  /** Samples predicted as this class. */
  predicted: number;
  /**
   * Which scores are ill-defined and were set to 0, as sklearn 1.2 warns: precision (and F1) when the
   * class is never predicted, recall (and F1) when it has no samples. Empty when all are defined.
   */
  undefined: ClassScoreName[];
}

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  perClass: ClassReport[];
  /** Unweighted mean over classes (ill-defined scores count as their 0). */
  macro: AveragedScores;
  /** Mean weighted by support. */
  weighted: AveragedScores;
}

/** The report from a confusion matrix (rows true, columns predicted). */
export function classificationReport(confusion: readonly (readonly number[])[]): ClassificationReport {
  const classCount = confusion.length;
  const precision = new Float64Array(classCount);
  const recall = new Float64Array(classCount);
  const f1 = new Float64Array(classCount);
  const support = new Float64Array(classCount);
  const perClass: ClassReport[] = [];
  let sampleCount = 0;
  for (let c = 0; c < classCount; c++) {
    const truePositive = confusion[c][c];
    let trueCount = 0;
    let predictedCount = 0;
    for (let o = 0; o < classCount; o++) {
      trueCount += confusion[c][o];
      predictedCount += confusion[o][c];
    }
    sampleCount += trueCount;
    const undefinedScores: ClassScoreName[] = [];
    if (predictedCount === 0) undefinedScores.push('precision');
    if (trueCount === 0) undefinedScores.push('recall');
    if (undefinedScores.length > 0) undefinedScores.push('f1');
    precision[c] = predictedCount === 0 ? 0 : truePositive / predictedCount;
    recall[c] = trueCount === 0 ? 0 : truePositive / trueCount;
    const denominator = precision[c] + recall[c];
    // sklearn 1.2's order of operations: (1 + beta²) * P * R / (beta² * P + R).
    f1[c] = denominator === 0 ? 0 : (2 * precision[c] * recall[c]) / denominator;
    support[c] = trueCount;
    perClass.push({
      precision: precision[c],
      recall: recall[c],
      f1: f1[c],
      support: trueCount,
      predicted: predictedCount,
      undefined: undefinedScores,
    });
  }
  return {
    perClass,
    macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) },
    weighted: {
      precision: weightedMean(precision, support, sampleCount),
      recall: weightedMean(recall, support, sampleCount),
      f1: weightedMean(f1, support, sampleCount),
    },
  };
}

/** np.average(values). */
export function mean(values: Float64Array): number {
  return numpySum(values) / values.length;
}

/** np.average(values, weights=weights) with integer weights summing to weightSum (> 0). */
export function weightedMean(values: Float64Array, weights: ArrayLike<number>, weightSum: number): number {
  const products = new Float64Array(values.length);
  for (let c = 0; c < values.length; c++) products[c] = values[c] * weights[c];
  return numpySum(products) / weightSum;
}
