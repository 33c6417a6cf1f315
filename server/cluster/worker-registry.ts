// Workers announce themselves in Redis (a key each, renewed while they live, gone soon after they die), so
// that any API replica can list them in serverInfo and /metrics.
import type { Redis } from 'ioredis';

const PREFIX = 'astri:worker:';
const ANNOUNCE_EVERY_MS = 5_000;
/** A worker not heard from in this long is gone from the list. */
const ANNOUNCEMENT_TTL_SECONDS = 15;

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

  constructor(
    private readonly redis: Redis,
    private readonly describe: () => WorkerAnnouncement,
  ) {
    void this.announce();
    this.timer = setInterval(() => void this.announce(), ANNOUNCE_EVERY_MS).unref();
  }

  private async announce(): Promise<void> {
    const announcement = this.describe();
    await this.redis.set(PREFIX + announcement.id, JSON.stringify(announcement), 'EX', ANNOUNCEMENT_TTL_SECONDS).catch(() => undefined);
  }

  /** Stops announcing and leaves the list at once. */
  async withdraw(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.del(PREFIX + this.describe().id).catch(() => undefined);
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
