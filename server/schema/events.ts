import { energyBinAt } from '../data/energy-bins.ts';
import type { CatalogEvent } from '../data/event-catalog.ts';
import { UserInputError } from '../errors.ts';
import { builder } from './builder.ts';

const MAX_PAGE_SIZE = 500;

export const ParticleEnum = builder.enumType('Particle', {
  description: 'The true primary particle of an air shower.',
  values: {
    GAMMA: { value: 'gamma', description: 'A gamma-ray photon: the signal.' },
    PROTON: { value: 'proton', description: 'A cosmic-ray proton (hadron): the background.' },
  } as const,
});

/** The deprecated Particle of a label: only the ASTRI classes have one. */
export function particleOf(label: string): 'gamma' | 'proton' {
  if (label === 'gamma' || label === 'proton') return label;
  throw new UserInputError(`class "${label}" is not a particle of the gamma/proton enum: read label instead of particle`, 'particle');
}

/** Images are served by this server from registered events only: /images/<eventId>.png */
export function imageUrl(eventId: number): string {
  return `/images/${eventId}.png`;
}

const EventAttributeType = builder.objectRef<{ name: string; value: string }>('EventAttribute').implement({
  description: "An extra column of the dataset's manifest, as written there.",
  fields: (t) => ({
    name: t.exposeString('name', { description: 'Column name.' }),
    value: t.exposeString('value', { description: 'Value for this event.' }),
  }),
});

export const EventType = builder.objectRef<CatalogEvent>('Event').implement({
  description: 'A registered event: an image with its true class and, when the dataset has them, its true energy.',
  fields: (t) => ({
    id: t.id({ description: 'Event id.', resolve: (event) => String(event.id) }),
    datasetId: t.id({ description: 'The dataset it belongs to.', resolve: (event) => String(event.datasetId) }),
    label: t.exposeString('label', { description: "True class, one of its dataset's classes." }),
    particle: t.field({
      type: ParticleEnum,
      description: 'True particle.',
      deprecationReason: 'Classes are data: use label. Errors for a class other than gamma or proton.',
      resolve: (event) => particleOf(event.label),
    }),
    trueEnergyTeV: t.exposeFloat('energyTeV', { nullable: true, description: 'True energy in TeV; null when the dataset has no energies.' }),
    energyTeV: t.float({
      description: 'True energy in TeV.',
      deprecationReason: 'Energy is optional: use trueEnergyTeV, which is null when unknown. Errors for an event without energy.',
      resolve: (event) => {
        if (event.energyTeV === null) throw new UserInputError(`event ${event.id} has no energy: read trueEnergyTeV`, 'energyTeV');
        return event.energyTeV;
      },
    }),
    imageUrl: t.string({ description: 'URL of the 8-bit image (PNG), relative to this server.', resolve: (event) => imageUrl(event.id) }),
    width: t.exposeInt('width', { description: 'Image width in pixels.' }),
    height: t.exposeInt('height', { description: 'Image height in pixels.' }),
    channels: t.exposeInt('channels', { description: '1 for grayscale, 3 for RGB.' }),
    attributes: t.field({
      type: [EventAttributeType],
      description: "The dataset manifest's extra columns for this event.",
      resolve: (event) => Object.entries(event.attributes).map(([name, value]) => ({ name, value })),
    }),
  }),
});

interface EventEdgeShape {
  cursor: string;
  node: CatalogEvent;
}
export interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

const EventEdge = builder.objectRef<EventEdgeShape>('EventEdge').implement({
  description: 'An event and its cursor.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Opaque; pass as `after` to continue after this event.' }),
    node: t.field({ type: EventType, description: 'The event.', resolve: (edge) => edge.node }),
  }),
});

export const PageInfo = builder.objectRef<PageInfoShape>('PageInfo').implement({
  description: 'Relay page information.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'More items (events, runs) follow this page.' }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'Items precede this page.' }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'Cursor of the first item of the page.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Cursor of the last item: pass it as `after` for the next page.' }),
  }),
});

const EventConnection = builder
  .objectRef<{ edges: EventEdgeShape[]; pageInfo: PageInfoShape; totalCount: number }>('EventConnection')
  .implement({
    description: 'A page of events (Relay connection).',
    fields: (t) => ({
      edges: t.field({ type: [EventEdge], description: 'The events of this page with their cursors.', resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfo, description: 'Where this page stands.', resolve: (c) => c.pageInfo }),
      totalCount: t.exposeInt('totalCount', { description: 'Events matching the filter, over all pages.' }),
    }),
  });

const encodeCursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new UserInputError(`invalid cursor "${cursor}": pass an endCursor or edge cursor from a previous page`, 'after');
  return Number(match[1]);
}

builder.queryField('events', (t) =>
  t.field({
    type: EventConnection,
    description: `Events of a dataset, optionally of one energy bin and one class, by ascending id; at most ${MAX_PAGE_SIZE} per page.`,
    args: {
      datasetId: t.arg.id({ required: false, description: 'The dataset (see datasets); the default dataset (the demo) when omitted.' }),
      energyBin: t.arg.int({ required: false, description: "Index of one of the dataset's energy bins (see energyBins); every energy when omitted." }),
      label: t.arg.string({ required: false, description: 'Only events of this class.' }),
      particle: t.arg({ type: ParticleEnum, required: false, deprecationReason: 'Classes are data: use label.' }),
      first: t.arg.int({ required: false, description: `Page size, 1 to ${MAX_PAGE_SIZE} (default 50).` }),
      after: t.arg.string({ required: false, description: 'Cursor after which the page starts.' }),
    },
    resolve: async (_root, args, { services }) => {
      const dataset = await services.datasets.resolve(args.datasetId == null ? null : String(args.datasetId));
      let bin = null;
      if (args.energyBin != null) {
        if (!dataset.energyEdgesTeV) throw new UserInputError(`dataset "${dataset.name}" has no energies: leave energyBin out`, 'energyBin');
        bin = energyBinAt(dataset.energyEdgesTeV, args.energyBin);
      }
      const label = args.label ?? (args.particle as string | null | undefined) ?? null;
      const first = args.first ?? 50;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw new UserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
      const offset = args.after ? decodeCursor(args.after) + 1 : 0;
      const page = await services.catalog.page({ datasetId: dataset.id, bin, label }, offset, first);
      const edges = page.events.map((node, i) => ({ cursor: encodeCursor(offset + i), node }));
      return {
        edges,
        totalCount: page.totalCount,
        pageInfo: {
          hasNextPage: offset + edges.length < page.totalCount,
          hasPreviousPage: offset > 0,
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges.at(-1)?.cursor ?? null,
        },
      };
    },
  }),
);
