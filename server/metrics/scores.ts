// Input validation and the one sort every ranking metric shares: each class's scores, checked and
// sorted once, then walked from the highest score down (scikit-learn's `_binary_clf_curve`).

/** A score is rejected (NaN, ±Infinity, or outside [0, 1] where gammaness is required). */
export class InvalidScoreError extends Error {
  override name = 'InvalidScoreError';
}

/** Labels are not 0/1, or labels and scores differ in length. */
export class InvalidLabelError extends Error {
  override name = 'InvalidLabelError';
}

/**
 * Both classes' scores, validated and sorted ascending (-0 folded into +0). This is the internal form
 * all curves are computed from; build it once with `sortClassScores` when several metrics are needed.
 */
export interface SortedClassScores {
  /** Scores of the positive class (gamma, label 1), ascending. */
  readonly positive: Float64Array;
  /** Scores of the negative class (proton, label 0), ascending. */
  readonly negative: Float64Array;
}

export interface ScoreCheck {
  /** Names the array in error messages, e.g. "gamma". */
  source: string;
  /** Require gammaness in [0, 1] (the histograms and `computeMetrics` do; ROC/PR accept any finite score, as sklearn does). */
  unitInterval?: boolean;
}

/** Copies, validates and sorts one class's scores ascending. */
export function sortedScores(scores: ArrayLike<number>, check: ScoreCheck): Float64Array {
  const sorted = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    assertScore(score, i, check);
    // `+ 0` folds -0 into +0: typed-array sort orders -0 before +0, but sklearn's np.diff treats them as one value.
    sorted[i] = score + 0;
  }
  return sorted.sort();
}

export function assertScore(score: number, index: number, check: ScoreCheck): void {
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    throw new InvalidScoreError(
      `${check.source} score at index ${index} is ${String(score)}: scores must be finite numbers ` +
        '(a NaN usually means the model produced no valid output for that event)',
    );
  }
  if (check.unitInterval && (score < 0 || score > 1)) {
    throw new InvalidScoreError(
      `${check.source} score at index ${index} is ${score}: gammaness must lie in [0, 1] ` +
        '(check that the model output layer gives probabilities)',
    );
  }
}

/** Splits sklearn-style (labels, scores) pairs into the sorted per-class form; labels are 1 (gamma) or 0 (proton). */
export function sortLabelledScores(labels: ArrayLike<number>, scores: ArrayLike<number>): SortedClassScores {
  if (labels.length !== scores.length) {
    throw new InvalidLabelError(`labels (${labels.length}) and scores (${scores.length}) must have the same length`);
  }
  let positiveCount = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1) {
      throw new InvalidLabelError(`label at index ${i} is ${String(label)}: labels must be 1 (gamma) or 0 (proton)`);
    }
    positiveCount += label;
  }
  const positive = new Float64Array(positiveCount);
  const negative = new Float64Array(labels.length - positiveCount);
  let p = 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) {
    const score = scores[i];
    assertScore(score, i, { source: 'input' });
    if (labels[i] === 1) positive[p++] = score + 0;
    else negative[n++] = score + 0;
  }
  return { positive: positive.sort(), negative: negative.sort() };
}

/** Validates and sorts the scores of both classes given separately. */
export function sortClassScores(
  gamma: ArrayLike<number>,
  proton: ArrayLike<number>,
  options: { unitInterval?: boolean } = {},
): SortedClassScores {
  return {
    positive: sortedScores(gamma, { source: 'gamma', unitInterval: options.unitInterval }),
    negative: sortedScores(proton, { source: 'proton', unitInterval: options.unitInterval }),
  };
}

/**
 * Cumulative counts at each distinct score, highest first: index k holds the number of positives and
 * negatives with score >= thresholds[k]. Integers stored as doubles, exactly as sklearn's cumsum gives them.
 */
export interface CurveCounts {
  readonly thresholds: Float64Array;
  readonly truePositives: Float64Array;
  readonly falsePositives: Float64Array;
}

/** sklearn's `_binary_clf_curve`, by merging the two sorted classes from the top. O(n). */
export function curveCounts(sorted: SortedClassScores): CurveCounts {
  const { positive, negative } = sorted;
  const capacity = positive.length + negative.length;
  const thresholds = new Float64Array(capacity);
  const truePositives = new Float64Array(capacity);
  const falsePositives = new Float64Array(capacity);
  let i = positive.length - 1;
  let j = negative.length - 1;
  let tp = 0;
  let fp = 0;
  let k = 0;
  while (i >= 0 || j >= 0) {
    const threshold = i < 0 ? negative[j] : j < 0 ? positive[i] : Math.max(positive[i], negative[j]);
    while (i >= 0 && positive[i] === threshold) {
      tp++;
      i--;
    }
    while (j >= 0 && negative[j] === threshold) {
      fp++;
      j--;
    }
    thresholds[k] = threshold;
    truePositives[k] = tp;
    falsePositives[k] = fp;
    k++;
  }
  return {
    thresholds: thresholds.subarray(0, k),
    truePositives: truePositives.subarray(0, k),
    falsePositives: falsePositives.subarray(0, k),
  };
}
