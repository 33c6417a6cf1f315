// One unit of multi-class demo generation: the events of one species in one energy bin, written as PNG files.
// Pure and synchronous, so it runs the same in a worker thread or in the calling thread.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode } from 'fast-png';
import { CAMERA_HEIGHT, CAMERA_WIDTH, IMAGE_PIXELS } from './camera.ts';
import { generateSpeciesDatasetEvent } from './generate.ts';
import type { DemoSpecies } from './species.ts';

/** Columns of the upload layout's manifest.csv. */
export const MULTICLASS_MANIFEST_COLUMNS = ['file', 'label', 'energy_tev'] as const;

/** Same deflate effort as the binary demo: noisy images barely compress better at higher levels. */
const PNG_DEFLATE_LEVEL = 1;

export interface MulticlassTask {
  outDir: string;
  seed: number;
  species: DemoSpecies;
  binIndex: number;
  minTeV: number;
  maxTeV: number;
  count: number;
  /** File number of the task's first event: events are numbered per species across all bins. */
  firstFileIndex: number;
}

export interface MulticlassTaskResult {
  /** One manifest line per event, in MULTICLASS_MANIFEST_COLUMNS order. */
  lines: string[];
}

/** Image `index` (0-based, over all bins) of `species`, relative to the dataset folder: `muon/muon_000012.png`. */
export function multiclassImagePath(species: DemoSpecies, index: number): string {
  return `${species}/${species}_${String(index).padStart(6, '0')}.png`;
}

/** Generates, encodes and writes the task's events; `onProgress` gets the number done so far. */
export function runMulticlassTask(task: MulticlassTask, onProgress: (done: number) => void = () => {}, progressEvery = 100): MulticlassTaskResult {
  const pixels = new Uint8Array(IMAGE_PIXELS);
  const lines: string[] = [];
  for (let k = 0; k < task.count; k++) {
    const event = generateSpeciesDatasetEvent(task.seed, task.species, task.binIndex, task, k, pixels);
    const png = encode({ width: CAMERA_WIDTH, height: CAMERA_HEIGHT, data: pixels, channels: 1, depth: 8 }, { zlib: { level: PNG_DEFLATE_LEVEL } });
    const file = multiclassImagePath(task.species, task.firstFileIndex + k);
    writeFileSync(path.join(task.outDir, file), png);
    lines.push(`${file},${task.species},${event.energyTeV}`);
    if ((k + 1) % progressEvery === 0 || k + 1 === task.count) onProgress(k + 1);
  }
  return { lines };
}
