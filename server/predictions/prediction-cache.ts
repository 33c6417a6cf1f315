// A prediction depends only on (model file, event), so it is stored once and reused by every later run
// that selects the same event with the same model: only the missing events are inferred.
// The table is the durable copy; each model's entries are also held in memory (a few bytes per event,
// loaded once per process), so a repeated run never waits on the database.
import type { Db } from '../data/db.ts';

/** Rows per INSERT: 4 bound values each, far below SQLite's (32766) and PostgreSQL's (65535) limits. */
const ROWS_PER_INSERT = 2000;

export class PredictionCache {
  private readonly byModel = new Map<string, Promise<Map<number, number>>>();

  constructor(private readonly db: Db) {}

  /** Cached gammaness of the given events for a model, by event id. */
  async lookup(modelSha256: string, eventIds: readonly number[]): Promise<Map<number, number>> {
    const cached = await this.entries(modelSha256);
    const found = new Map<number, number>();
    for (const id of eventIds) {
      const gammaness = cached.get(id);
      if (gammaness !== undefined) found.set(id, gammaness);
    }
    return found;
  }

  /** Stores new predictions; an entry already there is left as it is. */
  async store(modelSha256: string, entries: ReadonlyArray<{ eventId: number; gammaness: number; outputs: ArrayLike<number> }>): Promise<void> {
    const cached = await this.entries(modelSha256);
    for (const entry of entries) if (!cached.has(entry.eventId)) cached.set(entry.eventId, entry.gammaness);
    for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
      const chunk = entries.slice(start, start + ROWS_PER_INSERT);
      const values = chunk.flatMap((entry) => [modelSha256, entry.eventId, entry.gammaness, JSON.stringify(Array.from(entry.outputs))]);
      await this.db.$executeRawUnsafe(
        `INSERT INTO "CachedPrediction" ("modelSha256", "eventId", "gammaness", "outputs") VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
        ...values,
      );
    }
  }

  private entries(modelSha256: string): Promise<Map<number, number>> {
    let entries = this.byModel.get(modelSha256);
    if (!entries) {
      entries = this.db
        .$queryRawUnsafe<Array<{ eventId: number | bigint; gammaness: number }>>('SELECT "eventId", "gammaness" FROM "CachedPrediction" WHERE "modelSha256" = ?', modelSha256)
        .then((rows) => new Map(rows.map((row) => [Number(row.eventId), Number(row.gammaness)])));
      this.byModel.set(modelSha256, entries);
      entries.catch(() => this.byModel.delete(modelSha256));
    }
    return entries;
  }
}
