// Dataset registration: the one place that writes datasets and events. The demo generator, `astri ingest`
// and uploads all register through here.
import { Prisma, type Db } from './db.ts';
import type { ClassLabel } from '../domain/classes.ts';
import type { DatasetSource, ImageGeometry, RejectedFile } from '../domain/dataset.ts';
import { DomainError, UserInputError } from '../errors.ts';

export interface DatasetSpec {
  name: string;
  /** Absolute directory the events' image paths are relative to. */
  rootDir: string;
  source: DatasetSource;
  /** The dataset's classes, in order; every event's label is one of them. */
  classes: ClassLabel[];
  /** The signal class of a binary dataset (ASTRI: "gamma"); null for none or for N classes. */
  signalClass: string | null;
  /** Energy bin edges in TeV, or null when the events have no energies. */
  energyEdgesTeV: number[] | null;
}

/** One event as registered: its image (relative to the dataset's rootDir) and its truth. */
export interface EventRecord {
  label: string;
  /** True energy in TeV, or null when unknown. */
  energyTeV: number | null;
  /** Extra columns of the manifest, kept as they were written. */
  attributes?: Record<string, string>;
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

interface ExistingEvent {
  id: number;
  label: string;
  energyTeV: number | null;
  attributes: string | null;
  imagePath: string;
  width: number;
  height: number;
  channels: number;
  contentHash: string;
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

const INSERT_ROWS_PER_STATEMENT = 1000; // 9 parameters each: far below SQLite's 32766 and PostgreSQL's 65535 limits
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
  const classNames = new Set(spec.classes.map((label) => label.name));
  const unknownLabels = new Set<string>();
  for (const record of records) {
    if (seen.has(record.imagePath)) throw new UserInputError(`image ${record.imagePath} is listed twice for dataset "${spec.name}"`);
    seen.add(record.imagePath);
    if (!classNames.has(record.label)) unknownLabels.add(record.label);
  }
  if (unknownLabels.size > 0) {
    throw new UserInputError(`labels ${[...unknownLabels].map((l) => `"${l}"`).join(', ')} are not classes of dataset "${spec.name}" (${[...classNames].join(', ')})`, 'label');
  }
  if (spec.signalClass !== null && !classNames.has(spec.signalClass)) {
    throw new UserInputError(`signal class "${spec.signalClass}" is not a class of dataset "${spec.name}"`, 'signalClass');
  }
  const image = commonGeometry(records, spec.name);

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
    ? await db.$queryRaw<ExistingEvent[]>(
        Prisma.sql`SELECT "id", "label", "energyTeV", "attributes", "imagePath", "width", "height", "channels", "contentHash" FROM "Event" WHERE "datasetId" = ${dataset.id}`,
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
    } else if (old.label !== record.label || old.energyTeV !== record.energyTeV || old.attributes !== attributesJson(record)) truthUpdates.push({ id: old.id, record });
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
  const description = {
    rootDir: spec.rootDir,
    classes: JSON.stringify(spec.classes),
    signalClass: spec.signalClass,
    energyEdgesTeV: spec.energyEdgesTeV ? JSON.stringify(spec.energyEdgesTeV) : null,
    ...(image ? { imageWidth: image.width, imageHeight: image.height, imageChannels: image.channels } : {}),
  };
  const ensureDataset = async (tx: Tx): Promise<void> => {
    if (datasetId >= 0) {
      await tx.dataset.update({ where: { id: datasetId }, data: description });
      return;
    }
    datasetId = (await tx.dataset.create({ data: { name: spec.name, source: spec.source, ...description } })).id;
  };
  const runStep = async (tx: Tx, step: Step): Promise<void> => {
    if (step.kind === 'delete') {
      await tx.$executeRaw(Prisma.sql`DELETE FROM "Event" WHERE "id" IN (${Prisma.join(step.ids)})`);
    } else if (step.kind === 'insert') {
      const values = step.rows.map(
        (r) => Prisma.sql`(${datasetId}, ${r.label}, ${r.energyTeV}, ${attributesJson(r)}, ${r.imagePath}, ${r.width}, ${r.height}, ${r.channels}, ${r.contentHash})`,
      );
      await tx.$executeRaw(
        Prisma.sql`INSERT INTO "Event" ("datasetId", "label", "energyTeV", "attributes", "imagePath", "width", "height", "channels", "contentHash") VALUES ${Prisma.join(values)}`,
      );
    } else {
      const { label, energyTeV } = step.record;
      await tx.$executeRaw(Prisma.sql`UPDATE "Event" SET "label" = ${label}, "energyTeV" = ${energyTeV}, "attributes" = ${attributesJson(step.record)} WHERE "id" = ${step.id}`);
    }
  };

