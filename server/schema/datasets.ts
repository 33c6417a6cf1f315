// Datasets, their classes and their energy bins.
import type { BinCounts, DatasetSummary } from '../data/dataset-catalog.ts';
import type { ClassLabel } from '../domain/classes.ts';
import type { RejectedFile } from '../domain/dataset.ts';
import { builder } from './builder.ts';
import { classCounts, ClassCountType, particleCounts, type ClassCountShape } from './classes.ts';

/** An energy bin with its events per class (of a dataset, or of a run's selection). */
export interface EnergyBinShape {
  index: number;
  minTeV: number;
  maxTeV: number;
  label: string;
  counts: ClassCountShape[];
}

export function energyBinShape(bin: BinCounts, classNames: readonly string[]): EnergyBinShape {
  return { index: bin.index, minTeV: bin.minTeV, maxTeV: bin.maxTeV, label: bin.label, counts: classCounts(classNames, bin.counts) };
}

export const EnergyBinType = builder.objectRef<EnergyBinShape>('EnergyBin').implement({
  description: 'A range of true energy [minTeV, maxTeV), referred to by its index; with how many events of each class it holds.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the bin, from 0 (lowest energy).' }),
    minTeV: t.exposeFloat('minTeV', { description: 'Lower edge in TeV (inclusive).' }),
    maxTeV: t.exposeFloat('maxTeV', { description: 'Upper edge in TeV (exclusive).' }),
    label: t.exposeString('label', { description: 'Human-readable edges, e.g. "1–2 TeV".' }),
    counts: t.field({ type: [ClassCountType], description: 'Events per class in this bin, in the dataset\'s class order.', resolve: (bin) => bin.counts }),
    gammaCount: t.int({
      description: 'Registered gamma events in this bin.',
      deprecationReason: 'Classes are data: use counts (className "gamma").',
      resolve: (bin) => particleCounts(bin.counts.map((c) => c.className), bin.counts.map((c) => c.count)).gamma,
    }),
    protonCount: t.int({
      description: 'Registered proton events in this bin.',
      deprecationReason: 'Classes are data: use counts (className "proton").',
      resolve: (bin) => particleCounts(bin.counts.map((c) => c.className), bin.counts.map((c) => c.count)).proton,
    }),
  }),
});

export const DatasetStateEnum = builder.enumType('DatasetState', {
  description: 'Where a dataset is in its life: an upload is ingested before predict can use it.',
  values: {
    INGESTING: { value: 'ingesting', description: 'Being unpacked, checked and registered; not usable yet.' },
    READY: { value: 'ready', description: 'Complete: predict can use it.' },
    FAILED: { value: 'failed', description: 'Ingest stopped with an error (see error); no event was kept.' },
    CANCELLED: { value: 'cancelled', description: 'Ingest was cancelled; no event was kept.' },
  } as const,
});

const DatasetClassType = builder.objectRef<ClassLabel & { index: number; eventCount: number }>('DatasetClass').implement({
  description: 'A class of a dataset.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: "Position in the dataset's class order (the rows and columns of confusion matrices)." }),
    name: t.exposeString('name', { description: 'The class name.' }),
    color: t.exposeString('color', { nullable: true, description: 'CSS colour (#rrggbb) the dataset declares for it, if any.' }),
    eventCount: t.exposeInt('eventCount', { description: 'Events of this class in the dataset.' }),
  }),
});

const RejectedFileType = builder.objectRef<RejectedFile>('RejectedFile').implement({
  description: 'A file that was not registered, and why.',
  fields: (t) => ({
    file: t.exposeString('file', { description: 'The file as named in the upload (or the folder ingested).' }),
    reason: t.exposeString('reason', { description: 'Why it was refused.' }),
  }),
});

