// Writes the demo dataset: PNG files under data.inferenceDir/{gamma,proton}/, the manifest
// events.csv beside them, and the "demo" Dataset with its Events in the database.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encode } from 'fast-png';
import type { Config } from '../../config.ts';
import type { Particle } from '../../predictions/types.ts';
import type { Db } from '../db.ts';
import { energyBins } from '../energy-bins.ts';
import { registerEvents, type EventRecord, type RegisterResult } from '../datasets.ts';
import { CAMERA_HEIGHT, CAMERA_WIDTH, IMAGE_PIXELS } from './camera.ts';
import { generateDatasetEvent } from './generate.ts';

export const DEMO_DATASET_NAME = 'demo';
export const MANIFEST_FILE = 'events.csv';
export const MANIFEST_COLUMNS = ['file', 'particle', 'energy_tev', 'energy_bin', 'size_pe', 'impact_m', 'source_x_deg', 'source_y_deg', 'muon_ring'] as const;

const PARTICLES: readonly Particle[] = ['gamma', 'proton'];
const DEMO_FILE_PATTERN = /^(gamma|proton)_\d{6,}\.png$/;
/** Deflate effort: noisy 56x56 images barely compress better at higher levels, which cost more time. */
const PNG_DEFLATE_LEVEL = 1;
/** Events generated between two yields to the event loop, so a server generating on start stays responsive. */
const EVENTS_PER_SLICE = 200;

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
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoDatasetResult extends RegisterResult {
  rootDir: string;
  manifestFile: string;
  events: number;
  seed: number;
  eventsPerBin: number;
  elapsedMs: number;
}

export class DemoDatasetError extends Error {
  override name = 'DemoDatasetError';
}

/** The demo image of event `index` (0-based, over all bins) of `particle`, relative to the inference dir. */
export function demoImagePath(particle: Particle, index: number): string {
  return `${particle}/${particle}_${String(index).padStart(6, '0')}.png`;
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
  const total = bins.length * eventsPerBin * PARTICLES.length;
  const onProgress = options.onProgress ?? (() => {});

  for (const particle of PARTICLES) {
    try {
      mkdirSync(path.join(rootDir, particle), { recursive: true });
    } catch (error) {
      throw new DemoDatasetError(`cannot create ${path.join(rootDir, particle)} (data.inferenceDir): ${(error as Error).message}`);
    }
  }

  const records: EventRecord[] = [];
  const manifest: string[] = [MANIFEST_COLUMNS.join(',')];
  const pixels = new Uint8Array(IMAGE_PIXELS);
  const progressEvery = Math.max(1, Math.floor(total / 200));
  let done = 0;
  onProgress({ phase: 'images', done, total });
  for (const particle of PARTICLES) {
    let index = 0;
    for (const bin of bins) {
      for (let k = 0; k < eventsPerBin; k++, index++) {
        const event = generateDatasetEvent(seed, particle, bin.index, bin, k, pixels);
        const png = encode({ width: CAMERA_WIDTH, height: CAMERA_HEIGHT, data: pixels, channels: 1, depth: 8 }, { zlib: { level: PNG_DEFLATE_LEVEL } });
        const imagePath = demoImagePath(particle, index);
        writeFileSync(path.join(rootDir, imagePath), png);
        records.push({
          particle,
          energyTeV: event.energyTeV,
          imagePath,
          width: CAMERA_WIDTH,
          height: CAMERA_HEIGHT,
          channels: 1,
          contentHash: createHash('sha256').update(png).digest('hex'),
        });
        manifest.push(
          [
            imagePath,
            particle,
            event.energyTeV,
            bin.index,
            event.sizePe.toFixed(1),
            event.impactM.toFixed(1),
            event.sourceXDeg.toFixed(4),
            event.sourceYDeg.toFixed(4),
            event.muonRing ? 1 : 0,
          ].join(','),
        );
        done++;
        if (done % progressEvery === 0 || done === total) onProgress({ phase: 'images', done, total });
        if (done % EVENTS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  removeStaleImages(rootDir, new Set(records.map((record) => record.imagePath)));
  const manifestFile = path.join(rootDir, MANIFEST_FILE);
  writeFileSync(`${manifestFile}.tmp`, `${manifest.join('\n')}\n`);
  renameSync(`${manifestFile}.tmp`, manifestFile);

  onProgress({ phase: 'database', done: 0, total: records.length });
  const registered = await registerEvents(db, { name: DEMO_DATASET_NAME, rootDir, source: 'demo' }, records, {
    prune: true,
    chunkSize: Infinity,
    allowRootChange: true,
    onProgress: (written, of) => onProgress({ phase: 'database', done: written, total: of }),
  });
  onProgress({ phase: 'database', done: records.length, total: records.length });
  return { ...registered, rootDir, manifestFile, events: records.length, seed, eventsPerBin, elapsedMs: performance.now() - startedAt };
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
