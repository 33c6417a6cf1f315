// Read access to registered events: paging through a dataset (optionally one class, one energy bin), and the
// file behind an event's image.
import path from 'node:path';
import type { Db } from './db.ts';
import type { EnergyBin } from '../domain/energy.ts';

export interface CatalogEvent {
  id: number;
  datasetId: number;
  label: string;
  energyTeV: number | null;
  width: number;
  height: number;
  channels: number;
  attributes: Record<string, string>;
}

export interface EventPage {
  events: CatalogEvent[];
  totalCount: number;
}

export interface EventFilter {
  datasetId: number;
  bin: EnergyBin | null;
  label: string | null;
}

const EVENT_FIELDS = { id: true, datasetId: true, label: true, energyTeV: true, width: true, height: true, channels: true, attributes: true } as const;

export class EventCatalog {
  constructor(private readonly db: Db) {}

  async page(filter: EventFilter, offset: number, limit: number): Promise<EventPage> {
    const where = {
      datasetId: filter.datasetId,
      ...(filter.bin ? { energyTeV: { gte: filter.bin.minTeV, lt: filter.bin.maxTeV } } : {}),
      ...(filter.label !== null ? { label: filter.label } : {}),
    };
    const [rows, totalCount] = await Promise.all([
      this.db.event.findMany({ where, orderBy: { id: 'asc' }, skip: offset, take: limit, select: EVENT_FIELDS }),
      this.db.event.count({ where }),
    ]);
    return { events: rows.map(toCatalogEvent), totalCount };
  }

  async byIds(ids: readonly number[]): Promise<CatalogEvent[]> {
    const rows = await this.db.event.findMany({ where: { id: { in: [...ids] } }, select: EVENT_FIELDS });
    const byId = new Map(rows.map((row) => [row.id, toCatalogEvent(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** The image file of a registered event, or null: only paths from the database reach the disk. */
  async imageFile(eventId: number): Promise<string | null> {
    if (!Number.isSafeInteger(eventId)) return null;
    const row = await this.db.event.findUnique({ where: { id: eventId }, select: { imagePath: true, dataset: { select: { rootDir: true } } } });
    return row ? path.resolve(row.dataset.rootDir, row.imagePath) : null;
  }
}

function toCatalogEvent(row: Omit<CatalogEvent, 'attributes'> & { attributes: string | null }): CatalogEvent {
  return { ...row, attributes: row.attributes ? (JSON.parse(row.attributes) as Record<string, string>) : {} };
}
