// `astri serve` (role all) with a queue: one process that conducts runs through the queue and takes their
// batches itself, listed as a worker; the results are those of the same process without a queue (one backend
// for both: `auto` picks the faster of two that agree to 1e-6, and the comparison here is exact).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsRedis, startRedis, type RedisTestServer } from '../helpers/redis.ts';
import { startServerProcess, writeServerConfig, type ServerProcess } from '../helpers/server-process.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const RUN = 'query($id: ID!) { predictionRun(id: $id) { status predictions { eventId scores } } }';

async function finished(server: ServerProcess, id: string): Promise<{ status: string; predictions: Array<{ eventId: string; scores: number[] }> }> {
  for (;;) {
    const { data } = await server.graphql<{ predictionRun: { status: string; predictions: Array<{ eventId: string; scores: number[] }> } }>(RUN, { id });
    if (data!.predictionRun.status !== 'RUNNING') return data!.predictionRun;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function predict(server: ServerProcess): Promise<string> {
  const { data, errors } = await server.graphql<{ predict: { id: string } }>('mutation { predict(input: { energyBin: 2, eventsPerClass: 60, seed: 9 }) { id } }');
  if (!data) throw new Error(JSON.stringify(errors));
  return data.predict.id;
}

describe.skipIf(!needsRedis('astri serve with a queue'))('astri serve with queue.url (role all)', () => {
  let redis: RedisTestServer;
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.allSettled(servers.map((server) => server.kill('SIGKILL')));
    await redis?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const start = async (extra: Record<string, Record<string, unknown>>) => {
    const dir = temporaryDir('astri-serve-queue-');
    dirs.push(dir);
    const server = await startServerProcess(writeServerConfig(dir, { inference: { batchSize: 16, backend: 'onnxruntime' }, ...extra }));
    servers.push(server);
    return server;
  };

  it('takes its own batches from the queue, lists itself as a worker, and scores as without a queue', async () => {
    const queued = await start({ queue: { url: redis.url } });
    const run = await finished(queued, await predict(queued));
    expect(run.status).toBe('COMPLETED');
    expect(run.predictions).toHaveLength(120);

    await expect
      .poll(async () => (await queued.graphql<{ serverInfo: { role: string; queue: { waiting: number } | null; workers: Array<{ role: string; batches: number; backend: string | null }> } }>('{ serverInfo { role queue { waiting } workers { role batches backend } } }')).data!.serverInfo, { timeout: 10_000 })
      .toMatchObject({ role: 'all', queue: { waiting: 0 }, workers: [{ role: 'all', batches: 8, backend: expect.any(String) }] });

    const plain = await start({});
    expect((await plain.graphql<{ serverInfo: { queue: unknown; workers: unknown[] } }>('{ serverInfo { queue { waiting } workers { id } } }')).data!.serverInfo).toEqual({ queue: null, workers: [] });
    const reference = await finished(plain, await predict(plain));
    expect(run.predictions).toEqual(reference.predictions);
  }, 300_000);
});
