// `npm run bench:cluster`: what the queue costs and what a second worker brings on this machine.
//
// 1. The queue alone: a batch job (256 event references) dispatched through Redis to a worker that answers at
//    once with 256 outputs: the added latency of the queue per batch, dispatch to answer.
// 2. The same predictions three ways, each on a fresh copy of one template database (no cached predictions)
//    and empty pixel stores (every image decoded from its PNG, as a worker meets a dataset for the first time):
//    one `astri serve` without a queue; an API replica (`serve --role api`) with 1 worker; with 2 workers.
//    For each: 1 run of N events per class (bin 3), then 4 runs together (bins 0-3, seeds 1-4).
// It prints a table; docs/benchmarks.md records it with the paper estimate for 100 users.
import { cpus, tmpdir } from 'node:os';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { BatchWorker, type BatchJob } from '../server/cluster/index.ts';
import { BatchQueue } from '../server/cluster/batch-queue.ts';
import { encodeOutputs } from '../server/cluster/batch-jobs.ts';
import { PROJECT_ROOT } from '../server/config.ts';
import { startRedis, type RedisTestServer } from '../test/helpers/redis.ts';
import { prepareDataset } from './dataset.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { median } from './stats.ts';

const { values: options } = parseArgs({
  options: {
    'events-per-class': { type: 'string', default: '2000' },
    'batch-size': { type: 'string', default: '256' },
    'queue-samples': { type: 'string', default: '300' },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) {
  process.stdout.write('npm run bench:cluster [-- --events-per-class N] [--batch-size N] [--queue-samples N]\n');
  process.exit(0);
}
const EVENTS_PER_CLASS = Number(options['events-per-class']);
const BATCH_SIZE = Number(options['batch-size']);
const ASTRI_BIN = path.join(PROJECT_ROOT, 'bin', 'astri.js');
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const percentile = (values: readonly number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))];

/** CPU seconds a process has used so far (user + system, /proc/PID/stat; Linux counts in 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Dispatch-to-answer of batch jobs whose worker answers at once: the queue's own cost per batch. */
async function queueLatency(redis: RedisTestServer, samples: number): Promise<number[]> {
  const queue = await BatchQueue.open(redis.url);
  const outputs = encodeOutputs(new Float32Array(BATCH_SIZE));
  const worker = new BatchWorker(
    async (job) => ({ inferred: job.events.map((event) => event.id), outputs, outputsPerImage: 1, errors: [], inferenceMs: 0, worker: 'bench', backend: 'none' }),
    { url: redis.url, concurrency: 2, stalledIntervalMs: 30_000, role: 'worker', backend: async () => null },
  );
  await worker.waitUntilReady();
  const events = Array.from({ length: BATCH_SIZE }, (_, i) => ({ id: i + 1, file: `/data/inference/gamma/event_${i}.png` }));
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const job: BatchJob = { runId: 'bench', user: 'bench', modelId: 1, modelSha256: 'bench', datasetId: 1, classIndex: 0, index: i, inputShape: [56, 56, 1], events };
    const started = performance.now();
    await queue.dispatch(job);
    if (i >= 20) times.push(performance.now() - started); // the first ones warm up the connections
  }
  await worker.close();
  await queue.close();
  return times;
}

interface Deployment {
  label: string;
  processes: ManagedProcess[];
  url: string;
  ws: Client;
}

async function startAstri(label: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<ManagedProcess> {
  const child = startProcess(label, process.execPath, [ASTRI_BIN, ...args], { env, cwd: PROJECT_ROOT });
  await child.waitForLine(ready, 180_000);
  return child;
}

async function deploy(label: string, workers: number, work: string, template: string, inferenceDir: string, redis: RedisTestServer | null): Promise<Deployment> {
  const dir = mkdtempSync(path.join(work, 'state-'));
  const database = path.join(dir, 'astri.db');
  copyFileSync(template, database);
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    ASTRI_DATA__DATABASE: database,
    ASTRI_DATA__INFERENCE_DIR: inferenceDir,
    ASTRI_DATA__CONVERT_AT_START: 'false',
    ASTRI_DEMO__AUTO_GENERATE: 'false',
    ASTRI_INFERENCE__BATCH_SIZE: String(BATCH_SIZE),
    ASTRI_LOG__LEVEL: 'warn',
    ...(redis ? { ASTRI_QUEUE__URL: redis.url } : {}),
  };
  const own = (name: string): NodeJS.ProcessEnv => {
    mkdirSync(path.join(dir, name), { recursive: true });
    return { ...base, ASTRI_DATA__DIR: path.join(dir, name), ASTRI_DATA__PIXEL_STORE: path.join(dir, name, 'pixels') };
  };
  const processes: ManagedProcess[] = [];
  const api = await startAstri(`${label}: api`, ['serve', '--port', '0', ...(redis ? ['--role', 'api'] : [])], own('api'), /^ready: /);
  processes.push(api);
  const [, url] = /listening on (http:\/\/\S+)/.exec(api.stdout())!;
  for (let i = 0; i < workers; i++) processes.push(await startAstri(`${label}: worker ${i + 1}`, ['worker'], own(`worker-${i + 1}`), /^ready: worker/));
  const ws = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  await new Promise<void>((resolve, reject) => {
    ws.on('connected', () => resolve());
    ws.on('error', reject);
  });
  return { label, processes, url, ws };
}

