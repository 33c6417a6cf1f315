// Dataset registration and event selection: the one place that writes events, and the queries that
// pick events by energy bin. The demo generator and `astri ingest` both register through here.
import type { Db, Event } from './db.ts';
import type { Particle } from '../predictions/types.ts';
import { DomainError, UserInputError } from '../errors.ts';
import { createRng } from './demo/rng.ts';

export type DatasetSource = 'demo' | 'ingest' | 'upload';

export interface DatasetSpec {
  name: string;
  /** Absolute directory the events' image paths are relative to. */
  rootDir: string;
  source: DatasetSource;
}

/** One event as registered: its image (relative to the dataset's rootDir) and its truth. */
export interface EventRecord {
  particle: Particle;
  energyTeV: number;
  imagePath: string;
  width: number;
  height: number;
  channels: number;
  /** sha256 of the image file, hex. */
  contentHash: string;
}

export interface RegisterOptions {
  /** Remove the dataset's events that are not in `records` (the demo set is replaced, an ingest adds). */
  prune?: boolean;
  /** Events written per transaction; Infinity writes everything in one transaction. Default 1000. */
  chunkSize?: number;
  /** Let the dataset move to spec.rootDir (the demo set, when data.inferenceDir changed). */
  allowRootChange?: boolean;
  /** Work out what would change, write nothing. */
  dryRun?: boolean;
  onProgress?: (written: number, total: number) => void;
}

export interface RegisterResult {
  datasetId: number;
  /** New events. */
  inserted: number;
  /** Events whose image or truth changed. */
  updated: number;
  unchanged: number;
  /** Events of the dataset removed because they were not registered again (prune only). */
  removed: number;
}

