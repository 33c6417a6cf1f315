// `npm run bench`: this server against the original Python backend, on the same images, model and machine.
// Prints the tables and writes them into docs/benchmarks.md (between the bench markers). Not part of the tests.
//
//   npm run bench [-- --sizes 100,500,2000 --bin 3 --warm-repeats 3 --profile --no-baseline --no-write ...]
//   npm run bench -- --help
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadConfig, PROJECT_ROOT } from '../server/config.ts';
import { describeModelFile, type BackendRequest, type ModelDescription } from '../server/inference/index.ts';
import { energyBinAt } from '../server/data/energy-bins.ts';
import { AstriBenchError, AstriServer, type PredictionTiming } from './astri-server.ts';
import { BASELINE_PYTHON, BaselineServer, ensureBaselineDependencies, type BaselineTiming } from './baseline-server.ts';
import { eventsInBin, prepareDataset } from './dataset.ts';
import { busyProcesses, gitCommit, machineFacts } from './machine.ts';
import { evictFromPageCache, readIntoPageCache } from './page-cache.ts';
import { waitForIdleProcess } from './process-idle.ts';
import { hrtimeUs, summariseProfiles } from './profile.ts';
import { rawEngineThroughput, rawTorchThroughput } from './raw-model.ts';
import { renderMarkdown, writeReport } from './report.ts';
import type { BenchResults, Measured, ModelKind, SizeResult } from './results.ts';
import { HEAVY_MODEL_MFLOP, writeHeavyModel, writeStandInModel } from './stand-in-model.ts';

const HELP = `npm run bench -- [options]

  --models A,B            models to bench, one section each (default demo,heavy): demo = config inference.model
                          (data/models/astri-demo-cnn.h5; a stand-in with the same layers, said so, when it does
                          not exist), heavy = a compute-bound CNN the bench writes (conv 32-64-128, ~60 MFLOP per
                          image), or a model file (.h5, .keras, .onnx; the baseline reads .h5 only)
  --model FILE            bench this one model file only (same as --models FILE)
  --require-model         fail instead of using a stand-in when the demo model file is missing
  --inference-dir DIR     images and events.csv (default: config data.inferenceDir; generated when missing)
  --per-bin N             events per class per bin when generating the demo data (default: config)
  --bin N                 energy bin of the requests (default 3: 10-20 TeV)
  --sizes A,B,C           events per class (default 100,500,2000)
  --warm-repeats N        repeated requests per size for the warm rows (default 3)
  --new-event-runs N      runs per size on events the running server has not scored yet, each in another energy
                          bin where one holds enough events (default 3; 0 to skip)
  --concurrent-runs N     concurrent runs on this server, one bin each (default 4; 0 to skip)
  --concurrent-events N   events per class of each concurrent run (default: the largest size)
  --backend NAME          this server's inference.backend (default: config, auto)
  --raw-backends A,B      runtimes of the raw model timing (default wasm,cpu,onnxruntime; the heavy model skips
                          cpu unless named here: its JavaScript kernels take half a minute per batch)
  --raw-batch N           batch of the raw model timing (default 256)
  --raw-seconds S         timed seconds per raw runtime (default 5)
  --baseline-dir DIR      folder of seed_backend.py (default ../shared/baseline)
  --no-baseline           measure this server only
  --no-raw                skip the raw model timings
  --profile               CPU-profile this server (--cpu-prof) in an extra largest-size cold run and one warm repeat
  --out FILE              report file (default docs/benchmarks.md)
  --no-write              print only
  --wait-for-quiet S      first wait up to S seconds for the 1-minute load average to drop below cores/2
  --keep-state            keep the temporary state folder (its path is printed)
`;

