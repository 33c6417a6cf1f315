// Separation against energy in the page: the per-bin figures of a run from its streamed scores, with the same
// shared module and the same seeded bootstrap as the API (PredictionRun.energyMetrics), so the page's numbers are
// the API's; then what the five energy plots draw and the CSV they export.
import { figuresByEnergy, type EnergyBinFigures, type EnergyRange, type EnergyScoredEvent } from '../../server/metrics/index.ts';
import { createRng, hashSeed } from '../../server/random/rng.ts';
import type { EnergyCurveData, EnergySeries } from '../plots/energy-curve.ts';
import type { ScoredEvent } from '../types.ts';

export interface EnergyOptions {
  gammaEfficiency: number;
  hadronEfficiency: number;
  /** Bootstrap resamples of the AUC interval; 0 leaves the interval out (a live redraw while streaming). */
  resamples: number;
  level: number;
  /** The run's seed: bin i draws from createRng(hashSeed(seed, i)), as the server does. */
  seed: number;
}

export const DEFAULT_RESAMPLES = 200;
export const DEFAULT_LEVEL = 0.68;

/** The figures of each bin of a run from its scored events; for a binary run the signal class's score is the gammaness. */
export function energyFigures(events: readonly ScoredEvent[], classes: readonly string[], signalClass: string | null, bins: readonly EnergyRange[], options: EnergyOptions): EnergyBinFigures[] {
  const index = new Map(classes.map((name, i) => [name, i]));
  const scored: EnergyScoredEvent[] = [];
  for (const event of events) {
    const classIndex = index.get(event.label);
    if (classIndex === undefined || !event.scores || event.scores.length !== classes.length || !event.scores.every(Number.isFinite)) continue;
    scored.push({ classIndex, energyTeV: event.trueEnergyTeV, scores: event.scores });
  }
  return figuresByEnergy(scored, bins, {
    classCount: classes.length,
    signalIndex: signalClass === null ? null : (index.get(signalClass) ?? null),
    gammaEfficiency: options.gammaEfficiency,
    hadronEfficiency: options.hadronEfficiency,
    bootstrap:
      options.resamples > 0
        ? { resamples: options.resamples, level: options.level, randomFor: (bin) => createRng(bin === null ? options.seed : hashSeed(options.seed, bin.index)) }
        : null,
  });
}

/** One model's figures, as one series of every energy plot. */
export interface EnergySeriesInput {
  key: string;
  label: string;
  colour: string;
  figures: readonly EnergyBinFigures[];
}

export interface EnergyPlots {
  auc: EnergyCurveData;
  hadronAtGamma: EnergyCurveData;
  gammaAtHadron: EnergyCurveData;
  cut: EnergyCurveData;
  qualityFactor: EnergyCurveData;
}

export function energyPlots(inputs: readonly EnergySeriesInput[], options: Pick<EnergyOptions, 'gammaEfficiency' | 'hadronEfficiency' | 'level'>): EnergyPlots {
  const series = (pick: (f: EnergyBinFigures) => { value: number | null; lower?: number | null; upper?: number | null }): EnergySeries[] =>
    inputs.map((input) => ({
      key: input.key,
      label: input.label,
      colour: input.colour,
      points: input.figures.filter((f) => f.bin !== null).map((f) => ({ minTeV: f.bin!.minTeV, maxTeV: f.bin!.maxTeV, ...pick(f) })),
    }));
  const eg = formatEfficiency(options.gammaEfficiency);
  const eh = formatEfficiency(options.hadronEfficiency);
  return {
    auc: {
      title: 'ROC AUC against energy',
      yTitle: `ROC AUC (bars: ${Math.round(options.level * 100)}% bootstrap)`,
      series: series((f) => ({ value: f.separation?.auc ?? null, lower: f.separation?.aucInterval?.lower ?? null, upper: f.separation?.aucInterval?.upper ?? null })),
    },
    hadronAtGamma: {
      title: `Hadron efficiency at gamma efficiency ${eg}`,
      yTitle: `ε_h at ε_γ = ${eg}`,
      series: series((f) => ({ value: f.separation?.atGammaEfficiency?.hadronEfficiency ?? null })),
      yDomain: [0, 1],
    },
    gammaAtHadron: {
      title: `Gamma efficiency at hadron efficiency ${eh}`,
      yTitle: `ε_γ at ε_h = ${eh}`,
      series: series((f) => ({ value: f.separation?.atHadronEfficiency?.gammaEfficiency ?? null })),
      yDomain: [0, 1],
    },
    cut: {
      title: `Gammaness cut keeping ${eg} of the gammas`,
      yTitle: `Gammaness cut (ε_γ = ${eg})`,
      series: series((f) => ({ value: f.separation?.atGammaEfficiency?.cut ?? null })),
      yDomain: [0, 1],
    },
    qualityFactor: {
      title: 'Best quality factor against energy',
      yTitle: 'Best Q = ε_γ / √ε_h',
      series: series((f) => ({ value: f.separation?.bestQualityFactor?.qualityFactor ?? null })),
    },
  };
}

