// Gammaness cuts of a gamma/hadron analysis: the cut that keeps a fixed fraction of gammas (pyirf's
// percentile-cut convention), the cut that lets through a fixed fraction of hadrons, and the cut of the best
// quality factor. An event passes a cut when its gammaness >= cut (pyirf's evaluate_binned_cut, operator.ge).
import { quantileSorted } from './quantile.ts';
import { curveCounts, type SortedClassScores } from './scores.ts';

/** A gammaness cut and the fractions of each class that pass it. */
export interface EfficiencyCut {
  /** Events pass when gammaness >= cut. */
  cut: number;
  /** Fraction of gammas (the signal class) with gammaness >= cut. */
  gammaEfficiency: number;
  /** Fraction of hadrons (the background) with gammaness >= cut. */
  hadronEfficiency: number;
}

/**
 * The cut that keeps `gammaEfficiency` of the gammas: numpy.quantile(gamma, 1 - gammaEfficiency) (linear
 * interpolation), as pyirf's calculate_percentile_cut with percentile = 100 (1 - efficiency). Null without gammas.
 */
export function cutAtGammaEfficiency(sorted: SortedClassScores, gammaEfficiency: number): EfficiencyCut | null {
  checkEfficiency(gammaEfficiency, 'gammaEfficiency');
  const cut = quantileSorted(sorted.positive, 1 - gammaEfficiency);
  return cut === null || sorted.negative.length === 0 ? null : cutOf(sorted, cut);
}

/** The cut that lets `hadronEfficiency` of the hadrons through: numpy.quantile(hadron, 1 - hadronEfficiency). */
export function cutAtHadronEfficiency(sorted: SortedClassScores, hadronEfficiency: number): EfficiencyCut | null {
  checkEfficiency(hadronEfficiency, 'hadronEfficiency');
  const cut = quantileSorted(sorted.negative, 1 - hadronEfficiency);
  return cut === null || sorted.positive.length === 0 ? null : cutOf(sorted, cut);
}

export interface QualityFactorCut extends EfficiencyCut {
  /** Q = gammaEfficiency / sqrt(hadronEfficiency). */
  qualityFactor: number;
}

/**
 * The cut with the highest Q = eps_gamma / sqrt(eps_hadron) among the distinct scores of the events (the
 * thresholds of sklearn's roc_curve(drop_intermediate=False)), leaving out cuts no hadron passes (Q undefined).
 * Ties: the highest cut. Null when no cut lets a hadron through or a class is empty.
 */
export function bestQualityFactor(sorted: SortedClassScores): QualityFactorCut | null {
  const gammas = sorted.positive.length;
  const hadrons = sorted.negative.length;
  if (gammas === 0 || hadrons === 0) return null;
  const { thresholds, truePositives, falsePositives } = curveCounts(sorted);
  let best: QualityFactorCut | null = null;
  for (let k = 0; k < thresholds.length; k++) {
    if (falsePositives[k] === 0) continue;
    const gammaEfficiency = truePositives[k] / gammas;
    const hadronEfficiency = falsePositives[k] / hadrons;
    const qualityFactor = gammaEfficiency / Math.sqrt(hadronEfficiency);
    if (best === null || qualityFactor > best.qualityFactor) best = { cut: thresholds[k], gammaEfficiency, hadronEfficiency, qualityFactor };
  }
  return best;
}

/** Fraction of an ascending array with value >= cut. */
export function fractionAtLeast(ascending: ArrayLike<number>, cut: number): number {
  let low = 0;
  let high = ascending.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ascending[middle] >= cut) high = middle;
    else low = middle + 1;
  }
  return (ascending.length - low) / ascending.length;
}

function cutOf(sorted: SortedClassScores, cut: number): EfficiencyCut {
  return { cut, gammaEfficiency: fractionAtLeast(sorted.positive, cut), hadronEfficiency: fractionAtLeast(sorted.negative, cut) };
}

function checkEfficiency(value: number, name: string): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
}
