import { readFileSync, writeFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import path from 'node:path';
import type { BatchStages } from '../../server/domain/run.ts';
import { writeKerasH5 } from '../../server/inference/index.ts';
import { tf } from '../../server/inference/runtime/tfjs.ts';
import { computeMetrics } from '../../server/metrics/index.ts';
import { printSchemaFile, SCHEMA_FILE } from '../../server/schema/print.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Progress {
  kind: 'BATCH' | 'FINISHED';
  sequence: number;
  status: string;
  done: { gamma: number; proton: number };
  total: { gamma: number; proton: number };
  failed: { gamma: number; proton: number };
  imagesPerSecond: number;
  batch: {
    particle: 'GAMMA' | 'PROTON';
    index: number;
    inferenceMs: number;
    stages: BatchStages | null;
    events: Array<{ eventId: string; gammaness: number | null; energyTeV: number; trueEnergyTeV: number | null; scores: number[] | null; predictedLabel: string | null; error: string | null }>;
    columns: {
      eventIds: string[];
      trueEnergiesTeV: Array<number | null>;
      classCount: number;
      scores: Array<number | null>;
      gammaness: Array<number | null>;
      predictedLabels: Array<string | null>;
      errors: Array<string | null>;
      scoresBase64: string;
      gammanessBase64: string;
      trueEnergiesTeVBase64: string;
      failures: Array<{ position: number; error: string }>;
    };
  } | null;
  metrics: Metrics | null;
}

interface Metrics {
  threshold: number;
  confusionMatrix: { truePositive: number; falsePositive: number; trueNegative: number; falseNegative: number };
  roc: { auc: number; fpr: number[]; tpr: number[] } | null;
  precisionRecall: { averagePrecision: number; precision: number[]; recall: number[] } | null;
  histogram: { edges: number[]; gamma: number[]; proton: number[] };
  gammaEfficiency: number | null;
  hadronEfficiency: number | null;
  qualityFactor: number | null;
}

const PROGRESS = /* GraphQL */ `
  subscription Progress($runId: ID!) {
    predictionProgress(runId: $runId) {
      kind sequence status imagesPerSecond
      done { gamma proton } total { gamma proton } failed { gamma proton }
      batch { particle index inferenceMs stages { readQueuedAtMs readStartedAtMs readEndedAtMs inferStartedAtMs inferEndedAtMs publishedAtMs } events { eventId gammaness energyTeV trueEnergyTeV scores predictedLabel error }
        columns { eventIds trueEnergiesTeV classCount scores gammaness predictedLabels errors scoresBase64 gammanessBase64 trueEnergiesTeVBase64 failures { position error } } }
      metrics {
        threshold
        confusionMatrix { truePositive falsePositive trueNegative falseNegative }
        roc { auc fpr tpr } precisionRecall { averagePrecision precision recall }
        histogram { edges gamma proton }
        gammaEfficiency hadronEfficiency qualityFactor
      }
    }
  }
`;

const PREDICT = /* GraphQL */ `
  mutation Predict($input: PredictInput!) { predict(input: $input) { id status eventsPerClass energyBin { index label } } }
`;

/** PredictionBatch.columns read back into one object per event, as a client would. */
function eventsOfColumns(columns: NonNullable<Progress['batch']>['columns']) {
  return columns.eventIds.map((eventId, i) => {
    const scores = columns.scores.slice(i * columns.classCount, (i + 1) * columns.classCount);
    return {
      eventId,
      gammaness: columns.gammaness[i],
      trueEnergyTeV: columns.trueEnergiesTeV[i],
      scores: scores.every((score) => score === null) ? null : scores,
      predictedLabel: columns.predictedLabels[i],
      error: columns.errors[i],
    };
  });
}

/** The packed columns decoded as a client would (little-endian floats, NaN for none), in the list columns' form. */
function unpackedColumns(columns: NonNullable<Progress['batch']>['columns']) {
  const floats = (text: string, bytesPer: 4 | 8) => {
    const view = new DataView(Uint8Array.from(Buffer.from(text, 'base64')).buffer);
    return Array.from({ length: view.byteLength / bytesPer }, (_, i) => (bytesPer === 4 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true)));
  };
  const orNull = (values: number[]) => values.map((value) => (Number.isNaN(value) ? null : value));
  const errors = columns.eventIds.map((): string | null => null);
  for (const { position, error } of columns.failures) errors[position] = error;
  return { scores: orNull(floats(columns.scoresBase64, 4)), gammaness: orNull(floats(columns.gammanessBase64, 4)), trueEnergiesTeV: orNull(floats(columns.trueEnergiesTeVBase64, 8)), errors };
}

