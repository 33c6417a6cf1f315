// Writes the demo dataset: PNG files under data.inferenceDir/{gamma,proton}/, the manifest
// events.csv beside them, and the "demo" Dataset with its Events in the database.
// Generation runs in worker threads (one task per particle and energy bin); every event has its own
// random stream, so files and manifest are the same whatever the number of threads.
import { existsSync, mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { Config } from '../../config.ts';
import { PARTICLES } from './particle.ts';
import type { Db } from '../db.ts';
import { energyBins } from '../energy-bins.ts';
import { DemoDatasetError } from './errors.ts';
import { registerEvents, type EventRecord, type RegisterResult } from '../datasets.ts';
import { MANIFEST_COLUMNS, runDemoTask, type DemoTask, type DemoTaskResult } from './task.ts';
import { progressAcrossTasks, runOnWorkers } from './pool.ts';
import { CAMERA_HEIGHT, CAMERA_WIDTH, IMAGE_PIXELS } from './camera.ts';
import { PixelStore } from '../pixel-store.ts';

export { demoImagePath, MANIFEST_COLUMNS } from './task.ts';

export const DEMO_DATASET_NAME = 'demo';
export const MANIFEST_FILE = 'events.csv';
/** The ASTRI gamma/hadron problem: protons first, as in scikit-learn's layout [[tn, fp], [fn, tp]]; gamma the signal. */
export const DEMO_CLASSES = {
  classes: [
    { name: 'proton', color: null },
    { name: 'gamma', color: null },
  ],
  signalClass: 'gamma',
};

const DEMO_FILE_PATTERN = /^(gamma|proton)_\d{6,}\.png$/;
const MAX_THREADS = 4;
const MIN_EVENTS_FOR_WORKERS = 2000;
/** Events generated between two yields to the event loop when generating in the calling thread. */
const EVENTS_PER_SLICE = 100;

export interface DemoProgress {
  phase: 'images' | 'database';
  done: number;
  total: number;
}

export interface DemoDatasetOptions {
  /** Default: config demo.seed. */
  seed?: number;
  /** Events of each particle in each energy bin. Default: config demo.eventsPerBin. */
  eventsPerBin?: number;
  /** Worker threads; 0 or 1 generates in the calling thread. Default: the cores available, at most 4 (1 below 2000 events). */
  threads?: number;
  onProgress?: (progress: DemoProgress) => void;
  /**
   * The pixel store to fill with the generated pixels, so that no run ever decodes a demo PNG. Only the process
   * that serves predictions may pass it (the store's index lives in that process); other callers leave it out.
   */
  pixelStoreDir?: string;
}

export interface DemoDatasetResult extends RegisterResult {
  rootDir: string;
  manifestFile: string;
  events: number;
  seed: number;
  eventsPerBin: number;
  threads: number;
  elapsedMs: number;
}

/**
 * Generates the demo dataset and registers it as dataset "demo", replacing an earlier one in one
 * transaction. Same seed and size, byte-identical files and manifest, and the database left untouched.
 */
export async function writeDemoDataset(config: Config, db: Db, options: DemoDatasetOptions = {}): Promise<DemoDatasetResult> {
  const startedAt = performance.now();
  const seed = options.seed ?? config.demo.seed;
  const eventsPerBin = options.eventsPerBin ?? config.demo.eventsPerBin;
  if (!Number.isSafeInteger(seed)) throw new DemoDatasetError(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(eventsPerBin) || eventsPerBin < 1) throw new DemoDatasetError(`events per bin must be a positive integer, got ${eventsPerBin}`);
  const rootDir = config.data.inferenceDir;
  const bins = energyBins(config.energyBins.edgesTeV);
  const tasks: DemoTask[] = PARTICLES.flatMap((particle) =>
    bins.map((bin) => ({ rootDir, seed, particle, binIndex: bin.index, minTeV: bin.minTeV, maxTeV: bin.maxTeV, count: eventsPerBin, firstEvent: 0, firstFileIndex: bin.index * eventsPerBin })),
  );
  const total = tasks.length * eventsPerBin;
  // Starting a worker costs about a second (it loads the TypeScript sources): small sets stay here.
  const defaultThreads = total < MIN_EVENTS_FOR_WORKERS ? 1 : Math.min(availableParallelism(), MAX_THREADS);
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads, tasks.length));
  const onProgress = options.onProgress ?? (() => {});

  for (const particle of PARTICLES) {
    try {
      mkdirSync(path.join(rootDir, particle), { recursive: true });
    } catch (error) {
      throw new DemoDatasetError(`cannot create ${path.join(rootDir, particle)} (data.inferenceDir): ${(error as Error).message}`);
    }
  }

  onProgress({ phase: 'images', done: 0, total });
  const results = await runTasks(tasks, threads, (done) => onProgress({ phase: 'images', done, total }));
  const records: EventRecord[] = results.flatMap((result) => result.records);
  const manifest = [MANIFEST_COLUMNS.join(','), ...results.flatMap((result) => result.lines)];
  removeStaleImages(rootDir, new Set(records.map((record) => record.imagePath)));
  const manifestFile = path.join(rootDir, MANIFEST_FILE);
  writeFileSync(`${manifestFile}.tmp`, `${manifest.join('\n')}\n`);
  renameSync(`${manifestFile}.tmp`, manifestFile);

  onProgress({ phase: 'database', done: 0, total: records.length });
  const registered = await registerEvents(db, { name: DEMO_DATASET_NAME, rootDir, source: 'demo', ...DEMO_CLASSES, energyEdgesTeV: [...config.energyBins.edgesTeV] }, records, {
    prune: true,
    chunkSize: Infinity,
    allowRootChange: true,
    onProgress: (written, of) => onProgress({ phase: 'database', done: written, total: of }),
  });
  onProgress({ phase: 'database', done: records.length, total: records.length });
  if (options.pixelStoreDir) await storePixels(db, registered.datasetId, results, options.pixelStoreDir);
  return { ...registered, rootDir, manifestFile, events: records.length, seed, eventsPerBin, threads, elapsedMs: performance.now() - startedAt };
}

