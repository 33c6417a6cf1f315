// What the per-batch queue of issue 17 will rest on, checked on a private Debian redis-server: a BullMQ job whose
// worker process is SIGKILLed mid-job is detected as stalled and re-run by another worker, once.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsRedis, startRedis, type RedisTestServer } from '../helpers/redis.ts';

const HAS_REDIS = needsRedis('the BullMQ stalled-job test (test/jobs/bullmq-stalled.test.ts)');
const WORKER_MAIN = fileURLToPath(new URL('../helpers/bullmq-worker-main.mjs', import.meta.url));
/**
 * Short locks so that a dead worker's job is found stalled within seconds (no assertion is made on time). Every worker
 * must use the same stalledInterval: the first to check sets how long the others wait before they check again.
 */
const LOCK_MS = 1000;

describe.skipIf(!HAS_REDIS)('BullMQ on Redis', () => {
  let redis: RedisTestServer;
  let connection: { host: string; port: number; maxRetriesPerRequest: null };

  beforeAll(async () => {
    redis = await startRedis();
    connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  }, 30_000);
  afterAll(() => redis?.stop());

  function startWorkerProcess(queueName: string): { child: ChildProcess; took: Promise<string> } {
    const child = spawn(process.execPath, [WORKER_MAIN, redis.url, queueName, String(LOCK_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const took = new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /took (\S+)/.exec(out);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before taking a job`)));
    });
    return { child, took };
  }

  it('re-runs, on another worker, the job of a worker killed with SIGKILL mid-job, and completes it once', async () => {
    const queueName = 'batches-stalled';
    const queue = new Queue(queueName, { connection });
    const events = new QueueEvents(queueName, { connection });
    await events.waitUntilReady();
    try {
      const doomed = startWorkerProcess(queueName);
      const job = await queue.add('batch', { runId: 'run-1', batch: 0, eventIds: [1, 2, 3] }, { removeOnComplete: false });
      expect(await doomed.took).toBe(job.id);
      const exited = new Promise<void>((resolve) => doomed.child.once('exit', () => resolve()));
      doomed.child.kill('SIGKILL');
      await exited;

      const runs: string[] = [];
      const survivor = new Worker(
        queueName,
        async (taken) => {
          runs.push(taken.id!);
          return { scored: (taken.data as { eventIds: number[] }).eventIds.length };
        },
        { connection, lockDuration: LOCK_MS, stalledInterval: LOCK_MS / 2, maxStalledCount: 1 },
      );
      try {
        const result = await job.waitUntilFinished(events, 60_000);
        expect(result).toEqual({ scored: 3 });
        expect(runs).toEqual([job.id]);
        const finished = await queue.getJob(job.id!);
        expect(await finished!.getState()).toBe('completed');
        expect(finished!.attemptsStarted).toBe(2);
      } finally {
        await survivor.close();
      }
    } finally {
      await events.close();
      await queue.close();
    }
  }, 90_000);
});
