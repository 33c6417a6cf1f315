// Read access to registered events: paging through a bin, and the file behind an event's image.
import path from 'node:path';
import type { Db } from './db.ts';
import type { EnergyBin } from './energy-bins.ts';
import type { Particle } from '../predictions/types.ts';

export interface CatalogEvent {
  id: number;
  particle: Particle;
  energyTeV: number;
  width: number;
  height: number;
  channels: number;
}

export interface EventPage {
  events: CatalogEvent[];
  totalCount: number;
}

export class EventCatalog {
  constructor(private readonly db: Db) {}

  async page(bin: EnergyBin, particle: Particle | null, offset: number, limit: number): Promise<EventPage> {
    const where = { energyTeV: { gte: bin.minTeV, lt: bin.maxTeV }, ...(particle ? { particle } : {}) };
    const [rows, totalCount] = await Promise.all([
      this.db.event.findMany({ where, orderBy: { id: 'asc' }, skip: offset, take: limit, select: { id: true, particle: true, energyTeV: true, width: true, height: true, channels: true } }),
      this.db.event.count({ where }),
    ]);
    return { events: rows.map((row) => ({ ...row, particle: row.particle as Particle })), totalCount };
  }

  async byIds(ids: readonly number[]): Promise<CatalogEvent[]> {
    const rows = await this.db.event.findMany({ where: { id: { in: [...ids] } }, select: { id: true, particle: true, energyTeV: true, width: true, height: true, channels: true } });
    const byId = new Map(rows.map((row) => [row.id, { ...row, particle: row.particle as Particle }]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** The image file of a registered event, or null: only paths from the database reach the disk. */
  async imageFile(eventId: number): Promise<string | null> {
    if (!Number.isSafeInteger(eventId)) return null;
    const row = await this.db.event.findUnique({ where: { id: eventId }, select: { imagePath: true, dataset: { select: { rootDir: true } } } });
    return row ? path.resolve(row.dataset.rootDir, row.imagePath) : null;
  }
}
