// One unit of demo generation: the events of one particle in one energy bin, written as PNG files.
// Pure and synchronous, so it runs the same in a worker thread or in the calling thread.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode } from 'fast-png';
import type { Particle } from './particle.ts';
import type { EventRecord } from '../datasets.ts';
import { CAMERA_HEIGHT, CAMERA_WIDTH, IMAGE_PIXELS } from './camera.ts';
import { generateDatasetEvent } from './generate.ts';

export const MANIFEST_COLUMNS = ['file', 'particle', 'energy_tev', 'energy_bin', 'size_pe', 'impact_m', 'source_x_deg', 'source_y_deg', 'muon_ring'] as const;

/** Deflate effort: noisy 56x56 images barely compress better at higher levels, which cost more time. */
const PNG_DEFLATE_LEVEL = 1;

export interface DemoTask {
  rootDir: string;
  seed: number;
  particle: Particle;
  binIndex: number;
  minTeV: number;
  maxTeV: number;
  count: number;
  /** Index within the bin of the task's first event (its random stream). */
  firstEvent: number;
  /** File number of the first event: events are numbered per particle across all bins. */
  firstFileIndex: number;
}

export interface DemoTaskResult {
  records: EventRecord[];
  /** One manifest line per event, in MANIFEST_COLUMNS order. */
  lines: string[];
  /** The events' pixels (CAMERA_HEIGHT x CAMERA_WIDTH, one channel), packed in record order, for the pixel store. */
  pixels: Uint8Array;
}

/** The demo image of event `index` (0-based, over all bins) of `particle`, relative to the inference dir. */
export function demoImagePath(particle: Particle, index: number): string {
  return `${particle}/${particle}_${String(index).padStart(6, '0')}.png`;
}

/** Generates, encodes and writes the task's events; `onProgress` gets the number done so far. */
export function runDemoTask(task: DemoTask, onProgress: (done: number) => void = () => {}, progressEvery = 100): DemoTaskResult {
  const pixels = new Uint8Array(IMAGE_PIXELS);
  const result: DemoTaskResult = { records: [], lines: [], pixels: new Uint8Array(task.count * IMAGE_PIXELS) };
  for (let k = 0; k < task.count; k++) {
    const event = generateDatasetEvent(task.seed, task.particle, task.binIndex, task, task.firstEvent + k, pixels);
    const png = encode({ width: CAMERA_WIDTH, height: CAMERA_HEIGHT, data: pixels, channels: 1, depth: 8 }, { zlib: { level: PNG_DEFLATE_LEVEL } });
    const imagePath = demoImagePath(task.particle, task.firstFileIndex + k);
    writeFileSync(path.join(task.rootDir, imagePath), png);
    result.pixels.set(pixels, k * IMAGE_PIXELS);
    result.records.push({
      label: task.particle,
      energyTeV: event.energyTeV,
      imagePath,
      width: CAMERA_WIDTH,
      height: CAMERA_HEIGHT,
      channels: 1,
      contentHash: createHash('sha256').update(png).digest('hex'),
    });
    result.lines.push(
      [
        imagePath,
        task.particle,
        event.energyTeV,
        task.binIndex,
        event.sizePe.toFixed(1),
        event.impactM.toFixed(1),
        event.sourceXDeg.toFixed(4),
        event.sourceYDeg.toFixed(4),
        event.muonRing ? 1 : 0,
      ].join(','),
    );
    if ((k + 1) % progressEvery === 0 || k + 1 === task.count) onProgress(k + 1);
  }
  return result;
}
