// The main API flows with the metadata in PostgreSQL (database.url), next to the same server on SQLite: the
// datasets, bins and events queries, a predict run (and its cached repeat), and an uploaded dataset. A private
// server (test/helpers/postgres.ts); skipped, with one line saying why, where PostgreSQL is not installed.
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { generateBatch } from '../../server/data/demo/index.ts';
import { needsPostgres, startPostgres, type PostgresTestServer } from '../helpers/postgres.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const HAS_POSTGRES = needsPostgres('the API on PostgreSQL (test/api/postgresql.test.ts)');

const RUN_FIELDS = 'status error failedCount eventsPerClass predictions { eventId label trueEnergyTeV gammaness scores error } sampleEvents { event { id } scores }';

interface RunResult {
  status: string;
  error: string | null;
  failedCount: number;
  eventsPerClass: number;
  predictions: Array<{ eventId: string; label: string; trueEnergyTeV: number | null; gammaness: number | null; scores: number[] | null; error: string | null }>;
  sampleEvents: Array<{ event: { id: string }; scores: number[] | null }>;
}

/** Demo-camera PNGs (56x56 gray). */
function cameraPngs(count: number, seed: number): Buffer[] {
  const batch = generateBatch({ seed, count, minTeV: 2, maxTeV: 5 });
  return Array.from({ length: count }, (_, k) => Buffer.from(encode({ width: 56, height: 56, channels: 1, depth: 8, data: batch.pixels.subarray(k * 3136, (k + 1) * 3136) })));
}

async function zipOf(files: Record<string, Buffer>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const [name, body] of Object.entries(files)) archive.addBuffer(body, name);
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The same events, labels, energies and errors, and the same scores up to float32 rounding: the scores come from two
 * inferences (one per server), whose batches may be composed differently; what the database stores is compared exactly
 * by the cached repeat.
 */
function expectSameRun(actual: RunResult, expected: RunResult): void {
  const withoutScores = (run: RunResult) => ({
    ...run,
    predictions: run.predictions.map(({ scores, gammaness, ...rest }) => ({ ...rest, scored: scores !== null, hasGammaness: gammaness !== null })),
    sampleEvents: run.sampleEvents.map((sample) => sample.event.id),
  });
  expect(withoutScores(actual)).toEqual(withoutScores(expected));
  actual.predictions.forEach((prediction, i) => {
    const other = expected.predictions[i];
    expect(prediction.gammaness!).toBeCloseTo(other.gammaness!, 5);
    prediction.scores!.forEach((score, k) => expect(score).toBeCloseTo(other.scores![k], 5));
  });
}