describe('GraphQL API', () => {
  let server: TestServer;
  let ws: Client;

  beforeAll(async () => {
    server = await startTestServer();
    ws = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  }, 300_000);
  afterAll(async () => {
    await ws?.dispose();
    await server?.stop();
  });

  function subscribe(runId: string): Promise<Progress[]> {
    return new Promise((resolve, reject) => {
      const messages: Progress[] = [];
      ws.subscribe<{ predictionProgress: Progress }>(
        { query: PROGRESS, variables: { runId } },
        {
          next: (result) => {
            if (result.errors) reject(new Error(JSON.stringify(result.errors)));
            else {
              const message = result.data!.predictionProgress;
              // Every batch's columns say what its events say, in the same order.
              if (message.batch) expect(eventsOfColumns(message.batch.columns)).toEqual(message.batch.events.map(({ energyTeV: _deprecated, ...event }) => event));
              // And the packed columns say what the lists say, bit for bit.
              if (message.batch) {
                const { scores, gammaness, trueEnergiesTeV, errors } = message.batch.columns;
                expect(unpackedColumns(message.batch.columns)).toEqual({ scores, gammaness, trueEnergiesTeV, errors });
              }
              messages.push(message);
            }
          },
          error: reject,
          complete: () => resolve(messages),
        },
      );
    });
  }

  async function predict(input: Record<string, unknown>): Promise<string> {
    const result = await server.graphql<{ predict: { id: string; status: string } }>(PREDICT, { input });
    expect(result.errors).toBeUndefined();
    return result.data!.predict.id;
  }

  it('has a committed schema.graphql equal to the Pothos schema (run `npm run schema` when this fails)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printSchemaFile());
  });

  it('lists the energy bins with their labels and event counts', async () => {
    const result = await server.graphql<{ energyBins: Array<{ index: number; label: string; minTeV: number; gammaCount: number; protonCount: number }> }>(
      '{ energyBins { index label minTeV maxTeV gammaCount protonCount } }',
    );
    expect(result.data!.energyBins).toHaveLength(7);
    expect(result.data!.energyBins[0]).toMatchObject({ index: 0, label: '1–2 TeV', minTeV: 1, gammaCount: 60, protonCount: 60 });
  });

  it('pages through the events of a bin with cursors and serves only their registered images', async () => {
    const query = 'query($after: String) { events(energyBin: 2, particle: GAMMA, first: 25, after: $after) { totalCount edges { cursor node { id particle energyTeV imageUrl } } pageInfo { hasNextPage endCursor } } }';
    type Page = { events: { totalCount: number; edges: Array<{ node: { id: string; particle: string; energyTeV: number; imageUrl: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const first = (await server.graphql<Page>(query)).data!.events;
    const second = (await server.graphql<Page>(query, { after: first.pageInfo.endCursor })).data!.events;
    const third = (await server.graphql<Page>(query, { after: second.pageInfo.endCursor })).data!.events;
    expect(first.totalCount).toBe(60);
    expect([first.edges.length, second.edges.length, third.edges.length]).toEqual([25, 25, 10]);
    expect(third.pageInfo.hasNextPage).toBe(false);
    const ids = [...first.edges, ...second.edges, ...third.edges].map((edge) => edge.node.id);
    expect(new Set(ids).size).toBe(60);
    for (const edge of first.edges) {
      expect(edge.node.particle).toBe('GAMMA');
      expect(edge.node.energyTeV).toBeGreaterThanOrEqual(5);
      expect(edge.node.energyTeV).toBeLessThan(10);
    }

    const image = await fetch(`${server.url}${first.edges[0].node.imageUrl}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect([...new Uint8Array(await image.arrayBuffer()).slice(1, 4)]).toEqual([0x50, 0x4e, 0x47]);
    expect((await fetch(`${server.url}/images/999999.png`)).status).toBe(404);
    const traversal = await fetch(`${server.url}/images/..%2F..%2F..%2F..%2Fetc%2Fpasswd`);
    expect(traversal.headers.get('content-type')).not.toBe('image/png');
    expect(await traversal.text()).not.toMatch(/root:/);
  });

  it('lists the datasets and draws from the one asked for', async () => {
    const result = await server.graphql<{ datasets: Array<{ id: string; name: string; source: string; eventCount: number }> }>('{ datasets { id name source eventCount } }');
    expect(result.data!.datasets).toEqual([expect.objectContaining({ name: 'demo', source: 'demo', eventCount: 840 })]);
    const id = result.data!.datasets[0].id;
    const bins = await server.graphql<{ energyBins: Array<{ gammaCount: number }> }>('query($id: ID) { energyBins(datasetId: $id) { gammaCount } }', { id });
    expect(bins.data!.energyBins.map((bin) => bin.gammaCount)).toEqual([60, 60, 60, 60, 60, 60, 60]);
    const runId = await predict({ energyBin: 1, eventsPerClass: 5, datasetId: id, seed: 12 });
    expect((await subscribe(runId)).at(-1)).toMatchObject({ status: 'COMPLETED', done: { gamma: 5, proton: 5 } });
  });

  it('reports the server, its backend and its limits', async () => {
    const result = await server.graphql<{ serverInfo: { version: string; batchSize: number; backend: { name: string; threads: number }; limits: { maxEventsPerClass: number; maxSamples: number } } }>(
      '{ serverInfo { version batchSize backend { name device threads threadSettings { intraOpThreads spinning loadImagesPerSecond chosen } } limits { maxEventsPerClass maxSamples } } models { id name active inputShape } }',
    );
    expect(result.data!.serverInfo).toMatchObject({ batchSize: 32, limits: { maxEventsPerClass: 20000, maxSamples: 10 } });
    const { backend } = result.data!.serverInfo as unknown as { backend: { name: string; threads: number; threadSettings: Array<{ intraOpThreads: number; chosen: boolean }> | null } };
    expect(['onnxruntime', 'tensorflow', 'wasm', 'cpu']).toContain(backend.name);
    // ONNX Runtime on several cores with inference.threads 0: the settings timed at load, one of them in use.
    if (backend.threadSettings) expect(backend.threadSettings.filter((setting) => setting.chosen).map((setting) => setting.intraOpThreads)).toEqual([backend.threads]);
  });

  it('streams interleaved gamma and proton batches over graphql-ws and finishes with the metrics of those scores', async () => {
    const runId = await predict({ energyBin: 3, eventsPerClass: 60, samples: 3, seed: 11 });
    const messages = await subscribe(runId);
    const batches = messages.filter((m) => m.kind === 'BATCH');
    const final = messages.at(-1)!;

    expect(final.kind).toBe('FINISHED');
    expect(final.status).toBe('COMPLETED');
    expect(messages.map((m) => m.sequence)).toEqual(messages.map((_, i) => i));
    expect(final.done).toEqual({ gamma: 60, proton: 60 });
    expect(final.total).toEqual({ gamma: 60, proton: 60 });
    // Both classes progress together: a proton batch arrives before the last gamma batch.
    const particles = batches.map((m) => m.batch!.particle);
    expect(particles.indexOf('PROTON')).toBeLessThan(particles.lastIndexOf('GAMMA'));

    // Each batch's timeline: read, then inferred, then published, in the server's order of events.
    for (const { batch } of batches) {
      const t = batch!.stages!;
      const order = [t.readQueuedAtMs, t.readStartedAtMs, t.readEndedAtMs, t.inferEndedAtMs, t.publishedAtMs];
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(t.inferEndedAtMs - t.inferStartedAtMs).toBeCloseTo(batch!.inferenceMs, 6);
    }

    const gamma = batches.filter((m) => m.batch!.particle === 'GAMMA').flatMap((m) => m.batch!.events.map((e) => e.gammaness!));
    const proton = batches.filter((m) => m.batch!.particle === 'PROTON').flatMap((m) => m.batch!.events.map((e) => e.gammaness!));
    expect(gamma).toHaveLength(60);
    const expected = computeMetrics({ gamma, proton }, { threshold: 0.9, histogramBins: 50 });
    expect(final.metrics!.roc!.auc).toBe(expected.rocAuc);
    expect(final.metrics!.precisionRecall!.averagePrecision).toBe(expected.averagePrecision);
    expect(final.metrics!.confusionMatrix).toMatchObject({
      truePositive: expected.confusion.truePositive,
      falsePositive: expected.confusion.falsePositive,
      trueNegative: expected.confusion.trueNegative,
      falseNegative: expected.confusion.falseNegative,
    });
    expect(final.metrics!.histogram.gamma).toEqual(expected.histograms.gamma);

    const run = await server.graphql<{ predictionRun: { status: string; predictions: unknown[]; sampleEvents: Array<{ event: { particle: string; imageUrl: string } }>; metrics: { roc: { auc: number }; confusionMatrix: { threshold: number } } } }>(
      'query($id: ID!) { predictionRun(id: $id) { status predictions { eventId gammaness } sampleEvents { gammaness event { particle imageUrl } } metrics(threshold: 0.5) { roc { auc } confusionMatrix { threshold truePositive } } } }',
      { id: runId },
    );
    expect(run.data!.predictionRun.status).toBe('COMPLETED');
    expect(run.data!.predictionRun.predictions).toHaveLength(120);
    expect(run.data!.predictionRun.sampleEvents.map((s) => s.event.particle).sort()).toEqual(['GAMMA', 'GAMMA', 'GAMMA', 'PROTON', 'PROTON', 'PROTON']);
    expect(run.data!.predictionRun.metrics.roc.auc).toBe(expected.rocAuc);
    expect(run.data!.predictionRun.metrics.confusionMatrix.threshold).toBe(0.5);
  });

  it('gives a late subscriber every batch already produced, then the rest', async () => {
    const runId = await predict({ energyBin: 1, eventsPerClass: 60, seed: 3 });
    const early = await subscribe(runId);
    const late = await subscribe(runId);
    expect(late).toEqual(early);
    expect(late.filter((m) => m.kind === 'BATCH').reduce((n, m) => n + m.batch!.events.length, 0)).toBe(120);
  });

  it('completes two concurrent runs independently', async () => {
    const [a, b] = await Promise.all([predict({ energyBin: 4, eventsPerClass: 50, seed: 1 }), predict({ energyBin: 5, eventsPerClass: 40, seed: 2 })]);
    const [ma, mb] = await Promise.all([subscribe(a), subscribe(b)]);
    expect(ma.at(-1)).toMatchObject({ status: 'COMPLETED', done: { gamma: 50, proton: 50 } });
    expect(mb.at(-1)).toMatchObject({ status: 'COMPLETED', done: { gamma: 40, proton: 40 } });
  });

  it('selects the same events for the same seed', async () => {
    const ids = async (seed: number) => {
      const runId = await predict({ energyBin: 2, eventsPerClass: 20, seed });
      const messages = await subscribe(runId);
      return messages.flatMap((m) => m.batch?.events.map((e) => e.eventId) ?? []).sort();
    };
    expect(await ids(5)).toEqual(await ids(5));
    expect(await ids(5)).not.toEqual(await ids(6));
  });

  it('streams progress over server-sent events too', async () => {
    const runId = await predict({ energyBin: 0, eventsPerClass: 10, seed: 9 });
    const response = await server.app.yoga.fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription($runId: ID!) { predictionProgress(runId: $runId) { kind done { gamma proton } } }', variables: { runId } }),
    });
    const text = await response.text();
    const events = text.split('\n').filter((line) => line.startsWith('data: ') && line.length > 6).map((line) => JSON.parse(line.slice(6)));
    expect(events.at(-1).data.predictionProgress).toEqual({ kind: 'FINISHED', done: { gamma: 10, proton: 10 } });
  });

  it('goes on when an image cannot be decoded, and counts the failure', async () => {
    // Bin 6 is used by no other test, so this image has never been decoded or scored.
    const page = await server.graphql<{ events: { edges: Array<{ node: { id: string } }> } }>('{ events(energyBin: 6, particle: GAMMA, first: 1) { edges { node { id } } } }');
    const { dataset, id: storedId, ...fields } = await server.app.services.db.event.findUniqueOrThrow({ where: { id: Number(page.data!.events.edges[0].node.id) }, include: { dataset: true } });
    writeFileSync(`${dataset.rootDir}/${fields.imagePath}`, 'not a png at all');
    // The demo's pixels went into the pixel store as they were generated: registered again (as an in-place ingest
    // would), under an id the store does not hold, the event is read from its damaged PNG.
    await server.app.services.db.event.delete({ where: { id: storedId } });
    const brokenId = String((await server.app.services.db.event.create({ data: fields })).id);
    // An ingest raises the dataset's events revision with its writes; so do we, or the selections cached at start stand.
    await server.app.services.db.dataset.update({ where: { id: dataset.id }, data: { eventsRevision: { increment: 1 } } });

    const runId = await predict({ energyBin: 6, eventsPerClass: 60, seed: 21 });
    const messages = await subscribe(runId);
    const final = messages.at(-1)!;
    expect(final.status).toBe('COMPLETED');
    expect(final.failed).toEqual({ gamma: 1, proton: 0 });
    const broken = messages.flatMap((m) => m.batch?.events ?? []).find((e) => e.eventId === brokenId)!;
    expect(broken.gammaness).toBeNull();
    expect(broken.error).toMatch(/not a PNG/);
    const batch = messages.find((m) => m.batch?.columns.eventIds.includes(brokenId))!.batch!;
    const at = batch.columns.eventIds.indexOf(brokenId);
    expect(batch.columns.scores.slice(at * 2, at * 2 + 2)).toEqual([null, null]);
    expect([batch.columns.gammaness[at], batch.columns.predictedLabels[at], batch.columns.errors[at]]).toEqual([null, null, broken.error]);
    expect(batch.columns.failures).toEqual([{ position: at, error: broken.error }]);
    expect(unpackedColumns(batch.columns).scores.slice(at * 2, at * 2 + 2)).toEqual([null, null]);
  });

  it('serves a repeated run from the prediction cache with the same scores, in fewer messages', async () => {
    const scores = async () => {
      const runId = await predict({ energyBin: 2, eventsPerClass: 60, seed: 99 });
      const messages = await subscribe(runId);
      return { messages, scores: messages.flatMap((m) => m.batch?.events.map((e) => [e.eventId, e.gammaness]) ?? []).sort() };
    };
    const first = await scores();
    const second = await scores();
    expect(second.scores).toEqual(first.scores);
    // Nothing was left to infer the second time.
    expect(second.messages.filter((m) => m.kind === 'BATCH').every((m) => m.batch!.inferenceMs === 0)).toBe(true);
    // Engine batches of 32 after a first one of 16; a class served from the cache needs no engine batches.
    const sizes = (messages: typeof first.messages) => messages.filter((m) => m.batch?.particle === 'GAMMA').map((m) => m.batch!.events.length);
    expect(sizes(first.messages)).toEqual([16, 32, 12]);
    expect(sizes(second.messages)).toEqual([16, 44]);
  });

  it('stores a finished run once its subscriber has read it, and one nobody follows all the same', async () => {
    const { db } = server.app.services;
    const storedStatus = async (id: string) => (await db.predictionRun.findUniqueOrThrow({ where: { id } })).status;
    const followed = await predict({ energyBin: 1, eventsPerClass: 20, seed: 31 });
    expect((await subscribe(followed)).at(-1)).toMatchObject({ kind: 'FINISHED', status: 'COMPLETED' });
    const unfollowed = await predict({ energyBin: 1, eventsPerClass: 20, seed: 32 });
    for (const id of [followed, unfollowed]) {
      await vi.waitFor(async () => expect(await storedStatus(id)).toBe('completed'), { timeout: 10_000, interval: 50 });
      expect(await db.runBatch.count({ where: { runId: id } })).toBe(2 * 2);
    }
  });

  it('keeps a run going when its subscriber disconnects', async () => {
    const runId = await predict({ energyBin: 5, eventsPerClass: 60, seed: 8 });
    await new Promise<void>((resolve, reject) => {
      const dispose = ws.subscribe({ query: PROGRESS, variables: { runId } }, { next: () => (dispose(), resolve()), error: reject, complete: resolve });
    });
    const final = (await subscribe(runId)).at(-1)!;
    expect(final).toMatchObject({ kind: 'FINISHED', status: 'COMPLETED', done: { gamma: 60, proton: 60 } });
  });

  describe('operations endpoints', () => {
    it('answers /healthz and /readyz', async () => {
      expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready' });
    });

    it('exposes Prometheus metrics of requests, errors, runs and inference', async () => {
      await server.graphql(PREDICT, { input: { energyBin: 99, eventsPerClass: 1 } });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toMatch(/^astri_graphql_requests_total\{operation="Predict"\} \d+/m);
      expect(text).toMatch(/^astri_graphql_errors_total\{code="BAD_USER_INPUT"\} \d+/m);
      expect(text).toMatch(/^astri_prediction_runs_total\{status="completed"\} \d+/m);
      expect(text).toMatch(/^astri_inference_batch_seconds_count \d+/m);
      expect(text).toMatch(/^astri_inference_batch_size_bucket/m);
      expect(text).toMatch(/^astri_inference_queue_depth 0/m);
    });

    it('serves GraphiQL with example operations', async () => {
      const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/GraphiQL|graphiql/);
      expect(html).toMatch(/predictionProgress/);
    });
  });

  it('answers 404, not the dashboard, for unknown paths under the API prefixes', async () => {
    for (const unknown of ['/images/abc.png', '/images/999999999.png', '/images/', '/healthz/extra', '/metrics/x']) {
      const response = await server.app.yoga.fetch(`${server.url}${unknown}`);
      expect(response.status, unknown).toBe(404);
      expect(response.headers.get('content-type') ?? '', unknown).not.toMatch(/html/);
    }
  });

  describe('model uploads', () => {
    const UPLOAD = 'mutation($file: File!, $activate: Boolean) { uploadModel(file: $file, activate: $activate) { id name format inputShape active } }';

    async function upload(bytes: Uint8Array, fileName: string, activate = true) {
      const body = new FormData();
      body.set('operations', JSON.stringify({ query: UPLOAD, variables: { file: null, activate } }));
      body.set('map', JSON.stringify({ 0: ['variables.file'] }));
      body.set('0', new File([Buffer.from(bytes)], fileName));
      const response = await server.app.yoga.fetch(`${server.url}/graphql`, { method: 'POST', body });
      return (await response.json()) as { data: { uploadModel: { id: string; active: boolean; format: string; inputShape: number[] } } | null; errors?: Array<{ message: string; extensions: { code: string } }> };
    }

    async function modelCount() {
      return ((await server.graphql<{ models: unknown[] }>('{ models { id } }')).data!.models).length;
    }

    it('refuses a truncated model, names the cause, and keeps serving the active model', async () => {
      const before = await modelCount();
      const modelFile = server.config.inference.model;
      const truncated = readFileSync(modelFile).subarray(0, 4000);
      const result = await upload(truncated, 'broken.h5');
      expect(result.errors![0].extensions.code).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toMatch(/the uploaded model "broken.h5" cannot be served: .*(truncated|HDF5|not)/i);
      // What is wrong with the user's file, not where the server keeps it.
      expect(result.errors![0].message).not.toContain(server.dir);
      expect(result.errors![0].message).not.toMatch(/\/[\w.-]+\/[\w.-]+\.h5/);
      expect(await modelCount()).toBe(before);
      const info = await server.graphql<{ models: Array<{ active: boolean; name: string }> }>('{ models { name active } }');
      expect(info.data!.models.filter((m) => m.active)).toHaveLength(1);
    });

    it('refuses a file that is no model at all', async () => {
      const result = await upload(new TextEncoder().encode('print("hello")'), 'model.py');
      expect(result.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(result.errors![0].message).toMatch(/neither a Keras HDF5 file \(\.h5\) nor an ONNX model/);
    });

    it('registers a valid upload without activating it when asked, and runs it by id', async () => {
      const file = path.join(server.dir, 'tiny.h5');
      const tiny = tf.sequential({ name: 'tiny' });
      tiny.add(tf.layers.conv2d({ inputShape: [56, 56, 1], filters: 2, kernelSize: 3, strides: 2, activation: 'relu', name: 'conv2d' }));
      tiny.add(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }));
      tiny.add(tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'dense' }));
      await writeKerasH5(tiny, file);
      const uploaded = await upload(readFileSync(file), 'tiny.h5', false);
      expect(uploaded.errors).toBeUndefined();
      expect(uploaded.data!.uploadModel).toMatchObject({ format: 'keras-h5', inputShape: [56, 56, 1], active: false });
      // Its classes are unnamed ("0", "1"): the demo's cannot be matched by name, and the refusal says how to fix it.
      const unnamed = await server.graphql('mutation($input: PredictInput!) { predict(input: $input) { id } }', {
        input: { energyBin: 4, eventsPerClass: 10, modelId: uploaded.data!.uploadModel.id },
      });
      expect(unnamed.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'classMapping' } });
      expect(unnamed.errors![0].message).toMatch(/the model has no class named "proton", "gamma" \(its classes are "0", "1"\); name the model's classes at upload or give a classMapping/);
      const classMapping = [
        { modelClass: '0', datasetClass: 'proton' },
        { modelClass: '1', datasetClass: 'gamma' },
      ];
      const runId = await predict({ energyBin: 4, eventsPerClass: 10, modelId: uploaded.data!.uploadModel.id, seed: 3, classMapping });
      expect((await subscribe(runId)).at(-1)).toMatchObject({ status: 'COMPLETED', done: { gamma: 10, proton: 10 } });
      const models = await server.graphql<{ models: Array<{ id: string; active: boolean }> }>('{ models { id active } }');
      expect(models.data!.models.find((m) => m.id === uploaded.data!.uploadModel.id)!.active).toBe(false);
    });

    /** A small softmax CNN written here, uploaded without activating it; its id. */
    async function uploadSoftmax(name: string, inputShape: [number, number, number], classes: number): Promise<string> {
      const file = path.join(server.dir, `${name}.h5`);
      const model = tf.sequential({ name });
      model.add(tf.layers.conv2d({ inputShape, filters: 2, kernelSize: 3, strides: 2, activation: 'relu', name: 'conv2d' }));
      model.add(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }));
      model.add(tf.layers.dense({ units: classes, activation: 'softmax', name: 'dense' }));
      await writeKerasH5(model, file);
      const uploaded = await upload(readFileSync(file), `${name}.h5`, false);
      expect(uploaded.errors).toBeUndefined();
      return uploaded.data!.uploadModel.id;
    }

    it('refuses a 10-class 28x28 model on the 56x56 gamma/proton demo, naming both sizes, and starts nothing', async () => {
      const modelId = await uploadSoftmax('digits', [28, 28, 1], 10);
      const runsBefore = await server.app.services.db.predictionRun.count();
      const result = await server.graphql('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input: { energyBin: 4, eventsPerClass: 10, modelId } });
      expect(result.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'modelId' } });
      expect(result.errors![0].message).toMatch(/model "digits" takes 28x28 images, but dataset "demo" holds 56x56 images/);
      expect(await server.app.services.db.predictionRun.count()).toBe(runsBefore);
    });

    it('refuses a model whose class count differs from the dataset\'s without a mapping, naming both lists', async () => {
      const modelId = await uploadSoftmax('three', [56, 56, 1], 3);
      const result = await server.graphql('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input: { energyBin: 4, eventsPerClass: 10, modelId } });
      expect(result.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'classMapping' } });
      expect(result.errors![0].message).toMatch(/the model has 3 classes \("0", "1", "2"\) and the dataset 2 \("proton", "gamma"\); give a classMapping/);
      // With a mapping, the third class is left out and the two others renormalised, so each row still sums to 1.
      const classMapping = [
        { modelClass: '0', datasetClass: 'proton' },
        { modelClass: '2', datasetClass: 'gamma' },
      ];
      const started = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', {
        input: { energyBin: 4, eventsPerClass: 10, modelId, classMapping, seed: 4 },
      });
      expect(started.errors).toBeUndefined();
      await subscribe(started.data!.predict.id);
      const run = await server.graphql<{ predictionRun: { predictions: Array<{ scores: number[]; gammaness: number }> } }>(
        'query($id: ID!) { predictionRun(id: $id) { predictions { scores gammaness } } }',
        { id: started.data!.predict.id },
      );
      for (const { scores, gammaness } of run.data!.predictionRun.predictions) {
        expect(scores[0] + scores[1]).toBeCloseTo(1, 5);
        expect(gammaness).toBe(scores[1]);
      }
    });

    it('answers 413 to a request body over the upload limit before reading it', async () => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array(server.config.server.maxUploadBytes + 1),
      });
      expect(response.status).toBe(413);
      expect(JSON.stringify(await response.json())).toMatch(/exceeds the upload limit of \d+ bytes \(server.maxUploadBytes\)/);
    });
  });

  describe('bad input', () => {
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['an unknown energy bin', { energyBin: 42, eventsPerClass: 10 }, 'BAD_USER_INPUT', /unknown energy bin 42: bins are numbered 0 to 6/],
      ['eventsPerClass above the maximum', { energyBin: 0, eventsPerClass: 20001 }, 'BAD_USER_INPUT', /eventsPerClass must be between 1 and 20000/],
      ['eventsPerClass of zero', { energyBin: 0, eventsPerClass: 0 }, 'BAD_USER_INPUT', /eventsPerClass must be between 1 and 20000/],
      ['more than 10 samples', { energyBin: 0, eventsPerClass: 10, samples: 11 }, 'BAD_USER_INPUT', /samples must be between 0 and 10/],
      ['an unknown model', { energyBin: 0, eventsPerClass: 10, modelId: '999' }, 'NOT_FOUND', /unknown model 999/],
      ['an unknown dataset', { energyBin: 0, eventsPerClass: 10, datasetId: '77' }, 'NOT_FOUND', /unknown dataset "77"/],
      ['a bin with fewer events than asked', { energyBin: 0, eventsPerClass: 500 }, 'BAD_USER_INPUT', /energy bin 0 \(1–2 TeV\).*60/],
    ];
    it.each(cases)('refuses %s with a clear message and code', async (_name, input, code, message) => {
      const result = await server.graphql(PREDICT, { input });
      expect(result.data).toBeNull();
      expect(result.errors![0].extensions!.code).toBe(code);
      expect(result.errors![0].message).toMatch(message);
    });

    it('answers NOT_FOUND for an unknown run id, over HTTP and WebSocket', async () => {
      const result = await server.graphql('{ predictionRun(id: "nope") { status } }');
      expect(result.errors![0]).toMatchObject({ message: 'unknown prediction run "nope"', extensions: { code: 'NOT_FOUND' } });
      await expect(subscribe('nope')).rejects.toThrow(/unknown prediction run/);
    });

    it('rejects malformed, alias-flooded and oversized queries politely', async () => {
      const malformed = await server.graphql('{ energyBins { index ');
      expect(malformed.errors![0].message).toMatch(/Syntax Error/);
      const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: energyBins { index }`).join(' ');
      const flooded = await server.graphql(`{ ${aliases} }`);
      expect(flooded.errors![0].message).toMatch(/aliases/i);
      const huge = `{ ${Array.from({ length: 1200 }, () => 'serverInfo { version }').join(' ')} }`;
      const oversized = await server.graphql(huge);
      expect(oversized.errors![0].message).toMatch(/token/i);
      expect(JSON.stringify([malformed, flooded, oversized])).not.toMatch(/\.ts:\d+/);
    });
  });
  it('keeps finished runs across a restart', async () => {
    const runId = await predict({ energyBin: 4, eventsPerClass: 20, samples: 2, seed: 77 });
    const before = await subscribe(runId);
    const RUN = 'query($id: ID!) { predictionRun(id: $id) { status predictions { eventId gammaness } sampleEvents { gammaness event { id } } metrics { roc { auc } } } }';
    type RunAnswer = { predictionRun: { status: string; predictions: Array<{ eventId: string; gammaness: number }>; sampleEvents: Array<{ gammaness: number; event: { id: string } }>; metrics: { roc: { auc: number } } } };
    const inMemory = (await server.graphql<RunAnswer>(RUN, { id: runId })).data!.predictionRun;
    // A run the stopping process never finished (as after a crash), whose dataset is gone: it cannot resume
    // (test/api/restart.test.ts resumes those that can).
    const model = await server.app.services.db.model.findFirstOrThrow();
    await server.app.services.db.predictionRun.create({
      data: { id: 'crashed-run', classes: '["proton","gamma"]', classMapping: '[0,1]', modelId: model.id, energyBin: 0, energyMinTeV: 1, energyMaxTeV: 2, eventsPerClass: 5, samples: 0, seed: 1, status: 'running' },
    });
    const dir = server.dir;
    await ws.dispose();
    await server.stop();
    server = await startTestServer({}, dir);
    ws = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const run = await server.graphql<RunAnswer>(RUN, { id: runId });
    expect(run.data!.predictionRun).toMatchObject({ status: 'COMPLETED' });
    // From the database, the same predictions in the same order, and the same sample events, as from memory.
    expect(run.data!.predictionRun.predictions).toHaveLength(40);
    expect(run.data!.predictionRun.predictions).toEqual(inMemory.predictions);
    expect(run.data!.predictionRun.sampleEvents).toHaveLength(4);
    expect(run.data!.predictionRun.sampleEvents).toEqual(inMemory.sampleEvents);
    // An event removed later (a sync of its dataset) leaves the run's scores as they were, and its samples list without it.
    const removed = Number(inMemory.sampleEvents[0].event.id);
    await server.app.services.db.event.delete({ where: { id: removed } });
    const afterRemoval = (await server.graphql<RunAnswer>(RUN, { id: runId })).data!.predictionRun;
    expect(afterRemoval.predictions).toEqual(inMemory.predictions);
    expect(afterRemoval.sampleEvents).toEqual(inMemory.sampleEvents.slice(1));
    expect(run.data!.predictionRun.metrics.roc.auc).toBe(before.at(-1)!.metrics!.roc!.auc);
    const crashed = await server.graphql<{ predictionRun: { status: string; error: string } }>('{ predictionRun(id: "crashed-run") { status error } }');
    expect(crashed.data!.predictionRun).toEqual({ status: 'FAILED', error: 'interrupted by a restart and not resumed: its dataset was deleted' });
    // A subscriber after the restart gets the batches rebuilt from the database, then the final message.
    const replay = await subscribe(runId);
    expect(replay.at(-1)).toMatchObject({ kind: 'FINISHED', status: 'COMPLETED', done: { gamma: 20, proton: 20 } });
    expect(replay.filter((m) => m.kind === 'BATCH').reduce((n, m) => n + m.batch!.events.length, 0)).toBe(40);
  });
});

describe('GraphiQL examples', () => {
  it('are valid operations against the schema', async () => {
    const { parse, validate } = await import('graphql');
    const { schema } = await import('../../server/schema/index.ts');
    const { GRAPHIQL_EXAMPLES } = await import('../../server/schema/graphiql-examples.ts');
    const document = parse(GRAPHIQL_EXAMPLES);
    expect(document.definitions.length).toBeGreaterThanOrEqual(5);
    expect(validate(schema, document).map((error) => error.message)).toEqual([]);
  });
});
