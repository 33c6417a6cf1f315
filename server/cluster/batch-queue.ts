// The API's side of the queue: a run's batches become jobs, and each dispatch resolves with the worker's
// answer. A job that a dead worker held is given to another worker by BullMQ's stalled-job check.
import { Queue, QueueEvents, type Job } from 'bullmq';
import { UnavailableError } from '../errors.ts';
import { BATCH_QUEUE, batchJobId, type BatchJob, type BatchJobResult } from './batch-jobs.ts';
import { queueConnection } from './redis-connection.ts';

/** Finished jobs are kept a while, so that a run resumed by another replica finds the answers already given. */
const KEEP_COMPLETED_SECONDS = 3600;
const KEEP_FAILED_SECONDS = 24 * 3600;

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
}

export class BatchQueue {
  private readonly queue: Queue<BatchJob, BatchJobResult, 'batch'>;
  private readonly events: QueueEvents;
  private stalled = 0;

  private constructor(url: string) {
    this.queue = new Queue<BatchJob, BatchJobResult, 'batch'>(BATCH_QUEUE, { connection: queueConnection(url) });
    this.events = new QueueEvents(BATCH_QUEUE, { connection: queueConnection(url) });
    this.queue.on('error', () => undefined);
    this.events.on('error', () => undefined);
    this.events.on('stalled', () => this.stalled++);
  }

  static async open(url: string): Promise<BatchQueue> {
    const queue = new BatchQueue(url);
    await Promise.all([queue.queue.waitUntilReady(), queue.events.waitUntilReady()]);
    return queue;
  }

  /**
   * Adds the batch (once: the same batch of the same run is one job) and resolves with the worker's answer;
   * rejects with the worker's reason when the batch failed.
   */
  async dispatch(job: BatchJob): Promise<BatchJobResult> {
    const added: Job<BatchJob, BatchJobResult, 'batch'> = await this.queue.add('batch', job, {
      jobId: batchJobId(job),
      attempts: 1,
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: { age: KEEP_FAILED_SECONDS },
    });
    // A resumed run meets its batches' old jobs: one that failed is tried again.
    if (await added.isFailed()) await added.retry('failed');
    try {
      return await added.waitUntilFinished(this.events);
    } catch (error) {
      throw new UnavailableError(`batch ${job.index} of class ${job.classIndex} failed on a worker: ${(error as Error).message}`);
    }
  }

  /** Drops the run's batches that no worker has taken yet (a cancelled run). */
  async dropWaiting(jobs: ReadonlyArray<Pick<BatchJob, 'runId' | 'classIndex' | 'index'>>): Promise<void> {
    await Promise.allSettled(
      jobs.map(async (job) => {
        const found = await this.queue.getJob(batchJobId(job));
        if (found && (await found.isWaiting())) await found.remove();
      }),
    );
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed');
    return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0 };
  }

  /** Jobs given to another worker since this process started, because the worker holding them stopped answering. */
  get stalledJobs(): number {
    return this.stalled;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
  }
}