export const DatasetType = builder.objectRef<DatasetSummary>('Dataset').implement({
  description: 'A set of labelled images: the generated demo set, data brought in with `astri ingest`, an upload, or a prefix of an object store.',
  fields: (t) => ({
    id: t.id({ description: 'Dataset id, for predict(datasetId) and energyBins(datasetId).', resolve: (d) => String(d.id) }),
    name: t.exposeString('name', { description: 'Name given at registration.' }),
    source: t.exposeString('source', { description: 'demo, ingest, upload, or bucket (read from an object store: see sourceUrl).' }),
    sourceUrl: t.exposeString('sourceUrl', {
      nullable: true,
      description: 'The s3://bucket/prefix a bucket dataset was read from; null for the others. The images are served by this server, never by the bucket.',
    }),
    state: t.field({ type: DatasetStateEnum, description: 'INGESTING while an upload is being registered; READY once usable.', resolve: (d) => d.state }),
    createdAt: t.string({ description: 'When it was registered (ISO 8601, UTC).', resolve: (d) => d.createdAt.toISOString() }),
    eventCount: t.exposeInt('eventCount', { description: 'Events of every class (0 until the dataset is ready).' }),
    classes: t.field({
      type: [DatasetClassType],
      description: 'The classes in order, with their event counts.',
      resolve: (d) => d.classes.map((label, index) => ({ ...label, index, eventCount: d.classCounts[index] ?? 0 })),
    }),
    signalClass: t.string({
      nullable: true,
      description: 'For a binary dataset, the class whose score is the signal score ("gamma" for ASTRI: its score is the gammaness); null for more than two classes.',
      resolve: (d) => (d.classes.length === 2 ? (d.signalClass ?? d.classes[1]?.name ?? null) : null),
    }),
    hasEnergies: t.boolean({ description: 'Whether events carry a true energy (then energyBins and the energyBin filters apply).', resolve: (d) => d.energyEdgesTeV !== null }),
    energyBins: t.field({
      type: [EnergyBinType],
      description: 'Energy bins with events per class; empty when the dataset has no energies.',
      resolve: async (d, _args, { services }) => (await services.datasets.countByBin(d)).map((bin) => energyBinShape(bin, d.classes.map((c) => c.name))),
    }),
    imageWidth: t.int({ nullable: true, description: 'Width of its images in pixels; null until known.', resolve: (d) => d.image?.width ?? null }),
    imageHeight: t.int({ nullable: true, description: 'Height of its images in pixels; null until known.', resolve: (d) => d.image?.height ?? null }),
    channels: t.int({ nullable: true, description: '1 for grayscale, 3 for RGB images; null until known.', resolve: (d) => d.image?.channels ?? null }),
    rejectedFiles: t.field({ type: [RejectedFileType], description: 'Files refused while ingesting, each with its reason.', resolve: (d) => d.rejectedFiles }),
    error: t.exposeString('error', { nullable: true, description: 'Why ingest failed, when state is FAILED or CANCELLED.' }),
  }),
});

builder.queryField('datasets', (t) =>
  t.field({
    type: [DatasetType],
    description: 'Every registered dataset, uploads being ingested included (see state).',
    resolve: (_root, _args, { services }) => services.datasets.list(),
  }),
);

builder.queryField('dataset', (t) =>
  t.field({
    type: DatasetType,
    description: 'One dataset by id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, { services }) => services.datasets.resolve(String(args.id)),
  }),
);

builder.queryField('energyBins', (t) =>
  t.field({
    type: [EnergyBinType],
    description: "A dataset's energy bins with their event counts per class; empty for a dataset without energies.",
    args: { datasetId: t.arg.id({ required: false, description: 'The dataset (see datasets); the default dataset (the first ready one, the demo) when omitted.' }) },
    resolve: async (_root, args, { services }) => {
      const dataset = await services.datasets.resolve(args.datasetId == null ? null : String(args.datasetId));
      return (await services.datasets.countByBin(dataset)).map((bin) => energyBinShape(bin, dataset.classes.map((c) => c.name)));
    },
  }),
);
