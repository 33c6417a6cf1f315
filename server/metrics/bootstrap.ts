// Percentile-bootstrap confidence intervals of the ROC AUC, stratified by class (each resample draws as many
// gammas and as many hadrons as the data hold, with replacement, so both classes are always present), and
// the paired bootstrap of the AUC difference of two models scored on the same events. A resample is kept as
// a count per event, so its AUC is one O(n) walk over the scores sorted once (the Mann-Whitney form of
// sklearn's roc_auc_score: ties count one half), not a new sort.
import { quantileSorted } from './quantile.ts';

/** The random integers a bootstrap draws: uniform in [0, n). Seeded by the caller, so reruns agree. */
export interface RandomIntegers {
  int(n: number): number;
}

export interface BootstrapOptions {
  /** Number of resamples, >= 1. */
  resamples: number;
  /** Confidence level in (0, 1), e.g. 0.68 or 0.95. */
  level: number;
  random: RandomIntegers;
}

export interface ConfidenceInterval {
  /** numpy.quantile(statistics, (1 - level) / 2) of the resampled statistic (linear interpolation). */
  lower: number;
  /** numpy.quantile(statistics, (1 + level) / 2). */
  upper: number;
  level: number;
  resamples: number;
}

/**
 * Ranks of one model's scores, prepared once for any number of weighted AUCs: the positives and negatives
 * in ascending score order and, for each positive, how many negatives score below it and how many not above.
 */
export class AucRanking {
  private readonly positiveOrder: Int32Array;
  private readonly negativeOrder: Int32Array;
  private readonly below: Int32Array;
  private readonly notAbove: Int32Array;
  private readonly prefix: Float64Array;

  constructor(positive: ArrayLike<number>, negative: ArrayLike<number>) {
    this.positiveOrder = argsort(positive);
    this.negativeOrder = argsort(negative);
    this.below = new Int32Array(positive.length);
    this.notAbove = new Int32Array(positive.length);
    let lt = 0;
    let le = 0;
    for (let i = 0; i < positive.length; i++) {
      const score = positive[this.positiveOrder[i]];
      while (lt < negative.length && negative[this.negativeOrder[lt]] < score) lt++;
      if (le < lt) le = lt;
      while (le < negative.length && negative[this.negativeOrder[le]] <= score) le++;
      this.below[i] = lt;
      this.notAbove[i] = le;
    }
    this.prefix = new Float64Array(negative.length + 1);
  }

  /**
   * AUC of the sample in which event i of each class appears positiveCounts[i] / negativeCounts[i] times
   * (indices in the order the scores were given); null when a class has no weight.
   */
  weightedAuc(positiveCounts: ArrayLike<number>, negativeCounts: ArrayLike<number>): number | null {
    const prefix = this.prefix;
    for (let j = 0; j < this.negativeOrder.length; j++) prefix[j + 1] = prefix[j] + negativeCounts[this.negativeOrder[j]];
    const negativeWeight = prefix[this.negativeOrder.length];
    let positiveWeight = 0;
    // Counts are integers, so the sum is exact (a multiple of 1/2 far below 2^53): one rounding, at the division.
    let concordant = 0;
    for (let i = 0; i < this.positiveOrder.length; i++) {
      const weight = positiveCounts[this.positiveOrder[i]];
      if (weight === 0) continue;
      positiveWeight += weight;
      const lower = prefix[this.below[i]];
      concordant += weight * (lower + (prefix[this.notAbove[i]] - lower) / 2);
    }
    return positiveWeight === 0 || negativeWeight === 0 ? null : concordant / (positiveWeight * negativeWeight);
  }
}

/**
 * Percentile bootstrap of the AUC of gamma (positive) against hadron (negative) scores. Resample r draws
 * positives.length indices into the positives sorted ascending, then negatives.length indices into the
 * negatives sorted ascending, each with random.int(n). Null when a class is empty.
 */
export function bootstrapAuc(positive: ArrayLike<number>, negative: ArrayLike<number>, options: BootstrapOptions): ConfidenceInterval | null {
  checkOptions(options);
  if (positive.length === 0 || negative.length === 0) return null;
  const sortedPositive = Float64Array.from(positive).sort();
  const sortedNegative = Float64Array.from(negative).sort();
  const ranking = new AucRanking(sortedPositive, sortedNegative);
  const positiveCounts = new Float64Array(positive.length);
  const negativeCounts = new Float64Array(negative.length);
  const aucs = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    drawCounts(positiveCounts, options.random);
    drawCounts(negativeCounts, options.random);
    aucs[r] = ranking.weightedAuc(positiveCounts, negativeCounts)!;
  }
  return intervalOf(aucs, options);
}

export interface PairedScores {
  /** The first model's gammaness of the positives and negatives, event by event. */
  first: { positive: ArrayLike<number>; negative: ArrayLike<number> };
  /** The second model's, for the same events in the same order. */
  second: { positive: ArrayLike<number>; negative: ArrayLike<number> };
}

export interface PairedDifference extends ConfidenceInterval {
  /** AUC(second) - AUC(first) on the events themselves. */
  difference: number;
}

/**
 * Paired percentile bootstrap of AUC(second) - AUC(first): each resample draws events (positives, then
 * negatives, indices in the given order) and scores the same resampled events with both models, so the
 * events' shared difficulty cancels. Null when a class is empty.
 */
export function pairedBootstrapAucDifference(scores: PairedScores, options: BootstrapOptions): PairedDifference | null {
  checkOptions(options);
  const positives = scores.first.positive.length;
  const negatives = scores.first.negative.length;
  if (scores.second.positive.length !== positives || scores.second.negative.length !== negatives) {
    throw new RangeError('paired scores must hold the same events for both models');
  }
  if (positives === 0 || negatives === 0) return null;
  const first = new AucRanking(scores.first.positive, scores.first.negative);
  const second = new AucRanking(scores.second.positive, scores.second.negative);
  const ones = (n: number) => new Float64Array(n).fill(1);
  const difference = second.weightedAuc(ones(positives), ones(negatives))! - first.weightedAuc(ones(positives), ones(negatives))!;
  const positiveCounts = new Float64Array(positives);
  const negativeCounts = new Float64Array(negatives);
  const differences = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    drawCounts(positiveCounts, options.random);
    drawCounts(negativeCounts, options.random);
    differences[r] = second.weightedAuc(positiveCounts, negativeCounts)! - first.weightedAuc(positiveCounts, negativeCounts)!;
  }
  return { difference, ...intervalOf(differences, options) };
}

function drawCounts(counts: Float64Array, random: RandomIntegers): void {
  counts.fill(0);
  for (let k = 0; k < counts.length; k++) counts[random.int(counts.length)]++;
}

function intervalOf(statistics: Float64Array, options: BootstrapOptions): ConfidenceInterval {
  statistics.sort();
  return {
    lower: quantileSorted(statistics, (1 - options.level) / 2)!,
    upper: quantileSorted(statistics, (1 + options.level) / 2)!,
    level: options.level,
    resamples: options.resamples,
  };
}

function checkOptions(options: BootstrapOptions): void {
  if (!Number.isInteger(options.resamples) || options.resamples < 1) throw new RangeError(`resamples must be a whole number >= 1, got ${options.resamples}`);
  if (!(options.level > 0 && options.level < 1)) throw new RangeError(`level must be between 0 and 1 (exclusive), got ${options.level}`);
}

function argsort(values: ArrayLike<number>): Int32Array {
  const order = Int32Array.from({ length: values.length }, (_, i) => i);
  return order.sort((a, b) => values[a] - values[b] || a - b);
}
