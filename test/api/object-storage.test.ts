// Datasets and models in object storage, over GraphQL and the CLI, against a real S3 server (s3rver in its own
// process) reached through a loopback proxy that injects real faults: 503 SlowDown, connections reset before
// and inside bodies, a server killed in the middle of an ingest, missing and forbidden objects, a missing bucket.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { PROJECT_ROOT } from '../../server/config.ts';
import { writeMulticlassDemo } from '../../server/data/demo/multiclass.ts';
import { runCli } from '../helpers/cli.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { startS3Server, S3_CREDENTIALS, type S3TestServer } from '../helpers/s3-server.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const BUCKET = 'astri-data';
const PER_CLASS = 24;
const CLASSES = 4;
const MODEL_FILE = path.join(PROJECT_ROOT, 'data', 'models', 'astri-demo-4class.h5');

type DatasetAnswer = { id: string; name: string; state: string; error: string | null; eventCount: number; source: string; sourceUrl: string | null; hasEnergies: boolean };
const DATASET_FIELDS = 'id name state error eventCount source sourceUrl hasEnergies';

let s3: S3TestServer;
let proxy: FaultProxy;
let server: TestServer;
let localDir: string;

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  localDir = path.join(temporaryDir('astri-s3-data-'), 'demo-4class');
  await writeMulticlassDemo(localDir, { eventsPerClass: PER_CLASS, seed: 5 });
  await s3.putFolder(BUCKET, 'sets/demo-4class', localDir);
  await s3.put(BUCKET, 'models/astri-demo-4class.h5', readFileSync(MODEL_FILE));
  await s3.put(BUCKET, 'models/astri-demo-4class.labels.txt', readFileSync(MODEL_FILE.replace(/\.h5$/, '.labels.txt')));
  proxy = await startFaultProxy(s3.endpoint, 20261203);
  // Credentials the AWS way: the SDK's default chain reads them from the environment.
  process.env.AWS_ACCESS_KEY_ID = S3_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3_CREDENTIALS.secretAccessKey;
  server = await startTestServer({ storage: { endpoint: proxy.endpoint, region: 'us-east-1', maxAttempts: 6, concurrency: 8, requestTimeoutMs: 2000 } });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await proxy?.close();
  await s3?.stop();
});

beforeEach(() => {
  Object.assign(proxy.settings, { serviceUnavailable: 0, reset: 0, slow: 0, delayMs: 0 });
  proxy.settings.failKeys.clear();
});

async function register(source: string, name: string): Promise<{ data?: { registerDataset: DatasetAnswer }; errors?: Array<{ message: string; extensions?: { code?: string } }> }> {
  return server.graphql<{ registerDataset: DatasetAnswer }>(`mutation($source: String!, $name: String) { registerDataset(source: $source, name: $name) { ${DATASET_FIELDS} } }`, { source, name });
}

