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
  checkCount(selection.count);
  return drawRandom(await candidatesOf(db, selection), selection);
}

/**
 * selectRandomEvents with the candidates of each (dataset, class, energy range) kept in memory: reading 2000
 * rows through the ORM costs 7-25 ms, as much as everything else a predict mutation does. A cached entry is
 * used while the dataset's eventsRevision is the one it was read at, so writes by any process are seen.
 */
export class CachedEventSelection {
  private readonly entries = new Map<string, Promise<SelectedEventRow[]>>();
  private readonly sizes = new Map<string, number>();
  private cachedRows = 0;

  constructor(
    private readonly db: Db,
    /** Candidate rows kept over all entries (about 100 bytes each); the least recently used go first. */
    private readonly maxRows = 500_000,
  ) {}

  /** As selectRandomEvents; the rows are shared with later calls: read them, do not change them. */
  async select(selection: RandomSelection & { eventsRevision: number }): Promise<ReadonlyArray<Readonly<SelectedEventRow>>> {
    checkCount(selection.count);
    const key = keyOf(selection.datasetId, selection.eventsRevision, selection.label, selection.energyTeV);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.entries.set(key, entry);
    } else {
      // Concurrent runs of one bin share the read; a failed read is not kept.
      const read = candidatesOf(this.db, selection);
      this.entries.set(key, read);
      read.then(
        (rows) => this.admit(key, read, rows.length),
        () => this.entries.get(key) === read && this.entries.delete(key),
      );
      entry = read;
    }
    return drawRandom(await entry, selection);
  }

  /**
   * Reads every event of a dataset at once and keeps the candidates of each class, in each energy range and over
   * all energies, as select would read them one by one: the first predict on the dataset then queries nothing.
   * A dataset of more than half the cache's rows is left to select.
   */
  async prime(dataset: { id: number; eventsRevision: number; classes: readonly string[]; energyRangesTeV: ReadonlyArray<{ min: number; max: number }> }): Promise<void> {
    const limit = Math.floor(this.maxRows / 2);
    const rows = await this.db.$queryRaw<Array<{ id: number | bigint; label: string; imagePath: string; energyTeV: number | null }>>(
      Prisma.sql`SELECT "id", "label", "imagePath", "energyTeV" FROM "Event" WHERE "datasetId" = ${dataset.id} ORDER BY "id" LIMIT ${limit + 1}`,
    );
    if (rows.length > limit) return;
    for (const label of dataset.classes) {
      const ofClass = rows
        .filter((row) => row.label === label)
        .map((row) => ({ id: Number(row.id), label, imagePath: row.imagePath, energyTeV: row.energyTeV === null ? null : Number(row.energyTeV) }));
      // The same rows, in the same order, as the query of select: id order, min <= energy < max.
      const entries: Array<[range: { min: number; max: number } | undefined, SelectedEventRow[]]> = [
        [undefined, ofClass],
        ...dataset.energyRangesTeV.map((range): [{ min: number; max: number }, SelectedEventRow[]] => [range, ofClass.filter((row) => row.energyTeV !== null && row.energyTeV >= range.min && row.energyTeV < range.max)]),
      ];
      for (const [range, candidates] of entries) {
        const key = keyOf(dataset.id, dataset.eventsRevision, label, range);
        if (this.entries.has(key)) continue;
        const read = Promise.resolve(candidates);
        this.entries.set(key, read);
        this.admit(key, read, candidates.length);
      }
    }
  }

  /** Counts a finished read, unless it was evicted (or replaced) meanwhile, and evicts down to maxRows. */
  private admit(key: string, read: Promise<SelectedEventRow[]>, rows: number): void {
    if (this.entries.get(key) !== read) return;
    this.sizes.set(key, rows);
    this.cachedRows += rows;
    for (const oldest of this.entries.keys()) {
      if (this.cachedRows <= this.maxRows || oldest === key) break;
      this.entries.delete(oldest);
      this.cachedRows -= this.sizes.get(oldest) ?? 0;
      this.sizes.delete(oldest);
    }
  }
}

function keyOf(datasetId: number, eventsRevision: number, label: string, energyTeV: { min: number; max: number } | undefined): string {
  return JSON.stringify([datasetId, eventsRevision, label, energyTeV?.min ?? null, energyTeV?.max ?? null]);
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new UserInputError(`count must be a non-negative integer, got ${count}`, 'eventsPerClass');
}

/** Every event of the class in the range, by id. */
async function candidatesOf(db: Db, { datasetId, label, energyTeV }: RandomSelection): Promise<SelectedEventRow[]> {
  // One raw query over the (datasetId, label, energyTeV) index: the ORM's per-row mapping costs more than the query here.
  const inRange = energyTeV ? Prisma.sql` AND "energyTeV" >= ${energyTeV.min} AND "energyTeV" < ${energyTeV.max}` : Prisma.empty;
  const rows = await db.$queryRaw<Array<{ id: number | bigint; imagePath: string; energyTeV: number | null }>>(
    Prisma.sql`SELECT "id", "imagePath", "energyTeV" FROM "Event" WHERE "datasetId" = ${datasetId} AND "label" = ${label}${inRange} ORDER BY "id"`,
  );
  return rows.map((row) => ({ id: Number(row.id), label, imagePath: row.imagePath, energyTeV: row.energyTeV === null ? null : Number(row.energyTeV) }));
}

function drawRandom(candidates: readonly SelectedEventRow[], { datasetId, label, energyTeV, count, seed }: RandomSelection): SelectedEventRow[] {
  if (candidates.length < count) {
    const where = energyTeV ? ` with an energy in [${energyTeV.min}, ${energyTeV.max}) TeV` : '';
    throw new NotEnoughEventsError(`only ${candidates.length} "${label}" events${where} are in dataset ${datasetId}, ${count} were asked for`, candidates.length, count);
  }
  // Partial Fisher-Yates over row positions: the first `count` slots become a uniform random sample, in random order.
  const order = Int32Array.from({ length: candidates.length }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(order.length - i);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return Array.from(order.subarray(0, count), (position) => candidates[position]);
}
