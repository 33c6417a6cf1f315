// docs/python.md's client, run exactly as the page shows it (its first python block) against a real server,
// with Debian's python3-requests and python3-pandas: the run over every bin followed over SSE, and the two
// CSV files it writes checked against the API. Skips, saying so once, where those modules are missing.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsPython, PROJECT_ROOT, PYTHON } from '../helpers/python.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const HAS_MODULES = needsPython(['requests', 'pandas'], ['python3-requests', 'python3-pandas'], 'the Python client of docs/python.md');
const EVENTS = 20;

/** The first ```python block of docs/python.md. */
function documentedClient(): string {
  const markdown = readFileSync(path.join(PROJECT_ROOT, 'docs', 'python.md'), 'utf8');
  const match = /```python\n([\s\S]*?)```/.exec(markdown);
  if (!match) throw new Error('docs/python.md has no python block');
  return match[1];
}

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
});
