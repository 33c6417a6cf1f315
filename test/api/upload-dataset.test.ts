// uploadDataset over HTTP with real parts: archives built here with yazl, images with the demo camera and
// sharp, a real server on a temporary SQLite file, graphql-ws for the progress stream.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { encode } from 'fast-png';
import { createClient, type Client } from 'graphql-ws';
import sharp from 'sharp';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import yazl from 'yazl';
import { createIngestingDataset } from '../../server/data/datasets.ts';
import { generateBatch } from '../../server/data/demo/index.ts';
import { writeKerasH5 } from '../../server/inference/index.ts';
import { tf } from '../../server/inference/runtime/tfjs.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const MAX_UPLOAD_BYTES = 8 * 1024 ** 2;
const MAX_UNPACKED_BYTES = 4 * 1024 ** 2;

const DATASET_FIELDS = 'id name source state eventCount imageWidth imageHeight channels hasEnergies signalClass error classes { name color eventCount } rejectedFiles { file reason }';
const UPLOAD = `mutation($file: File!, $name: String, $resizeTo: ImageSizeInput, $signalClass: String, $colors: [String!]) {
  uploadDataset(file: $file, name: $name, resizeTo: $resizeTo, signalClass: $signalClass, colors: $colors) { ${DATASET_FIELDS} ingest { phase state } }
}`;

interface DatasetResult {
  id: string;
  name: string;
  source: string;
  state: 'INGESTING' | 'READY' | 'FAILED' | 'CANCELLED';
  eventCount: number;
  imageWidth: number | null;
  imageHeight: number | null;
  channels: number | null;
  hasEnergies: boolean;
  signalClass: string | null;
  error: string | null;
  classes: Array<{ name: string; color: string | null; eventCount: number }>;
  rejectedFiles: Array<{ file: string; reason: string }>;
  ingest?: { phase: string; state: string } | null;
}

type GraphQLErrors = Array<{ message: string; extensions?: { code?: string; field?: string } }>;

/** Demo-camera PNGs (56x56 gray), as the instrument team hands them over. */
function cameraPngs(count: number, seed = 5): Buffer[] {
  const batch = generateBatch({ seed, count, minTeV: 2, maxTeV: 5 });
  return Array.from({ length: count }, (_, k) => Buffer.from(encode({ width: 56, height: 56, channels: 1, depth: 8, data: batch.pixels.subarray(k * 3136, (k + 1) * 3136) })));
}

function grayPng(width: number, height: number, seed: number): Buffer {
  const data = new Uint8Array(width * height).map((_, i) => (i * 13 + seed * 31) % 256);
  return Buffer.from(encode({ width, height, channels: 1, depth: 8, data }));
}

async function rgbJpeg(width: number, height: number, colour: { r: number; g: number; b: number }, seed: number): Promise<Buffer> {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = (colour.r + ((i * seed) % 40)) & 0xff;
    data[i * 3 + 1] = (colour.g + ((i * 3 + seed) % 40)) & 0xff;
    data[i * 3 + 2] = colour.b;
  }
  return sharp(data, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

type ZipItem = { name: string; body?: Buffer; folder?: boolean; compress?: boolean };

async function zip(items: ZipItem[]): Promise<Buffer> {
  const archive = new yazl.ZipFile();
  for (const item of items) {
    if (item.folder) archive.addEmptyDirectory(item.name);
    else archive.addBuffer(item.body ?? Buffer.alloc(0), item.name, { compress: item.compress ?? true });
  }
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Renames an entry in place (local header and central directory): how a hostile zip gets "../" past yazl. */
function renameInZip(bytes: Buffer, from: string, to: string): Buffer {
  expect(to.length).toBe(from.length);
  const out = Buffer.from(bytes);
  const needle = Buffer.from(from);
  let hits = 0;
  for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, at + 1)) {
    out.write(to, at, 'utf8');
    hits++;
  }
  expect(hits).toBeGreaterThan(0);
  return out;
}