describe.skipIf(!HAS_POSTGRES)('the API on PostgreSQL', () => {
  let postgres: PostgresTestServer;
  let onPostgres: TestServer;
  let onSqlite: TestServer;

  beforeAll(async () => {
    postgres = await startPostgres();
    onPostgres = await startTestServer({ database: { url: await postgres.createDatabase() } });
    onSqlite = await startTestServer();
  }, 300_000);
  afterAll(async () => {
    await onPostgres?.stop();
    await onSqlite?.stop();
    await postgres?.stop();
  });

  async function runToEnd(server: TestServer, input: Record<string, unknown>): Promise<RunResult> {
    const started = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input });
    expect(started.errors).toBeUndefined();
    for (;;) {
      const run = await server.graphql<{ predictionRun: RunResult }>(`query($id: ID!) { predictionRun(id: $id) { ${RUN_FIELDS} } }`, { id: started.data!.predict.id });
      expect(run.errors).toBeUndefined();
      if (!['QUEUED', 'RUNNING'].includes(run.data!.predictionRun.status)) return run.data!.predictionRun;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('keeps its metadata in PostgreSQL, not in the SQLite file', async () => {
    const tables = await onPostgres.app.services.db.$queryRaw<Array<{ n: bigint }>>`SELECT COUNT(*) AS n FROM pg_tables WHERE tablename = 'Event'`;
    expect(Number(tables[0].n)).toBe(1);
  });

  it('answers the datasets, energy bins and events queries as on SQLite', async () => {
    const overview = '{ datasets { id name source state eventCount classes { name eventCount } } energyBins { index label minTeV maxTeV gammaCount protonCount } }';
    const [pg, sqlite] = await Promise.all([onPostgres.graphql(overview), onSqlite.graphql(overview)]);
    expect(pg.errors).toBeUndefined();
    expect(pg.data).toEqual(sqlite.data);
    expect((pg.data as { datasets: Array<{ eventCount: number }> }).datasets).toEqual([expect.objectContaining({ name: 'demo', eventCount: 840 })]);

    const page = 'query($after: String) { events(energyBin: 2, particle: GAMMA, first: 25, after: $after) { totalCount edges { cursor node { id label particle energyTeV imageUrl } } pageInfo { hasNextPage endCursor } } }';
    type Page = { events: { totalCount: number; edges: Array<{ node: { id: string } }>; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const first = await onPostgres.graphql<Page>(page);
    expect(first.data).toEqual((await onSqlite.graphql<Page>(page)).data);
    const second = await onPostgres.graphql<Page>(page, { after: first.data!.events.pageInfo.endCursor });
    expect(second.data).toEqual((await onSqlite.graphql<Page>(page, { after: first.data!.events.pageInfo.endCursor })).data);
    expect(first.data!.events.totalCount).toBe(60);

    const image = await fetch(`${onPostgres.url}/images/${first.data!.events.edges[0].node.id}.png`);
    expect(image.status).toBe(200);
  });

  it('runs a predict over GraphQL with the same predictions as on SQLite, and serves its repeat from the cache', async () => {
    const input = { energyBin: 1, eventsPerClass: 40, samples: 2, seed: 12 };
    const [pg, sqlite] = [await runToEnd(onPostgres, input), await runToEnd(onSqlite, input)];
    expect(pg).toMatchObject({ status: 'COMPLETED', error: null, failedCount: 0 });
    expect(pg.predictions).toHaveLength(80);
    expectSameRun(pg, sqlite);
    const again = await runToEnd(onPostgres, input);
    expect(again).toEqual(pg);
    const runs = await onPostgres.graphql<{ predictionRuns: { edges: Array<{ node: { status: string } }> } }>('{ predictionRuns(first: 10) { edges { node { status } } } }');
    expect(runs.errors).toBeUndefined();
    expect(runs.data!.predictionRuns.edges.map((edge) => edge.node.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('ingests an uploaded zip of class folders and predicts on it', async () => {
    const files: Record<string, Buffer> = {};
    cameraPngs(30, 1).forEach((png, k) => (files[`gamma/g${k}.png`] = png));
    cameraPngs(30, 2).forEach((png, k) => (files[`proton/p${k}.png`] = png));
    const body = new FormData();
    body.set('operations', JSON.stringify({ query: 'mutation($file: File!) { uploadDataset(file: $file, name: "camera", signalClass: "gamma") { id state } }', variables: { file: null } }));
    body.set('map', JSON.stringify({ 0: ['variables.file'] }));
    body.set('0', new File([new Uint8Array(await zipOf(files))], 'camera.zip'));
    const response = await onPostgres.app.yoga.fetch(`${onPostgres.url}/graphql`, { method: 'POST', body });
    const started = (await response.json()) as { data?: { uploadDataset: { id: string } }; errors?: unknown };
    expect(started.errors).toBeUndefined();
    const id = started.data!.uploadDataset.id;

    type Dataset = { state: string; eventCount: number; classes: Array<{ name: string; eventCount: number }> };
    let dataset: Dataset;
    for (;;) {
      dataset = (await onPostgres.graphql<{ dataset: Dataset }>('query($id: ID!) { dataset(id: $id) { state eventCount classes { name eventCount } } }', { id })).data!.dataset;
      if (dataset.state !== 'INGESTING') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(dataset).toMatchObject({ state: 'READY', eventCount: 60 });
    expect(dataset.classes.map((c) => c.eventCount)).toEqual([30, 30]);

    const run = await runToEnd(onPostgres, { datasetId: id, eventsPerClass: 20, seed: 3 });
    expect(run).toMatchObject({ status: 'COMPLETED', failedCount: 0 });
    expect(run.predictions).toHaveLength(40);
    expect(run.predictions.every((p) => p.scores !== null && p.trueEnergyTeV === null)).toBe(true);
  });
});
