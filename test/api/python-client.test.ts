// docs/python.md's client, run exactly as the page shows it (its first python block) against a real server,
// with Debian's python3-requests and python3-pandas: the run over every bin followed over SSE, and the two
// CSV files it writes checked against the API; then its packed_frame on a batch's packed columns. Skips, saying
// so once, where those modules are missing.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsPython, PROJECT_ROOT, PYTHON } from '../helpers/python.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const HAS_MODULES = needsPython(['requests', 'pandas'], ['python3-requests', 'python3-pandas'], 'the Python client of docs/python.md');
const EVENTS = 20;

/** The first ```python block of docs/python.md, or the first that holds `contains`. */
function documentedClient(contains = ''): string {
  const markdown = readFileSync(path.join(PROJECT_ROOT, 'docs', 'python.md'), 'utf8');
  const block = [...markdown.matchAll(/```python\n([\s\S]*?)```/g)].map((match) => match[1]).find((code) => code.includes(contains));
  if (!block) throw new Error(`docs/python.md has no python block${contains ? ` with ${contains}` : ''}`);
  return block;
}

/** Follows a run over SSE asking for the packed columns, and prints every batch through the page's packed_frame as CSV. */
const PACKED_FOLLOWER = `
import json, os, sys
import pandas as pd
import requests

query = """subscription($id: ID!) { predictionProgress(runId: $id) { kind batch { label
    columns { eventIds classCount scoresBase64 gammanessBase64 trueEnergiesTeVBase64 failures { position error } } } } }"""
payload = {"query": query, "variables": {"id": os.environ["ASTRI_RUN"]}}
frames = []
with requests.post(os.environ["ASTRI_URL"] + "/graphql", json=payload, headers={"accept": "text/event-stream"}, stream=True, timeout=120) as response:
    for line in response.iter_lines(decode_unicode=True):
        if line and line.startswith("data:") and line[5:].strip():
            message = json.loads(line[5:])["data"]["predictionProgress"]
            if message["batch"]:
                frames.append(packed_frame(message["batch"], os.environ["ASTRI_CLASSES"].split(",")))
pd.concat(frames).to_csv(sys.stdout, index=False, float_format="%.17g")
`;

function runPython(file: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [file], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function csv(file: string): Array<Record<string, string>> {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  // The columns compared here hold no quoted commas.
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i], value])));
}

describe.skipIf(!HAS_MODULES)('the Python client of docs/python.md', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('starts a run over every bin, follows it over SSE and writes the per-event and per-energy tables the API gives', async () => {
    const dir = temporaryDir('astri-python-');
    const script = path.join(dir, 'client.py');
    writeFileSync(script, documentedClient());
    const result = await runPython(script, dir, { ASTRI_URL: server.url, ASTRI_EVENTS: String(EVENTS) });
    expect(result.stderr + result.stdout).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/completed: 280\/280 events/);
    const runId = /^run (\S+) \(seed 42\): 280 events$/m.exec(result.stdout)?.[1];
    expect(runId).toBeTruthy();

    const events = csv(path.join(dir, 'events.csv'));
    expect(events).toHaveLength(2 * 7 * EVENTS);
    expect(Object.keys(events[0])).toEqual(['event_id', 'label', 'energy_tev', 'gammaness', 'error', 'score_proton', 'score_gamma']);
    const api = await server.graphql<{
      predictionRun: {
        predictions: Array<{ eventId: string; gammaness: number }>;
        energyMetrics: Array<{ bin: { index: number }; auc: number; aucInterval: { lower: number; upper: number }; atGammaEfficiency: { hadronEfficiency: number }; bestQualityFactor: { qualityFactor: number } | null }>;
      };
    }>('query($id: ID!) { predictionRun(id: $id) { predictions { eventId gammaness } energyMetrics { bin { index } auc aucInterval { lower upper } atGammaEfficiency { hadronEfficiency } bestQualityFactor { qualityFactor } } } }', { id: runId });
    const gammaness = new Map(api.data!.predictionRun.predictions.map((p) => [p.eventId, p.gammaness]));
    for (const event of events) expect(Number(event.gammaness)).toBe(gammaness.get(event.event_id));

    const energy = csv(path.join(dir, 'energy.csv'));
    expect(energy.map((row) => Number(row.bin))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    api.data!.predictionRun.energyMetrics.forEach((bin, k) => {
      expect(Number(energy[k].auc)).toBe(bin.auc);
      expect(Number(energy[k].auc_lower)).toBe(bin.aucInterval.lower);
      expect(Number(energy[k].auc_upper)).toBe(bin.aucInterval.upper);
      expect(Number(energy[k]['hadron_eff_at_gamma_eff_0.7'])).toBe(bin.atGammaEfficiency.hadronEfficiency);
    });
  }, 300_000);

  it("reads the packed columns with the page's packed_frame: the same numbers as the API's", async () => {
    const started = await server.graphql<{ predict: { id: string; classes: Array<{ name: string }> } }>(
      'mutation { predict(input: {energyBin: 2, eventsPerClass: 30, seed: 8}) { id classes { name } } }',
    );
    const { id, classes } = started.data!.predict;
    const dir = temporaryDir('astri-python-packed-');
    const script = path.join(dir, 'packed.py');
    writeFileSync(script, `${documentedClient('def packed_frame')}\n${PACKED_FOLLOWER}`);
    const result = await runPython(script, dir, { ASTRI_URL: server.url, ASTRI_RUN: id, ASTRI_CLASSES: classes.map((c) => c.name).join(',') });
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    writeFileSync(path.join(dir, 'packed.csv'), result.stdout);
    const rows = csv(path.join(dir, 'packed.csv'));
    const api = await server.graphql<{ predictionRun: { predictions: Array<{ eventId: string; gammaness: number; trueEnergyTeV: number; scores: number[] }> } }>(
      'query($id: ID!) { predictionRun(id: $id) { predictions { eventId gammaness trueEnergyTeV scores } } }',
      { id },
    );
    const predictions = api.data!.predictionRun.predictions;
    expect(rows).toHaveLength(predictions.length);
    const byId = new Map(predictions.map((p) => [p.eventId, p]));
    for (const row of rows) {
      const p = byId.get(row.event_id)!;
      expect([Number(row.gammaness), Number(row.energy_tev), ...classes.map((c) => Number(row[`score_${c.name}`]))]).toEqual([p.gammaness, p.trueEnergyTeV, ...p.scores]);
    }
  }, 120_000);
});
