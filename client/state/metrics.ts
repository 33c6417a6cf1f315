// Turns the scores streamed so far into what the four plots and the summary draw, with the same metrics
// module the server uses, so the page's AUC is the API's AUC and the threshold redraws without a request.
import { computeMetrics, type PerformanceMetrics } from '../../server/metrics/index.ts';
import type { ConfusionMatrixData } from '../plots/confusion-matrix.ts';
import type { PrecisionRecallData } from '../plots/precision-recall.ts';
import type { RocCurveData } from '../plots/roc-curve.ts';
import type { SeparationHistogramData } from '../plots/separation-histogram.ts';

export const HISTOGRAM_BINS = 50;

/** Gammaness of the scored events of each class (unscored events left out). */
export interface ScoreSets {
  gamma: ArrayLike<number>;
  proton: ArrayLike<number>;
}

export interface DashboardFigures {
  histogram: SeparationHistogramData;
  confusion: ConfusionMatrixData;
  roc: RocCurveData;
  precisionRecall: PrecisionRecallData;
  gammaEfficiency: number | null;
  hadronEfficiency: number | null;
  qualityFactor: number | null;
  /** Gamma purity at the threshold: TP / (TP + FP); null when nothing passes. */
  precisionAtThreshold: number | null;
  eventCounts: { gamma: number; proton: number };
}

export function computeFigures(scores: ScoreSets, threshold: number): DashboardFigures {
  return figuresFromMetrics(computeMetrics(scores, { threshold, histogramBins: HISTOGRAM_BINS }));
}

export function figuresFromMetrics(metrics: PerformanceMetrics): DashboardFigures {
  const { confusion, threshold } = metrics;
  const passed = confusion.truePositive + confusion.falsePositive;
  const precisionAtThreshold = passed > 0 ? confusion.truePositive / passed : null;
  const total = metrics.eventCounts.gamma + metrics.eventCounts.proton;
  const hasBoth = metrics.eventCounts.gamma > 0 && metrics.eventCounts.proton > 0;
  return {
    histogram: { ...metrics.histograms, threshold },
    confusion: {
      threshold,
      truePositive: confusion.truePositive,
      falsePositive: confusion.falsePositive,
      trueNegative: confusion.trueNegative,
      falseNegative: confusion.falseNegative,
    },
    roc: {
      fpr: metrics.roc?.fpr ?? [],
      tpr: metrics.roc?.tpr ?? [],
      auc: metrics.rocAuc,
      operatingPoint:
        hasBoth && metrics.gammaEfficiency !== null && metrics.hadronEfficiency !== null
          ? { x: metrics.hadronEfficiency, y: metrics.gammaEfficiency, threshold }
          : null,
    },
    precisionRecall: {
      precision: metrics.precisionRecall?.precision ?? [],
      recall: metrics.precisionRecall?.recall ?? [],
      averagePrecision: metrics.averagePrecision,
      baseline: total > 0 ? metrics.eventCounts.gamma / total : null,
      operatingPoint:
        metrics.gammaEfficiency !== null && precisionAtThreshold !== null
          ? { x: metrics.gammaEfficiency, y: precisionAtThreshold, threshold }
          : null,
    },
    gammaEfficiency: metrics.gammaEfficiency,
    hadronEfficiency: metrics.hadronEfficiency,
    qualityFactor: metrics.qualityFactor,
    precisionAtThreshold,
    eventCounts: metrics.eventCounts,
  };
}
