// The cost of the physicist's view (issue 15), printed as Markdown rows for docs/benchmarks.md: a run over all
// seven demo energy bins of 2000 events per class and bin (28,000 images), cold (fresh server: no stored pixels,
// no cached predictions) and warm (the same run again: cached predictions), timed from the predict mutation to
// the FINISHED message of its SSE stream; and what 1000 bootstrap resamples of the AUC cost, through the API
// (PredictionRun.energyMetrics over the seven bins) and for one bin in the pure function. Not part of the tests.
//
//   npx tsx bench/energy-bins.ts [--per-bin 2000] [--repeats 3]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { bootstrapAuc } from '../server/metrics/index.ts';
import { createRng } from '../server/random/rng.ts';
import { startAstriServer, type AstriServer } from '../test/e2e/harness.ts';

const { values: args } = parseArgs({ options: { 'per-bin': { type: 'string', default: '2000' }, repeats: { type: 'string', default: '3' } } });
const perBin = Number(args['per-bin']);
const repeats = Number(args.repeats);

async function timedRun(server: AstriServer, seed: number): Promise<{ wallMs: number; serverMs: number; images: number }> {
  const started = performance.now();
  const { predict } = await server.graphql<{ predict: { id: string } }>('mutation($input: PredictInput!) { predict(input: $input) { id } }', {
    input: { energyBins: [0, 1, 2, 3, 4, 5, 6], eventsPerClass: perBin, seed },
  });
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription($id: ID!) { predictionProgress(runId: $id) { kind status elapsedMs doneByClass { count } } }', variables: { id: predict.id } }),
  });
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = response.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (const line of buffer.split('\n').filter((l) => l.startsWith('data: ') && l.length > 6)) {
      const message = JSON.parse(line.slice(6)).data?.predictionProgress;
      if (message?.kind === 'FINISHED') {
        const wallMs = performance.now() - started;
        if (message.status !== 'COMPLETED') throw new Error(`run ${predict.id} ended ${message.status}`);
        return { wallMs, serverMs: message.elapsedMs, images: message.doneByClass.reduce((a: number, c: { count: number }) => a + c.count, 0) };
      }
    }
    buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
  }
  throw new Error('the progress stream ended without a FINISHED message');
}

async function timedQuery(server: AstriServer, runId: string, resamples: number): Promise<number> {
  const started = performance.now();
  await server.graphql('query($id: ID!, $r: Int) { predictionRun(id: $id) { energyMetrics(resamples: $r) { auc aucInterval { lower upper } } } }', { id: runId, r: resamples });
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  const load = os.loadavg()[0].toFixed(2);
  const setupStarted = performance.now();
  const server = await startAstriServer({ eventsPerBin: perBin, readyTimeoutMs: 1_800_000 });
  const setupS = (performance.now() - setupStarted) / 1000;
  try {
    const cold = await timedRun(server, 1);
    const warm: Array<Awaited<ReturnType<typeof timedRun>>> = [];
    for (let i = 0; i < repeats; i++) warm.push(await timedRun(server, 1));
    const { predictionRuns } = await server.graphql<{ predictionRuns: { edges: Array<{ node: { id: string } }> } }>('{ predictionRuns(first: 1) { edges { node { id } } } }');
    const runId = predictionRuns.edges[0].node.id;
    await timedQuery(server, runId, 1); // loads the run's predictions into memory once
    const api1s: number[] = [];
    for (let i = 0; i < repeats; i++) api1s.push(await timedQuery(server, runId, 1));
    const api1 = median(api1s);
    const api1000: number[] = [];
    for (let i = 0; i < repeats; i++) api1000.push(await timedQuery(server, runId, 1000));

    const rng = createRng(5);
    const gamma = Float64Array.from({ length: perBin }, () => Math.min(1, rng.uniform() ** 0.3));
    const hadron = Float64Array.from({ length: perBin }, () => rng.uniform() ** 3);
    const pure: number[] = [];
    bootstrapAuc(gamma, hadron, { resamples: 1000, level: 0.68, random: createRng(99) }); // compiles the hot loop first
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      bootstrapAuc(gamma, hadron, { resamples: 1000, level: 0.68, random: createRng(i) });
      pure.push(performance.now() - started);
    }

    const images = cold.images;
    const warmWall = median(warm.map((run) => run.wallMs));
    process.stdout.write(
      [
        `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), 1-minute load ${load} at the start; server set-up (demo generation ${perBin}/class/bin + model warm-up) ${setupS.toFixed(0)} s`,
        '',
        '| measurement | wall time | server elapsedMs | images/s |',
        '|---|---|---|---|',
        `| 7-bin run, ${perBin}/class/bin (${images.toLocaleString('en')} images), cold | ${(cold.wallMs / 1000).toFixed(2)} s | ${(cold.serverMs / 1000).toFixed(2)} s | ${Math.round((images * 1000) / cold.wallMs).toLocaleString('en')} |`,
        `| same run, warm (cached predictions), median of ${repeats} | ${(warmWall / 1000).toFixed(2)} s (${warm.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ')}) | ${(median(warm.map((r) => r.serverMs)) / 1000).toFixed(2)} s | ${Math.round((images * 1000) / warmWall).toLocaleString('en')} |`,
        `| energyMetrics over the 7 bins, 1 resample (API round trip), median of ${repeats} | ${api1.toFixed(0)} ms | | |`,
        `| energyMetrics over the 7 bins, 1000 resamples (API round trip), median of ${repeats} | ${median(api1000).toFixed(0)} ms (${api1000.map((v) => v.toFixed(0)).join(', ')}) | | |`,
        `| bootstrapAuc, one bin of ${perBin} + ${perBin} events, 1000 resamples (pure function), median of ${repeats} | ${median(pure).toFixed(0)} ms | | |`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.stop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`energy-bins bench: ${error.name}: ${error.message}\n`);
  process.exitCode = 1;
});