  const transaction = <T>(work: (tx: Tx) => Promise<T>): Promise<T> => db.$transaction(work, { timeout: TRANSACTION_TIMEOUT_MS, maxWait: 30_000 });
  // In the transaction that writes events, so that no process keeps selecting from the events as they were.
  const newEventsRevision = (tx: Tx) => tx.dataset.update({ where: { id: datasetId }, data: { eventsRevision: { increment: 1 } } });
  let written = 0;
  if (!Number.isFinite(chunkSize)) {
    await transaction(async (tx) => {
      await ensureDataset(tx);
      for (const step of steps) {
        await runStep(tx, step);
        written += weight(step);
        onProgress?.(written, total);
      }
      if (steps.length > 0) await newEventsRevision(tx);
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
        await newEventsRevision(tx);
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

/** A dataset's images must share one size and channel count: a model takes one input shape. */
function commonGeometry(records: readonly EventRecord[], datasetName: string): ImageGeometry | null {
  if (records.length === 0) return null;
  const sizes = new Map<string, number>();
  for (const { width, height, channels } of records) {
    const key = `${width}x${height}x${channels}`;
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  if (sizes.size > 1) {
    const list = [...sizes].map(([size, n]) => `${n} of ${size}`).join(', ');
    throw new UserInputError(`the images of dataset "${datasetName}" are of mixed sizes (${list}); a model takes one size: resize them or split the dataset`, 'file');
  }
  const { width, height, channels } = records[0];
  return { width, height, channels };
}

function attributesJson(record: EventRecord): string | null {
  return record.attributes && Object.keys(record.attributes).length > 0 ? JSON.stringify(record.attributes) : null;
}

/** A dataset row created before its events, for uploads: hidden from predict until it is marked ready. */
export async function createIngestingDataset(db: Db, spec: Omit<DatasetSpec, 'classes' | 'signalClass' | 'energyEdgesTeV'> & { contentSha256: string; sourceUrl?: string | null }): Promise<number> {
  const existing = await db.dataset.findUnique({ where: { name: spec.name } });
  // A failed or cancelled dataset holds no events and no runs: its name is free for another try.
  if (existing && (existing.state === 'failed' || existing.state === 'cancelled')) await db.dataset.delete({ where: { id: existing.id } });
  else if (existing) throw new DatasetConflictError(`a dataset named "${spec.name}" already exists; choose another name`);
  const row = await db.dataset.create({
    data: { name: spec.name, rootDir: spec.rootDir, source: spec.source, state: 'ingesting', contentSha256: spec.contentSha256, sourceUrl: spec.sourceUrl ?? null, classes: '[]' },
  });
  return row.id;
}

/** Ends an ingest: ready with its refused files, or failed/cancelled with every event it had removed. */
export async function finishIngest(db: Db, datasetId: number, outcome: { state: 'ready'; rejectedFiles: RejectedFile[] } | { state: 'failed' | 'cancelled'; error: string; rejectedFiles: RejectedFile[] }): Promise<void> {
  const rejectedFiles = JSON.stringify(outcome.rejectedFiles);
  if (outcome.state === 'ready') {
    await db.dataset.update({ where: { id: datasetId }, data: { state: 'ready', rejectedFiles, error: null } });
    return;
  }
  await db.$transaction([
    db.event.deleteMany({ where: { datasetId } }),
    db.dataset.update({ where: { id: datasetId }, data: { state: outcome.state, error: outcome.error, rejectedFiles, eventsRevision: { increment: 1 } } }),
  ]);
}

/** Datasets an upload left "ingesting" when the process stopped are failed at the next start, with no events. */
export async function failInterruptedIngests(db: Db): Promise<number> {
  const rows = await db.dataset.findMany({ where: { state: 'ingesting' }, select: { id: true } });
  for (const { id } of rows) await finishIngest(db, id, { state: 'failed', error: 'interrupted: the server stopped before the upload was ingested', rejectedFiles: [] });
  return rows.length;
}

/** The dataset an upload of this content already made (ready or still ingesting), or null. */
export async function findDatasetByContent(db: Db, contentSha256: string): Promise<number | null> {
  const row = await db.dataset.findFirst({ where: { contentSha256, state: { in: ['ready', 'ingesting'] } }, orderBy: { id: 'asc' }, select: { id: true } });
  return row?.id ?? null;
}

/** `name` when no dataset has it, else the first free `name (2)`, `name (3)`, ... */
export async function unusedDatasetName(db: Db, name: string): Promise<string> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${name} (${n})`;
    const holder = await db.dataset.findUnique({ where: { name: candidate }, select: { state: true } });
    if (!holder || holder.state === 'failed' || holder.state === 'cancelled') return candidate;
  }
}

/** The folders of the datasets still marked ingesting (at start-up: left by a stopped process). */
export async function ingestingDatasetDirs(db: Db): Promise<string[]> {
  return (await db.dataset.findMany({ where: { state: 'ingesting' }, select: { rootDir: true } })).map((row) => row.rootDir);
}
