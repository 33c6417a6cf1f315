// `npm run loadtest`: 50 dashboard sessions, each starting a run of 500 events per class and following it over
// graphql-ws, plus 200 concurrent `events` queries, against a real `astri serve` on loopback. Prints p50/p95/p99
// of the time to the first batch and of the query latency, the errors, the server's peak memory; then checks
// that some runs give, alone on a fresh server, exactly the predictions they gave under load.
// Bounded: counts are fixed (flags below), and the whole test stops after --timeout-s.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { PROJECT_ROOT } from '../server/config.ts';
import { watchMemory } from './memory.ts';
import { startProcess, type ManagedProcess } from './processes.ts';

const { values: flags } = parseArgs({
  options: {
    sessions: { type: 'string', default: '50' },
    'events-per-class': { type: 'string', default: '500' },
    queries: { type: 'string', default: '200' },
    verify: { type: 'string', default: '3' },
    'ramp-s': { type: 'string', default: '5' },
    backend: { type: 'string', default: 'onnxruntime' },
    'template-dir': { type: 'string', default: path.join(tmpdir(), 'astri-loadtest-template') },
    'timeout-s': { type: 'string', default: '600' },
  },
});
const SESSIONS = Number(flags.sessions);
const EVENTS_PER_CLASS = Number(flags['events-per-class']);
const QUERIES = Number(flags.queries);
const VERIFY = Math.min(Number(flags.verify), SESSIONS);
/** Sessions start spread evenly over this window, as users arrive, rather than in one instant. */
const RAMP_MS = Number(flags['ramp-s']) * 1000;
const BINS = 7;

const PREDICT = 'mutation($input: PredictInput!) { predict(input: $input) { id } }';
const PROGRESS = 'subscription($runId: ID!) { predictionProgress(runId: $runId) { kind status error } }';
const PREDICTIONS = 'query($id: ID!) { predictionRun(id: $id) { status predictions { eventId scores } } }';
const EVENTS = 'query($bin: Int!) { events(energyBin: $bin, first: 50) { edges { node { id label trueEnergyTeV } } } }';

interface Server {
  process: ManagedProcess;
  url: string;
}

/**
 * A server on a fresh state folder: the template's database (the demo registered, no prediction cached) and its
 * images, an empty pixel store. So every load test measures the same thing: images decoded and inferred for the
 * first time, nothing served from a cache of an earlier test.
 */
async function startFreshServer(templateDir: string): Promise<Server> {
  const templateDb = path.join(templateDir, 'astri.db');
  if (!existsSync(templateDb)) {
    process.stderr.write(`loadtest: generating the demo data once into ${templateDir}\n`);
    const template = await startServer(templateDir, templateDir);
    await template.process.stop();
  }
  const stateDir = mkdtempSync(path.join(tmpdir(), 'astri-loadtest-'));
  copyFileSync(templateDb, path.join(stateDir, 'astri.db'));
  return startServer(stateDir, templateDir);
}

async function startServer(stateDir: string, templateDir: string): Promise<Server> {
  mkdirSync(stateDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ASTRI_DATA__DIR: stateDir,
    ASTRI_DATA__DATABASE: path.join(stateDir, 'astri.db'),
    ASTRI_DATA__INFERENCE_DIR: path.join(templateDir, 'inference'),
    ASTRI_DATA__PIXEL_STORE: path.join(stateDir, 'pixels'),
    // Enough events per bin for 500 per class; generated once per state folder.
    ASTRI_DEMO__EVENTS_PER_BIN: String(Math.max(EVENTS_PER_CLASS, 600)),
    ASTRI_DEMO__MULTICLASS_EVENTS_PER_CLASS: '0',
    ASTRI_INFERENCE__BACKEND: flags.backend,
    ASTRI_PREDICTION__MAX_ACTIVE_RUNS: String(Math.max(64, SESSIONS + 1)),
    ASTRI_LOG__LEVEL: 'warn',
  };
  const child = startProcess('astri serve', process.execPath, [path.join(PROJECT_ROOT, 'bin', 'astri.js'), 'serve', '--host', '127.0.0.1', '--port', '0'], { env, cwd: PROJECT_ROOT });
  const [, url] = await child.waitForLine(/^listening on (http:\/\/\S+)/, 600_000);
  await child.waitForLine(/^ready: /, 600_000);
  return { process: child, url };
}

async function graphql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ message: string }> }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  if (response.status >= 500) return { errors: [{ message: `HTTP ${response.status}` }] };
  return (await response.json()) as never;
}

interface Session {
  input: { energyBin: number; eventsPerClass: number; seed: number };
  runId: string | null;
  /** From sending predict to its answer (the run id). */
  acceptedMs: number | null;
  firstBatchMs: number | null;
  endToEndMs: number | null;
  error: string | null;
}

/** One dashboard: its own WebSocket, a run started over HTTP, then followed to the end. */
async function session(url: string, index: number): Promise<Session> {
  const input = { energyBin: index % BINS, eventsPerClass: EVENTS_PER_CLASS, seed: 1000 + index };
  const result: Session = { input, runId: null, acceptedMs: null, firstBatchMs: null, endToEndMs: null, error: null };
  const ws: Client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  try {
    const started = performance.now();
    const answer = await graphql<{ predict: { id: string } }>(url, PREDICT, { input });
    if (answer.errors?.length || !answer.data) throw new Error(answer.errors?.[0]?.message ?? 'no data');
    result.runId = answer.data.predict.id;
    result.acceptedMs = performance.now() - started;
    await new Promise<void>((resolve, reject) => {
      ws.subscribe<{ predictionProgress: { kind: string; status: string; error: string | null } }>(
        { query: PROGRESS, variables: { runId: result.runId } },
        {
          next: ({ data, errors }) => {
            if (errors?.length) return reject(new Error(errors[0].message));
            const message = data!.predictionProgress;
            if (message.kind === 'BATCH') result.firstBatchMs ??= performance.now() - started;
            if (message.kind === 'FINISHED') {
              result.endToEndMs = performance.now() - started;
              if (message.status !== 'COMPLETED') reject(new Error(`run ended ${message.status}: ${message.error}`));
            }
          },
          error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => resolve(),
        },
      );
    });
  } catch (error) {
    result.error = (error as Error).message;
  } finally {
    await ws.dispose();
  }
  return result;
}

