// A prediction depends only on (model file, event), so it is stored once and reused by every later
// run that selects the same event with the same model: only the missing events are inferred.
import type { Db } from '../data/db.ts';

/** SQLite allows 32766 bound variables; stay far below it (and PostgreSQL's 65535). */
const IDS_PER_QUERY = 5000;
const ROWS_PER_INSERT = 2000;

export class PredictionCache {
  constructor(private readonly db: Db) {}

  /** Cached gammaness of the given events for a model, by event id. */
  async lookup(modelSha256: string, eventIds: readonly number[]): Promise<Map<number, number>> {
    const found = new Map<number, number>();
    for (let start = 0; start < eventIds.length; start += IDS_PER_QUERY) {
      const rows = await this.db.cachedPrediction.findMany({
        where: { modelSha256, eventId: { in: eventIds.slice(start, start + IDS_PER_QUERY) as number[] } },
        select: { eventId: true, gammaness: true },
      });
      for (const row of rows) found.set(row.eventId, row.gammaness);
    }
    return found;
  }

  /** Stores new predictions; an entry already there is left as it is. */
  async store(modelSha256: string, entries: ReadonlyArray<{ eventId: number; gammaness: number; outputs: ArrayLike<number> }>): Promise<void> {
    for (let start = 0; start < entries.length; start += ROWS_PER_INSERT) {
      const chunk = entries.slice(start, start + ROWS_PER_INSERT);
      const placeholders = chunk.map(() => '(?, ?, ?, ?)').join(', ');
      const values = chunk.flatMap((entry) => [modelSha256, entry.eventId, entry.gammaness, JSON.stringify(Array.from(entry.outputs))]);
      await this.db.$executeRawUnsafe(
        `INSERT INTO "CachedPrediction" ("modelSha256", "eventId", "gammaness", "outputs") VALUES ${placeholders} ON CONFLICT DO NOTHING`,
        ...values,
      );
    }
  }
}
