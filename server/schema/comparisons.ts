// Model comparison: runs of different models on the same events, their AUCs per energy bin and the paired
// bootstrap interval of each AUC difference.
import type { RunSummary } from '../domain/run.ts';
import type { PairedDifference } from '../metrics/index.ts';
import type { BinComparison } from '../predictions/run-metrics.ts';
import { builder } from './builder.ts';
import { classCounts } from './classes.ts';
import { EnergyBinType, type EnergyBinShape } from './datasets.ts';
import { PredictionRunType } from './predictions.ts';

const AucDifferenceType = builder.objectRef<PairedDifference & { run: RunSummary; seed: number }>('AucDifference').implement({
  description:
    'AUC(run) - AUC(first run) on the same events, with a paired percentile-bootstrap interval: each resample draws events (gammas and hadrons separately, with replacement) and scores the same resampled events with both models, so the events\' shared difficulty cancels; the bounds are numpy.quantile of the resampled differences at (1 - level) / 2 and (1 + level) / 2.',
  fields: (t) => ({
    run: t.field({ type: PredictionRunType, description: 'The run compared with the first.', resolve: (d) => d.run }),
    difference: t.exposeFloat('difference', { description: 'AUC(run) - AUC(first run) on the events themselves.' }),
    lower: t.exposeFloat('lower', { description: 'Lower bound of the interval.' }),
    upper: t.exposeFloat('upper', { description: 'Upper bound of the interval.' }),
    level: t.exposeFloat('level', { description: 'Confidence level.' }),
    resamples: t.exposeInt('resamples', { description: 'Bootstrap resamples drawn.' }),
    seed: t.exposeInt('seed', { description: 'Seed: energy bin i draws from createRng(hashSeed(seed, i)), every pair with the same draws.' }),
  }),
});

const RunAucType = builder.objectRef<{ run: RunSummary; auc: number | null }>('RunAuc').implement({
  description: "One run's ROC AUC of gammaness in a bin (sklearn.metrics.roc_auc_score).",
  fields: (t) => ({
    run: t.field({ type: PredictionRunType, description: 'The run.', resolve: (r) => r.run }),
    auc: t.exposeFloat('auc', { nullable: true, description: 'Its AUC in the bin; null without both classes.' }),
  }),
});

interface BinComparisonShape {
  comparison: BinComparison;
  runs: RunSummary[];
  seed: number;
}

const BinComparisonType = builder.objectRef<BinComparisonShape>('BinComparison').implement({
  description: 'The compared runs in one energy bin.',
  fields: (t) => ({
    bin: t.field({
      type: EnergyBinType,
      nullable: true,
      description: 'The energy bin (counts: the events of each class compared); null for runs over all energies.',
      resolve: ({ comparison, runs }): EnergyBinShape | null => {
        const { bin } = comparison;
        const { names, signalClass } = runs[0].classes;
        return bin ? { ...bin, counts: classCounts(names, names.map((name) => (name === signalClass ? comparison.gammaEvents : comparison.hadronEvents))) } : null;
      },
    }),
    energyTeV: t.float({ nullable: true, description: "The bin's centre on a log axis, sqrt(minTeV * maxTeV), in TeV.", resolve: ({ comparison }) => (comparison.bin ? Math.sqrt(comparison.bin.minTeV * comparison.bin.maxTeV) : null) }),
    gammaEvents: t.int({ description: 'Gammas compared in the bin.', resolve: ({ comparison }) => comparison.gammaEvents }),
    hadronEvents: t.int({ description: 'Hadrons compared in the bin.', resolve: ({ comparison }) => comparison.hadronEvents }),
    aucs: t.field({ type: [RunAucType], description: 'Each run\'s AUC, in the order asked.', resolve: ({ comparison, runs }) => runs.map((run, k) => ({ run, auc: comparison.aucs[k] })) }),
    differences: t.field({
      type: [AucDifferenceType],
      description: 'For each run after the first: its AUC minus the first run\'s, with the paired bootstrap interval.',
      resolve: ({ comparison, runs, seed }) => comparison.differences.flatMap((difference, k) => (difference ? [{ ...difference, run: runs[k + 1], seed }] : [])),
    }),
  }),
});

const RunComparisonType = builder.objectRef<{ runs: RunSummary[]; bins: BinComparison[]; seed: number }>('RunComparison').implement({
  description: 'Binary runs of different models on the same events (same dataset, energy bins, eventsPerClass and seed; cached outputs are reused), compared bin by bin.',
  fields: (t) => ({
    runs: t.field({ type: [PredictionRunType], description: 'The runs, in the order asked; the first is the reference.', resolve: (c) => c.runs }),
    bins: t.field({
      type: [BinComparisonType],
      description: 'One item per energy bin of the runs (one with bin null for runs over all energies).',
      resolve: (c) => c.bins.map((comparison) => ({ comparison, runs: c.runs, seed: c.seed })),
    }),
  }),
});

builder.queryField('runComparison', (t) =>
  t.field({
    type: RunComparisonType,
    description:
      'Compares binary runs of different models on the same events, bin by bin: each AUC and, for each run after the first, the paired bootstrap interval of its AUC difference to the first. Start the runs with the same dataset, energyBins, eventsPerClass and seed (outputs already computed for an event are reused from the prediction cache).',
    args: {
      runIds: t.arg.idList({ required: true, description: 'Two or more completed runs; the first is the reference.' }),
      resamples: t.arg.int({ required: false, defaultValue: 200, description: 'Bootstrap resamples, 1 to 10000.' }),
      confidenceLevel: t.arg.float({ required: false, defaultValue: 0.68, description: 'Confidence level of the intervals, in (0, 1).' }),
      bootstrapSeed: t.arg.int({ required: false, description: "Seed of the bootstrap; the first run's seed when omitted." }),
    },
    resolve: async (_root, args, { services }) => {
      const runIds = args.runIds.map(String);
      const comparison = await services.predictions.compare(runIds, { resamples: args.resamples ?? 200, level: args.confidenceLevel ?? 0.68, seed: args.bootstrapSeed });
      return { ...comparison, seed: args.bootstrapSeed ?? comparison.runs[0].seed };
    },
  }),
);
