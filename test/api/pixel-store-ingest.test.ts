// Decode at ingest: the demo's pixels go into the pixel store as they are generated, and a folder the CLI registered
// in place is converted by the running server in the background; the stored bytes are the PNGs' own pixels.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeMulticlassDemo } from '../../server/data/demo/index.ts';
import { decodePng, toChannels } from '../../server/data/png.ts';
import { runCli } from '../helpers/cli.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

type Shape = [number, number, number];

/** The pixel store's files as they lie on disk: event id -> that event's stored bytes. */
function storedPixels(storeDir: string, shape: Shape): Map<number, Uint8Array> {
  const base = path.join(storeDir, `pixels-${shape.join('x')}`);
  const stored = new Map<number, Uint8Array>();
  if (!existsSync(`${base}.ids`)) return stored;
  const ids = readFileSync(`${base}.ids`);
  const data = readFileSync(`${base}.u8`);
  const size = shape[0] * shape[1] * shape[2];
  for (let slot = 0; slot < ids.length / 4; slot++) stored.set(ids.readInt32LE(slot * 4), data.subarray(slot * size, (slot + 1) * size));
  return stored;
}

/** `astri_png_decodes_total{stage="..."}` on /metrics; 0 while the counter has no such series. */
async function pngDecodes(server: TestServer, stage: 'predict' | 'convert'): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`astri_png_decodes_total{stage="${stage}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function eventFiles(server: TestServer, datasetName: string): Promise<Map<number, string>> {
  const rows = await server.app.services.db.event.findMany({ where: { dataset: { name: datasetName } }, select: { id: true, imagePath: true, dataset: { select: { rootDir: true } } } });
  return new Map(rows.map((row) => [row.id, path.join(row.dataset.rootDir, row.imagePath)]));
}

function expectStoredAsDecoded(stored: Map<number, Uint8Array>, files: Map<number, string>, channels: 1 | 3): void {
  expect(files.size).toBeGreaterThan(0);
  for (const [id, file] of files) {
    const pixels = stored.get(id);
    expect(pixels, `event ${id} (${file}) is not in the pixel store`).toBeDefined();
    expect(Buffer.from(pixels!).equals(Buffer.from(toChannels(decodePng(readFileSync(file)), channels))), `event ${id}: stored pixels differ from ${file}`).toBe(true);
  }
}

async function predictAndWait(server: TestServer, input: Record<string, unknown>): Promise<{ status: string; failed: number }> {
  const started = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', { input });
  expect(started.errors).toBeUndefined();
  for (;;) {
    const run = await server.graphql<{ predictionRun: { status: string; predictions: Array<{ error: string | null }> } }>('query($id: ID!) { predictionRun(id: $id) { status predictions { error } } }', {
      id: started.data!.predict.id,
    });
    expect(run.errors).toBeUndefined();
    const { status, predictions } = run.data!.predictionRun;
    if (status !== 'RUNNING') return { status, failed: predictions.filter((p) => p.error !== null).length };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('decode at ingest', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('stores the demo pixels as it generates them, so the first predict on the demo decodes no PNG', async () => {
    server = await startTestServer();
    const conversion = await server.pixelStoreConversion;
    // Nothing was left for the background conversion: the generator wrote the store itself.
    expect(conversion).toEqual({ converted: 0, unreadable: 0, total: 0 });
    expect(await pngDecodes(server, 'convert')).toBe(0);

    const files = await eventFiles(server, 'demo');
    expectStoredAsDecoded(storedPixels(server.config.data.pixelStore, [56, 56, 1]), files, 1);

    const run = await predictAndWait(server, { energyBin: 1, eventsPerClass: 40, seed: 5 });
    expect(run).toEqual({ status: 'COMPLETED', failed: 0 });
    expect(await pngDecodes(server, 'predict')).toBe(0);
  }, 300_000);

  it('converts a folder that `astri ingest` registered in place, once, in the background of the running server', async () => {
    const dir = temporaryDir('astri-decode-at-ingest-');
    const folder = path.join(dir, 'cli-folder');
    const written = await writeMulticlassDemo(folder, { eventsPerClass: 12, seed: 9, threads: 1 });
    // The CLI registers the folder before the server runs (its own process: it must not write the store).
    const cli = await runCli(['ingest', folder, '--dataset', 'from-cli'], {
      env: { ASTRI_DATA__DIR: dir, ASTRI_DATA__DATABASE: path.join(dir, 'astri.db'), ASTRI_DATA__PIXEL_STORE: path.join(dir, 'pixels'), ASTRI_LOG__LEVEL: 'silent' },
    });
    expect(cli.code, cli.stderr).toBe(0);
    expect(storedPixels(path.join(dir, 'pixels'), [56, 56, 1]).size).toBe(0);

    server = await startTestServer({ demo: { multiclassEventsPerClass: 10 } }, dir);
    const conversion = await server.pixelStoreConversion;
    const files = await eventFiles(server, 'from-cli');
    expect(files.size).toBe(written.events);
    // The 4-class demo the server registered at start was stored as it registered it: only the CLI's folder is left.
    const demoFiles = await eventFiles(server, 'demo-4class');
    expect(conversion).toEqual({ converted: files.size, unreadable: 0, total: files.size });
    expect(await pngDecodes(server, 'convert')).toBe(files.size);
    const info = await server.graphql<{ serverInfo: { pixelStoreConversion: Record<string, unknown> } }>('{ serverInfo { pixelStoreConversion { state done total converted } } }');
    expect(info.data!.serverInfo.pixelStoreConversion).toEqual({ state: 'done', done: conversion!.total, total: conversion!.total, converted: conversion!.total });
    const stored = storedPixels(server.config.data.pixelStore, [56, 56, 1]);
    expectStoredAsDecoded(stored, files, 1);
    expectStoredAsDecoded(stored, demoFiles, 1);

    const models = await server.graphql<{ models: Array<{ id: string; classNames: string[] }> }>('{ models { id classNames } }');
    const fourClass = models.data!.models.find((model) => model.classNames.length === 4)!;
    const datasets = await server.graphql<{ datasets: Array<{ id: string; name: string }> }>('{ datasets { id name } }');
    const datasetId = datasets.data!.datasets.find((dataset) => dataset.name === 'from-cli')!.id;
    const run = await predictAndWait(server, { datasetId, modelId: fourClass.id, eventsPerClass: 12, seed: 3 });
    expect(run).toEqual({ status: 'COMPLETED', failed: 0 });
    expect(await pngDecodes(server, 'predict')).toBe(0);

    // Once: a restart finds nothing left to convert.
    await server.stop();
    server = await startTestServer({ demo: { multiclassEventsPerClass: 10 } }, dir);
    expect(await server.pixelStoreConversion).toEqual({ converted: 0, unreadable: 0, total: 0 });
  }, 300_000);
});
