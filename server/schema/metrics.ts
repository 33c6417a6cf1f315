import type { ConfusionMatrix, PerformanceMetrics, PrecisionRecallCurve, RocCurve, SeparationHistograms } from '../metrics/index.ts';
import { builder } from './builder.ts';

const SeparationHistogramType = builder.objectRef<SeparationHistograms>('SeparationHistogram').implement({
  description: 'Gammaness histograms of both classes on the same fixed bins over [0, 1] (numpy.histogram convention, last bin closed).',
  fields: (t) => ({
    edges: t.exposeFloatList('edges', { description: 'Bin edges, one more than the counts.' }),
    gamma: t.exposeIntList('gamma', { description: 'Gamma events per bin.' }),
    proton: t.exposeIntList('proton', { description: 'Proton events per bin.' }),
  }),
});

const ConfusionMatrixType = builder.objectRef<ConfusionMatrix>('ConfusionMatrix').implement({
  description: 'Counts at a threshold; gamma is the positive class, predicted gamma iff gammaness >= threshold (sklearn.metrics.confusion_matrix).',
  fields: (t) => ({
    threshold: t.exposeFloat('threshold', { description: 'The gammaness cut.' }),
    truePositive: t.exposeInt('truePositive', { description: 'Gammas predicted gamma.' }),
    falsePositive: t.exposeInt('falsePositive', { description: 'Protons predicted gamma.' }),
    trueNegative: t.exposeInt('trueNegative', { description: 'Protons predicted proton.' }),
    falseNegative: t.exposeInt('falseNegative', { description: 'Gammas predicted proton.' }),
    matrix: t.field({ type: t.listRef(t.listRef('Int')), description: "sklearn's layout: rows true class, columns predicted, proton first: [[tn, fp], [fn, tp]].", resolve: (m) => m.matrix }),
  }),
});

const RocCurveType = builder.objectRef<RocCurve & { auc: number | null }>('RocCurve').implement({
  description: 'sklearn.metrics.roc_curve (drop_intermediate=True) and roc_auc_score.',
  fields: (t) => ({
    fpr: t.exposeFloatList('fpr', { description: 'False-positive rate (hadron efficiency) per point.' }),
    tpr: t.exposeFloatList('tpr', { description: 'True-positive rate (gamma efficiency) per point.' }),
    thresholds: t.field({
      type: ['Float'],
      nullable: { list: false, items: true },
      description: 'Decreasing thresholds; the first is +Infinity in sklearn, sent as null.',
      resolve: (roc) => roc.thresholds.map((value) => (Number.isFinite(value) ? value : null)),
    }),
    auc: t.exposeFloat('auc', { nullable: true, description: 'Area under the curve.' }),
  }),
});

const PrecisionRecallType = builder.objectRef<PrecisionRecallCurve & { averagePrecision: number | null }>('PrecisionRecallCurve').implement({
  description: 'sklearn.metrics.precision_recall_curve and average_precision_score.',
  fields: (t) => ({
    precision: t.exposeFloatList('precision', { description: 'Gamma purity per point; the last point is 1.' }),
    recall: t.exposeFloatList('recall', { description: 'Gamma efficiency per point; the last point is 0.' }),
    thresholds: t.exposeFloatList('thresholds', { description: 'Increasing; one fewer than the points (the last point has none).' }),
    averagePrecision: t.exposeFloat('averagePrecision', { nullable: true, description: 'Step-wise area under the curve (average_precision_score).' }),
  }),
});

export const PerformanceMetricsType = builder.objectRef<PerformanceMetrics>('PerformanceMetrics').implement({
  description: 'Gamma/hadron separation performance of a set of predictions, equal to scikit-learn.',
  fields: (t) => ({
    threshold: t.exposeFloat('threshold', { description: 'Gammaness cut of the confusion matrix and efficiencies.' }),
    gammaEvents: t.int({ description: 'Scored gamma events.', resolve: (m) => m.eventCounts.gamma }),
    protonEvents: t.int({ description: 'Scored proton events.', resolve: (m) => m.eventCounts.proton }),
    histogram: t.field({ type: SeparationHistogramType, description: 'Gamma/hadron separation histograms.', resolve: (m) => m.histograms }),
    confusionMatrix: t.field({ type: ConfusionMatrixType, description: 'Counts at the threshold.', resolve: (m) => m.confusion }),
    roc: t.field({ type: RocCurveType, nullable: true, description: 'Null until both classes have scores.', resolve: (m) => (m.roc ? { ...m.roc, auc: m.rocAuc } : null) }),
    precisionRecall: t.field({
      type: PrecisionRecallType,
      nullable: true,
      description: 'Null until a gamma has a score.',
      resolve: (m) => (m.precisionRecall ? { ...m.precisionRecall, averagePrecision: m.averagePrecision } : null),
    }),
    gammaEfficiency: t.exposeFloat('gammaEfficiency', { nullable: true, description: 'Fraction of gammas with gammaness >= threshold.' }),
    hadronEfficiency: t.exposeFloat('hadronEfficiency', { nullable: true, description: 'Fraction of protons with gammaness >= threshold.' }),
    qualityFactor: t.exposeFloat('qualityFactor', { nullable: true, description: 'Q = gammaEfficiency / sqrt(hadronEfficiency); null when no proton passes.' }),
  }),
});
