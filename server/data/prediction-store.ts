// Where prediction runs, their scores (one row per batch) and the per-model output cache are stored. The only
// place with SQL for them: multi-row INSERTs with literal values, since the ORM's createMany maps every row and
// bound values cost more than the rows (sql-values.ts).
import { Prisma, type Db } from './db.ts';
import { packScores, unpackScores } from './packed-scores.ts';
import { sqlValues } from './sql-values.ts';
import { energyBin, type EnergyBin } from '../domain/energy.ts';
import type { RunClasses, RunStatus, ScoredEvent } from '../domain/run.ts';

/** Batch rows per INSERT statement: at 256 events a batch about 100 kB of SQL, so that other queries get a turn. */
const BATCH_ROWS_PER_INSERT = 8;
/** Rows per INSERT of cached outputs: a few milliseconds of the main thread per statement. */
const CACHE_ROWS_PER_INSERT = 500;

export interface RunRecord {
  id: string;
  modelId: number;
  datasetId: number | null;
  classes: RunClasses;
  classMapping: readonly number[];
  energyBins: ReadonlyArray<{ index: number; minTeV: number; maxTeV: number }>;
  eventsPerClass: number;
  samples: number;
  seed: number;
  status: RunStatus;
  owner: string | null;
}

export interface StoredRun {
  id: string;
  modelId: number;
  datasetId: number | null;
  classes: RunClasses;
  classMapping: number[];
  /** The one bin as it was when the run started (edges may change later); null over all energies or several bins. */
  energyBin: EnergyBin | null;
  /** Every bin of the run, as they were when it started; empty over all energies. */
  energyBins: EnergyBin[];
  eventsPerClass: number;
  samples: number;
  seed: number;
  status: RunStatus;
  error: string | null;
  backend: string | null;
  failedCount: number;
  elapsedMs: number | null;
  createdAt: Date;
  finishedAt: Date | null;
  owner: string | null;
}

/** One batch of a run's predictions: the events of one class in the order they were selected. */
export interface StoredBatch {
  classIndex: number;
  /** 0-based batch number within its class. */
  index: number;
  events: ScoredEvent[];
}

/** Takes a transaction too (the start-up rehearsal of a predict rolls one back). */
export async function createRun(db: Pick<Db, 'predictionRun'>, run: RunRecord): Promise<StoredRun> {
  const row = await db.predictionRun.create({
    data: {
      id: run.id,
      modelId: run.modelId,
      datasetId: run.datasetId,
      classes: JSON.stringify(run.classes.names),
      signalClass: run.classes.signalClass,
      classMapping: JSON.stringify(run.classMapping),
      ...(run.energyBins.length === 1 ? { energyBin: run.energyBins[0].index, energyMinTeV: run.energyBins[0].minTeV, energyMaxTeV: run.energyBins[0].maxTeV } : {}),
      energyBins: run.energyBins.length === 0 ? null : JSON.stringify(run.energyBins.map(({ index, minTeV, maxTeV }) => ({ index, minTeV, maxTeV }))),
      eventsPerClass: run.eventsPerClass,
      samples: run.samples,
      seed: run.seed,
      status: run.status,
      owner: run.owner,
    },
  });
  return toStoredRun(row);
}

export async function findRun(db: Db, runId: string): Promise<StoredRun | null> {
  const row = await db.predictionRun.findUnique({ where: { id: runId } });
  return row ? toStoredRun(row) : null;
}

