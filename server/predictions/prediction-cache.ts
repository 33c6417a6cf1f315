// A model's raw outputs depend only on (model file, event), so they are stored once and reused by every later
// run that selects the same event with the same model: only the missing events are inferred. The table is the
// durable copy; each model's entries are also held in memory (loaded once per process), so a repeated run
// never waits on the database.
import { loadCachedOutputs, storeCachedOutputs } from '../data/prediction-store.ts';
import type { Db } from '../data/db.ts';

export interface CacheEntry {
  eventId: number;
  outputs: Float32Array;
}

export class PredictionCache {
  private readonly byModel = new Map<string, Promise<Map<number, Float32Array>>>();

  constructor(private readonly db: Db) {}

  /** Cached outputs of the given events for a model, by event id. */
  async lookup(modelSha256: string, eventIds: readonly number[]): Promise<Map<number, Float32Array>> {
    const cached = await this.entries(modelSha256);
    const found = new Map<number, Float32Array>();
    for (const id of eventIds) {
      const outputs = cached.get(id);
      if (outputs !== undefined) found.set(id, outputs);
    }
    return found;
  }

  /**
   * Keeps new outputs in memory at once, so later runs reuse them, and returns those not cached before: the caller
   * writes them to the table (`write`) when it suits it. An entry already there is left as it is.
   */
  async remember(modelSha256: string, entries: readonly CacheEntry[]): Promise<CacheEntry[]> {
    const cached = await this.entries(modelSha256);
    const fresh = entries.filter((entry) => !cached.has(entry.eventId));
    for (const entry of fresh) cached.set(entry.eventId, entry.outputs);
    return fresh;
  }

  /** Writes remembered outputs to the table, the copy that outlives the process. */
  write(modelSha256: string, entries: readonly CacheEntry[]): Promise<void> {
    return storeCachedOutputs(this.db, modelSha256, entries);
  }

  private entries(modelSha256: string): Promise<Map<number, Float32Array>> {
    let entries = this.byModel.get(modelSha256);
    if (!entries) {
      entries = loadCachedOutputs(this.db, modelSha256);
      this.byModel.set(modelSha256, entries);
      entries.catch(() => this.byModel.delete(modelSha256));
    }
    return entries;
  }
}