async function query(url: string, index: number): Promise<{ ms: number; error: string | null }> {
  const started = performance.now();
  try {
    const answer = await graphql<{ events: { edges: unknown[] } }>(url, EVENTS, { bin: index % BINS });
    if (answer.errors?.length || !answer.data) return { ms: performance.now() - started, error: answer.errors?.[0]?.message ?? 'no data' };
    return { ms: performance.now() - started, error: null };
  } catch (error) {
    return { ms: performance.now() - started, error: (error as Error).message };
  }
}

function percentiles(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return `p50 ${at(50).toFixed(0)} ms, p95 ${at(95).toFixed(0)} ms, p99 ${at(99).toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (n=${values.length})`;
}

async function predictionsOf(url: string, runId: string): Promise<string> {
  const answer = await graphql<{ predictionRun: { predictions: unknown[] } }>(url, PREDICTIONS, { id: runId });
  return JSON.stringify(answer.data?.predictionRun.predictions ?? answer.errors);
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    process.stderr.write(`loadtest: stopped after ${flags['timeout-s']} s\n`);
    process.exit(2);
  }, Number(flags['timeout-s']) * 1000);
  deadline.unref();
  process.stderr.write('loadtest: starting the server on a fresh state\n');
  const server = await startFreshServer(flags['template-dir']!);
  let verifyServer: Server | null = null;
  try {
    process.stderr.write(`loadtest: ${SESSIONS} sessions x ${EVENTS_PER_CLASS} events per class, starting over ${RAMP_MS / 1000} s; ${QUERIES} concurrent events queries\n`);
    const endMemory = watchMemory([server.process.pid]);
    const started = performance.now();
    const sessions = Promise.all(
      Array.from({ length: SESSIONS }, (_, i) => new Promise((resolve) => setTimeout(resolve, (i * RAMP_MS) / SESSIONS)).then(() => session(server.url, i))),
    );
    // The queries go out while the runs are starting and running.
    await new Promise((resolve) => setTimeout(resolve, RAMP_MS / 2));
    const queries = await Promise.all(Array.from({ length: QUERIES }, (_, i) => query(server.url, i)));
    const runs = await sessions;
    const wallMs = performance.now() - started;
    const memory = endMemory();

    const runErrors = runs.filter((run) => run.error);
    const queryErrors = queries.filter((q) => q.error);
    const lines = [
      `runs: ${SESSIONS} x ${EVENTS_PER_CLASS} events per class (${SESSIONS * EVENTS_PER_CLASS * 2} images), wall ${(wallMs / 1000).toFixed(1)} s`,
      `predict answered:    ${percentiles(runs.flatMap((run) => (run.acceptedMs === null ? [] : [run.acceptedMs])))}`,
      `time to first batch: ${percentiles(runs.flatMap((run) => (run.firstBatchMs === null ? [] : [run.firstBatchMs])))}`,
      `time to finished:    ${percentiles(runs.flatMap((run) => (run.endToEndMs === null ? [] : [run.endToEndMs])))}`,
      `events query (${QUERIES} concurrent): ${percentiles(queries.map((q) => q.ms))}`,
      `errors: ${runErrors.length} runs, ${queryErrors.length} queries${[...runErrors.map((run) => run.error), ...queryErrors.map((q) => q.error)].slice(0, 3).map((e) => `\n  ${e}`).join('')}`,
      `server peak memory: VmHWM ${memory.vmHwmMiB?.toFixed(0) ?? 'n/a'} MiB${memory.hwmReset ? '' : ' (not reset: since start)'}, sampled RSS ${memory.sampledPeakRssMiB?.toFixed(0) ?? 'n/a'} MiB`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);

    if (VERIFY > 0) {
      // The same runs alone, on a fresh server (no prediction cache), must give exactly the same predictions.
      process.stderr.write(`loadtest: checking ${VERIFY} runs alone on a fresh server\n`);
      verifyServer = await startFreshServer(flags['template-dir']!);
      let equal = 0;
      for (const run of runs.filter((r) => r.runId && !r.error).slice(0, VERIFY)) {
        const alone = await session(verifyServer.url, run.input.seed - 1000);
        if (alone.error || !alone.runId) throw new Error(`run alone failed: ${alone.error}`);
        if ((await predictionsOf(server.url, run.runId!)) === (await predictionsOf(verifyServer.url, alone.runId))) equal++;
      }
      process.stdout.write(`results equal to the same run alone: ${equal} of ${VERIFY}\n`);
      if (equal !== VERIFY) process.exitCode = 1;
    }
    if (runErrors.length || queryErrors.length) process.exitCode = 1;
  } finally {
    await server.process.stop();
    await verifyServer?.process.stop();
  }
}

if (!existsSync(path.join(PROJECT_ROOT, 'bin', 'astri.js'))) throw new Error('run from the project');
await main();