/** Stores a run's predictions, a batch a row, a few rows per statement so that other requests are not held up. */
export async function insertRunBatches(db: Db, runId: string, batches: readonly StoredBatch[]): Promise<void> {
  for (let start = 0; start < batches.length; start += BATCH_ROWS_PER_INSERT) {
    const values = sqlValues(
      batches.slice(start, start + BATCH_ROWS_PER_INSERT).map(({ classIndex, index, events }) => [
        runId,
        classIndex,
        index,
        JSON.stringify(events.map((event) => event.eventId)),
        JSON.stringify(events.map((event) => event.energyTeV)),
        packScores(
          events.map((event) => event.scores),
          events.find((event) => event.scores)?.scores?.length ?? 0,
        ),
        JSON.stringify(events.map((event) => event.error)),
      ]),
    );
    await db.$executeRaw(Prisma.sql`INSERT INTO "RunBatch" ("runId", "classIndex", "batch", "eventIds", "energiesTeV", "scores", "errors") VALUES ${values}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function finishRun(db: Db, runId: string, outcome: { status: RunStatus; error: string | null; elapsedMs: number; failedCount: number; backend: string | null }): Promise<void> {
  await db.predictionRun.update({ where: { id: runId }, data: { ...outcome, finishedAt: new Date() } });
}

/** Every stored batch of a run, class by class, each class's batches in order. */
export async function loadRunBatches(db: Db, runId: string): Promise<StoredBatch[]> {
  const rows = await db.runBatch.findMany({ where: { runId }, orderBy: [{ classIndex: 'asc' }, { batch: 'asc' }] });
  return rows.map((row) => {
    const ids = JSON.parse(row.eventIds) as number[];
    const energies = JSON.parse(row.energiesTeV) as Array<number | null>;
    const scores = unpackScores(row.scores, ids.length);
    const errors = JSON.parse(row.errors) as Array<string | null>;
    return {
      classIndex: row.classIndex,
      index: row.batch,
      events: ids.map((eventId, i) => ({ eventId, classIndex: row.classIndex, energyTeV: energies[i], scores: scores[i], error: errors[i] })),
    };
  });
}

export interface RunFilter {
  modelId?: number;
  datasetId?: number;
  status?: RunStatus;
}

/** A position in the newest-first order of runs: strictly older than (createdAt, id). */
export interface RunCursor {
  createdAt: Date;
  id: string;
}

/** Up to `limit` runs matching the filter, newest first (ties by id, descending), after the cursor if given. */
export async function listRuns(db: Db, filter: RunFilter, limit: number, after: RunCursor | null): Promise<StoredRun[]> {
  const rows = await db.predictionRun.findMany({
    where: {
      ...(filter.modelId !== undefined ? { modelId: filter.modelId } : {}),
      ...(filter.datasetId !== undefined ? { datasetId: filter.datasetId } : {}),
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit,
  });
  return rows.map(toStoredRun);
}

/** Removes a run and its predictions (cached model outputs stay: they belong to the model and the events). */
export async function deleteRun(db: Db, runId: string): Promise<boolean> {
  const [, removed] = await db.$transaction([db.runBatch.deleteMany({ where: { runId } }), db.predictionRun.deleteMany({ where: { id: runId } })]);
  return removed.count > 0;
}

/** Runs left "queued" or "running" by a process that stopped without finishing them, oldest first. */
export async function findInterruptedRuns(db: Db): Promise<StoredRun[]> {
  const rows = await db.predictionRun.findMany({ where: { status: { in: ['queued', 'running'] } }, orderBy: { createdAt: 'asc' } });
  return rows.map(toStoredRun);
}

/** Fails one interrupted run that cannot be resumed, with the reason; returns the error it stored. */
export async function failInterruptedRun(db: Db, runId: string, reason: string): Promise<string> {
  const error = `interrupted by a restart and not resumed: ${reason}`;
  await db.predictionRun.update({ where: { id: runId }, data: { status: 'failed', error, finishedAt: new Date() } });
  return error;
}

/** When each run of an owner since `since` started, and how many events it asked for (every class together). */
export async function runsStartedSince(db: Db, owner: string, since: Date): Promise<Array<{ createdAt: Date; events: number }>> {
  const rows = await db.predictionRun.findMany({ where: { owner, createdAt: { gte: since } }, select: { createdAt: true, eventsPerClass: true, classes: true }, orderBy: { createdAt: 'asc' } });
  return rows.map((row) => ({ createdAt: row.createdAt, events: row.eventsPerClass * (JSON.parse(row.classes) as string[]).length }));
}

/** Runs of an owner that have not ended, whichever replica conducts them. */
export async function countUnfinishedRuns(db: Db, owner: string): Promise<number> {
  return db.predictionRun.count({ where: { owner, status: { in: ['queued', 'running'] } } });
}

export async function loadCachedOutputs(db: Db, modelSha256: string): Promise<Map<number, Float32Array>> {
  const rows = await db.$queryRaw<Array<{ eventId: number | bigint; outputs: string }>>(Prisma.sql`SELECT "eventId", "outputs" FROM "CachedPrediction" WHERE "modelSha256" = ${modelSha256}`);
  return new Map(rows.map((row) => [Number(row.eventId), Float32Array.from(JSON.parse(row.outputs) as number[])]));
}

/** Writes model outputs to the cache table, a chunk per statement; rows already there stay as they are. */
export async function storeCachedOutputs(db: Db, modelSha256: string, entries: ReadonlyArray<{ eventId: number; outputs: ArrayLike<number> }>): Promise<void> {
  for (let start = 0; start < entries.length; start += CACHE_ROWS_PER_INSERT) {
    const values = sqlValues(entries.slice(start, start + CACHE_ROWS_PER_INSERT).map((entry) => [modelSha256, entry.eventId, JSON.stringify(Array.from(entry.outputs))]));
    await db.$executeRaw(Prisma.sql`INSERT INTO "CachedPrediction" ("modelSha256", "eventId", "outputs") VALUES ${values} ON CONFLICT DO NOTHING`);
    // A run's write-behind lands while the next requests arrive: let them in between statements.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

type RunRow = NonNullable<Awaited<ReturnType<Db['predictionRun']['findUnique']>>>;

function toStoredRun(row: RunRow): StoredRun {
  const bins = row.energyBins
    ? (JSON.parse(row.energyBins) as Array<{ index: number; minTeV: number; maxTeV: number }>).map((bin) => energyBin(bin.index, bin.minTeV, bin.maxTeV))
    : row.energyBin !== null && row.energyMinTeV !== null && row.energyMaxTeV !== null
      ? [energyBin(row.energyBin, row.energyMinTeV, row.energyMaxTeV)]
      : [];
  return {
    id: row.id,
    modelId: row.modelId,
    datasetId: row.datasetId,
    classes: { names: JSON.parse(row.classes) as string[], signalClass: row.signalClass },
    classMapping: JSON.parse(row.classMapping) as number[],
    energyBin: bins.length === 1 ? bins[0] : null,
    energyBins: bins,
    eventsPerClass: row.eventsPerClass,
    samples: row.samples,
    seed: row.seed,
    status: row.status as RunStatus,
    error: row.error,
    backend: row.backend,
    failedCount: row.failedCount,
    elapsedMs: row.elapsedMs,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    owner: row.owner,
  };
}
