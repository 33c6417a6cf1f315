// Small numeric helpers of the benchmark report.

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The element whose `key` is the median (the lower one for an even count), so its other fields stay consistent. */
export function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : NaN;
}

/** ROC AUC of gamma (positive) against proton scores: the Mann-Whitney statistic, ties counted half. */
export function rocAuc(gamma: readonly number[], proton: readonly number[]): number {
  if (gamma.length === 0 || proton.length === 0) return NaN;
  const all = [...gamma.map((score) => ({ score, positive: true })), ...proton.map((score) => ({ score, positive: false }))].sort((a, b) => a.score - b.score);
  let rankSumPositive = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j].score === all[i].score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].positive) rankSumPositive += averageRank;
    i = j;
  }
  return (rankSumPositive - (gamma.length * (gamma.length + 1)) / 2) / (gamma.length * proton.length);
}

/** Largest absolute difference between two equally long sorted copies of the score lists (same events, any order). */
export function maxSortedDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return NaN;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
  return max;
}
