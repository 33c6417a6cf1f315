// The benchmark's dataset: the demo images (generated with `astri data demo` when missing), read by both
// servers from the same files, and a template SQLite database registering them, copied for every fresh server.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../server/config.ts';
import { runToEnd } from './processes.ts';

export class BenchDatasetError extends Error {
  override name = 'BenchDatasetError';
}

export interface ManifestEvent {
  /** Absolute path of the PNG. */
  file: string;
  particle: 'gamma' | 'proton';
  energyTeV: number;
}

export interface BenchDataset {
  inferenceDir: string;
  manifestFile: string;
  gammaDir: string;
  protonDir: string;
  events: ManifestEvent[];
  /** SQLite file with the dataset registered (and nothing else): copy it, never use it directly. */
  templateDatabase: string;
  /** True when this bench run generated the images. */
  generated: boolean;
}

const ASTRI_BIN = path.join(PROJECT_ROOT, 'bin', 'astri.js');

/** Makes sure the images exist in `inferenceDir` (generating the demo set there if not) and registers them in a template database. */
export async function prepareDataset(inferenceDir: string, templateDatabase: string, options: { eventsPerBin?: number; say: (line: string) => void }): Promise<BenchDataset> {
  const manifestFile = path.join(inferenceDir, 'events.csv');
  const env = { ...process.env, ASTRI_DATA__DATABASE: templateDatabase, ASTRI_DATA__INFERENCE_DIR: inferenceDir, ASTRI_LOG__LEVEL: 'warn' };
  let generated = false;
  if (!existsSync(manifestFile)) {
    options.say(`no dataset in ${inferenceDir}: generating the demo dataset (node bin/astri.js data demo), a minute or two`);
    const args = [ASTRI_BIN, 'data', 'demo', ...(options.eventsPerBin ? ['--per-bin', String(options.eventsPerBin)] : [])];
    await runToEnd('astri data demo', process.execPath, args, { env, cwd: PROJECT_ROOT });
    generated = true;
  } else {
    options.say(`registering the images of ${manifestFile} in a fresh template database (astri ingest)`);
    await runToEnd('astri ingest', process.execPath, [ASTRI_BIN, 'ingest', '--manifest', manifestFile, '--dataset', 'demo'], { env, cwd: PROJECT_ROOT });
  }
  const events = readManifest(manifestFile);
  return {
    inferenceDir,
    manifestFile,
    gammaDir: path.join(inferenceDir, 'gamma'),
    protonDir: path.join(inferenceDir, 'proton'),
    events,
    templateDatabase,
    generated,
  };
}

/** The manifest's file, particle and energy_tev columns (the demo manifest has no quoted fields). */
export function readManifest(manifestFile: string): ManifestEvent[] {
  const lines = readFileSync(manifestFile, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]?.split(',') ?? [];
  const column = (name: string) => {
    const index = header.indexOf(name);
    if (index < 0) throw new BenchDatasetError(`${manifestFile} has no column "${name}" (columns: ${header.join(', ')})`);
    return index;
  };
  const [fileColumn, particleColumn, energyColumn] = [column('file'), column('particle'), column('energy_tev')];
  const base = path.dirname(manifestFile);
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    return { file: path.resolve(base, cells[fileColumn]), particle: cells[particleColumn] as 'gamma' | 'proton', energyTeV: Number(cells[energyColumn]) };
  });
}

/** Events of one particle in [minTeV, maxTeV), the rule both servers use. */
export function eventsInBin(events: readonly ManifestEvent[], minTeV: number, maxTeV: number, particle?: 'gamma' | 'proton'): ManifestEvent[] {
  return events.filter((event) => event.energyTeV >= minTeV && event.energyTeV < maxTeV && (particle === undefined || event.particle === particle));
}
