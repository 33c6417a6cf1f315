// Cancelling lands mid-run: batches of one image, cancelled on the first batch, leave most events unscored.
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Message {
  kind: 'BATCH' | 'FINISHED';
  status: string;
  done: { gamma: number; proton: number };
  total: { gamma: number; proton: number };
}

describe('cancelPrediction', () => {
  let server: TestServer;
  let ws: Client;
  beforeAll(async () => {
    server = await startTestServer({ inference: { batchSize: 1 } });
    ws = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  }, 300_000);
  afterAll(async () => {
    await ws?.dispose();
    await server?.stop();
  });

  it('stops a run mid-way, marks it CANCELLED and keeps exactly the predictions made before', async () => {
    const started = await server.graphql<{ predict: { id: string } }>('mutation { predict(input: { energyBin: 1, eventsPerClass: 60, seed: 5 }) { id } }');
    const runId = started.data!.predict.id;
    let cancelled: Promise<unknown> | undefined;
    const messages = await new Promise<Message[]>((resolve, reject) => {
      const seen: Message[] = [];
      ws.subscribe<{ predictionProgress: Message }>(
        { query: 'subscription($runId: ID!) { predictionProgress(runId: $runId) { kind status done { gamma proton } total { gamma proton } } }', variables: { runId } },
        {
          next: ({ data }) => {
            seen.push(data!.predictionProgress);
            cancelled ??= server.graphql('mutation($id: ID!) { cancelPrediction(runId: $id) { status } }', { id: runId });
          },
          error: reject,
          complete: () => resolve(seen),
        },
      );
    });
    await cancelled;
    const final = messages.at(-1)!;
    expect(final).toMatchObject({ kind: 'FINISHED', status: 'CANCELLED', total: { gamma: 60, proton: 60 } });
    const scored = final.done.gamma + final.done.proton;
    expect(scored).toBeGreaterThan(0);
    expect(scored).toBeLessThan(120);

    const run = await server.graphql<{ predictionRun: { status: string; predictions: Array<{ eventId: string }> } }>(
      'query($id: ID!) { predictionRun(id: $id) { status predictions { eventId } } }',
      { id: runId },
    );
    expect(run.data!.predictionRun.status).toBe('CANCELLED');
    expect(run.data!.predictionRun.predictions).toHaveLength(scored);
  });
});
