// Separation power against energy: the per-energy-bin figures of a run, with their definitions.
import { energyBin } from '../domain/energy.ts';
import type { Calibration, ConfidenceInterval, EfficiencyCut, EnergyBinFigures, QualityFactorCut, ReliabilityBin } from '../metrics/index.ts';
import { builder } from './builder.ts';
import { classCounts, ClassCountType } from './classes.ts';
import { EnergyBinType, type EnergyBinShape } from './datasets.ts';

export const ConfidenceIntervalType = builder.objectRef<ConfidenceInterval & { seed: number }>('ConfidenceInterval').implement({
  description:
    'A percentile-bootstrap confidence interval: `resamples` resamples drawn with replacement, stratified by class (as many gammas and as many hadrons as the bin holds), from the seeded generator (same seed, same interval); the bounds are numpy.quantile of the resampled statistic at (1 - level) / 2 and (1 + level) / 2, linear interpolation.',
  fields: (t) => ({
    lower: t.exposeFloat('lower', { description: 'Lower bound: the (1 - level) / 2 quantile of the resampled statistic.' }),
    upper: t.exposeFloat('upper', { description: 'Upper bound: the (1 + level) / 2 quantile.' }),
    level: t.exposeFloat('level', { description: 'Confidence level, e.g. 0.68 (one sigma) or 0.95.' }),
    resamples: t.exposeInt('resamples', { description: 'Bootstrap resamples drawn.' }),
    seed: t.exposeInt('seed', { description: 'Seed of the bootstrap; energy bin i draws from createRng(hashSeed(seed, i)) (server/random/rng.ts), a run over all energies from createRng(seed).' }),
  }),
});

export const EfficiencyCutType = builder.objectRef<EfficiencyCut>('EfficiencyCut').implement({
  description: 'A gammaness cut and what passes it: an event passes when its gammaness >= cut (pyirf\'s convention).',
  fields: (t) => ({
    cut: t.exposeFloat('cut', { description: 'The gammaness cut.' }),
    gammaEfficiency: t.exposeFloat('gammaEfficiency', { description: 'eps_gamma: fraction of the bin\'s gammas with gammaness >= cut.' }),
    hadronEfficiency: t.exposeFloat('hadronEfficiency', { description: 'eps_hadron: fraction of the bin\'s hadrons (background) with gammaness >= cut.' }),
    qualityFactor: t.float({
      nullable: true,
      description: 'Q = eps_gamma / sqrt(eps_hadron) at this cut; null when no hadron passes.',
      resolve: (cut) => (cut.hadronEfficiency > 0 ? cut.gammaEfficiency / Math.sqrt(cut.hadronEfficiency) : null),
    }),
  }),
});

export const QualityFactorCutType = builder.objectRef<QualityFactorCut>('QualityFactorCut').implement({
  description:
    'The best quality factor Q = eps_gamma / sqrt(eps_hadron) over the cuts at every distinct gammaness of the bin\'s events (the thresholds of sklearn\'s roc_curve with drop_intermediate=False), leaving out cuts no hadron passes; ties go to the highest cut.',
  fields: (t) => ({
    qualityFactor: t.exposeFloat('qualityFactor', { description: 'The best Q.' }),
    cut: t.exposeFloat('cut', { description: 'The gammaness cut that gives it (events pass when gammaness >= cut).' }),
    gammaEfficiency: t.exposeFloat('gammaEfficiency', { description: 'eps_gamma at that cut.' }),
    hadronEfficiency: t.exposeFloat('hadronEfficiency', { description: 'eps_hadron at that cut.' }),
  }),
});

export interface EnergyBinMetricsShape {
  figures: EnergyBinFigures;
  classes: readonly string[];
  /** The bootstrap seed the intervals were drawn with. */
  seed: number;
  gammaEfficiency: number;
  hadronEfficiency: number;
}

