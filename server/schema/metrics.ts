import {
  separationHistograms,
  type ClassificationMetrics,
  type ConfusionMatrix,
  type PerformanceMetrics,
  type PrecisionRecallCurve,
  type RocCurve,
  type SeparationHistograms,
} from '../metrics/index.ts';
import type { ScoredEvent } from '../domain/run.ts';
import { UserInputError } from '../errors.ts';
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

export const RocCurveType = builder.objectRef<RocCurve & { auc: number | null }>('RocCurve').implement({
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

export const PrecisionRecallType = builder.objectRef<PrecisionRecallCurve & { averagePrecision: number | null }>('PrecisionRecallCurve').implement({
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

/** The N-class metrics of a run, with what the schema needs to name classes and draw score histograms. */
export interface ClassificationShape {
  metrics: ClassificationMetrics;
  classes: readonly string[];
  scored: readonly ScoredEvent[];
}

const TopKType = builder.objectRef<{ k: number; accuracy: number }>('TopKAccuracy').implement({
  description: 'sklearn.metrics.top_k_accuracy_score for one k.',
  fields: (t) => ({
    k: t.exposeInt('k', { description: 'How many of the best-scored classes may hold the true one.' }),
    accuracy: t.exposeFloat('accuracy', { description: 'Fraction of events whose true class is among their k best-scored.' }),
  }),
});

interface ClassReportShape {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  roc: (RocCurve & { auc: number | null }) | null;
  precisionRecall: (PrecisionRecallCurve & { averagePrecision: number | null }) | null;
}

const ClassReportType = builder.objectRef<ClassReportShape>('ClassReport').implement({
  description: "One class's row of sklearn's classification_report (zero_division=0), with its one-vs-rest curves.",
  fields: (t) => ({
    className: t.exposeString('className', { description: 'The class.' }),
    precision: t.exposeFloat('precision', { description: 'Of the events predicted this class (argmax), the fraction that are.' }),
    recall: t.exposeFloat('recall', { description: 'Of the events of this class, the fraction predicted so.' }),
    f1: t.exposeFloat('f1', { description: 'Harmonic mean of precision and recall.' }),
    support: t.exposeInt('support', { description: 'Events of this class.' }),
    roc: t.field({ type: RocCurveType, nullable: true, description: 'One-vs-rest ROC of this class; null when the class or the rest has no event.', resolve: (r) => r.roc }),
    precisionRecall: t.field({ type: PrecisionRecallType, nullable: true, description: 'One-vs-rest precision/recall of this class; null when it has no event.', resolve: (r) => r.precisionRecall }),
  }),
});

const AverageReportType = builder.objectRef<{ precision: number; recall: number; f1: number; support: number }>('AverageReport').implement({
  description: 'A macro or weighted average row of classification_report.',
  fields: (t) => ({
    precision: t.exposeFloat('precision', { description: 'Averaged precision.' }),
    recall: t.exposeFloat('recall', { description: 'Averaged recall.' }),
    f1: t.exposeFloat('f1', { description: 'Averaged F1.' }),
    support: t.exposeInt('support', { description: 'Events counted.' }),
  }),
});

const ClassScoreHistogramType = builder.objectRef<{ className: string; edges: number[]; signal: number[]; rest: number[] }>('ClassScoreHistogram').implement({
  description: "Histogram of one class's score, for its events against the rest (numpy.histogram over [0, 1], last bin closed).",
  fields: (t) => ({
    className: t.exposeString('className', { description: 'The class whose score is binned.' }),
    edges: t.exposeFloatList('edges', { description: 'Bin edges, one more than the counts.' }),
    signal: t.exposeIntList('signal', { description: 'Events of the class per bin.' }),
    rest: t.exposeIntList('rest', { description: 'Events of every other class per bin.' }),
  }),
});

export const ClassificationMetricsType = builder.objectRef<ClassificationShape>('ClassificationMetrics').implement({
  description: "N-class metrics equal to scikit-learn's (argmax predictions), classes in the dataset's order; also given for binary runs.",
  fields: (t) => ({
    classes: t.stringList({ description: 'The classes, in the order of every list and matrix here.', resolve: (c) => [...c.classes] }),
    scoredEvents: t.int({ description: 'Events with a score.', resolve: (c) => c.metrics.sampleCount }),
    accuracy: t.float({ description: 'accuracy_score(y_true, argmax).', resolve: (c) => c.metrics.accuracy }),
    confusionMatrix: t.field({
      type: t.listRef(t.listRef('Int')),
      description: 'confusion_matrix(y_true, argmax): rows true class, columns predicted.',
      resolve: (c) => c.metrics.confusionMatrix,
    }),
    confusionRates: t.field({
      type: t.listRef(t.listRef('Float')),
      description: 'The matrix normalised per row (each row sums to 1; all 0 for a class without events).',
      resolve: (c) => c.metrics.confusionMatrix.map((row) => {
        const total = row.reduce((a, b) => a + b, 0);
        return row.map((n) => (total > 0 ? n / total : 0));
      }),
    }),
    topKAccuracy: t.field({ type: [TopKType], description: 'top_k_accuracy_score for k = 1, 3 and 5 where below the class count.', resolve: (c) => c.metrics.topKAccuracy }),
    perClass: t.field({
      type: [ClassReportType],
      description: 'Per class: precision, recall, F1, support and the one-vs-rest curves.',
      resolve: (c) =>
        c.metrics.report.perClass.map((report, k) => {
          const roc = c.metrics.roc.perClass[k];
          const pr = c.metrics.precisionRecall.perClass[k];
          return {
            className: c.classes[k],
            precision: report.precision,
            recall: report.recall,
            f1: report.f1,
            support: report.support,
            roc: roc.curve ? { ...roc.curve, auc: roc.auc } : null,
            precisionRecall: pr.curve ? { ...pr.curve, averagePrecision: pr.averagePrecision } : null,
          };
        }),
    }),
    macroAvg: t.field({ type: AverageReportType, description: 'Unweighted mean over classes.', resolve: (c) => ({ ...c.metrics.report.macro, support: c.metrics.sampleCount }) }),
    weightedAvg: t.field({ type: AverageReportType, description: 'Mean weighted by support.', resolve: (c) => ({ ...c.metrics.report.weighted, support: c.metrics.sampleCount }) }),
    macroAuc: t.float({ nullable: true, description: 'roc_auc_score(multi_class="ovr", average="macro"); null when undefined (a class without events).', resolve: (c) => c.metrics.roc.macroAuc }),
    weightedAuc: t.float({ nullable: true, description: 'roc_auc_score(multi_class="ovr", average="weighted"); null when undefined.', resolve: (c) => c.metrics.roc.weightedAuc }),
    logLoss: t.float({ nullable: true, description: 'log_loss (scikit-learn 1.2 clipping).', resolve: (c) => (Number.isFinite(c.metrics.logLoss) ? c.metrics.logLoss : null) }),
    scoreHistogram: t.field({
      type: ClassScoreHistogramType,
      description: "Histogram of one class's score for its events and for the rest.",
      args: {
        className: t.arg.string({ required: true, description: 'One of classes.' }),
        bins: t.arg.int({ required: false, defaultValue: 50, description: 'Number of bins over [0, 1], 2 to 1000.' }),
      },
      resolve: (c, args) => {
        const k = c.classes.indexOf(args.className);
        if (k < 0) throw new UserInputError(`"${args.className}" is not a class of this run (${c.classes.join(', ')})`, 'className');
        const bins = args.bins ?? 50;
        if (!Number.isInteger(bins) || bins < 2 || bins > 1000) throw new UserInputError(`bins must be between 2 and 1000, got ${bins}`, 'bins');
        return { className: args.className, ...scoreHistogram(c.scored, k, bins) };
      },
    }),
  }),
});

/** numpy.histogram of class k's score over [0, 1] with the last bin closed, for class k's events and the rest. */
function scoreHistogram(scored: readonly ScoredEvent[], k: number, bins: number): { edges: number[]; signal: number[]; rest: number[] } {
  const signal: number[] = [];
  const rest: number[] = [];
  for (const event of scored) if (event.scores) (event.classIndex === k ? signal : rest).push(event.scores[k]);
  const histograms = separationHistograms(signal, rest, bins);
  return { edges: histograms.edges, signal: histograms.gamma, rest: histograms.proton };
}
