import { countEventsByBin, listDatasets, type DatasetSummary } from '../data/datasets.ts';
import { energyBins } from '../data/energy-bins.ts';
import { builder } from './builder.ts';

interface EnergyBinCounts {
  index: number;
  minTeV: number;
  maxTeV: number;
  label: string;
  gammaCount: number;
  protonCount: number;
}

export const EnergyBinType = builder.objectRef<EnergyBinCounts>('EnergyBin').implement({
  description: 'A range of true energy [minTeV, maxTeV), referred to by its index; with how many events of each class it holds.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the bin, from 0 (lowest energy).' }),
    minTeV: t.exposeFloat('minTeV', { description: 'Lower edge in TeV (inclusive).' }),
    maxTeV: t.exposeFloat('maxTeV', { description: 'Upper edge in TeV (exclusive).' }),
    label: t.exposeString('label', { description: 'Human-readable edges, e.g. "1–2 TeV".' }),
    gammaCount: t.exposeInt('gammaCount', { description: 'Registered gamma events in this bin.' }),
    protonCount: t.exposeInt('protonCount', { description: 'Registered proton events in this bin.' }),
  }),
});

builder.queryField('energyBins', (t) =>
  t.field({
    type: [EnergyBinType],
    description: 'Every configured energy bin with its event counts.',
    args: { datasetId: t.arg.id({ required: false, description: 'Count the events of this dataset only (see datasets).' }) },
    resolve: async (_root, args, { services }) => {
      const edges = services.config.energyBins.edgesTeV;
      const counts = await countEventsByBin(services.db, edges, args.datasetId == null ? {} : { datasetId: Number(args.datasetId) });
      return energyBins(edges).map((bin) => ({ ...bin, gammaCount: counts[bin.index]?.gamma ?? 0, protonCount: counts[bin.index]?.proton ?? 0 }));
    },
  }),
);

const DatasetType = builder
  .objectRef<DatasetSummary>('Dataset')
  .implement({
    description: 'A set of registered events: the generated demo set, or data brought in with `astri ingest`.',
    fields: (t) => ({
      id: t.id({ description: 'Dataset id, for predict(datasetId) and energyBins(datasetId).', resolve: (d) => String(d.id) }),
      name: t.exposeString('name', { description: 'Name given at registration.' }),
      source: t.exposeString('source', { description: 'demo, ingest or upload.' }),
      createdAt: t.string({ description: 'When it was registered (ISO 8601, UTC).', resolve: (d) => d.createdAt.toISOString() }),
      eventCount: t.exposeInt('eventCount', { description: 'Events of both classes.' }),
    }),
  });

builder.queryField('datasets', (t) =>
  t.field({
    type: [DatasetType],
    description: 'Every registered dataset.',
    resolve: (_root, _args, { services }) => listDatasets(services.db),
  }),
);