async function settled(id: string): Promise<DatasetAnswer> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const dataset = (await server.graphql<{ dataset: DatasetAnswer }>(`query($id: ID!) { dataset(id: $id) { ${DATASET_FIELDS} } }`, { id })).data!.dataset;
    if (dataset.state !== 'INGESTING') return dataset;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dataset ${id} is still ingesting`);
}

async function datasetNames(): Promise<string[]> {
  return (await server.graphql<{ datasets: Array<{ name: string }> }>('{ datasets { name } }')).data!.datasets.map((d) => d.name);
}

/**
 * Every event's scores by class name, keyed by the sha256 of the image the server serves for it (two datasets may
 * order the same classes differently: a manifest's order, or the folders' sorted names).
 */
async function scoresByImage(datasetId: string, modelId: string): Promise<{ scores: Map<string, Record<string, number>>; accuracy: number; macroAuc: number; confusion: Record<string, number> }> {
  const started = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', {
    input: { datasetId, modelId, eventsPerClass: PER_CLASS, seed: 3 },
  });
  expect(started.errors).toBeUndefined();
  type Run = {
    status: string;
    classes: Array<{ name: string }>;
    predictions: Array<{ eventId: string; scores: number[] }>;
    classification: { accuracy: number; macroAuc: number; confusionMatrix: number[][] };
  };
  let run: Run | undefined;
  for (let attempt = 0; attempt < 1200; attempt++) {
    run = (
      await server.graphql<{ predictionRun: Run }>('query($id: ID!) { predictionRun(id: $id) { status classes { name } predictions { eventId scores } classification { accuracy macroAuc confusionMatrix } } }', {
        id: started.data!.predict.id,
      })
    ).data!.predictionRun;
    if (run.status !== 'RUNNING') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(run!.status).toBe('COMPLETED');
  const events = await server.graphql<{ events: { edges: Array<{ node: { id: string; imageUrl: string } }> } }>('query($d: ID!) { events(datasetId: $d, first: 500) { edges { node { id imageUrl } } } }', {
    d: datasetId,
  });
  const imageOf = new Map<string, string>();
  for (const { node } of events.data!.events.edges) {
    const response = await fetch(`${server.url}${node.imageUrl}`);
    expect(response.headers.get('content-type')).toBe('image/png');
    imageOf.set(node.id, createHash('sha256').update(new Uint8Array(await response.arrayBuffer())).digest('hex'));
  }
  const names = run!.classes.map((c) => c.name);
  const byName = (values: number[]): Record<string, number> => Object.fromEntries(names.map((name, i) => [name, values[i]]));
  const scores = new Map(run!.predictions.map((p) => [imageOf.get(p.eventId)!, byName(p.scores)]));
  const confusion = Object.fromEntries(run!.classification.confusionMatrix.flatMap((row, i) => row.map((count, j) => [`${names[i]}->${names[j]}`, count])));
  return { scores, accuracy: run!.classification.accuracy, macroAuc: run!.classification.macroAuc, confusion };
}

describe('a dataset and a model in a bucket', () => {
  it('predicts from s3://bucket/prefix exactly what the same images give from a local folder', async () => {
    const model = await server.graphql<{ uploadModel: { id: string; classNames: string[]; classNamesSource: string; sourceUrl: string; sha256: string } }>(
      'mutation($source: String!) { uploadModel(source: $source, activate: false) { id classNames classNamesSource sourceUrl sha256 } }',
      { source: `s3://${BUCKET}/models/astri-demo-4class.h5` },
    );
    expect(model.errors).toBeUndefined();
    expect(model.data!.uploadModel).toMatchObject({
      classNames: ['gamma', 'proton', 'electron', 'muon'],
      classNamesSource: 'labels-file',
      sourceUrl: `s3://${BUCKET}/models/astri-demo-4class.h5`,
      sha256: createHash('sha256').update(readFileSync(MODEL_FILE)).digest('hex'),
    });

    const started = await register(`s3://${BUCKET}/sets/demo-4class`, 'from-s3');
    expect(started.errors).toBeUndefined();
    expect(started.data!.registerDataset).toMatchObject({ state: 'INGESTING', source: 'bucket', sourceUrl: `s3://${BUCKET}/sets/demo-4class/` });
    const fromS3 = await settled(started.data!.registerDataset.id);
    expect(fromS3).toMatchObject({ state: 'READY', eventCount: PER_CLASS * CLASSES, hasEnergies: true, error: null });

    const cli = await runCli(['ingest', localDir, '--dataset', 'from-folder'], {
      env: { ASTRI_DATA__DIR: server.dir, ASTRI_DATA__DATABASE: server.config.data.database, ASTRI_LOG__LEVEL: 'silent' },
    });
    expect(cli.code, cli.stderr).toBe(0);
    const fromFolder = (await server.graphql<{ datasets: DatasetAnswer[] }>(`{ datasets { ${DATASET_FIELDS} } }`)).data!.datasets.find((d) => d.name === 'from-folder')!;
    expect(fromFolder.eventCount).toBe(PER_CLASS * CLASSES);

    const a = await scoresByImage(fromS3.id, model.data!.uploadModel.id);
    const b = await scoresByImage(fromFolder.id, model.data!.uploadModel.id);
    expect(a.scores.size).toBe(PER_CLASS * CLASSES);
    expect([...a.scores.keys()].sort()).toEqual([...b.scores.keys()].sort());
    for (const [image, scores] of a.scores) expect(scores).toEqual(b.scores.get(image));
    expect(a.accuracy).toBe(b.accuracy);
    expect(a.macroAuc).toBeCloseTo(b.macroAuc, 12); // the same values, averaged in another class order
    expect(a.confusion).toEqual(b.confusion);
    expect(a.accuracy).toBeGreaterThan(0.5); // the demo model separates its classes: the images were read right
  }, 300_000);

  it('returns the same dataset when the same content is registered again', async () => {
    const first = await register(`s3://${BUCKET}/sets/demo-4class/`, null as never);
    const again = await register(`s3://${BUCKET}/sets/demo-4class`, null as never);
    expect(again.data!.registerDataset.id).toBe(first.data!.registerDataset.id);
    expect((await settled(first.data!.registerDataset.id)).state).toBe('READY');
  }, 120_000);

  it('completes an ingest through 10% of 503s and 10% of connection resets', async () => {
    await s3.putFolder(BUCKET, 'sets/flaky', localDir);
    Object.assign(proxy.settings, { serviceUnavailable: 0.1, reset: 0.1, slow: 0.05, delayMs: 50 });
    const before = { ...proxy.counts };
    const started = await register(`s3://${BUCKET}/sets/flaky`, 'flaky');
    expect(started.errors).toBeUndefined();
    const dataset = await settled(started.data!.registerDataset.id);
    expect(dataset).toMatchObject({ state: 'READY', eventCount: PER_CLASS * CLASSES, error: null });
    expect(proxy.counts.serviceUnavailable - before.serviceUnavailable).toBeGreaterThan(0);
    expect(proxy.counts.reset - before.reset).toBeGreaterThan(0);
  }, 300_000);

  it('fails cleanly when the server goes away mid-ingest, naming the cause, and resumes when registered again', async () => {
    await s3.putFolder(BUCKET, 'sets/interrupted', localDir);
    const objects = PER_CLASS * CLASSES + 1; // the images and the manifest
    Object.assign(proxy.settings, { slow: 1, delayMs: 40 });
    const before = proxy.counts.gets;
    const started = await register(`s3://${BUCKET}/sets/interrupted`, 'interrupted');
    expect(started.errors).toBeUndefined();
    while (proxy.counts.gets - before < 30) await new Promise((resolve) => setTimeout(resolve, 20));
    await s3.kill();
    const failed = await settled(started.data!.registerDataset.id);
    await s3.restart();
    expect(failed.state).toBe('FAILED');
    expect(failed.error).toMatch(/the object store at http:\/\/127\.0\.0\.1:\d+ did not answer for s3:\/\/astri-data\/sets\/interrupted\/\S+ after 6 attempt\(s\)/);
    expect(failed.eventCount).toBe(0);

    Object.assign(proxy.settings, { slow: 0 });
    const beforeResume = proxy.counts.gets;
    const resumed = await register(`s3://${BUCKET}/sets/interrupted`, 'interrupted');
    expect(resumed.errors).toBeUndefined();
    const dataset = await settled(resumed.data!.registerDataset.id);
    expect(dataset).toMatchObject({ state: 'READY', eventCount: PER_CLASS * CLASSES, name: 'interrupted' });
    // What was read before the failure was not read again: at least 30 GETs had started, at most 8 of them were in
    // flight when it stopped, and one of the 22 done was the manifest, which the resumed ingest reads again.
    expect(proxy.counts.gets - beforeResume).toBeLessThanOrEqual(1 + (objects - 1 - 21));
  }, 300_000);

  it('stops a bucket ingest on cancelDatasetUpload, keeping nothing', async () => {
    await s3.putFolder(BUCKET, 'sets/cancelled', localDir);
    Object.assign(proxy.settings, { slow: 1, delayMs: 40 });
    const folders = (): string[] => (existsSync(path.join(server.dir, 'datasets')) ? readdirSync(path.join(server.dir, 'datasets')).sort() : []);
    const foldersBefore = folders();
    const before = proxy.counts.gets;
    const started = await register(`s3://${BUCKET}/sets/cancelled`, 'cancelled');
    while (proxy.counts.gets - before < 10) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelled = await server.graphql<{ cancelDatasetUpload: DatasetAnswer }>(`mutation($id: ID!) { cancelDatasetUpload(id: $id) { ${DATASET_FIELDS} } }`, {
      id: started.data!.registerDataset.id,
    });
    expect(cancelled.data!.cancelDatasetUpload).toMatchObject({ state: 'CANCELLED', eventCount: 0, error: 'the upload was cancelled; nothing was kept' });
    const requestsAtCancel = proxy.counts.gets;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(proxy.counts.gets - requestsAtCancel).toBeLessThanOrEqual(8); // only what was already in flight
    expect(folders()).toEqual(foldersBefore);
  }, 120_000);

  it('fails naming the object when one is missing or forbidden, and keeps no event', async () => {
    await s3.putFolder(BUCKET, 'sets/broken', localDir);
    for (const [status, code, expected] of [
      [404, 'NoSuchKey', /s3:\/\/astri-data\/sets\/broken\/electron\/\S+\.png does not exist/],
      [403, 'AccessDenied', /access to s3:\/\/astri-data\/sets\/broken\/electron\/\S+\.png is denied \(AccessDenied\)/],
    ] as const) {
      proxy.settings.failKeys.clear();
      proxy.settings.failKeys.set('/broken/electron/electron_000003.png', { status, code });
      const started = await register(`s3://${BUCKET}/sets/broken`, `broken-${status}`);
      expect(started.errors).toBeUndefined();
      const dataset = await settled(started.data!.registerDataset.id);
      expect(dataset.state).toBe('FAILED');
      expect(dataset.error).toMatch(expected);
      expect(dataset.eventCount).toBe(0);
    }
  }, 120_000);

  it('refuses a bucket that does not exist and an empty prefix at once, registering nothing', async () => {
    const before = await datasetNames();
    const missing = await register('s3://no-such-bucket/sets/x', 'nothing');
    expect(missing.errors![0]).toMatchObject({ message: expect.stringMatching(/the bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+/), extensions: { code: 'BAD_USER_INPUT' } });
    const empty = await register(`s3://${BUCKET}/sets/none`, 'nothing');
    expect(empty.errors![0].message).toBe(`s3://${BUCKET}/sets/none/ holds no objects: expected one folder per class, or a manifest.csv and its images`);
    const bad = await register('s3://A/x', 'nothing');
    expect(bad.errors![0].message).toMatch(/"A" is not a bucket name/);
    expect(await datasetNames()).toEqual(before);
  });

  it('refuses a model key that does not exist, and a model given both as file and source', async () => {
    const missing = await server.graphql('mutation { uploadModel(source: "s3://astri-data/models/none.h5") { id } }');
    expect(missing.errors![0]).toMatchObject({ message: 's3://astri-data/models/none.h5 does not exist', extensions: { code: 'BAD_USER_INPUT' } });
    const neither = await server.graphql('mutation { uploadModel { id } }');
    expect(neither.errors![0].message).toMatch(/give the model as file .* or as source/);
  });

  it('ingests s3://bucket/prefix from the command line', async () => {
    await s3.putFolder(BUCKET, 'sets/cli', localDir);
    const result = await runCli(['ingest', `s3://${BUCKET}/sets/cli`, '--dataset', 'cli-s3'], {
      env: {
        ASTRI_DATA__DIR: server.dir,
        ASTRI_DATA__DATABASE: server.config.data.database,
        ASTRI_LOG__LEVEL: 'silent',
        AWS_ENDPOINT_URL: s3.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`dataset "cli-s3" \\(id \\d+\\): ${PER_CLASS * CLASSES} events \\(gamma ${PER_CLASS}, proton ${PER_CLASS}, electron ${PER_CLASS}, muon ${PER_CLASS}\\)`));
  }, 120_000);
});