/** The N-class run's figures against energy: accuracy and one-vs-rest macro AUC per bin. */
export interface ClassEnergyPlots {
  accuracy: EnergyCurveData;
  macroAuc: EnergyCurveData;
}

export function classEnergyPlots(inputs: readonly EnergySeriesInput[]): ClassEnergyPlots {
  const series = (pick: (f: EnergyBinFigures) => number | null): EnergySeries[] =>
    inputs.map((input) => ({
      key: input.key,
      label: input.label,
      colour: input.colour,
      points: input.figures.filter((f) => f.bin !== null).map((f) => ({ minTeV: f.bin!.minTeV, maxTeV: f.bin!.maxTeV, value: pick(f) })),
    }));
  return {
    accuracy: { title: 'Accuracy against energy', yTitle: 'Accuracy (argmax)', series: series((f) => f.accuracy), yDomain: [0, 1] },
    macroAuc: { title: 'Macro AUC against energy', yTitle: 'One-vs-rest macro AUC', series: series((f) => f.macroAuc) },
  };
}

/** One row per model and bin: every figure, with the fixed efficiencies in the header. */
export function energyCsv(inputs: readonly EnergySeriesInput[], options: Pick<EnergyOptions, 'gammaEfficiency' | 'hadronEfficiency' | 'level'>): string {
  const header = [
    'model',
    'bin',
    'min_tev',
    'max_tev',
    'gamma_events',
    'hadron_events',
    'auc',
    `auc_lower_${options.level}`,
    `auc_upper_${options.level}`,
    `cut_at_gamma_eff_${options.gammaEfficiency}`,
    `hadron_eff_at_gamma_eff_${options.gammaEfficiency}`,
    `cut_at_hadron_eff_${options.hadronEfficiency}`,
    `gamma_eff_at_hadron_eff_${options.hadronEfficiency}`,
    'best_q',
    'best_q_cut',
    'accuracy',
  ];
  const cell = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const rows = inputs.flatMap((input) =>
    input.figures.map((f) => {
      const s = f.separation;
      return [
        quote(input.label),
        cell(f.bin?.index),
        cell(f.bin?.minTeV),
        cell(f.bin?.maxTeV),
        cell(s?.gammaEvents),
        cell(s?.hadronEvents),
        cell(s?.auc),
        cell(s?.aucInterval?.lower),
        cell(s?.aucInterval?.upper),
        cell(s?.atGammaEfficiency?.cut),
        cell(s?.atGammaEfficiency?.hadronEfficiency),
        cell(s?.atHadronEfficiency?.cut),
        cell(s?.atHadronEfficiency?.gammaEfficiency),
        cell(s?.bestQualityFactor?.qualityFactor),
        cell(s?.bestQualityFactor?.cut),
        cell(f.accuracy),
      ].join(',');
    }),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

function formatEfficiency(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
