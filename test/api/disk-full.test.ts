// A full disk while writing an upload, a model or the pixel store: the operation fails with a clear error,
// nothing stored before is damaged, and the service keeps serving reads and runs. The "disk" is the process's
// file size limit (ulimit -f): the kernel answers writes past it with EFBIG, as a full file system answers ENOSPC.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { startServerProcess, writeServerConfig, type ServerProcess } from '../helpers/server-process.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const LIMIT_BYTES = 12 * 1024 * 1024;
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

async function zip(entries: Array<{ name: string; body: Buffer }>): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const entry of entries) archive.addBuffer(entry.body, entry.name);
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Body {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

describe('a full disk', () => {
  let server: ServerProcess;
  let dir: string;

  const upload = async (query: string, bytes: Buffer, name: string): Promise<Body> => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query, variables: { f: null } }));
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([new Uint8Array(bytes)]), name);
    const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'graphql-require-preflight': '1' }, body: form });
    return (await response.json()) as Body;
  };
  const counts = async () => (await server.graphql<{ models: unknown[]; datasets: unknown[] }>('{ models { id } datasets { id } }')).data!;

  beforeAll(async () => {
    dir = temporaryDir('astri-full-');
    server = await startServerProcess(writeServerConfig(dir, { inference: { backend: 'onnxruntime' } }), { fileSizeLimitBytes: LIMIT_BYTES });
  }, 300_000);
  afterAll(() => server?.kill('SIGKILL'));

  it('refuses a model it cannot store with INSUFFICIENT_STORAGE, keeps the active model and leaves no partial file', async () => {
    const before = await counts();
    const model = Buffer.concat([Buffer.from(HDF5_SIGNATURE), Buffer.alloc(LIMIT_BYTES + 1024 * 1024, 7)]);
    const body = await upload('mutation($f: File!) { uploadModel(file: $f, classNames: ["proton", "gamma"]) { id } }', model, 'big.h5');
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'INSUFFICIENT_STORAGE' } });
    expect(body.errors![0].message).toBe("the server's disk is full: the model was not stored, the active model keeps serving; ask its administrator to free space");
    expect(await counts()).toEqual(before);
    expect(readdirSync(path.join(dir, 'models', 'uploads')).filter((file) => file.endsWith('.partial'))).toEqual([]);
  });

  it('refuses a dataset archive it cannot receive, and registers nothing', async () => {
    const before = await counts();
    const archive = await zip([{ name: 'a/x.bin', body: Buffer.alloc(LIMIT_BYTES + 1024 * 1024, 1) }]);
    // Stored, not deflated: the archive itself is as big as its content.
    const body = await upload('mutation($f: File!) { uploadDataset(file: $f) { id state } }', Buffer.concat([archive, Buffer.alloc(LIMIT_BYTES, 0)]), 'big.zip');
    expect(body.errors![0]).toMatchObject({ extensions: { code: 'INSUFFICIENT_STORAGE' } });
    expect(body.errors![0].message).toMatch(/^the server's disk is full: the upload was not stored and nothing else changed/);
    expect(await counts()).toEqual(before);
  });

  it('fails an ingest whose decoded images do not fit, with the reason, keeping nothing of it', async () => {
    // Six 1500x1500 images compress to almost nothing but decode to 13.5 MB in the pixel store.
    const png = Buffer.from(encode({ width: 1500, height: 1500, data: new Uint8Array(1500 * 1500).fill(40), channels: 1, depth: 8 }));
    const entries = ['cat', 'dog'].flatMap((label) => [0, 1, 2].map((i) => ({ name: `${label}/${i}.png`, body: png })));
    const body = await upload('mutation($f: File!) { uploadDataset(file: $f, name: "huge") { id state } }', await zip(entries), 'huge.zip');
    expect(body.errors).toBeUndefined();
    const id = (body.data!.uploadDataset as { id: string }).id;
    let dataset: { state: string; error: string | null; eventCount: number } | undefined;
    for (let i = 0; i < 600; i++) {
      dataset = (await server.graphql<{ dataset: { state: string; error: string | null; eventCount: number } }>('query($id: ID!) { dataset(id: $id) { state error eventCount } }', { id })).data!.dataset;
      if (dataset.state !== 'INGESTING') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(dataset).toMatchObject({ state: 'FAILED', eventCount: 0 });
    expect(dataset!.error, server.output().slice(-3000)).toMatch(/disk is full/);
    expect(existsSync(path.join(dir, 'datasets', id))).toBe(false);
  });

  it('keeps serving reads and runs, and its database stays intact', async () => {
    const run = await server.graphql<{ predict: { id: string } }>('mutation { predict(input: { energyBin: 1, eventsPerClass: 30, seed: 5 }) { id } }');
    expect(run.errors).toBeUndefined();
    let status = 'RUNNING';
    for (let i = 0; i < 600 && status === 'RUNNING'; i++) {
      status = (await server.graphql<{ predictionRun: { status: string } }>('query($id: ID!) { predictionRun(id: $id) { status } }', { id: run.data!.predict.id })).data!.predictionRun.status;
      if (status === 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('COMPLETED');
    const db = new Database(path.join(dir, 'astri.db'), { readonly: true });
    expect(db.pragma('quick_check')).toEqual([{ quick_check: 'ok' }]);
    db.close();
  });
});
