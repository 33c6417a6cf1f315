import { energyBinAt } from '../data/energy-bins.ts';
import type { CatalogEvent } from '../data/event-catalog.ts';
import { UserInputError } from '../errors.ts';
import type { Particle } from '../predictions/types.ts';
import { builder } from './builder.ts';

const MAX_PAGE_SIZE = 500;

export const ParticleEnum = builder.enumType('Particle', {
  description: 'The true primary particle of an air shower.',
  values: {
    GAMMA: { value: 'gamma', description: 'A gamma-ray photon: the signal.' },
    PROTON: { value: 'proton', description: 'A cosmic-ray proton (hadron): the background.' },
  } as const,
});

/** Images are served by this server from registered events only: /images/<eventId>.png */
export function imageUrl(eventId: number): string {
  return `/images/${eventId}.png`;
}

export const EventType = builder.objectRef<CatalogEvent>('Event').implement({
  description: 'A registered air-shower event: a camera image with its true particle and energy.',
  fields: (t) => ({
    id: t.id({ description: 'Event id.', resolve: (event) => String(event.id) }),
    particle: t.field({ type: ParticleEnum, description: 'True particle.', resolve: (event) => event.particle }),
    energyTeV: t.exposeFloat('energyTeV', { description: 'True energy in TeV.' }),
    imageUrl: t.string({ description: 'URL of the 8-bit camera image (PNG), relative to this server.', resolve: (event) => imageUrl(event.id) }),
    width: t.exposeInt('width', { description: 'Image width in pixels.' }),
    height: t.exposeInt('height', { description: 'Image height in pixels.' }),
  }),
});

interface EventEdgeShape {
  cursor: string;
  node: CatalogEvent;
}
interface PageInfoShape {
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

const PageInfo = builder.objectRef<PageInfoShape>('PageInfo').implement({
  description: 'Relay page information.',
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { description: 'More events follow this page.' }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { description: 'Events precede this page.' }),
    startCursor: t.exposeString('startCursor', { nullable: true, description: 'Cursor of the first event of the page.' }),
    endCursor: t.exposeString('endCursor', { nullable: true, description: 'Cursor of the last event: pass it as `after` for the next page.' }),
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
    description: `Events of an energy bin, optionally of one particle, by ascending id; at most ${MAX_PAGE_SIZE} per page.`,
    args: {
      energyBin: t.arg.int({ required: true, description: 'Index of the energy bin (see energyBins).' }),
      particle: t.arg({ type: ParticleEnum, required: false }),
      first: t.arg.int({ required: false, description: `Page size, 1 to ${MAX_PAGE_SIZE} (default 50).` }),
      after: t.arg.string({ required: false, description: 'Cursor after which the page starts.' }),
    },
    resolve: async (_root, args, { services }) => {
      const bin = energyBinAt(services.config.energyBins.edgesTeV, args.energyBin);
      const first = args.first ?? 50;
      if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw new UserInputError(`first must be between 1 and ${MAX_PAGE_SIZE}, got ${first}`, 'first');
      const offset = args.after ? decodeCursor(args.after) + 1 : 0;
      const page = await services.catalog.page(bin, (args.particle as Particle | null | undefined) ?? null, offset, first);
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
