// One-vs-rest ROC and precision-recall curves per class from the binary code, with the averages of
// sklearn.metrics.roc_auc_score(multi_class="ovr") and average_precision_score on label_binarize(y).
import { validateClassProbabilities, oneVsRestScores, type ClassProbabilities } from './class-probabilities.ts';
import { mean, weightedMean } from './classification-report.ts';
import { averagePrecisionOfCurve, precisionRecallCurveSorted, type PrecisionRecallCurve } from './precision-recall.ts';
import { rocCurveSorted, trapezoidArea, type RocCurve } from './roc.ts';

export interface ClassRoc {
  /** roc_curve(labels == c, probabilities[:, c]) with drop_intermediate; null when undefined. */
  curve: RocCurve | null;
  /** roc_auc_score of the same; null when undefined. */
  auc: number | null;
  /** Why curve and auc are null (the class has no samples, or every sample is of this class); else null. */
  undefinedReason: string | null;
}

export interface OneVsRestRoc {
  perClass: ClassRoc[];
  /** roc_auc_score(multi_class="ovr", average="macro"); null when undefined (see undefinedReason). */
  macroAuc: number | null;
  /** roc_auc_score(multi_class="ovr", average="weighted"), weighted by support; null when undefined. */
  weightedAuc: number | null;
  /** Why the averages are null: a class without samples, or rows that do not sum to 1 (sklearn raises for both). */
  undefinedReason: string | null;
}

export interface ClassPrecisionRecall {
  /** precision_recall_curve(labels == c, probabilities[:, c]); null when the class has no samples. */
  curve: PrecisionRecallCurve | null;
  /** average_precision_score of the same; null when the class has no samples (sklearn 1.2 gives NaN). */
  averagePrecision: number | null;
  undefinedReason: string | null;
}

export interface OneVsRestPrecisionRecall {
  perClass: ClassPrecisionRecall[];
  /** average_precision_score(label_binarize(y), probabilities, average="macro"); null when a class has no samples (sklearn: NaN). */
  macroAveragePrecision: number | null;
  /** average="weighted": sklearn gives a class without samples weight 0, so this stays defined. */
  weightedAveragePrecision: number;
  undefinedReason: string | null;
}

export function oneVsRestRoc(labels: ArrayLike<number>, probabilities: ArrayLike<number>, classCount: number): OneVsRestRoc {
  return oneVsRestRocOf(validateClassProbabilities(labels, probabilities, classCount));
}

export function oneVsRestPrecisionRecall(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  classCount: number,
): OneVsRestPrecisionRecall {
  return oneVsRestPrecisionRecallOf(validateClassProbabilities(labels, probabilities, classCount));
}

export function oneVsRestRocOf(input: ClassProbabilities): OneVsRestRoc {
  const { classCount, sampleCount, support } = input;
  const aucs = new Float64Array(classCount);
  const perClass: ClassRoc[] = [];
  const absent: number[] = [];
  for (let c = 0; c < classCount; c++) {
    const curve = rocCurveSorted(oneVsRestScores(input, c));
    if (!curve) {
      if (support[c] === 0) absent.push(c);
      perClass.push({
        curve: null,
        auc: null,
        undefinedReason:
          support[c] === 0 ? `class ${c} has no samples` : `every sample is of class ${c}: there is no rest to rank against`,
      });
      continue;
    }
    aucs[c] = trapezoidArea(curve.fpr, curve.tpr);
    perClass.push({ curve, auc: aucs[c], undefinedReason: null });
  }
  let undefinedReason: string | null = null;
  if (absent.length > 0) {
    undefinedReason = `${absent.length === 1 ? 'class' : 'classes'} ${absent.join(', ')} ${absent.length === 1 ? 'has' : 'have'} no samples: one-vs-rest ROC AUC is undefined for it`;
  } else {
    const row = rowNotSummingToOne(input);
    if (row !== -1) {
      undefinedReason = `the probabilities of sample ${row} do not sum to 1 (numpy.allclose): sklearn's multiclass ROC AUC requires probabilities`;
    }
  }
  if (undefinedReason) return { perClass, macroAuc: null, weightedAuc: null, undefinedReason };
  // Two classes are sklearn's binary case: roc_auc_score(y, probabilities[:, 1]), whatever the average.
  if (classCount === 2) return { perClass, macroAuc: aucs[1], weightedAuc: aucs[1], undefinedReason: null };
  return { perClass, macroAuc: mean(aucs), weightedAuc: weightedMean(aucs, support, sampleCount), undefinedReason: null };
}

export function oneVsRestPrecisionRecallOf(input: ClassProbabilities): OneVsRestPrecisionRecall {
  const { classCount, sampleCount, support } = input;
  const precisions = new Float64Array(classCount);
  const perClass: ClassPrecisionRecall[] = [];
  const absent: number[] = [];
  for (let c = 0; c < classCount; c++) {
    const curve = precisionRecallCurveSorted(oneVsRestScores(input, c));
    if (!curve) {
      absent.push(c);
      perClass.push({ curve: null, averagePrecision: null, undefinedReason: `class ${c} has no samples` });
      continue;
    }
    precisions[c] = averagePrecisionOfCurve(curve);
    perClass.push({ curve, averagePrecision: precisions[c], undefinedReason: null });
  }
  // sklearn zeroes the scores of zero-weight classes before the weighted average; precisions[c] is already 0.
  const weightedAveragePrecision = weightedMean(precisions, support, sampleCount);
  if (absent.length > 0) {
    return {
      perClass,
      macroAveragePrecision: null,
      weightedAveragePrecision,
      undefinedReason: `${absent.length === 1 ? 'class' : 'classes'} ${absent.join(', ')} ${absent.length === 1 ? 'has' : 'have'} no samples: its average precision is undefined, so is the macro average`,
    };
  }
  return { perClass, macroAveragePrecision: mean(precisions), weightedAveragePrecision, undefinedReason: null };
}

/** The first row failing numpy.allclose(1, row.sum()) (|1 - s| <= 1e-8 + 1e-5 |s|), or -1. */
function rowNotSummingToOne(input: ClassProbabilities): number {
  const { sampleCount, classCount, probabilities } = input;
  for (let i = 0; i < sampleCount; i++) {
    let sum = 0;
    for (let c = 0; c < classCount; c++) sum += probabilities[i * classCount + c];
    if (!(Math.abs(1 - sum) <= 1e-8 + 1e-5 * Math.abs(sum))) return i;
  }
  return -1;
}