/** Runs the tasks on `threads` workers (or here, for one thread); results in task order. */
async function runTasks(tasks: readonly DemoTask[], threads: number, onDone: (eventsDone: number) => void): Promise<DemoTaskResult[]> {
  const results: DemoTaskResult[] = new Array(tasks.length);
  const report = progressAcrossTasks(tasks.length, onDone);
  if (threads <= 1) {
    for (const [id, task] of tasks.entries()) {
      // Slices of the task keep a server that generates on start responsive.
      const parts: DemoTaskResult[] = [];
      for (let first = 0; first < task.count; first += EVENTS_PER_SLICE) {
        const count = Math.min(EVENTS_PER_SLICE, task.count - first);
        parts.push(runDemoTask({ ...task, count, firstEvent: task.firstEvent + first, firstFileIndex: task.firstFileIndex + first }));
        report(id, first + count);
        await new Promise((resolve) => setImmediate(resolve));
      }
      const pixels = new Uint8Array(task.count * IMAGE_PIXELS);
      parts.forEach((part, k) => pixels.set(part.pixels, k * EVENTS_PER_SLICE * IMAGE_PIXELS));
      results[id] = { records: parts.flatMap((p) => p.records), lines: parts.flatMap((p) => p.lines), pixels };
    }
    return results;
  }

  return runOnWorkers('binary', tasks, {
    threads,
    onProgress: report,
    fail: (message, id) =>
      new DemoDatasetError(id === undefined ? message : `generating ${tasks[id].particle} events of bin ${tasks[id].binIndex} failed: ${message}`),
  });
}

/** Writes the generated pixels under the registered events' ids, a task at a time (the generator's own bytes: no PNG decoded). */
async function storePixels(db: Db, datasetId: number, results: readonly DemoTaskResult[], storeDir: string): Promise<void> {
  const rows = await db.event.findMany({ where: { datasetId }, select: { id: true, imagePath: true } });
  const idOf = new Map(rows.map((row) => [row.imagePath, row.id]));
  const store = PixelStore.for(storeDir, [CAMERA_HEIGHT, CAMERA_WIDTH, 1]);
  for (const result of results) {
    const images: Array<{ eventId: number; pixels: Uint8Array }> = [];
    result.records.forEach((record, k) => {
      const eventId = idOf.get(record.imagePath);
      if (eventId !== undefined) images.push({ eventId, pixels: result.pixels.subarray(k * IMAGE_PIXELS, (k + 1) * IMAGE_PIXELS) });
    });
    store.writeMany(images);
  }
}

/** Deletes demo images left by an earlier, larger generation (only files named like demo images). */
function removeStaleImages(rootDir: string, keep: ReadonlySet<string>): void {
  for (const particle of PARTICLES) {
    for (const name of readdirSync(path.join(rootDir, particle))) {
      if (DEMO_FILE_PATTERN.test(name) && !keep.has(`${particle}/${name}`)) unlinkSync(path.join(rootDir, particle, name));
    }
  }
}

export interface EnsureDemoOptions {
  /** Progress as short human-readable lines (a few per generation). */
  onProgress?: (message: string) => void;
  /** See DemoDatasetOptions.pixelStoreDir: the serving process passes its pixel store. */
  pixelStoreDir?: string;
}

export interface EnsureDemoResult {
  generated: boolean;
  /** Why nothing was generated, or what was. */
  reason: string;
  result?: DemoDatasetResult;
}

/**
 * Called on server start: generates the demo dataset (config demo.seed, demo.eventsPerBin) when
 * demo.autoGenerate is on and the database has no dataset, or when the demo dataset's files are gone.
 */
export async function ensureDemoDataset(config: Config, db: Db, options: EnsureDemoOptions = {}): Promise<EnsureDemoResult> {
  if (!config.demo.autoGenerate) return { generated: false, reason: 'demo.autoGenerate is off' };
  const datasets = await db.dataset.findMany({ select: { name: true, rootDir: true } });
  const demo = datasets.find((dataset) => dataset.name === DEMO_DATASET_NAME);
  if (datasets.length > 0 && !(demo && !existsSync(path.join(demo.rootDir, MANIFEST_FILE)))) {
    return { generated: false, reason: `${datasets.length} dataset(s) already registered` };
  }
  const say = options.onProgress ?? (() => {});
  let lastDecile = -1;
  const result = await writeDemoDataset(config, db, {
    pixelStoreDir: options.pixelStoreDir,
    onProgress: ({ phase, done, total }) => {
      if (phase !== 'images') return;
      const decile = Math.floor((10 * done) / total);
      if (decile === lastDecile) return;
      lastDecile = decile;
      say(`generating images ${decile * 10}% (${done}/${total})`);
    },
  });
  say(`registered ${result.events} demo events in ${(result.elapsedMs / 1000).toFixed(1)} s`);
  return { generated: true, reason: demo ? 'the demo dataset files were missing' : 'no dataset was registered', result };
}
