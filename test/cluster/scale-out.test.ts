// Scaled out on real engines: 2 API replicas (`astri serve --role api`) and 2 workers (`astri worker`) as
// separate processes on one PostgreSQL, one Redis and one S3 server, all private instances on loopback.
// 4 runs start together through both replicas, each followed from the other replica; one worker is killed
// with SIGKILL mid-run. Every run must complete with every event scored exactly once, with the scores a
// single `astri serve` (SQLite, no queue) gives for the same requests.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli } from '../helpers/cli.ts';
import { needsPostgres, startPostgres, type PostgresTestServer } from '../helpers/postgres.ts';
import { needsRedis, startRedis, type RedisTestServer } from '../helpers/redis.ts';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.ts';
import { startServerProcess, writeServerConfig, type ServerProcess } from '../helpers/server-process.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const canRun = needsRedis('the scale-out test') && needsPostgres('the scale-out test');

/** Small batches, so that every run is many jobs and a worker killed after the first answer still holds some. */
const BATCH_SIZE = 16;
const EVENTS_PER_CLASS = 120;
/** A killed worker's batches go to the other one after about this long. */
const STALLED_INTERVAL_MS = 1500;
const RUNS = [
  { bin: 0, seed: 11 },
  { bin: 1, seed: 12 },
  { bin: 2, seed: 13 },
  { bin: 3, seed: 14 },
];

interface ProgressMessage {
  kind: 'BATCH' | 'FINISHED';
  status: string;
  sequence: number;
  batch: { label: string; index: number; events: Array<{ eventId: string; scores: number[] | null; trueEnergyTeV: number | null }> } | null;
}

const PROGRESS = `subscription($runId: ID!) { predictionProgress(runId: $runId) {
  kind status sequence batch { label index events { eventId scores trueEnergyTeV } } } }`;
const PREDICT = 'mutation($bin: Int!, $seed: Int!, $n: Int!) { predict(input: { energyBin: $bin, eventsPerClass: $n, seed: $seed }) { id } }';
const STORED = 'query($id: ID!) { predictionRun(id: $id) { status error predictions { eventId scores trueEnergyTeV } } }';