/** Starts the runs together; resolves with the time until the last FINISHED message. */
async function timeRuns(deployment: Deployment, runs: Array<{ bin: number; seed: number }>): Promise<number> {
  const started = performance.now();
  await Promise.all(
    runs.map(async (run) => {
      const response = await fetch(`${deployment.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation($input: PredictInput!) { predict(input: $input) { id } }', variables: { input: { energyBin: run.bin, eventsPerClass: EVENTS_PER_CLASS, seed: run.seed } } }),
      });
      const answer = (await response.json()) as { data?: { predict: { id: string } }; errors?: unknown };
      if (!answer.data) throw new Error(`${deployment.label}: predict failed: ${JSON.stringify(answer.errors)}`);
      await new Promise<void>((resolve, reject) => {
        deployment.ws.subscribe<{ predictionProgress: { kind: string; status: string; error: string | null } }>(
          { query: 'subscription($id: ID!) { predictionProgress(runId: $id) { kind status error } }', variables: { id: answer.data!.predict.id } },
          {
            next: ({ data }) => {
              const message = data!.predictionProgress;
              if (message.kind === 'FINISHED' && message.status !== 'COMPLETED') reject(new Error(`${deployment.label}: run ${message.status}: ${message.error}`));
            },
            error: reject,
            complete: resolve,
          },
        );
      });
    }),
  );
  return performance.now() - started;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'astri-bench-cluster-'));
  const redis = await startRedis();
  try {
    say(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`);
    const latency = await queueLatency(redis, Number(options['queue-samples']));
    say(`queue round trip per batch: median ${median(latency).toFixed(2)} ms, p95 ${percentile(latency, 95).toFixed(2)} ms`);

    const inferenceDir = path.join(PROJECT_ROOT, 'data', 'inference');
    const template = path.join(work, 'template.db');
    const dataset = await prepareDataset(inferenceDir, template, { say });
    void dataset;
    const rows: Array<{ label: string; oneRunMs: number; fourRunsMs: number; apiCpuMsPerKiloImage: number; workerCpuMsPerKiloImage: number }> = [];
    for (const [label, workers, queued] of [['one process, no queue', 0, false], ['API + 1 worker', 1, true], ['API + 2 workers', 2, true]] as const) {
      await redis.flush();
      say(`${label}: starting`);
      const deployment = await deploy(label, workers, work, template, inferenceDir, queued ? redis : null);
      try {
        const cpuBefore = deployment.processes.map((child) => cpuSeconds(child.pid));
        const oneRunMs = await timeRuns(deployment, [{ bin: 3, seed: 1 }]);
        // Other bins: no event of these runs is in the prediction cache or a pixel store yet.
        const fourRunsMs = await timeRuns(deployment, [0, 1, 2, 4].map((bin, i) => ({ bin, seed: i + 1 })));
        const cpu = deployment.processes.map((child, i) => cpuSeconds(child.pid) - cpuBefore[i]);
        const kiloImages = (5 * 2 * EVENTS_PER_CLASS) / 1000;
        const workerCpu = cpu.slice(1).reduce((a, b) => a + b, 0);
        rows.push({ label, oneRunMs, fourRunsMs, apiCpuMsPerKiloImage: (cpu[0] * 1000) / kiloImages, workerCpuMsPerKiloImage: (workerCpu * 1000) / kiloImages });
        say(`${label}: 1 run ${oneRunMs.toFixed(0)} ms, 4 runs ${fourRunsMs.toFixed(0)} ms`);
      } finally {
        await deployment.ws.dispose();
        await Promise.all(deployment.processes.map((child) => child.stop()));
      }
    }

    const images = 2 * EVENTS_PER_CLASS;
    process.stdout.write(`\nnpm run bench:cluster -- --events-per-class ${EVENTS_PER_CLASS} --batch-size ${BATCH_SIZE}   (${cpus().length} cores)\n\n`);
    process.stdout.write(`queue round trip per batch (${BATCH_SIZE} event references out, ${BATCH_SIZE} outputs back): median ${median(latency).toFixed(2)} ms, p95 ${percentile(latency, 95).toFixed(2)} ms (${latency.length} batches)\n\n`);
    process.stdout.write(
      `| deployment | 1 run of 2x${EVENTS_PER_CLASS} (ms) | images/s | 4 runs together (ms) | images/s | CPU ms per 1000 images: API (serve) | workers |\n|---|---:|---:|---:|---:|---:|---:|\n`,
    );
    for (const row of rows) {
      const workerCpu = row.label.startsWith('one process') ? '(in the API)' : row.workerCpuMsPerKiloImage.toFixed(0);
      process.stdout.write(
        `| ${row.label} | ${row.oneRunMs.toFixed(0)} | ${((images * 1000) / row.oneRunMs).toFixed(0)} | ${row.fourRunsMs.toFixed(0)} | ${((4 * images * 1000) / row.fourRunsMs).toFixed(0)} | ${row.apiCpuMsPerKiloImage.toFixed(0)} | ${workerCpu} |\n`,
      );
    }
    process.stdout.write(`\nload average before and after: see uptime; this machine's ${cpus().length} cores run the API, Redis and the workers together.\n`);
  } finally {
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