/** A folder as a zip, as a user would upload it. */
async function zipOf(dir: string): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = path.join(dir, name);
    if (statSync(file).isFile()) archive.addFile(file, `demo-4class/${name.split(path.sep).join('/')}`);
  }
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function multipart<T>(url: string, query: string, files: Record<string, { bytes: Uint8Array; name: string }>): Promise<{ data?: T; errors?: Array<{ message: string }> }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: Object.fromEntries(Object.keys(files).map((key) => [key, null])) }));
  form.append('map', JSON.stringify(Object.fromEntries(Object.keys(files).map((key, i) => [String(i), [`variables.${key}`]]))));
  Object.values(files).forEach((file, i) => form.append(String(i), new Blob([Uint8Array.from(file.bytes)]), file.name));
  const response = await fetch(`${url}/graphql`, { method: 'POST', body: form, headers: { 'graphql-require-preflight': '1' } });
  return (await response.json()) as never;
}

describe('uploads kept in the shared store (storage.url), for every host', () => {
  it('serves a model and a dataset uploaded on one host from another host that has neither file', async () => {
    await s3.createBucket('astri-store');
    const storage = { url: 's3://astri-store/shared', endpoint: s3.endpoint, region: 'us-east-1' };
    const hostA = await startTestServer({ storage });
    const model = await multipart<{ uploadModel: { id: string; sha256: string } }>(
      hostA.url,
      'mutation($file: File!) { uploadModel(file: $file, activate: false, classNames: ["gamma", "proton", "electron", "muon"]) { id sha256 } }',
      { file: { bytes: readFileSync(MODEL_FILE), name: 'four.h5' } },
    );
    expect(model.errors).toBeUndefined();
    const { id: modelId, sha256 } = model.data!.uploadModel;
    const upload = await multipart<{ uploadDataset: { id: string } }>(hostA.url, 'mutation($file: File!) { uploadDataset(file: $file, name: "shared") { id } }', {
      file: { bytes: await zipOf(localDir), name: 'demo-4class.zip' },
    });
    expect(upload.errors).toBeUndefined();
    const datasetId = upload.data!.uploadDataset.id;
    const previous = server;
    server = hostA; // the helpers above talk to `server`
    try {
      expect((await settled(datasetId)).state).toBe('READY');
      const onA = await scoresByImage(datasetId, modelId);

      // The store holds both, under their content hashes.
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: 'astri-store', Prefix: 'shared/' }));
      const keys = (listed.Contents ?? []).map((object) => object.Key!);
      expect(keys).toContain(`shared/models/${sha256}.h5`);
      expect(keys.filter((key) => key.startsWith('shared/datasets/') && key.endsWith('.png'))).toHaveLength(PER_CLASS * CLASSES);

      // Host B shares the metadata database but not a single file of host A.
      await hostA.stop();
      rmSync(path.join(hostA.dir, 'datasets'), { recursive: true });
      rmSync(path.join(hostA.dir, 'models'), { recursive: true });
      const hostB = await startTestServer({ storage, data: { database: hostA.config.data.database } });
      server = hostB;
      try {
        const onB = await scoresByImage(datasetId, modelId);
        expect(onB.scores).toEqual(onA.scores);
        expect(onB.confusion).toEqual(onA.confusion);
      } finally {
        await hostB.stop();
      }
    } finally {
      server = previous;
    }
  }, 300_000);
});