export class DatasetConflictError extends DomainError {
  override name = 'DatasetConflictError';
  constructor(message: string) {
    super(message, 'CONFLICT', 'dataset');
  }
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

interface ExistingEvent {
  id: number;
  particle: string;
  energyTeV: number;
  imagePath: string;
  width: number;
  height: number;
  channels: number;
  contentHash: string;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

const INSERT_ROWS_PER_STATEMENT = 1000; // 8 parameters each: far below SQLite's 32766 limit
const TRANSACTION_TIMEOUT_MS = 10 * 60_000;

/**
 * Registers `records` as the events of dataset `spec.name`, creating the dataset if needed. Idempotent:
 * an event already registered with the same image and truth is left untouched (same id). An event
 * whose image changed is re-created under a new id, so nothing cached per event id (predictions,
 * decoded pixels) can outlive its image; a change of truth alone is updated in place.
 */
export async function registerEvents(db: Db, spec: DatasetSpec, records: readonly EventRecord[], options: RegisterOptions = {}): Promise<RegisterResult> {
  const { prune = false, chunkSize = 1000, allowRootChange = false, dryRun = false, onProgress } = options;
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.imagePath)) throw new UserInputError(`image ${record.imagePath} is listed twice for dataset "${spec.name}"`);
    seen.add(record.imagePath);
  }

  const dataset = await db.dataset.findUnique({ where: { name: spec.name } });
  if (dataset && dataset.source !== spec.source) {
    throw new DatasetConflictError(`dataset "${spec.name}" already exists as a ${dataset.source} dataset; choose another name (--dataset)`);
  }
  if (dataset && dataset.rootDir !== spec.rootDir && !allowRootChange) {
    throw new DatasetConflictError(
      `dataset "${spec.name}" already holds images under ${dataset.rootDir}, not ${spec.rootDir}; choose another name (--dataset) or ingest from the same folders`,
    );
  }
  const existing = dataset
    ? await db.$queryRawUnsafe<ExistingEvent[]>(
        'SELECT id, particle, energyTeV, imagePath, width, height, channels, contentHash FROM "Event" WHERE datasetId = ?',
        dataset.id,
      )
    : [];
  const byPath = new Map(existing.map((row) => [row.imagePath, row]));

  const inserts: EventRecord[] = [];
  const replaced: number[] = [];
  const truthUpdates: Array<{ id: number; record: EventRecord }> = [];
  let unchanged = 0;
  for (const record of records) {
    const old = byPath.get(record.imagePath);
    if (!old) inserts.push(record);
    else if (old.contentHash !== record.contentHash || old.width !== record.width || old.height !== record.height || old.channels !== record.channels) {
      replaced.push(old.id);
      inserts.push(record);
    } else if (old.particle !== record.particle || old.energyTeV !== record.energyTeV) truthUpdates.push({ id: old.id, record });
    else unchanged++;
  }
  const removedIds = prune ? existing.filter((row) => !seen.has(row.imagePath)).map((row) => row.id) : [];
  const counts = { inserted: inserts.length - replaced.length, updated: replaced.length + truthUpdates.length, unchanged, removed: removedIds.length };
  if (dryRun) return { datasetId: dataset?.id ?? -1, ...counts };

  // Work items in write order; each chunk of them is one transaction.
  type Step = { kind: 'delete'; ids: number[] } | { kind: 'insert'; rows: EventRecord[] } | { kind: 'truth'; id: number; record: EventRecord };
  const steps: Step[] = [];
  const deleteIds = [...replaced, ...removedIds];
  for (let i = 0; i < deleteIds.length; i += INSERT_ROWS_PER_STATEMENT) steps.push({ kind: 'delete', ids: deleteIds.slice(i, i + INSERT_ROWS_PER_STATEMENT) });
  for (let i = 0; i < inserts.length; i += INSERT_ROWS_PER_STATEMENT) steps.push({ kind: 'insert', rows: inserts.slice(i, i + INSERT_ROWS_PER_STATEMENT) });
  for (const update of truthUpdates) steps.push({ kind: 'truth', ...update });
  const weight = (step: Step): number => (step.kind === 'delete' ? step.ids.length : step.kind === 'insert' ? step.rows.length : 1);
  const total = steps.reduce((sum, step) => sum + weight(step), 0);

  let datasetId = dataset?.id ?? -1;
  const ensureDataset = async (tx: Tx): Promise<void> => {
    if (datasetId >= 0) {
      if (dataset && dataset.rootDir !== spec.rootDir) await tx.dataset.update({ where: { id: datasetId }, data: { rootDir: spec.rootDir } });
      return;
    }
    datasetId = (await tx.dataset.create({ data: { name: spec.name, rootDir: spec.rootDir, source: spec.source } })).id;
  };
  const runStep = async (tx: Tx, step: Step): Promise<void> => {
    if (step.kind === 'delete') {
      await tx.$executeRawUnsafe(`DELETE FROM "Event" WHERE id IN (${step.ids.map(() => '?').join(',')})`, ...step.ids);
    } else if (step.kind === 'insert') {
      const values = step.rows.map(() => '(?,?,?,?,?,?,?,?)').join(',');
      const params = step.rows.flatMap((r) => [datasetId, r.particle, r.energyTeV, r.imagePath, r.width, r.height, r.channels, r.contentHash]);
      await tx.$executeRawUnsafe(
        `INSERT INTO "Event" (datasetId, particle, energyTeV, imagePath, width, height, channels, contentHash) VALUES ${values}`,
        ...params,
      );
    } else {
      await tx.$executeRawUnsafe('UPDATE "Event" SET particle = ?, energyTeV = ? WHERE id = ?', step.record.particle, step.record.energyTeV, step.id);
    }
  };

  const transaction = <T>(work: (tx: Tx) => Promise<T>): Promise<T> => db.$transaction(work, { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 30_000 });
  let written = 0;
  if (!Number.isFinite(chunkSize)) {
    await transaction(async (tx) => {
      await ensureDataset(tx);
      for (const step of steps) {
        await runStep(tx, step);
        written += weight(step);
        onProgress?.(written, total);
      }
    });
  } else {
    await transaction(ensureDataset);
    // Chunks never split a replacement's delete from its insert across a crash in a harmful way:
    // a crash between them leaves the event unregistered, and the next run inserts it again.
    let chunk: Step[] = [];
    let chunkWeight = 0;
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      const work = chunk;
      await transaction(async (tx) => {
        for (const step of work) await runStep(tx, step);
      });
      written += chunkWeight;
      onProgress?.(written, total);
      chunk = [];
      chunkWeight = 0;
    };
    for (const step of steps) {
      chunk.push(step);
      chunkWeight += weight(step);
      if (chunkWeight >= chunkSize) await flush();
    }
    await flush();
  }
  return { datasetId, ...counts };
}

