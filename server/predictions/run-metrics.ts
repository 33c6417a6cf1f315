// A run's figures from its scored events: the gamma/hadron (signal vs background) metrics of a binary run at a
// threshold, and the N-class metrics of any run, both equal to scikit-learn's.
import {
  calibrationCurve,
  computeClassificationMetrics,
  computeMetrics,
  figuresByEnergy,
  pairedBootstrapAucDifference,
  rocAucScore,
  type Calibration,
  type ClassificationMetrics,
  type EnergyBinFigures,
  type EnergyScoredEvent,
  type PairedDifference,
  type PerformanceMetrics,
} from '../metrics/index.ts';
import type { EnergyBin } from '../domain/energy.ts';
import type { RunClasses, ScoredEvent } from '../domain/run.ts';
import { createRng, hashSeed } from '../random/rng.ts';

export interface EnergyMetricsOptions {
  gammaEfficiency: number;
  hadronEfficiency: number;
  resamples: number;
  level: number;
  /** Seed of the bootstrap; bin i draws from createRng(hashSeed(seed, i)), a run over all energies from createRng(seed). */
  seed: number;
}

/** The run's figures per energy bin (one item over every event for a run over all energies); see figuresByEnergy. */
export function energyRunMetrics(scored: readonly ScoredEvent[], classes: RunClasses, bins: readonly EnergyBin[], options: EnergyMetricsOptions): EnergyBinFigures[] {
  const signal = classes.signalClass === null || classes.names.length !== 2 ? -1 : classes.names.indexOf(classes.signalClass);
  const events: EnergyScoredEvent[] = [];
  for (const event of scored) if (event.scores !== null) events.push({ classIndex: event.classIndex, energyTeV: event.energyTeV, scores: event.scores });
  return figuresByEnergy(events, bins, {
    classCount: classes.names.length,
    signalIndex: signal < 0 ? null : signal,
    gammaEfficiency: options.gammaEfficiency,
    hadronEfficiency: options.hadronEfficiency,
    bootstrap: {
      resamples: options.resamples,
      level: options.level,
      randomFor: (bin) => createRng(bin === null ? options.seed : hashSeed(options.seed, bin.index)),
    },
  });
}

/** Metrics of the signal class's score ("gammaness") against the other class; null for N-class runs or no scores. */
export function binaryRunMetrics(scored: readonly ScoredEvent[], classes: RunClasses, threshold: number, histogramBins: number): PerformanceMetrics | null {
  const signal = classes.signalClass === null ? -1 : classes.names.indexOf(classes.signalClass);
  if (classes.names.length !== 2 || signal < 0) return null;
  const gamma: number[] = [];
  const proton: number[] = [];
  for (const event of scored) {
    if (event.scores === null) continue;
    (event.classIndex === signal ? gamma : proton).push(event.scores[signal]);
  }
  if (gamma.length + proton.length === 0) return null;
  return computeMetrics({ gamma, proton }, { threshold, histogramBins });
}

/** The N-class metrics over the events that have scores, classes in the run's order; null before any has one. */
export function classificationRunMetrics(scored: readonly ScoredEvent[], classCount: number): ClassificationMetrics | null {
  const withScores = scored.filter((event) => event.scores !== null);
  if (withScores.length === 0) return null;
  const labels = Int32Array.from(withScores, (event) => event.classIndex);
  const probabilities = new Float64Array(withScores.length * classCount);
  withScores.forEach((event, i) => probabilities.set(event.scores!, i * classCount));
  return computeClassificationMetrics(labels, probabilities, classCount);
}

/** The signal class's score of an event of a binary run (its gammaness, for ASTRI); null otherwise. */
export function signalScore(event: ScoredEvent, classes: RunClasses): number | null {
  if (event.scores === null || classes.signalClass === null || classes.names.length !== 2) return null;
  return event.scores[classes.names.indexOf(classes.signalClass)];
}

/** The reliability diagram and Brier score of a binary run's gammaness (signal class = 1); null for N-class runs or no scores. */
export function calibrationRunMetrics(scored: readonly ScoredEvent[], classes: RunClasses, binCount: number): Calibration | null {
  const labels: number[] = [];
  const scores: number[] = [];
  for (const event of scored) {
    const score = signalScore(event, classes);
    if (score === null) continue;
    labels.push(classes.names[event.classIndex] === classes.signalClass ? 1 : 0);
    scores.push(score);
  }
  return calibrationCurve(labels, scores, binCount);
}

/** One energy bin of a comparison: each run's AUC, and each later run's paired difference to the first. */
export interface BinComparison {
  bin: EnergyBin | null;
  gammaEvents: number;
  hadronEvents: number;
  /** AUC of each run, in the order given. */
  aucs: Array<number | null>;
  /** For each run after the first: AUC(run) - AUC(first) with its paired bootstrap interval. */
  differences: Array<PairedDifference | null>;
}

/** Thrown when runs to compare did not score the same events. */
export class DifferentEventsError extends Error {
  override name = 'DifferentEventsError';
}

/**
 * Paired comparison of binary runs on the same events, bin by bin: events are matched by id (within a class,
 * in increasing id order) and every pair of runs is resampled with the same draws, from
 * createRng(hashSeed(seed, bin index)) (createRng(seed) over all energies).
 */
export function compareRunsByEnergy(
  runs: ReadonlyArray<readonly ScoredEvent[]>,
  classes: RunClasses,
  bins: readonly EnergyBin[],
  options: { resamples: number; level: number; seed: number },
): BinComparison[] {
  const signal = classes.signalClass === null ? -1 : classes.names.indexOf(classes.signalClass);
  const inBin = (event: ScoredEvent, bin: EnergyBin | null) => bin === null || (event.energyTeV !== null && event.energyTeV >= bin.minTeV && event.energyTeV < bin.maxTeV);
  return (bins.length ? bins : [null]).map((bin) => {
    const sides = runs.map((scored) => {
      const events = scored.filter((event) => event.scores !== null && inBin(event, bin)).sort((a, b) => a.eventId - b.eventId);
      const positive = events.filter((event) => event.classIndex === signal);
      const negative = events.filter((event) => event.classIndex !== signal);
      return { positive, negative };
    });
    const [first] = sides;
    const key = (events: readonly ScoredEvent[]) => events.map((event) => event.eventId).join(',');
    sides.forEach((side, k) => {
      if (key(side.positive) !== key(first.positive) || key(side.negative) !== key(first.negative)) {
        throw new DifferentEventsError(`run ${k + 1} did not score the same events as the first${bin ? ` in energy bin ${bin.index} (${bin.label})` : ''}`);
      }
    });
    const gammaness = (events: readonly ScoredEvent[]) => events.map((event) => event.scores![signal]);
    const aucs = sides.map((side) => rocAucScore([...side.positive.map(() => 1), ...side.negative.map(() => 0)], [...gammaness(side.positive), ...gammaness(side.negative)]));
    const differences = sides.slice(1).map((side) =>
      pairedBootstrapAucDifference(
        { first: { positive: gammaness(first.positive), negative: gammaness(first.negative) }, second: { positive: gammaness(side.positive), negative: gammaness(side.negative) } },
        { resamples: options.resamples, level: options.level, random: createRng(bin === null ? options.seed : hashSeed(options.seed, bin.index)) },
      ),
    );
    return { bin, gammaEvents: first.positive.length, hadronEvents: first.negative.length, aucs, differences };
  });
}
