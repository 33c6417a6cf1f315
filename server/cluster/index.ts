// The service's link to Redis when queue.url is set: the batch queue, the runs' progress feeds, the runs'
// leases and cancel requests, and the list of live workers.
import type { Redis } from 'ioredis';
import { BatchQueue } from './batch-queue.ts';
import { checkRedis, openRedis } from './redis-connection.ts';
import { RunCoordination } from './run-coordination.ts';
import { RunFeeds } from './run-feed.ts';
import { listWorkers, type WorkerAnnouncement } from './worker-registry.ts';

export { BATCH_QUEUE, decodeOutputs, encodeOutputs, type BatchJob, type BatchJobResult } from './batch-jobs.ts';
export { BatchWorker, type BatchProcessor } from './batch-worker.ts';
export { checkRedis, redactRedisUrl } from './redis-connection.ts';
export type { FeedWriter } from './run-feed.ts';
export type { QueueCounts } from './batch-queue.ts';
export type { WorkerAnnouncement } from './worker-registry.ts';

export class Cluster {
  private constructor(
    readonly queue: BatchQueue,
    readonly feeds: RunFeeds,
    readonly coordination: RunCoordination,
    private readonly redis: Redis,
  ) {}

  /** Connects, or refuses (UnavailableError naming the server) when Redis does not answer or may evict jobs. */
  static async open(url: string): Promise<Cluster> {
    await checkRedis(url);
    return new Cluster(await BatchQueue.open(url), new RunFeeds(url), new RunCoordination(url), openRedis(url, 'cluster'));
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  workers(): Promise<WorkerAnnouncement[]> {
    return listWorkers(this.redis);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.coordination.close(), this.feeds.close(), this.queue.close()]);
    await this.redis.quit().catch(() => undefined);
  }
}
