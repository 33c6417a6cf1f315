// Writes the multi-class demo dataset in the upload layout: one folder of PNGs per class
// (outDir/gamma/, outDir/proton/, outDir/electron/, outDir/muon/) and outDir/manifest.csv (file,label,energy_tev).
// Files only: registering them is the generic dataset ingest's job. Every event has its own random stream,
// so files and manifest are the same whatever the number of threads.
import { mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { energyBins } from '../energy-bins.ts';
import { MULTICLASS_MANIFEST_COLUMNS, runMulticlassTask, type MulticlassTask, type MulticlassTaskResult } from './multiclass-task.ts';
import { DEMO_SPECIES, isDemoSpecies, type DemoSpecies } from './species.ts';
import { progressAcrossTasks, runOnWorkers } from './pool.ts';
import { MulticlassDemoError } from './errors.ts';

export { multiclassImagePath, MULTICLASS_MANIFEST_COLUMNS } from './multiclass-task.ts';

export const MULTICLASS_MANIFEST_FILE = 'manifest.csv';
/** The served demo's seed (config demo.seed), used when none is given. */
export const DEFAULT_MULTICLASS_SEED = 42;
export const DEFAULT_EVENTS_PER_CLASS = 500;
/** Energy bin edges the events of each class are spread over, evenly (the service's default bins). */
export const DEFAULT_MULTICLASS_EDGES_TEV: readonly number[] = Object.freeze([1, 2, 5, 10, 20, 50, 100, 200]);

const MAX_THREADS = 4;
const MIN_EVENTS_FOR_WORKERS = 2000;
const IMAGE_FILE_PATTERN = /^(gamma|proton|electron|muon)_\d{6,}\.png$/;

export interface MulticlassDemoOptions {
  /** Default DEFAULT_MULTICLASS_SEED (42). Same seed and sizes: byte-identical files and manifest. */
  seed?: number;
  /** Events of each class. Default 500. */
  eventsPerClass?: number;
  /** The classes, in the dataset's class order (the manifest lists them in this order). Default gamma, proton, electron, muon. */
  classes?: readonly DemoSpecies[];
  /** Each class's events are split evenly over these bins (the first bins take the remainder), energies following the species' spectrum inside each bin. Default 1, 2, 5, 10, 20, 50, 100, 200 TeV. */
  edgesTeV?: readonly number[];
  /** Worker threads; 0 or 1 generates in the calling thread. Default: the cores available, at most 4 (1 below 2000 events). */
  threads?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface MulticlassDemoResult {
  outDir: string;
  manifestFile: string;
  /** Class names in the dataset's order. */
  classes: DemoSpecies[];
  events: number;
  eventsPerClass: number;
  seed: number;
  edgesTeV: number[];
  threads: number;
  elapsedMs: number;
}

export { MulticlassDemoError } from './errors.ts';

/**
 * Generates `eventsPerClass` events of each class into `outDir` (created if needed): `<class>/<class>_NNNNNN.png`
 * (56x56 8-bit grayscale) and `manifest.csv` with header `file,label,energy_tev`, file relative to outDir, one
 * line per image, class after class in `classes` order. Images of an earlier, larger generation are removed.
 */
export async function writeMulticlassDemo(outDir: string, options: MulticlassDemoOptions = {}): Promise<MulticlassDemoResult> {
  const startedAt = performance.now();
  const seed = options.seed ?? DEFAULT_MULTICLASS_SEED;
  const eventsPerClass = options.eventsPerClass ?? DEFAULT_EVENTS_PER_CLASS;
  const classes = [...(options.classes ?? DEMO_SPECIES)];
  const edgesTeV = [...(options.edgesTeV ?? DEFAULT_MULTICLASS_EDGES_TEV)];
  if (!Number.isSafeInteger(seed)) throw new MulticlassDemoError(`seed must be an integer, got ${seed}`);
  if (!Number.isInteger(eventsPerClass) || eventsPerClass < 1) throw new MulticlassDemoError(`events per class must be a positive integer, got ${eventsPerClass}`);
  if (classes.length === 0) throw new MulticlassDemoError('at least one class is needed');
  for (const name of classes) if (!isDemoSpecies(name)) throw new MulticlassDemoError(`unknown class "${name}": the demo simulates ${DEMO_SPECIES.join(', ')}`);
  if (new Set(classes).size !== classes.length) throw new MulticlassDemoError(`classes must not repeat, got ${classes.join(', ')}`);
  if (edgesTeV.length < 2 || !edgesTeV.every((edge, i) => edge > 0 && (i === 0 || edge > edgesTeV[i - 1]))) {
    throw new MulticlassDemoError(`energy edges must be two or more increasing positive numbers (TeV), got ${edgesTeV.join(', ')}`);
  }
  const root = path.resolve(outDir);
  const bins = energyBins(edgesTeV);
  const tasks: MulticlassTask[] = classes.flatMap((species) => {
    let firstFileIndex = 0;
    return bins.flatMap((bin) => {
      const count = Math.floor(eventsPerClass / bins.length) + (bin.index < eventsPerClass % bins.length ? 1 : 0);
      const task = { outDir: root, seed, species, binIndex: bin.index, minTeV: bin.minTeV, maxTeV: bin.maxTeV, count, firstFileIndex };
      firstFileIndex += count;
      return count > 0 ? [task] : [];
    });
  });
  const total = eventsPerClass * classes.length;
  // Starting a worker costs about a second (it loads the TypeScript sources): small sets stay here.
  const defaultThreads = total < MIN_EVENTS_FOR_WORKERS ? 1 : Math.min(availableParallelism(), MAX_THREADS);
  const threads = Math.max(1, Math.min(options.threads ?? defaultThreads, tasks.length));

  for (const species of classes) {
    try {
      mkdirSync(path.join(root, species), { recursive: true });
    } catch (error) {
      throw new MulticlassDemoError(`cannot create ${path.join(root, species)}: ${(error as Error).message}`);
    }
  }
  const onProgress = options.onProgress ?? (() => {});
  onProgress(0, total);
  const results = await runTasks(tasks, threads, (done) => onProgress(done, total));
  const lines = results.flatMap((result) => result.lines);
  const keep = new Set(lines.map((line) => line.slice(0, line.indexOf(','))));
  for (const species of classes) {
    for (const name of readdirSync(path.join(root, species))) {
      if (IMAGE_FILE_PATTERN.test(name) && !keep.has(`${species}/${name}`)) unlinkSync(path.join(root, species, name));
    }
  }
  const manifestFile = path.join(root, MULTICLASS_MANIFEST_FILE);
  writeFileSync(`${manifestFile}.tmp`, `${[MULTICLASS_MANIFEST_COLUMNS.join(','), ...lines].join('\n')}\n`);
  renameSync(`${manifestFile}.tmp`, manifestFile);
  return { outDir: root, manifestFile, classes, events: lines.length, eventsPerClass, seed, edgesTeV, threads, elapsedMs: performance.now() - startedAt };
}

/** Runs the tasks on `threads` workers (or here, for one thread); results in task order. */
async function runTasks(tasks: readonly MulticlassTask[], threads: number, onDone: (eventsDone: number) => void): Promise<MulticlassTaskResult[]> {
  const results: MulticlassTaskResult[] = new Array(tasks.length);
  const report = progressAcrossTasks(tasks.length, onDone);
  if (threads <= 1) {
    for (const [id, task] of tasks.entries()) {
      results[id] = runMulticlassTask(task, (done) => report(id, done));
      // Yield between tasks so a server that generates in-process stays responsive.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return results;
  }
  return runOnWorkers('multiclass', tasks, {
    threads,
    onProgress: report,
    fail: (message, id) =>
      new MulticlassDemoError(id === undefined ? message : `generating ${tasks[id].species} events of bin ${tasks[id].binIndex} failed: ${message}`),
  });
}
