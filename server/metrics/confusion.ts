// The confusion matrix at one gammaness cut and the efficiencies astronomers quote from it.
// Convention: an event is predicted gamma iff score >= threshold (the same ">=" as the ROC and PR
// thresholds, and as sklearn's confusion_matrix(labels, scores >= threshold)).
import { InvalidScoreError, sortLabelledScores, type SortedClassScores } from './scores.ts';

export interface ConfusionCounts {
  /** Gammas predicted gamma. */
  truePositive: number;
  /** Protons predicted gamma (hadron contamination). */
  falsePositive: number;
  /** Protons predicted proton. */
  trueNegative: number;
  /** Gammas predicted proton. */
  falseNegative: number;
}

export interface ConfusionMatrix extends ConfusionCounts {
  /** The cut: predicted gamma iff score >= threshold. */
  threshold: number;
  /** sklearn's layout, rows = true class, columns = predicted class, proton (0) first: [[tn, fp], [fn, tp]]. */
  matrix: [[number, number], [number, number]];
}

export interface ThresholdEfficiencies {
  /** ε_γ = TP / (TP + FN), the true-positive rate. Null when no gamma is present. */
  gammaEfficiency: number | null;
  /** ε_h = FP / (FP + TN), the fraction of protons accepted as gamma (false-positive rate). Null when no proton is present. */
  hadronEfficiency: number | null;
  /**
   * Q = ε_γ / sqrt(ε_h), the gain in significance from the cut. Null when either efficiency is null or
   * when ε_h = 0 (no proton passes: Q is unbounded, and Infinity would not survive JSON or GraphQL).
   */
  qualityFactor: number | null;
}

/** sklearn.metrics.confusion_matrix(labels, scores >= threshold, labels=[0, 1]) with named cells. */
export function confusionMatrix(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): ConfusionMatrix {
  return confusionMatrixSorted(sortLabelledScores(labels, scores), threshold);
}

export function confusionMatrixSorted(sorted: SortedClassScores, threshold: number): ConfusionMatrix {
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new InvalidScoreError(`threshold is ${String(threshold)}: it must be a number (events with score >= threshold are predicted gamma)`);
  }
  const truePositive = countAtLeast(sorted.positive, threshold);
  const falsePositive = countAtLeast(sorted.negative, threshold);
  const falseNegative = sorted.positive.length - truePositive;
  const trueNegative = sorted.negative.length - falsePositive;
  return {
    threshold,
    truePositive,
    falsePositive,
    trueNegative,
    falseNegative,
    matrix: [
      [trueNegative, falsePositive],
      [falseNegative, truePositive],
    ],
  };
}

/** Gamma and hadron efficiencies and the quality factor of a cut. */
export function efficiencies(counts: ConfusionCounts): ThresholdEfficiencies {
  const gammas = counts.truePositive + counts.falseNegative;
  const protons = counts.falsePositive + counts.trueNegative;
  const gammaEfficiency = gammas === 0 ? null : counts.truePositive / gammas;
  const hadronEfficiency = protons === 0 ? null : counts.falsePositive / protons;
  return { gammaEfficiency, hadronEfficiency, qualityFactor: qualityFactor(gammaEfficiency, hadronEfficiency) };
}

/** Q = ε_γ / sqrt(ε_h); null when undefined or unbounded (ε_h = 0), see ThresholdEfficiencies. */
export function qualityFactor(gammaEfficiency: number | null, hadronEfficiency: number | null): number | null {
  if (gammaEfficiency === null || hadronEfficiency === null || hadronEfficiency === 0) return null;
  return gammaEfficiency / Math.sqrt(hadronEfficiency);
}

/** Number of values >= threshold in an ascending array (binary search for the first such index). */
function countAtLeast(ascending: Float64Array, threshold: number): number {
  let low = 0;
  let high = ascending.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ascending[middle] >= threshold) high = middle;
    else low = middle + 1;
  }
  return ascending.length - low;
}
