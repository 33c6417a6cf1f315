// `npm run bench:warm`: repeated runs of one request on one server, as `npm run bench` measures its warm rows, but
// many of them and with a pause between them, so that each run is timed alone: `npm run bench` sends its warm
// repeats back to back, and each then also carries what the one before left to do (storing its predictions).
// Prints each run's end to end, mutation and first-batch times, when each message arrived, and the medians.
//
//   npm run bench:warm                                   # demo model, bin 3, 2000 events per class, 20 runs, 200 ms apart
//   npm run bench:warm -- --events 500 --runs 40 --gap-ms 0
//   npm run bench:warm -- --profile                      # the server under --cpu-prof: where the timed runs' time goes
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.ts';
import { AstriServer, type PredictionTiming } from './astri-server.ts';
import { prepareDataset } from './dataset.ts';
import { hrtimeUs, summariseProfiles } from './profile.ts';
import { median } from './stats.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '2000' },
    runs: { type: 'string', default: '20' },
    'gap-ms': { type: 'string', default: '200' },
    bin: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
  },
});
const eventsPerClass = Number(flags.events);
const runs = Number(flags.runs);
const gapMs = Number(flags['gap-ms']);
const bin = Number(flags.bin);

const config = loadConfig();
const root = mkdtempSync(path.join(os.tmpdir(), 'astri-bench-warm-'));
try {
  const inferenceDir = path.resolve(config.data.inferenceDir);
  const dataset = await prepareDataset(inferenceDir, path.join(root, 'template.db'), { say: (line) => console.log(`bench: ${line}`) });
  const profileDir = path.join(root, 'cpu-profile');
  const server = await AstriServer.start({
    stateDir: path.join(root, 'state'),
    templateDatabase: dataset.templateDatabase,
    inferenceDir,
    modelFile: path.resolve(config.inference.model),
    nodeFlags: flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
  });
  const windowUs: [number, number] = [0, 0];
  try {
    await server.pixelStoreConverted();
    const first = await server.predict(bin, eventsPerClass, 1);
    console.log(`first run (fills the prediction cache): ${first.endToEndMs.toFixed(0)} ms, first batch ${first.firstBatchMs?.toFixed(0)} ms`);
    const timings: PredictionTiming[] = [];
    windowUs[0] = hrtimeUs();
    for (let i = 0; i < runs; i++) {
      await new Promise((resolve) => setTimeout(resolve, gapMs));
      const run = await server.predict(bin, eventsPerClass, 1);
      if (run.status !== 'COMPLETED') throw new Error(`run ${i} ended ${run.status}: ${run.error}`);
      timings.push(run);
      console.log(
        `run ${String(i + 1).padStart(2)}: ${run.endToEndMs.toFixed(1)} ms end to end, mutation ${run.mutationMs.toFixed(1)} ms, first batch ${run.firstBatchMs?.toFixed(1)} ms; ` +
          `messages received at ${run.timeline.map((batch) => batch.receivedMs.toFixed(0)).join(', ')} ms`,
      );
    }
    windowUs[1] = hrtimeUs();
    const summary = (values: number[]) => `median ${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;
    console.log(`${os.cpus().length} cores, load ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}; ${runs} runs of ${eventsPerClass} events per class, ${gapMs} ms apart`);
    console.log(`| end to end | ${summary(timings.map((run) => run.endToEndMs))} |`);
    console.log(`| mutation | ${summary(timings.map((run) => run.mutationMs))} |`);
    console.log(`| first batch | ${summary(timings.map((run) => run.firstBatchMs ?? Number.NaN))} |`);
  } finally {
    await server.stop();
  }
  if (flags.profile) printProfile(summariseProfiles(profileDir, windowUs, 25));
} finally {
  rmSync(root, { recursive: true, force: true });
}

/** The main thread's busy time over the timed runs (pauses included in the window, idle excluded), by category and function. */
function printProfile(threads: ReturnType<typeof summariseProfiles>): void {
  const main = threads.find((thread) => thread.thread === 'main');
  if (!main) {
    console.log('--profile: the server wrote no main-thread profile');
    return;
  }
  console.log(`\nmain thread, the ${runs} timed runs: busy ${main.busyMs.toFixed(0)} ms (${(main.busyMs / runs).toFixed(1)} ms per run)`);
  for (const entry of main.categories) console.log(`  ${entry.name}: ${(entry.selfMs / runs).toFixed(2)} ms per run (${(entry.share * 100).toFixed(0)} %)`);
  console.log('largest self times:');
  for (const entry of main.top) console.log(`  ${(entry.selfMs / runs).toFixed(2)} ms per run  ${entry.name}`);
}
