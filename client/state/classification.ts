// N-class figures from the scores streamed so far, with the shared metrics module (server/metrics), so the
// page's numbers are the API's; replaced by the server's ClassificationMetrics when the run finishes.
import { computeClassificationMetrics, separationHistograms } from '../../server/metrics/index.ts';
import type { ClassCurvesData } from '../plots/class-curves.ts';
import type { MulticlassConfusionData } from '../plots/multiclass-confusion.ts';
import type { SeparationHistogramData } from '../plots/separation-histogram.ts';
import { binaryVocabulary, REST_COLOUR, type ClassView } from '../plots/theme.ts';
import type { ClassificationSummary } from '../types.ts';
import { HISTOGRAM_BINS } from './metrics.ts';
import type { ClassScoresInput } from './run-scores.ts';

/** Top-k accuracies the API reports: k = 1..min(5, N-1). */
export function topKValues(classCount: number): number[] {
  return Array.from({ length: Math.max(0, Math.min(5, classCount - 1)) }, (_, i) => i + 1);
}

/** Everything the N-class view shows; null before the first scored event (or for unusable scores). */
export function computeClassification(input: ClassScoresInput, classes: readonly string[]): ClassificationSummary | null {
  if (input.labels.length === 0 || classes.length < 2) return null;
  let metrics;
  try {
    metrics = computeClassificationMetrics(input.labels, input.probabilities, input.classCount, { topK: topKValues(input.classCount) });
  } catch {
    // InvalidScoreError/InvalidLabelError: the events were filtered to valid rows, so this means a model
    // whose outputs are not scores; the view shows nothing rather than wrong numbers.
    return null;
  }
  const { report, roc, precisionRecall } = metrics;
  const sampleCount = metrics.sampleCount;
  return {
    classes: [...classes],
    scoredEvents: sampleCount,
    accuracy: metrics.accuracy,
    confusionMatrix: metrics.confusionMatrix,
    confusionRates: metrics.confusionMatrix.map((row) => {
      const total = row.reduce((sum, count) => sum + count, 0);
      return row.map((count) => (total > 0 ? count / total : 0));
    }),
    topKAccuracy: metrics.topKAccuracy,
    perClass: report.perClass.map((row, c) => {
      const classRoc = roc.perClass[c];
      const classPr = precisionRecall.perClass[c];
      return {
        className: classes[c],
        precision: row.precision,
        recall: row.recall,
        f1: row.f1,
        support: row.support,
        roc: classRoc.curve ? { fpr: classRoc.curve.fpr, tpr: classRoc.curve.tpr, auc: classRoc.auc } : null,
        precisionRecall: classPr.curve
          ? { precision: classPr.curve.precision, recall: classPr.curve.recall, averagePrecision: classPr.averagePrecision }
          : null,
      };
    }),
    macroAvg: { ...report.macro, support: sampleCount },
    weightedAvg: { ...report.weighted, support: sampleCount },
    macroAuc: roc.macroAuc,
    weightedAuc: roc.weightedAuc,
    logLoss: Number.isFinite(metrics.logLoss) ? metrics.logLoss : null,
  };
}

/** numpy.histogram of one class's score, for its events against the others' (the API's scoreHistogram). */
export function classScoreHistogram(input: ClassScoresInput, classIndex: number, bins = HISTOGRAM_BINS): { edges: number[]; signal: number[]; rest: number[] } | null {
  const own: number[] = [];
  const rest: number[] = [];
  for (let i = 0; i < input.labels.length; i++) {
    const score = input.probabilities[i * input.classCount + classIndex];
    (input.labels[i] === classIndex ? own : rest).push(score);
  }
  try {
    const histograms = separationHistograms(own, rest, bins);
    return { edges: histograms.edges, signal: histograms.gamma, rest: histograms.proton };
  } catch {
    return null; // a score outside [0, 1]: not a probability, no histogram over [0, 1]
  }
}

export interface MulticlassFigures {
  confusion: MulticlassConfusionData;
  roc: ClassCurvesData;
  precisionRecall: ClassCurvesData;
  histogram: SeparationHistogramData;
}

/** The plots' data from a summary (the page's or the server's) and the chosen class's histogram. */
export function multiclassFigures(
  summary: ClassificationSummary | null,
  classes: readonly ClassView[],
  histogramClass: ClassView,
  histogram: { edges: number[]; signal: number[]; rest: number[] } | null,
): MulticlassFigures {
  const byName = new Map(summary?.perClass.map((row) => [row.className, row]) ?? []);
  const emptyMatrix = classes.map(() => classes.map(() => 0));
  const rest: ClassView = { name: 'rest', label: 'rest (other classes)', short: 'rest', colour: REST_COLOUR };
  return {
    confusion: {
      classes: [...classes],
      counts: summary?.confusionMatrix ?? emptyMatrix,
      rates: summary?.confusionRates ?? emptyMatrix,
    },
    roc: {
      kind: 'roc',
      curves: classes.map((c) => {
        const roc = byName.get(c.name)?.roc ?? null;
        return { key: c.name, label: c.label, colour: c.colour, x: roc?.fpr ?? [], y: roc?.tpr ?? [], area: roc?.auc ?? null };
      }),
    },
    precisionRecall: {
      kind: 'precision-recall',
      curves: classes.map((c) => {
        const pr = byName.get(c.name)?.precisionRecall ?? null;
        return { key: c.name, label: c.label, colour: c.colour, x: pr?.recall ?? [], y: pr?.precision ?? [], area: pr?.averagePrecision ?? null };
      }),
    },
    histogram: {
      edges: histogram?.edges ?? [],
      gamma: histogram?.signal ?? [],
      proton: histogram?.rest ?? [],
      threshold: null,
      vocabulary: binaryVocabulary(histogramClass, rest),
    },
  };
}
