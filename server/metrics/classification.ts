// Every N-class metric of one prediction run at once, from one validation of the input.
import { validateClassProbabilities } from './class-probabilities.ts';
import { classificationReport, type ClassificationReport } from './classification-report.ts';
import { logLossOf } from './log-loss.ts';
import { accuracyOfPredictions, argmaxPredictions, confusionOfPredictions, topKAccuracyOf } from './multiclass-confusion.ts';
import { oneVsRestPrecisionRecallOf, oneVsRestRocOf, type OneVsRestPrecisionRecall, type OneVsRestRoc } from './one-vs-rest.ts';

export interface ClassificationOptions {
  /** The k of each top-k accuracy, integers in 1..classCount. Default 1, 3 and 5 where below classCount. */
  topK?: readonly number[];
}

export interface ClassificationMetrics {
  sampleCount: number;
  classCount: number;
  /** Samples per true class. */
  support: number[];
  /** confusion_matrix(y, argmax): rows true class, columns predicted (argmax ties go to the lowest index). */
  confusionMatrix: number[][];
  /** accuracy_score(y, argmax). */
  accuracy: number;
  /** top_k_accuracy_score for each requested k (sklearn's ties: the higher index ranks first). */
  topKAccuracy: { k: number; accuracy: number }[];
  /** precision_recall_fscore_support(zero_division=0) per class, macro and weighted. */
  report: ClassificationReport;
  roc: OneVsRestRoc;
  precisionRecall: OneVsRestPrecisionRecall;
  /** log_loss with sklearn 1.2's clipping (see logLoss). */
  logLoss: number;
}

/**
 * All N-class metrics. labels: the true class index (0..classCount-1) of each sample; probabilities:
 * row-major n × classCount, in the dataset's class order. Throws InvalidLabelError / InvalidScoreError
 * naming the row length, label or probability that is wrong.
 */
export function computeClassificationMetrics(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
  options: ClassificationOptions = {},
): ClassificationMetrics {
  const input = validateClassProbabilities(labels, probabilities, classCount);
  const predicted = argmaxPredictions(input);
  const confusionMatrix = confusionOfPredictions(input, predicted);
  const topK = options.topK ?? [1, 3, 5].filter((k) => k < classCount);
  return {
    sampleCount: input.sampleCount,
    classCount,
    support: Array.from(input.support),
    confusionMatrix,
    accuracy: accuracyOfPredictions(input, predicted),
    topKAccuracy: topK.map((k) => ({ k, accuracy: topKAccuracyOf(input, k) })),
    report: classificationReport(confusionMatrix),
    roc: oneVsRestRocOf(input),
    precisionRecall: oneVsRestPrecisionRecallOf(input),
    logLoss: logLossOf(input),
  };
}