const { values: args } = parseArgs({
  options: {
    models: { type: 'string' },
    model: { type: 'string' },
    'require-model': { type: 'boolean', default: false },
    'inference-dir': { type: 'string' },
    'per-bin': { type: 'string' },
    bin: { type: 'string', default: '3' },
    sizes: { type: 'string', default: '100,500,2000' },
    'warm-repeats': { type: 'string', default: '3' },
    'new-event-runs': { type: 'string', default: '3' },
    'concurrent-runs': { type: 'string', default: '4' },
    'concurrent-events': { type: 'string' },
    backend: { type: 'string' },
    'raw-backends': { type: 'string' },
    'raw-batch': { type: 'string', default: '256' },
    'raw-seconds': { type: 'string', default: '5' },
    'baseline-dir': { type: 'string' },
    'no-baseline': { type: 'boolean', default: false },
    'no-raw': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    'keep-state': { type: 'boolean', default: false },
    'wait-for-quiet': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

class BenchUsageError extends Error {
  override name = 'BenchUsageError';
}

function positiveInteger(flag: string, value: string, min = 1): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) throw new BenchUsageError(`--${flag} must be an integer >= ${min}, got "${value}"`);
  return number;
}

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const config = loadConfig();
  const sizes = args.sizes.split(',').map((value) => positiveInteger('sizes', value.trim()));
  const binIndex = positiveInteger('bin', args.bin, 0);
  const warmRepeats = positiveInteger('warm-repeats', args['warm-repeats']);
  const newEventRuns = positiveInteger('new-event-runs', args['new-event-runs'], 0);
  const concurrentRuns = positiveInteger('concurrent-runs', args['concurrent-runs'], 0);
  const concurrentEvents = args['concurrent-events'] ? positiveInteger('concurrent-events', args['concurrent-events']) : Math.max(...sizes);
  const rawBatch = positiveInteger('raw-batch', args['raw-batch']);
  const rawSeconds = Number(args['raw-seconds']);
  if (!(rawSeconds > 0)) throw new BenchUsageError(`--raw-seconds must be a positive number, got "${args['raw-seconds']}"`);
  const bin = energyBinAt(config.energyBins.edgesTeV, binIndex);
  const inferenceDir = path.resolve(args['inference-dir'] ?? config.data.inferenceDir);
  const baselineDir = path.resolve(args['baseline-dir'] ?? path.join(PROJECT_ROOT, '..', 'shared', 'baseline'));
  const outFile = path.resolve(args.out ?? path.join(PROJECT_ROOT, 'docs', 'benchmarks.md'));

  if (args['wait-for-quiet']) await waitForQuiet(Number(args['wait-for-quiet']));
  const stateRoot = mkdtempSync(path.join(os.tmpdir(), 'astri-bench-'));
  say(`state in ${stateRoot}${args['keep-state'] ? ' (kept)' : ' (removed at the end)'}`);
  const cleanup = () => {
    if (!args['keep-state']) rmSync(stateRoot, { recursive: true, force: true });
  };
  process.on('exit', cleanup);

  const machine = machineFacts();
  machine.busyProcesses = await busyProcesses();
  say(`machine: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadBefore.map((v) => v.toFixed(2)).join(' ')}`);
  const specs = modelSpecs();

  // The data, and a template database registering it.
  const dataset = await prepareDataset(inferenceDir, path.join(stateRoot, 'template.db'), {
    eventsPerBin: args['per-bin'] ? positiveInteger('per-bin', args['per-bin']) : undefined,
    say,
  });
  const binFiles = (index: number) => {
    const b = energyBinAt(config.energyBins.edgesTeV, index);
    return eventsInBin(dataset.events, b.minTeV, b.maxTeV).map((event) => event.file);
  };
  // Other bins, so that a run of every size meets events the server has not scored (a bin is drawn whole at its size).
  const binsForNewEvents = (eventsPerClass: number) =>
    Array.from({ length: config.energyBins.edgesTeV.length - 1 }, (_, index) => index)
      .filter((index) => {
        const b = energyBinAt(config.energyBins.edgesTeV, index);
        return index !== bin.index && Math.min(eventsInBin(dataset.events, b.minTeV, b.maxTeV, 'gamma').length, eventsInBin(dataset.events, b.minTeV, b.maxTeV, 'proton').length) >= eventsPerClass;
      })
      .slice(0, newEventRuns);
  const binCounts = { gamma: eventsInBin(dataset.events, bin.minTeV, bin.maxTeV, 'gamma').length, proton: eventsInBin(dataset.events, bin.minTeV, bin.maxTeV, 'proton').length };
  const available = Math.min(binCounts.gamma, binCounts.proton);
  for (const size of sizes) {
    if (size > available) throw new BenchUsageError(`--sizes ${size}: energy bin ${bin.index} holds only ${binCounts.gamma} gamma and ${binCounts.proton} proton events`);
  }

  let python: string | null = null;
  let baselineVersions: string | null = null;
  let baselineSkipped: string | null = args['no-baseline'] ? 'run with --no-baseline' : null;
  if (!args['no-baseline'] && !existsSync(path.join(baselineDir, 'seed_backend.py'))) {
    baselineSkipped = `no seed_backend.py in ${baselineDir} (give --baseline-dir)`;
    say(`baseline skipped: ${baselineSkipped}`);
  } else if (!args['no-baseline']) {
    try {
      baselineVersions = (await ensureBaselineDependencies(say)).versions;
      python = BASELINE_PYTHON;
    } catch (error) {
      baselineSkipped = (error as Error).message;
      say(`baseline skipped: ${baselineSkipped}`);
    }
  }
  const evictor = python ?? (existsSync(BASELINE_PYTHON) ? BASELINE_PYTHON : null);
  const evict = async (files: string[]): Promise<number | null> => {
    if (!evictor) return null;
    const result = await evictFromPageCache(evictor, files);
    return result.residentBytes;
  };

  const allResults: BenchResults[] = [];
  for (const spec of specs) {
    say(`model "${spec.name}"`);
    const results: BenchResults = {
      startedAt: new Date(),
      finishedAt: null,
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      commit: gitCommit(),
      machine: { ...machine, loadBefore: os.loadavg() },
      modelName: spec.name,
      modelKind: spec.kind,
      model: { file: '', sha256: '', standIn: false, parameters: null, layers: null },
      dataset: { inferenceDir: displayPath(inferenceDir), events: dataset.events.length, generated: dataset.generated },
      bin: { index: bin.index, minTeV: bin.minTeV, maxTeV: bin.maxTeV, ...binCounts },
      warmRepeats,
      baselineVersions,
      baselineSkipped,
      server: null,
      sizes: [],
      reinference: null,
      concurrent: null,
      raw: [],
      rawBatch,
      profile: null,
      notes: [],
    };
    allResults.push(results);
    // Each timed request starts on an idle process, not behind what the one before left to do (storing, caching).
    const settle = async (pid: number) => {
      const wait = await waitForIdleProcess(pid);
      if (!wait.idle) results.notes.push(`A timed request started on a process still busy after ${(wait.waitedMs / 1000).toFixed(1)} s of waiting for it to go idle.`);
    };
    // Each model's servers start on fresh states of their own (a database and a pixel store no other model touched).
    const modelRoot = path.join(stateRoot, `model-${allResults.length}`);
    if (!evictor) results.notes.push('No Python to call posix_fadvise: cold runs did not evict the images from the page cache.');
    const { file: modelFile, description } = await prepareModel(spec, results, stateRoot);
    const [imageHeight, imageWidth] = description.inputShape;
    // The baseline's PyTorch port reads Keras HDF5 files only.
    const baselinePython = python && /\.h5$/i.test(modelFile) ? python : null;
    if (python && !baselinePython) results.baselineSkipped = `the baseline reads Keras .h5 files only, not ${path.basename(modelFile)}`;
    // 1. The model alone, on each runtime, with nothing else running.
    if (!args['no-raw']) {
      const rawOptions = { modelFile, batch: rawBatch, minDurationMs: rawSeconds * 1000, pixelScale: config.inference.pixelScale, threads: config.inference.threads };
      for (const backend of rawBackends(spec)) {
        say(`raw model on ${backend}`);
        const raw = await rawEngineThroughput(backend, rawOptions);
        results.raw.push(raw);
        say(`  ${raw.imagesPerSecond === null ? `unavailable: ${raw.reason}` : `${Math.round(raw.imagesPerSecond)} images/s`}`);
      }
      if (baselinePython) {
        say('raw model on PyTorch (the baseline)');
        const raw = await rawTorchThroughput(baselinePython, baselineDir, { ...rawOptions, inputShape: description.inputShape });
        results.raw.push(raw);
        say(`  ${raw.imagesPerSecond === null ? `unavailable: ${raw.reason}` : `${Math.round(raw.imagesPerSecond)} images/s`}`);
      }
    }

    // A failed phase is noted in the report and the others still run (each phase starts its own servers).
    const attempt = async (label: string, work: () => Promise<void>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        const { name, message } = error as Error;
        const note = `${label} failed: ${name}: ${message.split('\n').slice(0, 3).join(' ')}`;
        results.notes.push(note);
        say(note);
      }
    };

    // 2. Per size: the baseline, then this server, each alone on the machine.
    const warmUpBin = bin.index === 0 ? 1 : 0;
    const largest = Math.max(...sizes);
    for (const eventsPerClass of sizes) {
      const sizeResult: SizeResult = { eventsPerClass, astri: null, baseline: null };
      results.sizes.push(sizeResult);

      if (baselinePython) await attempt(`the baseline at ${eventsPerClass} events per class`, async () => {
        say(`baseline, ${eventsPerClass} events per class: starting a fresh process`);
        const baseline = await BaselineServer.start({
          baselineDir,
          stateDir: path.join(modelRoot, `baseline-${eventsPerClass}`),
          gammaDir: dataset.gammaDir,
          protonDir: dataset.protonDir,
          manifestFile: dataset.manifestFile,
          modelFile,
          imageWidth,
          imageHeight,
        });
        try {
          // PyTorch's first call allocates and picks kernels; this server does the same at start-up, before "ready".
          const warmUpEdges = energyBinAt(config.energyBins.edgesTeV, warmUpBin);
          await baseline.predict(warmUpEdges.minTeV, warmUpEdges.maxTeV, 1);
          const resident = await evict(binFiles(bin.index));
          await settle(baseline.pid);
          const cold: Measured<BaselineTiming> = { ...(await baseline.measured(() => baseline.predict(bin.minTeV, bin.maxTeV, eventsPerClass))), residentAfterEvictBytes: resident };
          say(`  cold ${(cold.result.endToEndMs / 1000).toFixed(2)} s`);
          // The baseline draws new random events on every request: warm means the whole bin is in the page cache.
          readIntoPageCache(binFiles(bin.index));
          const warm: Measured<BaselineTiming>[] = [];
          for (let i = 0; i < warmRepeats; i++) {
            await settle(baseline.pid);
            warm.push(await baseline.measured(() => baseline.predict(bin.minTeV, bin.maxTeV, eventsPerClass)));
          }
          say(`  warm ${warm.map((w) => (w.result.endToEndMs / 1000).toFixed(2)).join(', ')} s`);
          sizeResult.baseline = { cold, warm, startupMs: baseline.startupMs };
        } finally {
          await baseline.stop();
        }
      });

      const stateDir = path.join(modelRoot, `astri-${eventsPerClass}`);
      let conversionMs: number | undefined;
      const serverOptions = { stateDir, templateDatabase: dataset.templateDatabase, inferenceDir, modelFile, backend: args.backend };
      await attempt(`this server at ${eventsPerClass} events per class`, async () => {
        say(`this server, ${eventsPerClass} events per class: starting on a fresh state`);
        const server = await AstriServer.start(serverOptions);
        try {
          results.server ??= await server.serverInfo();
          // The dataset was registered by another process: the server decodes it into its pixel store after start.
          const conversion = await server.pixelStoreConverted();
          if (conversion.state !== 'done') throw new AstriBenchError(`the pixel store conversion ended ${conversion.state}`);
          conversionMs = conversion.waitedMs;
          say(`  pixel store: ${conversion.converted} images converted (waited ${(conversion.waitedMs / 1000).toFixed(2)} s after ready)`);
          const resident = await evict(binFiles(bin.index));
          await settle(server.pid);
          const cold: Measured<PredictionTiming> = { ...(await server.measured(() => server.predict(bin.index, eventsPerClass, 1))), residentAfterEvictBytes: resident };
          checkRun(cold.result);
          say(`  cold ${(cold.result.endToEndMs / 1000).toFixed(3)} s, first batch ${cold.result.firstBatchMs?.toFixed(0)} ms`);
          const warm: Measured<PredictionTiming>[] = [];
          for (let i = 0; i < warmRepeats; i++) {
            await settle(server.pid);
            const run = await server.measured(() => server.predict(bin.index, eventsPerClass, 1));
            checkRun(run.result);
            warm.push(run);
          }
          say(`  warm ${warm.map((w) => (w.result.endToEndMs / 1000).toFixed(3)).join(', ')} s`);
          // What a user of a server that has been up for a while waits for: events it has not scored yet.
          const newEvents: Measured<PredictionTiming>[] = [];
          for (const [k, other] of binsForNewEvents(eventsPerClass).entries()) {
            await settle(server.pid);
            const run = await server.measured(() => server.predict(other, eventsPerClass, 101 + k));
            checkRun(run.result);
            newEvents.push(run);
          }
          if (newEvents.length) say(`  new events (bins ${binsForNewEvents(eventsPerClass).join(', ')}): ${newEvents.map((n) => `${(n.result.endToEndMs / 1000).toFixed(3)} s, first batch ${n.result.firstBatchMs?.toFixed(0)} ms`).join('; ')}`);
          sizeResult.astri = { cold, warm, newEvents, startupMs: server.startupMs, conversionMs };
        } finally {
          await server.stop();
        }
      });
      // Today's cold figure beside it: a fresh state whose server never decodes ahead, so the run reads every PNG.
      if (sizeResult.astri) await attempt(`this server at ${eventsPerClass} events per class, cold from PNG`, async () => {
        say(`this server, ${eventsPerClass} events per class: fresh state, no conversion at start (cold from PNG)`);
        const server = await AstriServer.start({ ...serverOptions, stateDir: `${stateDir}-from-png`, convertAtStart: false });
        try {
          const resident = await evict(binFiles(bin.index));
          await settle(server.pid);
          const cold: Measured<PredictionTiming> = { ...(await server.measured(() => server.predict(bin.index, eventsPerClass, 1))), residentAfterEvictBytes: resident };
          checkRun(cold.result);
          say(`  cold from PNG ${(cold.result.endToEndMs / 1000).toFixed(3)} s, first batch ${cold.result.firstBatchMs?.toFixed(0)} ms`);
          sizeResult.astri!.coldFromPng = cold;
        } finally {
          await server.stop();
        }
      });

      if (eventsPerClass === largest && sizeResult.astri) {
        // Once more with every image in the pixel store but no cached prediction: the pipeline without PNG decoding.
        try {
          const db = new Database(path.join(stateDir, 'astri.db'));
          db.exec('DELETE FROM "CachedPrediction"');
          db.close();
          say(`this server, ${eventsPerClass} events per class: restarted with stored pixels and no cached predictions`);
          const again = await AstriServer.start(serverOptions);
          try {
            await settle(again.pid);
            results.reinference = await again.measured(() => again.predict(bin.index, eventsPerClass, 1));
            checkRun(results.reinference.result);
            say(`  ${(results.reinference.result.endToEndMs / 1000).toFixed(3)} s`);
          } finally {
            await again.stop();
          }
        } catch (error) {
          results.notes.push(`The run with stored pixels and no cached predictions failed: ${(error as Error).message}`);
        }
      }
    }

    // The profile comes from a separate cold run, so the profiler's overhead is in none of the numbers above.
    if (args.profile) await attempt('the profiled run', async () => {
      say(`this server, ${largest} events per class, cold again under --cpu-prof`);
      const profileDir = path.join(modelRoot, 'cpu-profile');
      const server = await AstriServer.start({
        stateDir: path.join(modelRoot, 'astri-profile'),
        templateDatabase: dataset.templateDatabase,
        inferenceDir,
        modelFile,
        backend: args.backend,
        nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
      });
      let coldUs: [number, number] = [0, 0];
      let warmUs: [number, number] = [0, 0];
      try {
        await server.pixelStoreConverted();
        await evict(binFiles(bin.index));
        let start = hrtimeUs();
        checkRun(await server.predict(bin.index, largest, 1));
        coldUs = [start, hrtimeUs()];
        start = hrtimeUs();
        checkRun(await server.predict(bin.index, largest, 1));
        warmUs = [start, hrtimeUs()];
      } finally {
        await server.stop();
      }
      results.profile = { cold: summariseProfiles(profileDir, coldUs), warm: summariseProfiles(profileDir, warmUs) };
      if (results.profile.cold.length === 0) results.notes.push(`--profile: the server wrote no .cpuprofile in ${profileDir}.`);
    });

    // 3. Concurrent runs on this server, one energy bin each, cold.
    if (concurrentRuns > 0) {
      const bins = Array.from({ length: config.energyBins.edgesTeV.length - 1 }, (_, index) => index)
        .filter((index) => {
          const b = energyBinAt(config.energyBins.edgesTeV, index);
          return Math.min(eventsInBin(dataset.events, b.minTeV, b.maxTeV, 'gamma').length, eventsInBin(dataset.events, b.minTeV, b.maxTeV, 'proton').length) >= concurrentEvents;
        })
        .slice(0, concurrentRuns);
      // Fewer suitable bins than runs: bins are reused (with other seeds; their events then overlap).
      for (let k = bins.length, distinct = bins.length; k < concurrentRuns && distinct > 0; k++) bins.push(bins[k % distinct]);
      if (bins.length === 0) {
        results.notes.push(`No energy bin holds ${concurrentEvents} events per class: the concurrent runs were skipped.`);
      } else {
        await attempt('the concurrent runs', async () => {
          say(`this server, ${concurrentRuns} concurrent runs of ${concurrentEvents} events per class (bins ${bins.join(', ')})`);
          const server = await AstriServer.start({ stateDir: path.join(modelRoot, 'astri-concurrent'), templateDatabase: dataset.templateDatabase, inferenceDir, modelFile, backend: args.backend });
          try {
            await server.pixelStoreConverted();
            await evict([...new Set(bins)].flatMap(binFiles));
            const started = performance.now();
            const { result: perRun, memory } = await server.measured(() => Promise.all(bins.map((b, k) => server.predict(b, concurrentEvents, 1 + k))));
            const totalMs = performance.now() - started;
            perRun.forEach(checkRun);
            results.concurrent = { runs: concurrentRuns, eventsPerClass: concurrentEvents, bins, totalMs, memory, perRun };
            say(`  ${(totalMs / 1000).toFixed(2)} s, peak ${memory.vmHwmMiB?.toFixed(0)} MiB`);
          } finally {
            await server.stop();
          }
        });
      }
    }
    results.machine.loadAfter = os.loadavg();
    results.finishedAt = new Date();
  }
  const markdown = allResults.map((results) => renderMarkdown(results)).join('\n');
  process.stdout.write(`\n${markdown}\n`);
  if (!args['no-write']) {
    mkdirSync(path.dirname(outFile), { recursive: true });
    writeReport(outFile, markdown, DOC_PREAMBLE);
    say(`wrote ${displayPath(outFile)}`);
  }
}

