// Workers announce themselves in Redis (a key each, renewed while they live, gone soon after they die), so
// that any API replica can list them in serverInfo and /metrics.
import type { Redis } from 'ioredis';

const PREFIX = 'astri:worker:';
const ANNOUNCE_EVERY_MS = 5_000;
/** A worker not heard from in this long is gone from the list. */
const ANNOUNCEMENT_TTL_SECONDS = 15;
/** After a batch, the counts are announced within this long (not after every batch). */
const AFTER_BATCH_MS = 500;

export interface WorkerAnnouncement {
  id: string;
  host: string;
  pid: number;
  /** worker: `astri worker`; all: an `astri serve` that also takes batches. */
  role: 'worker' | 'all';
  backend: string | null;
  device: string | null;
  threads: number | null;
  startedAt: string;
  batches: number;
  images: number;
  /** Images inferred per second over the last minute (or since start, when younger). */
  imagesPerSecond: number;
  /** Batches held now. */
  activeBatches: number;
}

export class WorkerAnnouncer {
  private readonly timer: NodeJS.Timeout;
  private pending: NodeJS.Timeout | null = null;
  private withdrawn = false;

  constructor(
    private readonly redis: Redis,
    private readonly id: string,
    private readonly describe: () => Promise<WorkerAnnouncement>,
  ) {
    void this.announce();
    this.timer = setInterval(() => void this.announce(), ANNOUNCE_EVERY_MS).unref();
  }

  /** Announces the new counts shortly (several batches in a row make one announcement). */
  soon(): void {
    this.pending ??= setTimeout(() => {
      this.pending = null;
      void this.announce();
    }, AFTER_BATCH_MS);
  }

  private async announce(): Promise<void> {
    const announcement = await this.describe();
    if (this.withdrawn) return;
    await this.redis.set(PREFIX + this.id, JSON.stringify(announcement), 'EX', ANNOUNCEMENT_TTL_SECONDS).catch(() => undefined);
  }

  /** Stops announcing and leaves the list at once. */
  async withdraw(): Promise<void> {
    this.withdrawn = true;
    clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
    await this.redis.del(PREFIX + this.id).catch(() => undefined);
  }
}

/** Every live worker, by id. */
export async function listWorkers(redis: Redis): Promise<WorkerAnnouncement[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 200);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values
    .filter((value): value is string => value !== null)
    .map((value) => JSON.parse(value) as WorkerAnnouncement)
    .sort((a, b) => a.id.localeCompare(b.id));
}