export interface BinCounts {
  index: number;
  minTeV: number;
  maxTeV: number;
  gamma: number;
  proton: number;
}

/** Events per energy bin [edge_i, edge_i+1) and particle, in one GROUP BY query. */
export async function countEventsByBin(db: Db, edgesTeV: readonly number[], options: { datasetId?: number } = {}): Promise<BinCounts[]> {
  const bins: BinCounts[] = edgesTeV.slice(0, -1).map((minTeV, index) => ({ index, minTeV, maxTeV: edgesTeV[index + 1], gamma: 0, proton: 0 }));
  if (bins.length === 0) return bins;
  const cases = bins.map(() => 'WHEN energyTeV < ? THEN ?').join(' ');
  const params: number[] = bins.flatMap((bin) => [bin.maxTeV, bin.index]);
  let where = 'energyTeV >= ? AND energyTeV < ?';
  params.push(bins[0].minTeV, bins[bins.length - 1].maxTeV);
  if (options.datasetId !== undefined) {
    where += ' AND datasetId = ?';
    params.push(options.datasetId);
  }
  const rows = await db.$queryRawUnsafe<Array<{ bin: number | bigint; particle: string; n: number | bigint }>>(
    `SELECT CASE ${cases} END AS bin, particle, COUNT(*) AS n FROM "Event" WHERE ${where} GROUP BY bin, particle`,
    ...params,
  );
  for (const row of rows) {
    const bin = bins[Number(row.bin)];
    if (bin && (row.particle === 'gamma' || row.particle === 'proton')) bin[row.particle] = Number(row.n);
  }
  return bins;
}

export interface DatasetSummary {
  id: number;
  name: string;
  source: string;
  createdAt: Date;
  eventCount: number;
}

export async function listDatasets(db: Db): Promise<DatasetSummary[]> {
  const rows = await db.dataset.findMany({ orderBy: { id: 'asc' }, include: { _count: { select: { events: true } } } });
  return rows.map((row) => ({ id: row.id, name: row.name, source: row.source, createdAt: row.createdAt, eventCount: row._count.events }));
}

export interface RandomSelection {
  particle: Particle;
  /** Energy range [minTeV, maxTeV). */
  minTeV: number;
  maxTeV: number;
  count: number;
  seed: number;
  /** Restrict to one dataset; all datasets when omitted. */
  datasetId?: number;
}

/**
 * `count` distinct events of `particle` with energy in [minTeV, maxTeV), drawn at random without
 * replacement, reproducibly: the same seed over the same events gives the same events in the same order.
 */
export async function selectRandomEvents(db: Db, selection: RandomSelection): Promise<SelectedEventRow[]> {
  const { particle, minTeV, maxTeV, count, seed, datasetId } = selection;
  if (!Number.isInteger(count) || count < 0) throw new UserInputError(`count must be a non-negative integer, got ${count}`, 'eventsPerClass');
  // One raw query over the (particle, energyTeV) index: the ORM's per-row mapping costs more than the query here.
  let sql = 'SELECT id, datasetId, imagePath, energyTeV FROM "Event" WHERE particle = ? AND energyTeV >= ? AND energyTeV < ?';
  const params: Array<string | number> = [particle, minTeV, maxTeV];
  if (datasetId !== undefined) {
    sql += ' AND datasetId = ?';
    params.push(datasetId);
  }
  const rows = await db.$queryRawUnsafe<Array<{ id: number | bigint; datasetId: number | bigint; imagePath: string; energyTeV: number }>>(`${sql} ORDER BY id`, ...params);
  if (rows.length < count) {
    const where = datasetId !== undefined ? ` in dataset ${datasetId}` : '';
    throw new NotEnoughEventsError(
      `only ${rows.length} ${particle} events have an energy in [${minTeV}, ${maxTeV}) TeV${where}, ${count} were asked for`,
      rows.length,
      count,
    );
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
    return { id: Number(row.id), datasetId: Number(row.datasetId), imagePath: row.imagePath, energyTeV: Number(row.energyTeV), particle };
  });
}

/** The fields of an event a prediction run needs. */
export interface SelectedEventRow {
  id: number;
  datasetId: number;
  particle: Particle;
  energyTeV: number;
  imagePath: string;
}