interface ModelSpec {
  /** demo, heavy, or the file's name. */
  name: string;
  kind: ModelKind;
  /** The file to serve; for heavy, written into the state folder by prepareModel. */
  file: string;
}

function modelSpecs(): ModelSpec[] {
  const config = loadConfig();
  if (args.model && args.models) throw new BenchUsageError('give --model or --models, not both');
  const names = args.model ? [args.model] : (args.models ?? 'demo,heavy').split(',').map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new BenchUsageError('--models names no model');
  return names.map((name): ModelSpec => {
    if (name === 'demo') return { name, kind: 'demo', file: path.resolve(config.inference.model) };
    if (name === 'heavy') return { name, kind: 'heavy', file: '' };
    const file = path.resolve(name);
    if (!existsSync(file)) throw new BenchUsageError(`model file ${file} does not exist`);
    return { name: path.basename(file), kind: 'file', file };
  });
}

/** Writes the heavy model or the demo's stand-in when needed, and fills in the results' model facts. */
async function prepareModel(spec: ModelSpec, results: BenchResults, stateRoot: string): Promise<{ file: string; description: ModelDescription }> {
  let file = spec.file;
  if (spec.kind === 'heavy') {
    file = path.join(stateRoot, 'astri-heavy-cnn.h5');
    if (!existsSync(file)) await writeHeavyModel(file);
  } else if (spec.kind === 'demo' && !existsSync(file)) {
    if (args['require-model']) throw new BenchUsageError(`model ${file} does not exist (--require-model)`);
    const standIn = path.join(stateRoot, 'astri-demo-cnn-stand-in.h5');
    say(`WARNING: ${file} does not exist; using a STAND-IN model with the same layers (${standIn})`);
    await writeStandInModel(standIn);
    results.model.standIn = true;
    results.notes.push(`The model file ${file} did not exist: a stand-in was used.`);
    file = standIn;
  }
  const description = await describeModelFile(file);
  results.model = {
    ...results.model,
    file: results.model.standIn
      ? `${displayPath(spec.file)} (missing; stand-in used)`
      : spec.kind === 'heavy'
        ? `heavy stand-in written by the bench (bench/stand-in-model.ts, untrained, ~${HEAVY_MODEL_MFLOP} MFLOP per image)`
        : displayPath(file),
    sha256: createHash('sha256').update(readFileSync(file)).digest('hex'),
    parameters: description.parameterCount,
    layers: description.layers.map((layer) => layer.className).join(' → '),
  };
  return { file, description };
}