describe('astri serve with an object store it cannot use', () => {
  const serve = (env: Record<string, string>) =>
    runCli(['serve', '--port', '0'], {
      env: { ASTRI_DATA__DIR: temporaryDir('astri-refuse-'), ASTRI_STORAGE__URL: 's3://astri-store/shared', ASTRI_STORAGE__MAX_ATTEMPTS: '2', AWS_REGION: 'us-east-1', ...env },
      timeoutMs: 60_000,
    });

  it('refuses to start when the store does not answer, or refuses the credentials, or lacks the bucket', async () => {
    const unreachable = await serve({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/astri: ObjectStoreError: the object store at http:\/\/127\.0\.0\.1:9 did not answer for s3:\/\/astri-store after 2 attempt\(s\) \(ECONNREFUSED\)/);
    const refused = await serve({ AWS_ENDPOINT_URL: s3.endpoint, AWS_ACCESS_KEY_ID: 'nobody', AWS_SECRET_ACCESS_KEY: 'b' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the object store at http:\/\/127\.0\.0\.1:\d+ refused the credentials \(InvalidAccessKeyId\): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/);
    const noBucket = await serve({ AWS_ENDPOINT_URL: s3.endpoint, ...S3_CREDENTIALS_ENV, ASTRI_STORAGE__URL: 's3://no-such-bucket/x' });
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toMatch(/the bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+/);
    for (const result of [unreachable, refused, noBucket]) expect(result.stderr).not.toMatch(/\n\s+at /); // no stack
  }, 120_000);
});

const S3_CREDENTIALS_ENV = { AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey };
