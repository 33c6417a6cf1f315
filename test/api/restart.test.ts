// A run cut off by a crash resumes at the next start and ends with the results it would have had: ten runs,
// kill -9 of a real server process while they run, restart, and the same results as a server never interrupted.
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess, writeServerConfig, type ServerProcess } from '../helpers/server-process.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

interface Run {
  status: string;
  predictions: Array<{ eventId: string; scores: number[] | null }>;
  classification: { accuracy: number; confusionMatrix: number[][]; logLoss: number | null; macroAuc: number | null } | null;
}

const RUN = 'query($id: ID!) { predictionRun(id: $id) { status predictions { eventId scores } classification { accuracy confusionMatrix logLoss macroAuc } } }';
// The last run (still going at the kill: the kill waits for its first batch) is drawn over all energies.
const INPUTS = Array.from({ length: 10 }, (_, i) => ({ energyBin: i === 9 ? null : i % 7, eventsPerClass: 40 + i * 2, seed: 100 + i, samples: 2 }));
// Batches of one image: ten runs of 80 to 116 images each are still going when the server is killed. One backend
// for both servers: `auto` picks the faster of two that agree to 1e-6, and the comparison here is exact.
const CONFIG = { inference: { batchSize: 1, backend: 'onnxruntime' } };

async function waitForFinal(server: ServerProcess, id: string, timeoutMs = 180_000): Promise<Run> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { data, errors } = await server.graphql<{ predictionRun: Run }>(RUN, { id });
    if (errors) throw new Error(errors[0].message);
    if (data!.predictionRun.status !== 'RUNNING' && data!.predictionRun.status !== 'QUEUED') return data!.predictionRun;
    if (Date.now() > until) throw new Error(`run ${id} still ${data!.predictionRun.status}\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function startRuns(server: ServerProcess): Promise<string[]> {
  const ids: string[] = [];
  for (const input of INPUTS) {
    const { data, errors } = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input });
    if (errors) throw new Error(errors[0].message);
    ids.push(data!.predict.id);
  }
  return ids;
}

describe('restarts', () => {
  const servers: ServerProcess[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill('SIGKILL')));
  });

  it('resumes the runs a kill -9 cut off, and they end with the results of uninterrupted runs', async () => {
    const dir = temporaryDir('astri-restart-');
    const config = writeServerConfig(dir, CONFIG);
    const first = await startServerProcess(config);
    servers.push(first);
    const ids = await startRuns(first);
    // Once the last run has inferred a batch (so predictions are cached), kill without warning.
    const stream = await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription($id: ID!) { predictionProgress(runId: $id) { kind } }', variables: { id: ids.at(-1) } }),
    });
    const reader = stream.body!.getReader();
    for (let text = ''; !text.includes('BATCH'); ) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const statuses = await Promise.all(ids.map(async (id) => (await first.graphql<{ predictionRun: { status: string } }>('query($id: ID!) { predictionRun(id: $id) { status } }', { id })).data!.predictionRun.status));
    await first.kill('SIGKILL');
    const interrupted = statuses.filter((status) => status === 'RUNNING').length;
    expect(interrupted).toBeGreaterThan(0);

    const second = await startServerProcess(config);
    servers.push(second);
    const resumed = await Promise.all(ids.map((id) => waitForFinal(second, id)));
    expect(resumed.map((run) => run.status)).toEqual(ids.map(() => 'COMPLETED'));
    await second.kill();

    // The same runs on a server that is never interrupted, on its own data folder (the demo is generated from the same seed).
    const referenceDir = temporaryDir('astri-reference-');
    const reference = await startServerProcess(writeServerConfig(referenceDir, CONFIG));
    servers.push(reference);
    const referenceIds = await startRuns(reference);
    const expected = await Promise.all(referenceIds.map((id) => waitForFinal(reference, id)));
    await reference.kill();

    for (const [i, run] of resumed.entries()) {
      expect(run.predictions.length).toBe(INPUTS[i].eventsPerClass * 2);
      expect(run.predictions).toEqual(expected[i].predictions);
      expect(run.classification).toEqual(expected[i].classification);
    }
  }, 600_000);
});

describe('reconnecting subscribers', () => {
  it('get only the messages after afterSequence', async () => {
    const { startTestServer } = await import('../helpers/server.ts');
    const server = await startTestServer();
    try {
      const started = await server.graphql<{ predict: { id: string } }>('mutation { predict(input: { energyBin: 2, eventsPerClass: 60, seed: 4 }) { id } }');
      const id = started.data!.predict.id;
      const sequences = async (after?: number) => {
        const response = await server.app.yoga.fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: 'subscription($id: ID!, $after: Int) { predictionProgress(runId: $id, afterSequence: $after) { sequence kind } }', variables: { id, after } }),
        });
        return (await response.text())
          .split('\n')
          .filter((line) => line.startsWith('data: ') && line.length > 6)
          .map((line) => (JSON.parse(line.slice(6)) as { data: { predictionProgress: { sequence: number } } }).data.predictionProgress.sequence);
      };
      const all = await sequences();
      expect(all.length).toBeGreaterThan(3);
      expect(await sequences(2)).toEqual(all.filter((sequence) => sequence > 2));
    } finally {
      await server.stop();
    }
  });
});