function classFolders(classes: Record<string, Buffer[]>, ext = 'png'): ZipItem[] {
  return Object.entries(classes).flatMap(([label, images]) => images.map((body, k) => ({ name: `${label}/${label}-${String(k).padStart(4, '0')}.${ext}`, body })));
}

describe('uploadDataset', () => {
  let server: TestServer;
  let ws: Client;

  beforeAll(async () => {
    server = await startTestServer({ server: { maxUploadBytes: MAX_UPLOAD_BYTES, maxUnpackedUploadBytes: MAX_UNPACKED_BYTES } });
    ws = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  }, 300_000);
  afterAll(async () => {
    await ws?.dispose();
    await server?.stop();
  });

  function multipart(bytes: Buffer, fileName: string, variables: Record<string, unknown>): FormData {
    const body = new FormData();
    body.set('operations', JSON.stringify({ query: UPLOAD, variables: { ...variables, file: null } }));
    body.set('map', JSON.stringify({ 0: ['variables.file'] }));
    body.set('0', new File([new Uint8Array(bytes)], fileName));
    return body;
  }

  async function upload(bytes: Buffer, fileName = 'upload.zip', variables: Record<string, unknown> = {}): Promise<{ data?: { uploadDataset: DatasetResult } | null; errors?: GraphQLErrors }> {
    const response = await server.app.yoga.fetch(`${server.url}/graphql`, { method: 'POST', body: multipart(bytes, fileName, variables) });
    return (await response.json()) as never;
  }

  async function dataset(id: string): Promise<DatasetResult> {
    const result = await server.graphql<{ dataset: DatasetResult }>(`query($id: ID!) { dataset(id: $id) { ${DATASET_FIELDS} ingest { phase state } } }`, { id });
    expect(result.errors).toBeUndefined();
    return result.data!.dataset;
  }

  async function settled(id: string): Promise<DatasetResult> {
    for (;;) {
      const current = await dataset(id);
      if (current.state !== 'INGESTING') return current;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Uploads and waits for the end of the ingest. */
  async function ingest(bytes: Buffer, fileName = 'upload.zip', variables: Record<string, unknown> = {}): Promise<DatasetResult> {
    const result = await upload(bytes, fileName, variables);
    expect(result.errors).toBeUndefined();
    return settled(result.data!.uploadDataset.id);
  }

  /** What uploads may leave on disk: only READY datasets' folders, and no temporary files. */
  function leftovers(): { datasetFolders: number; temporaryFiles: number } {
    const list = (dir: string) => (existsSync(dir) ? readdirSync(dir) : []);
    return { datasetFolders: list(path.join(server.dir, 'datasets')).length, temporaryFiles: list(path.join(server.dir, 'uploads')).length };
  }

  async function readyUploads(): Promise<number> {
    const all = await server.graphql<{ datasets: Array<{ source: string; state: string }> }>('{ datasets { source state } }');
    return all.data!.datasets.filter((d) => d.source === 'upload' && d.state === 'READY').length;
  }

  async function eventsOf(id: string): Promise<number> {
    return server.app.services.db.event.count({ where: { datasetId: Number(id) } });
  }

  async function runToEnd(input: Record<string, unknown>): Promise<{ status: string; error: string | null; failedCount: number }> {
    const started = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input });
    expect(started.errors).toBeUndefined();
    for (;;) {
      const run = await server.graphql<{ predictionRun: { status: string; error: string | null; failedCount: number } }>('query($id: ID!) { predictionRun(id: $id) { status error failedCount } }', { id: started.data!.predict.id });
      if (!['QUEUED', 'RUNNING'].includes(run.data!.predictionRun.status)) return run.data!.predictionRun;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('ingests a zip of gray PNG class folders: INGESTING at once, then READY, and predict runs on it from pixels decoded at ingest', async () => {
    const [gamma, proton] = [cameraPngs(40, 1), cameraPngs(40, 2)];
    const bytes = await zip([...classFolders({ gamma, proton }), { name: 'README.txt', body: Buffer.from('camera images, run 7') }]);
    const started = await upload(bytes, 'run-7.zip', { signalClass: 'gamma' });
    expect(started.errors).toBeUndefined();
    expect(started.data!.uploadDataset).toMatchObject({ name: 'run-7', source: 'upload', state: 'INGESTING', eventCount: 0, ingest: { state: 'INGESTING' } });
    const ready = await settled(started.data!.uploadDataset.id);
    expect(ready).toMatchObject({ state: 'READY', eventCount: 80, imageWidth: 56, imageHeight: 56, channels: 1, hasEnergies: false, signalClass: 'gamma', error: null, ingest: null });
    expect(ready.classes).toEqual([
      { name: 'gamma', color: null, eventCount: 40 },
      { name: 'proton', color: null, eventCount: 40 },
    ]);
    // A file that is not an image is listed, never dropped silently; the upload is still usable.
    expect(ready.rejectedFiles).toEqual([{ file: 'README.txt', reason: expect.stringMatching(/not a PNG or JPEG image/) }]);
    // Every image was decoded once, during ingest, into the pixel store: predict reads no PNG (even gone ones).
    const { rootDir } = await server.app.services.db.dataset.findUniqueOrThrow({ where: { id: Number(ready.id) } });
    rmSync(path.join(rootDir, 'images'), { recursive: true });
    // The configured demo model scores proton and gamma: its classes match the dataset's by name.
    expect(await runToEnd({ datasetId: ready.id, eventsPerClass: 30, seed: 1 })).toEqual({ status: 'COMPLETED', error: null, failedCount: 0 });
  });

  it('converts an RGB JPEG set to PNG, keeps RGB, takes the colours, and predicts with an RGB model', async () => {
    const colours = { cat: { r: 200, g: 40, b: 40 }, dog: { r: 40, g: 200, b: 40 }, fox: { r: 40, g: 40, b: 200 } };
    const items: ZipItem[] = [];
    for (const [label, colour] of Object.entries(colours)) for (let k = 0; k < 12; k++) items.push({ name: `pets/${label}/${k}.jpg`, body: await rgbJpeg(32, 24, colour, k) });
    const ready = await ingest(await zip(items), 'pets.zip', { colors: ['#aa0000', '#00aa00', '#0000aa'] });
    expect(ready).toMatchObject({ state: 'READY', eventCount: 36, imageWidth: 32, imageHeight: 24, channels: 3, signalClass: null, rejectedFiles: [] });
    expect(ready.classes.map((c) => [c.name, c.color, c.eventCount])).toEqual([
      ['cat', '#aa0000', 12],
      ['dog', '#00aa00', 12],
      ['fox', '#0000aa', 12],
    ]);
    // Served as PNG from now on.
    const event = await server.app.services.db.event.findFirstOrThrow({ where: { datasetId: Number(ready.id) } });
    expect(event.imagePath).toMatch(/\.png$/);
    const image = await server.app.yoga.fetch(`${server.url}/images/${event.id}.png`);
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata())).toMatchObject({ format: 'png', width: 32, height: 24, channels: 3 });

    const model = tf.sequential({ name: 'pets' });
    model.add(tf.layers.conv2d({ inputShape: [24, 32, 3], filters: 2, kernelSize: 3, strides: 2, activation: 'relu', name: 'conv2d' }));
    model.add(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }));
    model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense' }));
    const file = path.join(server.dir, 'pets.h5');
    await writeKerasH5(model, file);
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: 'mutation($file: File!) { uploadModel(file: $file, activate: false, classNames: ["cat", "dog", "fox"]) { id } }', variables: { file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', new File([readFileSync(file)], 'pets.h5'));
    const uploaded = (await (await server.app.yoga.fetch(`${server.url}/graphql`, { method: 'POST', body: form })).json()) as { data: { uploadModel: { id: string } } };
    expect(await runToEnd({ datasetId: ready.id, eventsPerClass: 10, modelId: uploaded.data.uploadModel.id, seed: 2 })).toEqual({ status: 'COMPLETED', error: null, failedCount: 0 });
  });

  it('takes labels, energies and extra columns from a manifest', async () => {
    const images = cameraPngs(30, 9);
    const energies = images.map((_, k) => (k % 3 === 0 ? 1.5 : k % 3 === 1 ? 3 : 7));
    const manifest = ['file,label,energy_tev,telescope', ...images.map((_, k) => `img/${k}.png,${k % 2 ? 'gamma' : 'proton'},${energies[k]},T${(k % 4) + 1}`)].join('\n');
    const bytes = await zip([{ name: 'manifest.csv', body: Buffer.from(manifest) }, ...images.map((body, k) => ({ name: `img/${k}.png`, body }))]);
    const ready = await ingest(bytes, 'with-energies.zip');
    expect(ready).toMatchObject({ state: 'READY', eventCount: 30, hasEnergies: true });
    expect(ready.classes.map((c) => c.name)).toEqual(['proton', 'gamma']);
    const bins = await server.graphql<{ dataset: { energyBins: Array<{ label: string; counts: Array<{ className: string; count: number }> }> } }>(
      'query($id: ID!) { dataset(id: $id) { energyBins { label counts { className count } } } }',
      { id: ready.id },
    );
    const perBin = bins.data!.dataset.energyBins.map((bin) => bin.counts.reduce((sum, c) => sum + c.count, 0));
    expect(perBin.slice(0, 3)).toEqual([10, 10, 10]);
    const events = await server.graphql<{ events: { edges: Array<{ node: { attributes: Array<{ name: string; value: string }> } }> } }>(
      'query($id: ID!) { events(datasetId: $id, first: 1) { edges { node { attributes { name value } } } } }',
      { id: ready.id },
    );
    expect(events.data!.events.edges[0].node.attributes).toEqual([{ name: 'telescope', value: expect.stringMatching(/^T[1-4]$/) }]);
  });

  it('ingests a .tar.gz of class folders wrapped in one folder', async () => {
    const root = temporaryDir('astri-tar-');
    for (const [label, images] of Object.entries({ gamma: cameraPngs(7, 61), proton: cameraPngs(5, 62) })) {
      mkdirSync(path.join(root, 'night-3', label), { recursive: true });
      images.forEach((body, k) => writeFileSync(path.join(root, 'night-3', label, `${k}.png`), body));
    }
    const chunks: Buffer[] = [];
    for await (const chunk of tar.c({ gzip: true, cwd: root }, ['night-3'])) chunks.push(Buffer.from(chunk as Uint8Array));
    const ready = await ingest(Buffer.concat(chunks), 'night-3.tar.gz');
    expect(ready).toMatchObject({ name: 'night-3', state: 'READY', eventCount: 12, channels: 1 });
    expect(ready.classes.map((c) => [c.name, c.eventCount])).toEqual([
      ['gamma', 7],
      ['proton', 5],
    ]);
  });

  it('refuses bad options at once, naming the field, and keeps nothing', async () => {
    const before = leftovers();
    const bytes = await zip(classFolders({ a: cameraPngs(2, 71), b: cameraPngs(2, 72) }));
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ colors: ['red', '#00ff00'] }, 'colors', /colors: "red" is not a #rrggbb colour/],
      [{ resizeTo: { width: 0, height: 56 } }, 'resizeTo', /resizeTo width and height must be whole numbers from 1 to 4096, got 0x56/],
      [{ name: ' ' }, 'name', /name must be 1 to 100 characters/],
    ];
    for (const [variables, field, message] of cases) {
      const result = await upload(bytes, 'options.zip', variables);
      expect(result.errors?.[0], field).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field } });
      expect(result.errors![0].message).toMatch(message);
    }
    const wrongCount = await ingest(bytes, 'options.zip', { colors: ['#ff0000'] });
    expect(wrongCount).toMatchObject({ state: 'FAILED', error: expect.stringMatching(/colors gives 1 colour\(s\) but the archive has 2 classes \(a, b\)/) });
    expect(leftovers()).toEqual(before);
  });

  it('returns the same dataset for the same content uploaded twice', async () => {
    const bytes = await zip(classFolders({ a: cameraPngs(5, 21), b: cameraPngs(5, 22) }));
    const first = await upload(bytes, 'twice.zip');
    const again = await upload(bytes, 'twice-renamed.zip');
    expect(again.data!.uploadDataset.id).toBe(first.data!.uploadDataset.id);
    const ready = await settled(first.data!.uploadDataset.id);
    expect(ready.state).toBe('READY');
    const third = await upload(bytes, 'twice.zip');
    expect(third.data!.uploadDataset).toMatchObject({ id: ready.id, state: 'READY' });
  });

  describe('bad input: a clear error, and nothing left behind', () => {
    const png = (seed: number) => grayPng(20, 20, seed);
    const twoClasses = (): ZipItem[] => classFolders({ gamma: [png(1), png(2)], proton: [png(3), png(4)] });
    const cases: Array<[string, () => Promise<Buffer>, RegExp]> = [
      ['a "../" path escape', async () => renameInZip(await zip([...twoClasses(), { name: 'gamma/evil.png', body: png(5) }]), 'gamma/evil.png', '../../evil.png'), /"\.\.\/\.\.\/evil\.png".*(outside|escape|refused)/i],
      ['a zip bomb (extreme compression ratio)', () => zip([...twoClasses(), { name: 'proton/bomb.png', body: Buffer.alloc(3 * 1024 ** 2) }]), /compressed \d+:1 .* over the 100:1 limit: refused as a zip bomb/],
      ['a zip declaring more than the unpacked limit', () => zip([...twoClasses(), { name: 'proton/huge.png', body: Buffer.alloc(5 * 1024 ** 2, 7), compress: false }]), /declares 5\.0 MiB of uncompressed content, over the limit of 4\.0 MiB/],
      ['an empty class folder', () => zip([...twoClasses(), { name: 'hadron/', folder: true }]), /class folder "hadron\/" holds no PNG or JPEG images/],
      ['a single class', () => zip(classFolders({ gamma: [png(1), png(2)] })), /only one class \("gamma"\); a dataset needs at least two/],
      ['a manifest label that cannot be a class name', () => zip([{ name: 'manifest.csv', body: Buffer.from(`file,label\na.png,gamma\nb.png,${'x'.repeat(80)}\n`) }, { name: 'a.png', body: png(1) }, { name: 'b.png', body: png(2) }]), /must be 1 to 64 printable characters/],
      ['a manifest naming files the archive lacks', () => zip([{ name: 'manifest.csv', body: Buffer.from('file,label\na.png,gamma\nb.png,proton\nc.png,proton\n') }, { name: 'a.png', body: png(1) }, { name: 'b.png', body: png(2) }]), /lists 1 file\(s\) the archive does not hold: "c\.png" \(line 4\)/],
      ['file names differing only in case', () => zip([...twoClasses(), { name: 'gamma/Shot.png', body: png(6) }, { name: 'gamma/shot.png', body: png(7) }]), /"gamma\/Shot\.png" and "gamma\/shot\.png" differ only in letter case/],
      ['images of mixed sizes', () => zip([...twoClasses(), { name: 'proton/big.png', body: grayPng(30, 24, 1) }]), /mixed sizes \(4 of 20x20, 1 of 30x24\).*resizeTo/],
      ['a file that is no archive', async () => Buffer.from('just some text, no archive'), /not a zip|not a .*archive|unsupported/i],
    ];

    it.each(cases)('refuses %s', async (_name, build, message) => {
      const before = leftovers();
      const readyBefore = await readyUploads();
      const result = await upload(await build(), 'bad.zip');
      expect(result.errors).toBeUndefined();
      const failed = await settled(result.data!.uploadDataset.id);
      expect(failed.state).toBe('FAILED');
      expect(failed.error).toMatch(message);
      expect(failed.error).not.toContain(server.dir);
      expect(failed.eventCount).toBe(0);
      expect(await eventsOf(failed.id)).toBe(0);
      expect(leftovers()).toEqual(before);
      expect(await readyUploads()).toBe(readyBefore);
    });

    it('resizes images of mixed sizes when resizeTo is given', async () => {
      const ready = await ingest(await zip([...twoClasses(), { name: 'proton/big.png', body: grayPng(30, 24, 1) }]), 'resize.zip', { resizeTo: { width: 16, height: 16 } });
      expect(ready).toMatchObject({ state: 'READY', eventCount: 5, imageWidth: 16, imageHeight: 16, channels: 1 });
    });

    it('refuses an upload over the size limit: before reading it when declared, while writing it when streamed', async () => {
      const before = leftovers();
      const big = Buffer.alloc(MAX_UPLOAD_BYTES + 1024, 1);
      const declared = await fetch(`${server.url}/graphql`, { method: 'POST', body: multipart(big, 'big.zip', {}) });
      expect(declared.status).toBe(413);
      expect(JSON.stringify(await declared.json())).toMatch(/exceeds the upload limit of 8388608 bytes \(server.maxUploadBytes\)/);
      // Over HTTP, a chunked multipart body (size unknown until read into memory) is refused at once.
      const form = new Response(multipart(big, 'big.zip', {}));
      const contentType = form.headers.get('content-type')!;
      const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(`${server.url}/graphql`);
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } });
        req.on('response', (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(Buffer.from('--x\r\n'));
      });
      expect(chunked.status).toBe(411);
      expect(chunked.body).toMatch(/must declare its size \(Content-Length\)/);
      // In process (no HTTP framing), the limit holds while the file is written to disk.
      const streamed = await server.app.yoga.fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': contentType }, body: form.body, duplex: 'half' } as RequestInit);
      const result = (await streamed.json()) as { errors: GraphQLErrors };
      expect(result.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'file' } });
      expect(result.errors[0].message).toMatch(/larger than the limit of 8388608 bytes \(server.maxUploadBytes\)/);
      expect(leftovers()).toEqual(before);
    });

    it('keeps nothing of an upload cut off mid-stream', async () => {
      const before = leftovers();
      const datasetsBefore = (await server.graphql<{ datasets: unknown[] }>('{ datasets { id } }')).data!.datasets.length;
      const bytes = await zip(classFolders({ a: cameraPngs(50, 31), b: cameraPngs(50, 32) }));
      const body = Buffer.from(await new Response(multipart(bytes, 'cut.zip', {})).arrayBuffer());
      const contentType = new Response(multipart(bytes, 'cut.zip', {})).headers.get('content-type')!;
      await new Promise<void>((resolve) => {
        const url = new URL(`${server.url}/graphql`);
        const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': contentType, 'content-length': body.length } });
        req.on('error', () => resolve());
        req.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve());
        });
        req.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => req.destroy(), 50));
        req.on('close', () => resolve());
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await server.graphql<{ datasets: unknown[] }>('{ datasets { id } }')).data!.datasets.length).toBe(datasetsBefore);
      expect(leftovers()).toEqual(before);
    });
  });

  it('cancels mid-ingest: CANCELLED, no events, no files', async () => {
    const before = leftovers();
    const bytes = await zip(classFolders({ a: cameraPngs(600, 41), b: cameraPngs(600, 42) }));
    const started = await upload(bytes, 'cancel-me.zip');
    const id = started.data!.uploadDataset.id;
    const cancelled = await server.graphql<{ cancelDatasetUpload: DatasetResult }>(`mutation($id: ID!) { cancelDatasetUpload(id: $id) { ${DATASET_FIELDS} } }`, { id });
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelDatasetUpload).toMatchObject({ state: 'CANCELLED', eventCount: 0, error: expect.stringMatching(/cancelled/) });
    expect(await eventsOf(id)).toBe(0);
    expect(leftovers()).toEqual(before);
  });

  it('streams ingest progress over graphql-ws: phases in order, ending READY', async () => {
    const bytes = await zip(classFolders({ a: cameraPngs(150, 51), b: cameraPngs(150, 52) }));
    const started = await upload(bytes, 'followed.zip');
    const datasetId = started.data!.uploadDataset.id;
    const messages = await new Promise<Array<{ phase: string; state: string; filesDone: number; filesTotal: number | null; bytesDone: number }>>((resolve, reject) => {
      const seen: Array<{ phase: string; state: string; filesDone: number; filesTotal: number | null; bytesDone: number }> = [];
      ws.subscribe<{ datasetIngestProgress: (typeof seen)[number] }>(
        { query: 'subscription($id: ID!) { datasetIngestProgress(datasetId: $id) { datasetId phase state filesDone filesTotal bytesDone rejectedSoFar error } }', variables: { id: datasetId } },
        { next: ({ data, errors }) => (errors ? reject(new Error(JSON.stringify(errors))) : seen.push(data!.datasetIngestProgress)), error: reject, complete: () => resolve(seen) },
      );
    });
    const phases = messages.map((m) => m.phase).filter((phase, i, all) => all[i - 1] !== phase);
    expect(phases).toEqual(['receiving', 'unpacking', 'converting', 'registering', 'done']);
    expect(messages[0]).toMatchObject({ state: 'INGESTING', bytesDone: bytes.length });
    expect(messages.at(-1)).toMatchObject({ phase: 'done', state: 'READY', filesDone: 300, filesTotal: 300 });
    // A late subscriber gets the history, then the end.
    const late = await new Promise<string[]>((resolve, reject) => {
      const states: string[] = [];
      ws.subscribe<{ datasetIngestProgress: { state: string } }>(
        { query: 'subscription($id: ID!) { datasetIngestProgress(datasetId: $id) { state } }', variables: { id: datasetId } },
        { next: ({ data }) => states.push(data!.datasetIngestProgress.state), error: reject, complete: () => resolve(states) },
      );
    });
    expect(late.at(-1)).toBe('READY');
    await expect(
      new Promise((resolve, reject) => ws.subscribe({ query: 'subscription { datasetIngestProgress(datasetId: "999999") { state } }' }, { next: resolve, error: reject, complete: () => resolve(null) })),
    ).resolves.toMatchObject({ errors: [{ message: expect.stringMatching(/unknown dataset "999999"/) }] });
  });

  it('fails an ingest a stopped server left behind at the next start, and removes its files', async () => {
    // As after a crash mid-ingest: the row says INGESTING, half the files are on disk.
    const rootDir = path.join(server.dir, 'datasets', 'left-behind');
    mkdirSync(path.join(rootDir, 'images'), { recursive: true });
    writeFileSync(path.join(rootDir, 'images', '000001.png'), grayPng(8, 8, 1));
    mkdirSync(path.join(server.dir, 'uploads'), { recursive: true });
    writeFileSync(path.join(server.dir, 'uploads', 'half.part'), 'PK');
    const id = await createIngestingDataset(server.app.services.db, { name: 'crashed upload', rootDir, source: 'upload', contentSha256: 'f'.repeat(64) });
    const dir = server.dir;
    await ws.dispose();
    await server.stop();
    server = await startTestServer({ server: { maxUploadBytes: MAX_UPLOAD_BYTES, maxUnpackedUploadBytes: MAX_UNPACKED_BYTES } }, dir);
    ws = createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    expect(await dataset(String(id))).toMatchObject({ state: 'FAILED', eventCount: 0, error: expect.stringMatching(/interrupted: the server stopped before the upload was ingested/) });
    expect(existsSync(rootDir)).toBe(false);
    expect(existsSync(path.join(dir, 'uploads', 'half.part'))).toBe(false);
  }, 300_000);
});
