import { countEventsByBin } from '../data/datasets.ts';
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
    resolve: async (_root, _args, { services }) => {
      const edges = services.config.energyBins.edgesTeV;
      const counts = await countEventsByBin(services.db, edges);
      return energyBins(edges).map((bin) => ({ ...bin, gammaCount: counts[bin.index]?.gamma ?? 0, protonCount: counts[bin.index]?.proton ?? 0 }));
    },
  }),
);
