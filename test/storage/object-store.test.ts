// The object-store client on a real S3 server (s3rver, its own process) behind the fault-injecting proxy:
// paginated listings, retried reads that return every byte, and errors that name what failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { ObjectStore, ObjectStoreError } from '../../server/storage/index.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { S3_CREDENTIALS, startS3Server, type S3TestServer } from '../helpers/s3-server.ts';

const OBJECTS = 97;
let s3: S3TestServer;
let proxy: FaultProxy;
const env = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey };

const storeAt = (endpoint: string, settings: Partial<ConstructorParameters<typeof ObjectStore>[0]> = {}): ObjectStore =>
  new ObjectStore({ endpoint, region: null, forcePathStyle: null, maxAttempts: 8, requestTimeoutMs: 2000, ...settings }, env);

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket('objects');
  for (let i = 0; i < OBJECTS; i++) await s3.put('objects', `set/${String(i).padStart(3, '0')}.bin`, Buffer.alloc(3000 + i, i));
  await s3.put('objects', 'other/x.bin', 'not in the set');
  proxy = await startFaultProxy(s3.endpoint, 7);
  // The SDK's default chain reads the credentials from the process environment.
  process.env.AWS_ACCESS_KEY_ID = env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = env.AWS_SECRET_ACCESS_KEY;
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
});

describe('the object store client', () => {
  it('lists a prefix across many ListObjectsV2 pages, in key order, and nothing outside it', async () => {
    const store = storeAt(s3.endpoint, { listPageSize: 7 });
    const before = store.counters.requests;
    const keys: string[] = [];
    for await (const object of store.list({ bucket: 'objects', key: 'set' })) keys.push(object.key);
    expect(keys).toEqual(Array.from({ length: OBJECTS }, (_, i) => `set/${String(i).padStart(3, '0')}.bin`));
    expect(store.counters.requests - before).toBe(Math.ceil(OBJECTS / 7));
    store.close();
  });

  it('reads every byte of every object through 15% of 503s and 15% of resets, retrying only what failed', async () => {
    Object.assign(proxy.settings, { serviceUnavailable: 0.15, reset: 0.15 });
    const store = storeAt(proxy.endpoint);
    try {
      for (let i = 0; i < OBJECTS; i++) {
        const bytes = await store.get({ bucket: 'objects', key: `set/${String(i).padStart(3, '0')}.bin` });
        expect(bytes.equals(Buffer.alloc(3000 + i, i))).toBe(true);
      }
      expect(store.counters.retries).toBeGreaterThan(0);
      expect(store.counters.retries).toBe(proxy.counts.serviceUnavailable + proxy.counts.reset);
    } finally {
      Object.assign(proxy.settings, { serviceUnavailable: 0, reset: 0 });
      store.close();
    }
  });

  it('names the object, the bucket or the endpoint in each permanent error', async () => {
    const store = storeAt(s3.endpoint, { maxAttempts: 2 });
    await expect(store.get({ bucket: 'objects', key: 'set/none.bin' })).rejects.toMatchObject({ problem: 'no-object', message: 's3://objects/set/none.bin does not exist' });
    expect(await store.getIfExists({ bucket: 'objects', key: 'set/none.bin' })).toBeNull();
    expect(await store.head({ bucket: 'objects', key: 'set/none.bin' })).toBeNull();
    await expect(store.checkBucket('missing-bucket')).rejects.toMatchObject({ problem: 'no-bucket', message: `the bucket "missing-bucket" does not exist at ${s3.endpoint}` });
    const gone = storeAt('http://127.0.0.1:9', { maxAttempts: 2 });
    const error = await gone.checkBucket('objects').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectStoreError);
    expect((error as ObjectStoreError).code).toBe('UNAVAILABLE');
    expect((error as Error).message).toBe('the object store at http://127.0.0.1:9 did not answer for s3://objects after 2 attempt(s) (ECONNREFUSED)');
    store.close();
    gone.close();
  });
});

describe('the storage configuration', () => {
  it('is off by default, with no secret in it', () => {
    const config = loadConfig({ env: {} });
    expect(config.storage).toMatchObject({ url: null, endpoint: null, region: null, forcePathStyle: null, concurrency: 16, maxAttempts: 6 });
    expect(JSON.stringify(config.storage)).not.toMatch(/secret|password|key/i);
  });

  it('takes the shared store from the environment, and refuses a URL that is not s3://bucket/prefix', () => {
    expect(loadConfig({ env: { ASTRI_STORAGE__URL: 's3://astri/store' } }).storage.url).toBe('s3://astri/store');
    expect(() => loadConfig({ env: { ASTRI_STORAGE__URL: 'http://astri/store' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { ASTRI_STORAGE__URL: 'http://astri/store' } })).toThrow(/"storage\.url": must look like s3:\/\/bucket\/prefix \(env ASTRI_STORAGE__URL\)/);
  });

  it('keeps an s3:// model as a location, not a path', () => {
    expect(loadConfig({ env: { ASTRI_INFERENCE__MODEL: 's3://astri/models/cnn.h5' } }).inference.model).toBe('s3://astri/models/cnn.h5');
  });
});
