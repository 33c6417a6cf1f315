// Every classification metric of one prediction run from the two classes' gammaness, computed from one
// sort per class (O(n log n)), cheap enough to recompute in the browser after each streamed batch.
import { confusionMatrixSorted, efficiencies, type ConfusionMatrix } from './confusion.ts';
import { separationHistograms, type SeparationHistograms } from './histogram.ts';
import { averagePrecisionOfCurve, precisionRecallCurveSorted, type PrecisionRecallCurve } from './precision-recall.ts';
import { rocCurveSorted, trapezoidArea, type RocCurve } from './roc.ts';
import { sortClassScores } from './scores.ts';

/** Gammaness (in [0, 1]) of the gamma events and of the proton events. */
export interface ClassScores {
  gamma: ArrayLike<number>;
  proton: ArrayLike<number>;
}

export interface MetricsOptions {
  /** Gammaness cut: predicted gamma iff score >= threshold. Default 0.9. */
  threshold?: number;
  /** Bins of the separation histograms over [0, 1]. Default 50. */
  histogramBins?: number;
}

export interface PerformanceMetrics {
  /** Events per class the metrics were computed from. */
  eventCounts: { gamma: number; proton: number };
  threshold: number;
  confusion: ConfusionMatrix;
  /** ε_γ at the threshold (TPR); null without gammas. */
  gammaEfficiency: number | null;
  /** ε_h at the threshold (FPR, protons accepted as gamma); null without protons. */
  hadronEfficiency: number | null;
  /** ε_γ / sqrt(ε_h); null when undefined or when no proton passes (ε_h = 0). */
  qualityFactor: number | null;
  /** ROC curve with sklearn's drop_intermediate; null until both classes are present. */
  roc: RocCurve | null;
  /** Area under the ROC curve; null until both classes are present (sklearn raises). */
  rocAuc: number | null;
  /** Full precision-recall curve; null until a gamma is present. */
  precisionRecall: PrecisionRecallCurve | null;
  /** Average precision (step sum); null until a gamma is present (sklearn returns 0 with a warning). */
  averagePrecision: number | null;
  histograms: SeparationHistograms;
}

/**
 * All metrics at once. Throws InvalidScoreError for a NaN, infinite or out-of-[0, 1] score, naming the
 * class and index. Empty classes are allowed: what they make undefined is null, counts are 0.
 */
export function computeMetrics(scores: ClassScores, options: MetricsOptions = {}): PerformanceMetrics {
  const threshold = options.threshold ?? 0.9;
  const sorted = sortClassScores(scores.gamma, scores.proton, { unitInterval: true });
  const confusion = confusionMatrixSorted(sorted, threshold);
  const roc = rocCurveSorted(sorted);
  const precisionRecall = precisionRecallCurveSorted(sorted);
  return {
    eventCounts: { gamma: sorted.positive.length, proton: sorted.negative.length },
    threshold,
    confusion,
    ...efficiencies(confusion),
    roc,
    rocAuc: roc ? trapezoidArea(roc.fpr, roc.tpr) : null,
    precisionRecall,
    averagePrecision: precisionRecall ? averagePrecisionOfCurve(precisionRecall) : null,
    histograms: separationHistograms(sorted.positive, sorted.negative, options.histogramBins ?? 50),
  };
}
