// A run's figures per energy bin: for a binary gamma/hadron run the AUC with its bootstrap interval, the cut at
// a fixed gamma efficiency, the gamma efficiency at a fixed hadron efficiency and the best quality factor; for
// every run the N-class accuracy and macro AUC. Pure, shared with the dashboard, which redraws from it live.
import { bootstrapAuc, type ConfidenceInterval, type RandomIntegers } from './bootstrap.ts';
import { computeClassificationMetrics } from './classification.ts';
import { bestQualityFactor, cutAtGammaEfficiency, cutAtHadronEfficiency, type EfficiencyCut, type QualityFactorCut } from './efficiency-cuts.ts';
import { rocAucSorted } from './roc.ts';
import { sortClassScores } from './scores.ts';

/** An energy bin [minTeV, maxTeV), by its index among the dataset's bins. */
export interface EnergyRange {
  index: number;
  minTeV: number;
  maxTeV: number;
}

/** One scored event: its true class, its energy (null when unknown) and its scores in the run's class order. */
export interface EnergyScoredEvent {
  classIndex: number;
  energyTeV: number | null;
  scores: ArrayLike<number>;
}

export interface EnergyFigureOptions {
  classCount: number;
  /** The signal class (gamma) of a binary run; null for N-class runs, which get accuracy and macro AUC only. */
  signalIndex: number | null;
  /** Fixed gamma efficiency of the gammaness cut, in [0, 1]. */
  gammaEfficiency: number;
  /** Fixed hadron efficiency, in [0, 1]. */
  hadronEfficiency: number;
  /** The AUC interval's bootstrap, or null to leave it out (a live redraw of the cuts needs none). */
  bootstrap: { resamples: number; level: number; randomFor(bin: EnergyRange | null): RandomIntegers } | null;
}

export interface SeparationFigures {
  gammaEvents: number;
  hadronEvents: number;
  /** roc_auc_score of gammaness, gamma against hadron; null without both classes. */
  auc: number | null;
  aucInterval: ConfidenceInterval | null;
  atGammaEfficiency: EfficiencyCut | null;
  atHadronEfficiency: EfficiencyCut | null;
  bestQualityFactor: QualityFactorCut | null;
}

export interface EnergyBinFigures {
  /** Null for a run over all energies: one item over every event. */
  bin: EnergyRange | null;
  /** Scored events of each class in the bin. */
  eventsByClass: number[];
  /** accuracy_score of the argmax over the bin's events; null without events. */
  accuracy: number | null;
  /** One-vs-rest macro AUC (roc_auc_score multi_class="ovr"); null when a class has no event in the bin. */
  macroAuc: number | null;
  /** Set for binary runs. */
  separation: SeparationFigures | null;
}

/** The figures of each bin (in the given order), from the events whose energy lies in it. */
export function figuresByEnergy(events: readonly EnergyScoredEvent[], bins: readonly EnergyRange[], options: EnergyFigureOptions): EnergyBinFigures[] {
  if (bins.length === 0) return [figuresOf(null, events, options)];
  const byBin = bins.map((): EnergyScoredEvent[] => []);
  for (const event of events) {
    if (event.energyTeV === null) continue;
    const k = bins.findIndex((bin) => event.energyTeV! >= bin.minTeV && event.energyTeV! < bin.maxTeV);
    if (k >= 0) byBin[k].push(event);
  }
  return bins.map((bin, k) => figuresOf(bin, byBin[k], options));
}

function figuresOf(bin: EnergyRange | null, events: readonly EnergyScoredEvent[], options: EnergyFigureOptions): EnergyBinFigures {
  const { classCount, signalIndex } = options;
  const eventsByClass = new Array<number>(classCount).fill(0);
  for (const event of events) eventsByClass[event.classIndex]++;
  let accuracy: number | null = null;
  let macroAuc: number | null = null;
  if (events.length > 0) {
    const labels = Int32Array.from(events, (event) => event.classIndex);
    const probabilities = new Float64Array(events.length * classCount);
    events.forEach((event, i) => probabilities.set(event.scores, i * classCount));
    const metrics = computeClassificationMetrics(labels, probabilities, classCount, { topK: [] });
    accuracy = metrics.accuracy;
    macroAuc = metrics.roc.macroAuc;
  }
  return { bin, eventsByClass, accuracy, macroAuc, separation: signalIndex === null ? null : separationOf(bin, events, signalIndex, options) };
}

function separationOf(bin: EnergyRange | null, events: readonly EnergyScoredEvent[], signalIndex: number, options: EnergyFigureOptions): SeparationFigures {
  const gamma: number[] = [];
  const hadron: number[] = [];
  for (const event of events) (event.classIndex === signalIndex ? gamma : hadron).push(event.scores[signalIndex]);
  const sorted = sortClassScores(gamma, hadron);
  const both = gamma.length > 0 && hadron.length > 0;
  const { bootstrap } = options;
  return {
    gammaEvents: gamma.length,
    hadronEvents: hadron.length,
    auc: rocAucSorted(sorted),
    aucInterval: bootstrap && both ? bootstrapAuc(sorted.positive, sorted.negative, { resamples: bootstrap.resamples, level: bootstrap.level, random: bootstrap.randomFor(bin) }) : null,
    atGammaEfficiency: cutAtGammaEfficiency(sorted, options.gammaEfficiency),
    atHadronEfficiency: cutAtHadronEfficiency(sorted, options.hadronEfficiency),
    bestQualityFactor: bestQualityFactor(sorted),
  };
}
