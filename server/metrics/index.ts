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
// N-class metrics (class indices 0..K-1, row-major n × K probabilities), equal to scikit-learn 1.2's.
export {
  computeClassificationMetrics,
  type ClassificationMetrics,
  type ClassificationOptions,
} from './classification.ts';
export { validateClassProbabilities, type ClassProbabilities, type ProbabilityMatrix } from './class-probabilities.ts';
export { accuracyScore, multiclassConfusionMatrix, topKAccuracyScore } from './multiclass-confusion.ts';
export {
  classificationReport,
  type AveragedScores,
  type ClassReport,
  type ClassScoreName,
  type ClassificationReport,
} from './classification-report.ts';
export {
  oneVsRestPrecisionRecall,
  oneVsRestRoc,
  type ClassPrecisionRecall,
  type ClassRoc,
  type OneVsRestPrecisionRecall,
  type OneVsRestRoc,
} from './one-vs-rest.ts';
export { logLoss } from './log-loss.ts';
// Gamma/hadron cuts, bootstrap intervals and calibration (per energy bin, model comparison).
export { quantileSorted } from './quantile.ts';
export { bestQualityFactor, cutAtGammaEfficiency, cutAtHadronEfficiency, fractionAtLeast, type EfficiencyCut, type QualityFactorCut } from './efficiency-cuts.ts';
export {
  AucRanking,
  bootstrapAuc,
  pairedBootstrapAucDifference,
  type BootstrapOptions,
  type ConfidenceInterval,
  type PairedDifference,
  type PairedScores,
  type RandomIntegers,
} from './bootstrap.ts';
export { calibrationCurve, type Calibration, type ReliabilityBin } from './calibration.ts';
export { sortClassScores, type SortedClassScores } from './scores.ts';
export {
  figuresByEnergy,
  type EnergyBinFigures,
  type EnergyFigureOptions,
  type EnergyRange,
  type EnergyScoredEvent,
  type SeparationFigures,
} from './energy-dependence.ts';
