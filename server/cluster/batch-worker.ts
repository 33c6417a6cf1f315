// A worker's side of the queue: takes batch jobs, hands each to the processor (read, infer, store), and
// keeps the counts it announces. Every worker must use the same stalledIntervalMs: the stalled-job check runs
// in every worker and judges the others' locks by its own interval.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { BATCH_QUEUE, type BatchJob, type BatchJobResult } from './batch-jobs.ts';
import { openRedis, queueConnection } from './redis-connection.ts';
import { WorkerAnnouncer, type WorkerAnnouncement } from './worker-registry.ts';

/** Throughput is announced over this window. */
const RATE_WINDOW_MS = 60_000;

export type BatchProcessor = (job: BatchJob, worker: string) => Promise<BatchJobResult>;

export interface BatchWorkerOptions {
  url: string;
  concurrency: number;
  stalledIntervalMs: number;
  role: WorkerAnnouncement['role'];
  /** The engine's backend as far as known (null before a model is loaded). */
  backend: () => Promise<{ name: string; device: string; threads: number } | null>;
  onError?: (error: Error) => void;
}

export class BatchWorker {
  readonly id = `${hostname()}-${process.pid}-${randomUUID().slice(0, 4)}`;
  private readonly startedAt = new Date();
  private readonly worker: Worker<BatchJob, BatchJobResult>;
  private readonly redis: Redis;
  private readonly announcer: WorkerAnnouncer;
  private batches = 0;
  private images = 0;
  private active = 0;
  private readonly recent: Array<{ at: number; images: number }> = [];

  constructor(processor: BatchProcessor, private readonly options: BatchWorkerOptions) {
    this.worker = new Worker<BatchJob, BatchJobResult>(
      BATCH_QUEUE,
      async (job) => {
        this.active++;
        try {
          const result = await processor(job.data, this.id);
          this.count(result.inferred.length);
          return result;
        } finally {
          this.active--;
        }
      },
      {
        connection: queueConnection(options.url),
        concurrency: options.concurrency,
        // The lock is renewed every half of it; a worker that stops renewing loses its jobs after one interval.
        lockDuration: options.stalledIntervalMs,
        stalledInterval: options.stalledIntervalMs,
        // A batch whose workers died three times fails its run rather than killing workers forever.
        maxStalledCount: 3,
      },
    );
    this.worker.on('error', (error) => options.onError?.(error));
    this.redis = openRedis(options.url, 'worker');
    this.announcer = new WorkerAnnouncer(this.redis, this.id, () => this.describe());
  }

  async waitUntilReady(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  async describe(): Promise<WorkerAnnouncement> {
    const now = Date.now();
    while (this.recent.length > 0 && this.recent[0].at < now - RATE_WINDOW_MS) this.recent.shift();
    const windowMs = Math.min(RATE_WINDOW_MS, Math.max(1, now - this.startedAt.getTime()));
    const recentImages = this.recent.reduce((sum, entry) => sum + entry.images, 0);
    const backend = await this.options.backend().catch(() => null);
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      role: this.options.role,
      backend: backend?.name ?? null,
      device: backend?.device ?? null,
      threads: backend?.threads ?? null,
      startedAt: this.startedAt.toISOString(),
      batches: this.batches,
      images: this.images,
      imagesPerSecond: (recentImages * 1000) / windowMs,
      activeBatches: this.active,
    };
  }

  private count(images: number): void {
    this.batches++;
    this.images += images;
    this.recent.push({ at: Date.now(), images });
    this.announcer.soon();
  }

  /** Finishes the batches it holds, then leaves the list of workers. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.announcer.withdraw();
    await this.redis.quit().catch(() => undefined);
  }
}
