// The gammaness is the gamma score, however a gamma/proton dataset was registered: from a manifest alone (its
// classes sorted, gamma first) or from class folders, without saying which class is the signal.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

interface Run {
  status: string;
  signalClass: string | null;
  predictions: Array<{ label: string; gammaness: number | null }>;
}

describe('the signal class of a gamma/proton dataset registered without one', () => {
  const dir = temporaryDir('astri-signal-');
  const camera = path.join(dir, 'camera');
  let server: TestServer;

  beforeAll(async () => {
    // The demo camera's images and manifest, generated into a throwaway database; then registered by the CLI.
    const generated = await runCli(['data', 'demo', '--per-bin', '30'], { env: { ASTRI_DATA__INFERENCE_DIR: camera, ASTRI_DATA__DATABASE: path.join(dir, 'scratch.db'), ASTRI_LOG__LEVEL: 'silent' } });
    expect(generated.code, generated.stderr).toBe(0);
    const env = { ASTRI_DATA__DIR: dir, ASTRI_DATA__DATABASE: path.join(dir, 'astri.db'), ASTRI_LOG__LEVEL: 'silent' };
    for (const args of [['--manifest', path.join(camera, 'events.csv'), '--dataset', 'by-manifest'], [camera, '--dataset', 'by-folders']]) {
      const ingested = await runCli(['ingest', ...args], { env });
      expect(ingested.code, ingested.stderr).toBe(0);
    }
    server = await startTestServer({ demo: { autoGenerate: false } }, dir);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['by-manifest', 'by-folders'])('%s: gamma is the signal, and the demo model gives gammas a high gammaness', async (name) => {
    const { data } = await server.graphql<{ datasets: Array<{ id: string; name: string }> }>('{ datasets { id name } }');
    const datasetId = data!.datasets.find((dataset) => dataset.name === name)!.id;
    const started = await server.graphql<{ predict: { id: string } }>('mutation($id: ID!) { predict(input: { datasetId: $id, energyBin: 3, eventsPerClass: 30, seed: 3 }) { id } }', { id: datasetId });
    expect(started.errors).toBeUndefined();
    let run: Run;
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      run = (await server.graphql<{ predictionRun: Run }>('query($id: ID!) { predictionRun(id: $id) { status signalClass predictions { label gammaness } } }', { id: started.data!.predict.id })).data!.predictionRun;
    } while (run.status === 'RUNNING');
    expect(run.signalClass).toBe('gamma');
    const mean = (label: string) => {
      const values = run.predictions.filter((prediction) => prediction.label === label).map((prediction) => prediction.gammaness!);
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    expect(mean('gamma')).toBeGreaterThan(0.7);
    expect(mean('proton')).toBeLessThan(0.3);
  });
});
