// Classification metrics on gammaness scores, equal to scikit-learn's (ties included). Pure and
// dependency-free: imported by the server and, through Vite, by the dashboard. Gamma is the positive
// class (label 1), proton the negative (label 0).
export { computeMetrics, type ClassScores, type MetricsOptions, type PerformanceMetrics } from './performance.ts';
export { rocCurve, rocAucScore, trapezoidArea, type RocCurve, type RocOptions } from './roc.ts';
export {
  averagePrecisionScore,
  precisionRecallCurve,
  type PrecisionRecallCurve,
  type PrecisionRecallOptions,
} from './precision-recall.ts';
export {
  confusionMatrix,
  efficiencies,
  qualityFactor,
  type ConfusionCounts,
  type ConfusionMatrix,
  type ThresholdEfficiencies,
} from './confusion.ts';
export { histogramEdges, separationHistograms, type SeparationHistograms } from './histogram.ts';
export { InvalidLabelError, InvalidScoreError } from './scores.ts';