function rawBackends(spec: ModelSpec): BackendRequest[] {
  if (args['raw-backends']) return args['raw-backends'].split(',').map((name) => name.trim() as BackendRequest);
  return spec.kind === 'heavy' ? ['wasm', 'onnxruntime'] : ['wasm', 'cpu', 'onnxruntime'];
}

function checkRun(run: PredictionTiming): void {
  if (run.status !== 'COMPLETED') throw new BenchUsageError(`prediction run ended ${run.status}: ${run.error ?? 'no error message'}`);
}

function displayPath(file: string): string {
  const relative = path.relative(PROJECT_ROOT, file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The checked-out commit, read from .git without running git (the working tree may differ from it). */
/** Waits until the 1-minute load average drops below half the cores, at most `seconds`. */
async function waitForQuiet(seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  const limit = os.availableParallelism() / 2;
  while (os.loadavg()[0] >= limit && Date.now() < deadline) {
    say(`load ${os.loadavg()[0].toFixed(2)} >= ${limit}: waiting for a quieter machine (--wait-for-quiet)`);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
  }
}

const DOC_PREAMBLE = `# Benchmarks

This server against the original Python backend, measured by \`npm run bench\`.
`;

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.name}: ${error.message}\n`);
  if (process.env.ASTRI_DEBUG) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
