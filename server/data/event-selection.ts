// Picks a run's events: N of one class of one dataset, optionally within an energy range, at random and reproducibly.
import { Prisma, type Db } from './db.ts';
import { UserInputError } from '../errors.ts';
import { createRng } from '../random/rng.ts';

export interface RandomSelection {
  datasetId: number;
  label: string;
  /** Energy range [minTeV, maxTeV); every event of the class when omitted. */
  energyTeV?: { min: number; max: number };
  count: number;
  seed: number;
}

/** The fields of an event a prediction run needs. */
export interface SelectedEventRow {
  id: number;
  label: string;
  energyTeV: number | null;
  imagePath: string;
}

/** Fewer events match a selection than were asked for. */
export class NotEnoughEventsError extends UserInputError {
  override name = 'NotEnoughEventsError';
  constructor(
    message: string,
    readonly available: number,
    readonly requested: number,
  ) {
    super(message, 'eventsPerClass');
  }
}

/**
 * `count` distinct events drawn at random without replacement, reproducibly: the same seed over the same events
 * gives the same events in the same order.
 */
export async function selectRandomEvents(db: Db, selection: RandomSelection): Promise<SelectedEventRow[]> {
  const { datasetId, label, energyTeV, count, seed } = selection;
  if (!Number.isInteger(count) || count < 0) throw new UserInputError(`count must be a non-negative integer, got ${count}`, 'eventsPerClass');
  // One raw query over the (datasetId, label, energyTeV) index: the ORM's per-row mapping costs more than the query here.
  const inRange = energyTeV ? Prisma.sql` AND "energyTeV" >= ${energyTeV.min} AND "energyTeV" < ${energyTeV.max}` : Prisma.empty;
  const rows = await db.$queryRaw<Array<{ id: number | bigint; imagePath: string; energyTeV: number | null }>>(
    Prisma.sql`SELECT "id", "imagePath", "energyTeV" FROM "Event" WHERE "datasetId" = ${datasetId} AND "label" = ${label}${inRange} ORDER BY "id"`,
  );
  if (rows.length < count) {
    const where = energyTeV ? ` with an energy in [${energyTeV.min}, ${energyTeV.max}) TeV` : '';
    throw new NotEnoughEventsError(`only ${rows.length} "${label}" events${where} are in dataset ${datasetId}, ${count} were asked for`, rows.length, count);
  }
  // Partial Fisher-Yates over row positions: the first `count` slots become a uniform random sample, in random order.
  const order = Int32Array.from({ length: rows.length }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(order.length - i);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return Array.from(order.subarray(0, count), (position) => {
    const row = rows[position];
    return { id: Number(row.id), label, imagePath: row.imagePath, energyTeV: row.energyTeV === null ? null : Number(row.energyTeV) };
  });
}
