// Gammaness distributions of both classes on shared bins, equal to numpy.histogram(scores, bins=binCount,
// range=(0, 1)): bins are [edge_k, edge_k+1) except the last, which is closed so that a score of exactly 1 counts.
import { assertScore, InvalidScoreError } from './scores.ts';

export interface SeparationHistograms {
  /** binCount + 1 edges from 0 to 1, as numpy.linspace(0, 1, binCount + 1). */
  edges: number[];
  /** Gamma counts per bin (length binCount). Zero counts are kept: a log-scale plot must skip or clamp them. */
  gamma: number[];
  /** Proton counts per bin (length binCount). */
  proton: number[];
}

/**
 * Histograms of gamma and proton gammaness. Unlike numpy, which silently drops values outside the range,
 * a score outside [0, 1] (or NaN) is rejected with InvalidScoreError: it means a broken model output.
 */
export function separationHistograms(
  gammaScores: ArrayLike<number>,
  protonScores: ArrayLike<number>,
  binCount = 50,
): SeparationHistograms {
  const edges = histogramEdges(binCount);
  return {
    edges: Array.from(edges),
    gamma: histogramCounts(gammaScores, edges, 'gamma'),
    proton: histogramCounts(protonScores, edges, 'proton'),
  };
}

/** numpy.linspace(0, 1, binCount + 1): k * (1 / binCount), with the last edge set to exactly 1. */
export function histogramEdges(binCount: number): Float64Array {
  if (!Number.isInteger(binCount) || binCount < 1) {
    throw new InvalidScoreError(`histogram bin count is ${String(binCount)}: it must be a positive integer`);
  }
  const step = 1 / binCount;
  const edges = new Float64Array(binCount + 1);
  for (let k = 0; k < binCount; k++) edges[k] = k * step;
  edges[binCount] = 1;
  return edges;
}

function histogramCounts(scores: ArrayLike<number>, edges: Float64Array, source: string): number[] {
  const binCount = edges.length - 1;
  const counts = new Array<number>(binCount).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i];
    assertScore(score, i, { source, unitInterval: true });
    // numpy's fast path for uniform bins: scale, truncate, then correct by one bin where rounding put
    // the value on the wrong side of an edge.
    let bin = Math.trunc(score * binCount);
    if (bin === binCount) bin--;
    if (score < edges[bin]) bin--;
    else if (score >= edges[bin + 1] && bin !== binCount - 1) bin++;
    counts[bin]++;
  }
  return counts;
}