export const EnergyBinMetricsType = builder.objectRef<EnergyBinMetricsShape>('EnergyBinMetrics').implement({
  description:
    "A run's figures in one energy bin, from the events whose true energy lies in the bin [minTeV, maxTeV). The gamma/hadron figures (auc, cuts, Q) are set for binary signal/background runs, with the signal class's score as gammaness; accuracy and macroAuc for every run. Each equals a NumPy / scikit-learn computation on the bin's scores (scripts/energy-metrics-reference.py).",
  fields: (t) => ({
    bin: t.field({
      type: EnergyBinType,
      nullable: true,
      description: 'The energy bin (counts: the scored events of each class in it); null for a run drawn over all energies, whose one item covers every event.',
      resolve: ({ figures, classes }): EnergyBinShape | null =>
        figures.bin ? { ...energyBin(figures.bin.index, figures.bin.minTeV, figures.bin.maxTeV), counts: classCounts(classes, figures.eventsByClass) } : null,
    }),
    energyTeV: t.float({
      nullable: true,
      description: 'The bin\'s centre on a log axis, sqrt(minTeV * maxTeV), in TeV; null over all energies.',
      resolve: ({ figures }) => (figures.bin ? Math.sqrt(figures.bin.minTeV * figures.bin.maxTeV) : null),
    }),
    eventsByClass: t.field({ type: [ClassCountType], description: 'Scored events of each class in the bin.', resolve: ({ figures, classes }) => classCounts(classes, figures.eventsByClass) }),
    accuracy: t.float({ nullable: true, description: 'accuracy_score of the argmax class over the bin\'s events; null without events.', resolve: ({ figures }) => figures.accuracy }),
    macroAuc: t.float({
      nullable: true,
      description: 'One-vs-rest macro ROC AUC over the bin\'s events: the mean over classes of roc_auc_score(class k against the rest, score k), as roc_auc_score(multi_class="ovr", average="macro"); null when a class has no event in the bin.',
      resolve: ({ figures }) => figures.macroAuc,
    }),
    gammaEvents: t.int({ nullable: true, description: 'Scored gammas (signal class) in the bin; null for N-class runs.', resolve: ({ figures }) => figures.separation?.gammaEvents ?? null }),
    hadronEvents: t.int({ nullable: true, description: 'Scored hadrons (the background class) in the bin; null for N-class runs.', resolve: ({ figures }) => figures.separation?.hadronEvents ?? null }),
    auc: t.float({
      nullable: true,
      description: 'ROC AUC of gammaness, gammas against hadrons (sklearn.metrics.roc_auc_score: the trapezoid area, ties count one half); null for N-class runs or without both classes.',
      resolve: ({ figures }) => figures.separation?.auc ?? null,
    }),
    aucInterval: t.field({
      type: ConfidenceIntervalType,
      nullable: true,
      description: 'Percentile-bootstrap confidence interval of auc (see ConfidenceInterval); null where auc is.',
      resolve: ({ figures, seed }) => (figures.separation?.aucInterval ? { ...figures.separation.aucInterval, seed } : null),
    }),
    gammaEfficiencyTarget: t.float({ description: 'The fixed gamma efficiency asked for (the gammaEfficiency argument).', resolve: ({ gammaEfficiency }) => gammaEfficiency }),
    atGammaEfficiency: t.field({
      type: EfficiencyCutType,
      nullable: true,
      description:
        "The gammaness cut that keeps the fixed gamma efficiency, pyirf's percentile-cut convention: cut = numpy.quantile(gammaness of the bin's gammas, 1 - gammaEfficiency) (linear interpolation), as pyirf.cuts.calculate_percentile_cut with percentile = 100 (1 - gammaEfficiency); with the gamma and hadron efficiencies that pass it (hadronEfficiency: the surviving background). Null for N-class runs or without both classes.",
      resolve: ({ figures }) => figures.separation?.atGammaEfficiency ?? null,
    }),
    hadronEfficiencyTarget: t.float({ description: 'The fixed hadron efficiency asked for (the hadronEfficiency argument).', resolve: ({ hadronEfficiency }) => hadronEfficiency }),
    atHadronEfficiency: t.field({
      type: EfficiencyCutType,
      nullable: true,
      description:
        "The gamma efficiency at the fixed hadron efficiency: cut = numpy.quantile(gammaness of the bin's hadrons, 1 - hadronEfficiency) (linear), and the fractions of gammas and hadrons with gammaness >= cut. Null for N-class runs or without both classes.",
      resolve: ({ figures }) => figures.separation?.atHadronEfficiency ?? null,
    }),
    bestQualityFactor: t.field({
      type: QualityFactorCutType,
      nullable: true,
      description: 'The best quality factor and its cut (see QualityFactorCut); null for N-class runs or when no cut lets a hadron through.',
      resolve: ({ figures }) => figures.separation?.bestQualityFactor ?? null,
    }),
  }),
});

const ReliabilityBinType = builder.objectRef<ReliabilityBin>('ReliabilityBin').implement({
  description: 'One bin of a reliability diagram: the events whose gammaness falls in [lower, upper) (the last bin closed; a score on an inner edge falls in the lower bin, as numpy.searchsorted(edges[1:-1], score) places it).',
  fields: (t) => ({
    lower: t.exposeFloat('lower', { description: 'Lower edge of the gammaness bin.' }),
    upper: t.exposeFloat('upper', { description: 'Upper edge of the gammaness bin.' }),
    count: t.exposeInt('count', { description: 'Events in the bin.' }),
    meanScore: t.exposeFloat('meanScore', { description: 'Mean gammaness of those events (calibration_curve\'s prob_pred).' }),
    fractionPositive: t.exposeFloat('fractionPositive', { description: 'Fraction of them that are gammas (the signal class; calibration_curve\'s prob_true).' }),
  }),
});

export const CalibrationType = builder.objectRef<Calibration>('Calibration').implement({
  description:
    'Calibration of the gammaness of a binary run: the reliability diagram of sklearn.calibration.calibration_curve(strategy="uniform") over equal-width bins of [0, 1] (non-empty bins only), and the Brier score. A calibrated gammaness lies on the diagonal: fractionPositive = meanScore.',
  fields: (t) => ({
    bins: t.field({ type: [ReliabilityBinType], description: 'The non-empty bins, lowest gammaness first.', resolve: (c) => c.bins }),
    brierScore: t.exposeFloat('brierScore', { description: 'sklearn.metrics.brier_score_loss: mean of (gammaness - y)^2, y = 1 for gammas, 0 for hadrons; 0 is perfect.' }),
    count: t.exposeInt('count', { description: 'Scored events counted.' }),
  }),
});