function follow(client: Client, runId: string, onMessage: (message: ProgressMessage) => void): Promise<ProgressMessage[]> {
  return new Promise((resolve, reject) => {
    const seen: ProgressMessage[] = [];
    client.subscribe<{ predictionProgress: ProgressMessage }>(
      { query: PROGRESS, variables: { runId } },
      {
        next: ({ data, errors }) => {
          if (errors) return reject(new Error(JSON.stringify(errors)));
          seen.push(data!.predictionProgress);
          onMessage(data!.predictionProgress);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(seen),
      },
    );
  });
}

function wsClient(server: ServerProcess, token?: string): Client {
  return createClient({
    url: `${server.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
    ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
  });
}

async function predict(server: ServerProcess, run: { bin: number; seed: number }): Promise<string> {
  const started = await server.graphql<{ predict: { id: string } }>(PREDICT, { bin: run.bin, seed: run.seed, n: EVENTS_PER_CLASS });
  if (!started.data) throw new Error(JSON.stringify(started.errors));
  return started.data.predict.id;
}

describe.skipIf(!canRun)('scaled out: 2 API replicas and 2 workers on Redis, PostgreSQL and S3', () => {
  let redis: RedisTestServer;
  let postgres: PostgresTestServer;
  let s3: S3TestServer;
  const processes: ServerProcess[] = [];
  const clients: Client[] = [];
  let root: string;
  let apiA: ServerProcess;
  let apiB: ServerProcess;
  let worker1: ServerProcess;
  let worker2: ServerProcess;
  const clientOf = (server: ServerProcess) => clients[server === apiA ? 0 : 1];
  /** Replica A again, on its own config, where its clients reconnect. */
  const restartReplicaA = async () => {
    apiA = await startServerProcess(path.join(root, 'api-a', 'config.yaml'), { env: s3.env });
    processes.push(apiA);
    clients[0] = wsClient(apiA);
  };

  /** One process's config: its own folder and pixel store, the shared demo images, database, queue and store. */
  const configFor = (name: string, shared: Record<string, Record<string, unknown>>) => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    return writeServerConfig(dir, {
      data: { inferenceDir: path.join(root, 'inference') },
      // One backend everywhere: `auto` picks the faster of two that agree to 1e-6; the comparison below is exact.
      inference: { batchSize: BATCH_SIZE, backend: 'onnxruntime' },
      demo: { eventsPerBin: EVENTS_PER_CLASS, seed: 7, multiclassEventsPerClass: 0 },
      ...shared,
    });
  };

  beforeAll(async () => {
    root = temporaryDir('astri-cluster-');
    [redis, postgres, s3] = await Promise.all([startRedis(), startPostgres(), startS3Server()]);
    await s3.createBucket('astri');
    const cluster = {
      database: { url: await postgres.createDatabase() },
      queue: { url: redis.url, stalledIntervalMs: STALLED_INTERVAL_MS },
      storage: { url: 's3://astri/store' },
    };
    const env = s3.env;
    // The first replica generates and registers the demo; the others find it (they could also start together:
    // the demo is registered under a PostgreSQL lock).
    apiA = await startServerProcess(configFor('api-a', { ...cluster, server: { role: 'api' } }), { env });
    processes.push(apiA);
    [apiB, worker1, worker2] = await Promise.all([
      startServerProcess(configFor('api-b', cluster), { env, args: ['serve', '--role', 'api'] }),
      startServerProcess(configFor('worker-1', cluster), { env, args: ['worker', '--port', '0'] }),
      startServerProcess(configFor('worker-2', cluster), { env, args: ['worker', '--port', '0'] }),
    ]);
    processes.push(apiB, worker1, worker2);
    clients.push(wsClient(apiA), wsClient(apiB));
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    await Promise.allSettled(processes.map((process) => process.kill('SIGKILL')));
    await Promise.allSettled([redis?.stop(), postgres?.stop(), s3?.stop()]);
    rmSync(root, { recursive: true, force: true });
  });

  it('completes 4 concurrent runs with one worker killed, each event scored once, as one process scores them', async () => {
    expect(await (await fetch(`${worker1.url}/readyz`)).json()).toMatchObject({ status: 'ready' });

    const info = await apiB.graphql<{ serverInfo: { role: string; backend: unknown; workers: Array<{ id: string; role: string }> } }>('{ serverInfo { role backend { name } workers { id role } } }');
    expect(info.data!.serverInfo.role).toBe('api');
    // An API replica loads no model.
    expect(info.data!.serverInfo.backend).toBeNull();
    expect(info.data!.serverInfo.workers.map((worker) => worker.role)).toEqual(['worker', 'worker']);

    // Runs 0 and 1 start on replica A and are followed on B; runs 2 and 3 the other way round.
    const starters = [apiA, apiA, apiB, apiB];
    const followers = [apiB, apiB, apiA, apiA];
    const runIds = await Promise.all(RUNS.map((run, i) => predict(starters[i], run)));
    let killed: Promise<void> | null = null;
    const streams = await Promise.all(
      runIds.map((runId, i) =>
        follow(clientOf(followers[i]), runId, (message) => {
          // The first answer: worker 1 is busy with the queue's backlog; it dies holding batches.
          if (message.kind === 'BATCH') killed ??= worker1.kill('SIGKILL');
        }),
      ),
    );
    await killed;

    for (const [i, messages] of streams.entries()) {
      const final = messages.at(-1)!;
      expect(final.kind, `run ${i}`).toBe('FINISHED');
      expect(final.status, `run ${i}`).toBe('COMPLETED');
      const streamed = messages.flatMap((message) => message.batch?.events ?? []);
      // Every event exactly once in the stream, and every message once and in order.
      expect(new Set(streamed.map((event) => event.eventId)).size, `run ${i}`).toBe(streamed.length);
      expect(streamed, `run ${i}`).toHaveLength(2 * EVENTS_PER_CLASS);
      expect(messages.map((message) => message.sequence)).toEqual(messages.map((_, k) => k));
    }

    // Stored exactly once, read through the replica that did not conduct the run.
    const stored = await Promise.all(runIds.map((id, i) => followers[i].graphql<{ predictionRun: { status: string; predictions: Array<{ eventId: string; scores: number[] | null }> } }>(STORED, { id })));
    for (const [i, answer] of stored.entries()) {
      const run = answer.data!.predictionRun;
      expect(run.status, `run ${i}`).toBe('COMPLETED');
      expect(run.predictions, `run ${i}`).toHaveLength(2 * EVENTS_PER_CLASS);
      expect(new Set(run.predictions.map((prediction) => prediction.eventId)).size, `run ${i}`).toBe(2 * EVENTS_PER_CLASS);
      expect(run.predictions.every((prediction) => prediction.scores !== null), `run ${i}`).toBe(true);
    }

    // The killed worker's batches were given to the other one, and it is gone from the list.
    const after = await apiA.graphql<{ serverInfo: { queue: { stalledJobs: number; waiting: number }; workers: Array<{ id: string; batches: number; backend: string; device: string }> } }>(
      '{ serverInfo { queue { stalledJobs waiting } workers { id batches backend device } } }',
    );
    expect(after.data!.serverInfo.queue.stalledJobs).toBeGreaterThanOrEqual(1);
    expect(after.data!.serverInfo.queue.waiting).toBe(0);
    const metrics = await (await fetch(`${apiB.url}/metrics`)).text();
    expect(metrics).toMatch(/^astri_queue_jobs\{state="waiting"\} 0$/m);
    expect(metrics).toMatch(/^astri_worker_images_per_second\{worker="[^"]+"\} \d/m);

    // The same requests on one `astri serve` with SQLite and no queue: the same events, the same scores.
    const single = await startServerProcess(configFor('single', {}));
    processes.push(single);
    void worker2;
    clients.push(wsClient(single));
    const singleIds = await Promise.all(RUNS.map((run) => predict(single, run)));
    await Promise.all(singleIds.map((runId) => follow(clients.at(-1)!, runId, () => undefined)));
    const reference = await Promise.all(singleIds.map((id) => single.graphql<{ predictionRun: { predictions: Array<{ eventId: string; scores: number[]; trueEnergyTeV: number }> } }>(STORED, { id })));
    for (const [i, answer] of reference.entries()) {
      const expected = new Map(answer.data!.predictionRun.predictions.map((prediction) => [prediction.eventId, prediction]));
      const actual = (stored[i].data!.predictionRun.predictions as Array<{ eventId: string; scores: number[]; trueEnergyTeV: number }>);
      expect(actual.map((prediction) => prediction.eventId).sort(), `run ${i}: the same events`).toEqual([...expected.keys()].sort());
      for (const prediction of actual) {
        const want = expected.get(prediction.eventId)!;
        expect(prediction.trueEnergyTeV).toBe(want.trueEnergyTeV);
        expect(prediction.scores, `run ${i}, event ${prediction.eventId}`).toEqual(want.scores);
      }
    }
  }, 600_000);

  it('cancels a run through the replica that does not conduct it', async () => {
    const runId = await predict(apiA, { bin: 4, seed: 21 });
    const cancelled = await apiB.graphql<{ cancelPrediction: { status: string } }>('mutation($id: ID!) { cancelPrediction(runId: $id) { status } }', { id: runId });
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelPrediction.status).toBe('CANCELLED');
    const onA = await apiA.graphql<{ predictionRun: { status: string; predictions: unknown[] } }>(STORED, { id: runId });
    expect(onA.data!.predictionRun.status).toBe('CANCELLED');
    expect(onA.data!.predictionRun.predictions.length).toBeLessThan(2 * EVENTS_PER_CLASS);
  }, 120_000);

  it('hands its runs over to another replica when it is stopped', async () => {
    // Over all energies: 100 batches, still running when the replica stops.
    const started = await apiA.graphql<{ predict: { id: string } }>('mutation { predict(input: { eventsPerClass: 800, seed: 41 }) { id } }');
    const runId = started.data!.predict.id;
    await apiA.kill('SIGTERM');
    expect(apiA.output()).toContain('handed over to another API replica');
    const messages = await follow(clientOf(apiB), runId, () => undefined);
    expect(messages.at(-1)).toMatchObject({ kind: 'FINISHED', status: 'COMPLETED' });
    const stored = await apiB.graphql<{ predictionRun: { predictions: Array<{ eventId: string }> } }>(STORED, { id: runId });
    expect(new Set(stored.data!.predictionRun.predictions.map((prediction) => prediction.eventId)).size).toBe(1600);
    await restartReplicaA();
  }, 180_000);

  it('resumes on another replica a run whose replica was killed', async () => {
    const runId = await predict(apiA, { bin: 6, seed: 31 });
    await apiA.kill('SIGKILL');
    // Replica B takes the run's lapsed lease, resumes it from its stored selection, and its subscribers see it end.
    const messages = await follow(clientOf(apiB), runId, () => undefined);
    expect(messages.at(-1)).toMatchObject({ kind: 'FINISHED', status: 'COMPLETED' });
    const stored = await apiB.graphql<{ predictionRun: { status: string; predictions: Array<{ eventId: string }> } }>(STORED, { id: runId });
    expect(stored.data!.predictionRun.status).toBe('COMPLETED');
    expect(new Set(stored.data!.predictionRun.predictions.map((prediction) => prediction.eventId)).size).toBe(2 * EVENTS_PER_CLASS);
    await restartReplicaA();
  }, 180_000);

  it("counts a user's concurrent runs over both replicas", async () => {
    // A runner may have 4 runs in progress (auth.limits.runner): 2 started on each replica, the fifth is refused.
    const created = await runCli(['--config', path.join(root, 'api-b', 'config.yaml'), 'token', 'create', '--role', 'runner', '--name', 'alice', '--json'], { env: s3.env });
    const { secret } = JSON.parse(created.stdout) as { secret: string };
    const asAlice = async (server: ServerProcess, seed: number) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        // Over all energies, 1,600 images: still running when the fifth request comes.
        body: JSON.stringify({ query: `mutation { predict(input: { eventsPerClass: 800, seed: ${seed} }) { id } }` }),
      });
      return (await response.json()) as { data?: { predict: { id: string } }; errors?: Array<{ message: string; extensions: { code: string } }> };
    };
    // The earlier tests cached most of these events, so a run could end before the fifth request: the one worker
    // left is paused meanwhile, and the runs wait for their few uncached batches.
    worker2.child.kill('SIGSTOP');
    const started = await (async () => {
      try {
        return [await asAlice(apiA, 51), await asAlice(apiB, 52), await asAlice(apiA, 53), await asAlice(apiB, 54), await asAlice(apiB, 55)];
      } finally {
        worker2.child.kill('SIGCONT');
      }
    })();
    const fifth = started.pop()!;
    expect(started.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(fifth.errors?.[0].extensions.code).toBe('RATE_LIMITED');
    expect(fifth.errors?.[0].message).toMatch(/you have 4 runs in progress on this service's replicas/);
    // A token exists now: the replicas require one (the last test only asks /readyz).
    const followers = [wsClient(apiB, secret), wsClient(apiA, secret)];
    clients.push(...followers);
    await Promise.all(started.map((answer, i) => follow(followers[i % 2], answer.data!.predict.id, () => undefined)));
  }, 180_000);

  it('is not ready while its Redis is down, and ready again when it is back', async () => {
    expect((await fetch(`${apiB.url}/readyz`)).status).toBe(200);
    await redis.stop();
    const down = await fetch(`${apiB.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ reason: "the queue's Redis did not answer within 2 s" });
    redis = await startRedis(redis.port);
    await expect.poll(async () => (await fetch(`${apiB.url}/readyz`)).status, { timeout: 30_000, interval: 500 }).toBe(200);
  }, 120_000);
});
