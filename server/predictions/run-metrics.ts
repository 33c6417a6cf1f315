// A run's figures from its scored events: the gamma/hadron (signal vs background) metrics of a binary run at a
// threshold, and the N-class metrics of any run, both equal to scikit-learn's.
import { computeClassificationMetrics, computeMetrics, figuresByEnergy, type ClassificationMetrics, type EnergyBinFigures, type EnergyScoredEvent, type PerformanceMetrics } from '../metrics/index.ts';
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
