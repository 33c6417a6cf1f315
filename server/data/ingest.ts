// Registers a real dataset: reads where each image's truth comes from (manifest or metadata table),
// checks every image (readable PNG of the expected size), and upserts the good ones in chunks.
// Bad files are reported one by one with their reason; nothing is dropped silently.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db.ts';
import { sniffImageFormat } from './archive/image-header.ts';
import { datasetChannels } from './image-normalise.ts';
import type { DatasetSource } from '../domain/dataset.ts';
import { decodePng } from './png.ts';
import { DatasetConflictError, registerEvents, type EventRecord } from './datasets.ts';
import {
  candidatesFromManifest,
  candidatesFromMetadata,
  listFiles,
  type Candidate,
  type CandidateList,
  type ClassFolder,
  type MetadataSource,
  type Rejection,
} from './ingest/sources.ts';
import { IngestInputError } from './ingest/errors.ts';

export { IngestInputError } from './ingest/errors.ts';
export { parseColumnMap } from './ingest/sources.ts';
export type { ClassFolder, Rejection, MetadataSource } from './ingest/sources.ts';

export interface ImageSize {
  width: number;
  height: number;
}

export interface IngestOptions {
  /** One folder per class, in the dataset's class order. */
  classFolders?: ClassFolder[];
  /** The signal class of a binary dataset (the ASTRI folders: "gamma"). */
  signalClass?: string | null;
  /** CSV with columns file, label, energy_tev (optional); files relative to its folder. */
  manifest?: string;
  /** Energies from an existing SQLite table instead of a manifest (needs the class folders). */
  metadata?: MetadataSource;
  /** Energy bin edges (TeV) of a dataset whose events have energies. */
  energyEdgesTeV: number[];
  /** Every image must have an energy (the ASTRI folders: their analyses are per energy bin). */
  requireEnergies?: boolean;
  /** Default ingest; the generated demos register as demo. */
  source?: DatasetSource;
  /** Dataset name; default: the name of the folder holding the data. */
  dataset?: string;
  /** Expected image size; default: the most common size among the images. */
  size?: ImageSize;
  /** Register nothing when anything is rejected. */
  strict?: boolean;
  /** Check and report only. */
  dryRun?: boolean;
  /** Also remove the dataset's events that this ingest does not list. */
  prune?: boolean;
  onProgress?: (progress: { phase: 'checking' | 'writing'; done: number; total: number }) => void;
}

export interface IngestReport {
  dataset: string;
  datasetId: number | null;
  rootDir: string;
  /** The manifest used (given, or found next to the folders). */
  manifest: string | null;
  expectedSize: ImageSize | null;
  /** Whether the database was written (false for --dry-run, or --strict with rejections). */
  written: boolean;
  /** New or changed events (inserted + updated). */
  registered: number;
  inserted: number;
  updated: number;
  unchanged: number;
  removed: number;
  rejected: Rejection[];
  notes: string[];
}

interface CheckedImage {
  candidate: Candidate;
  width: number;
  height: number;
  channels: number;
  contentHash: string;
}

/** Runs one ingest; throws only for unusable input, reports bad files in the result. */
export async function ingestDataset(db: Db, options: IngestOptions): Promise<IngestReport> {
  const onProgress = options.onProgress ?? (() => {});
  const folders = (options.classFolders ?? []).map((folder) => ({ label: folder.label, dir: path.resolve(folder.dir) }));
  // A missing folder is an input error before anything else happens.
  for (const folder of folders) listFiles(folder.dir, `${folder.label} folder`);

  let manifest = options.manifest ? path.resolve(options.manifest) : null;
  const notes: string[] = [];
  if (!manifest && !options.metadata) manifest = findManifest(folders.map((folder) => folder.dir));
  if (manifest && !options.manifest) notes.push(`labels and energies from ${manifest} (found next to the folders)`);
  if (manifest && options.metadata) throw new IngestInputError('give either --manifest or --metadata, not both');
  if (!manifest && folders.length < 2) throw new IngestInputError('give a folder per class (at least two), or a --manifest');
  if (!manifest && !options.metadata && options.requireEnergies) {
    throw new IngestInputError('the energies are unknown: give --manifest FILE (columns file,particle,energy_tev) or --metadata DB --map file=COL,energy=COL');
  }

  const anchors = [...folders.map((folder) => folder.dir), manifest ? path.dirname(manifest) : undefined].filter((dir): dir is string => Boolean(dir));
  let rootDir = commonAncestor(anchors);
  const sources: CandidateList = manifest
    ? candidatesFromManifest(manifest, folders, folders.map((folder) => folder.label), options.requireEnergies)
    : options.metadata
      ? candidatesFromMetadata(options.metadata, folders, rootDir)
      : candidatesFromFolders(folders);
  notes.push(...sources.notes);
  const rejected: Rejection[] = [...sources.rejections];
  if (sources.candidates.length > 0) rootDir = commonAncestor([rootDir, ...sources.candidates.map((c) => path.dirname(c.file))]);

  const name = options.dataset ?? (path.basename(rootDir) || 'ingest');
  const existingDataset = await db.dataset.findUnique({ where: { name } });
  if (existingDataset) {
    if (existingDataset.source !== (options.source ?? 'ingest')) throw new DatasetConflictError(`dataset "${name}" already exists as a ${existingDataset.source} dataset; choose another name (--dataset)`);
    const outside = sources.candidates.find((c) => !isInside(c.file, existingDataset.rootDir));
    if (outside) {
      throw new DatasetConflictError(
        `dataset "${name}" holds images under ${existingDataset.rootDir}, but ${outside.file} lies outside it; choose another name (--dataset)`,
      );
    }
    rootDir = existingDataset.rootDir;
  }
  const known = new Map<string, { contentHash: string; width: number; height: number; channels: number }>();
  if (existingDataset) {
    const rows = await db.event.findMany({ where: { datasetId: existingDataset.id }, select: { imagePath: true, contentHash: true, width: true, height: true, channels: true } });
    for (const row of rows) known.set(row.imagePath, row);
  }

  // Check every image: read, hash, decode (skipped when the file is byte-identical to its registered self).
  const checked: CheckedImage[] = [];
  const total = sources.candidates.length;
  const progressEvery = Math.max(1, Math.floor(total / 100));
  onProgress({ phase: 'checking', done: 0, total });
  for (const [i, candidate] of sources.candidates.entries()) {
    const outcome = checkImage(candidate, known.get(toImagePath(rootDir, candidate.file)));
    if ('reason' in outcome) rejected.push({ file: candidate.file, origin: candidate.origin, reason: outcome.reason });
    else checked.push(outcome);
    if ((i + 1) % progressEvery === 0 || i + 1 === total) onProgress({ phase: 'checking', done: i + 1, total });
    if ((i + 1) % 500 === 0) await new Promise((resolve) => setImmediate(resolve));
  }

  const expectedSize = options.size ?? majoritySize(checked);
  const good = checked.filter((image) => {
    if (!expectedSize || (image.width === expectedSize.width && image.height === expectedSize.height)) return true;
    rejected.push({
      file: image.candidate.file,
      origin: image.candidate.origin,
      reason: `wrong size ${image.width}x${image.height} (expected ${expectedSize.width}x${expectedSize.height}${options.size ? '' : ', the most common size'})`,
    });
    return false;
  });
  // One channel count per dataset, as for uploads: gray files in a colour dataset are served as RGB.
  const channels = datasetChannels(good.map((image) => image.channels));
  const records: EventRecord[] = good.map((image) => ({
    label: image.candidate.label,
    energyTeV: image.candidate.energyTeV,
    attributes: image.candidate.attributes,
    imagePath: toImagePath(rootDir, image.candidate.file),
    width: image.width,
    height: image.height,
    channels,
    contentHash: image.contentHash,
  }));

  const dryRun = Boolean(options.dryRun) || (Boolean(options.strict) && rejected.length > 0);
  const result =
    records.length > 0 || (options.prune && existingDataset)
      ? await registerEvents(db, { name, rootDir, source: options.source ?? 'ingest', ...datasetClasses(folders, records, options.signalClass ?? null), energyEdgesTeV: withEnergies(records, options.energyEdgesTeV) }, records, {
          prune: options.prune,
          chunkSize: 1000,
          dryRun,
          onProgress: (written, of) => onProgress({ phase: 'writing', done: written, total: of }),
        })
      : { datasetId: existingDataset?.id ?? -1, inserted: 0, updated: 0, unchanged: 0, removed: 0 };
  rejected.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return {
    dataset: name,
    datasetId: result.datasetId >= 0 ? result.datasetId : null,
    rootDir,
    manifest,
    expectedSize,
    written: !dryRun && records.length > 0,
    registered: result.inserted + result.updated,
    inserted: result.inserted,
    updated: result.updated,
    unchanged: result.unchanged,
    removed: result.removed,
    rejected,
    notes,
  };
}

function checkImage(candidate: Candidate, registered: { contentHash: string; width: number; height: number; channels: number } | undefined): CheckedImage | { reason: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(candidate.file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { reason: 'missing: no such file' };
    if (code === 'EISDIR') return { reason: 'is a folder, not an image file' };
    return { reason: `unreadable: ${(error as Error).message}` };
  }
  const contentHash = createHash('sha256').update(bytes).digest('hex');
  if (registered && registered.contentHash === contentHash) {
    return { candidate, contentHash, width: registered.width, height: registered.height, channels: registered.channels };
  }
  try {
    const image = decodePng(bytes, path.basename(candidate.file));
    return { candidate, contentHash, width: image.width, height: image.height, channels: image.channels };
  } catch (error) {
    const message = (error as Error).message.replace(`${path.basename(candidate.file)} `, '');
    if (message.startsWith('is not a PNG') && sniffImageFormat(bytes) === 'jpeg') {
      return { reason: 'a JPEG image: folders are registered in place and served as PNG; pack the folder as a .zip and run `astri ingest DATA.zip`, which converts JPEGs' };
    }
    if (message.startsWith('is not a PNG')) return { reason: `not a PNG file${bytes.length === 0 ? ' (empty)' : ' (bad signature)'}` };
    return { reason: `unreadable PNG, corrupt or truncated (${message.replace(/^is not a readable PNG: /, '').replace(/:\s*$/, '')})` };
  }
}

/** Every file of every class folder, labelled by its folder (no energies). */
function candidatesFromFolders(folders: readonly ClassFolder[]): CandidateList {
  const candidates = folders.flatMap(({ label, dir }) => listFiles(dir, `${label} folder`).map((file) => ({ file, label, energyTeV: null, origin: `${label} folder` })));
  return { candidates, rejections: [], notes: [] };
}

/** The classes of the folders in their order, else those the records use, sorted (Keras's folder order). */
function datasetClasses(folders: readonly ClassFolder[], records: readonly EventRecord[], signalClass: string | null): { classes: Array<{ name: string; color: null }>; signalClass: string | null } {
  const names = folders.length > 0 ? folders.map((folder) => folder.label) : [...new Set(records.map((record) => record.label))].sort();
  return { classes: names.map((name) => ({ name, color: null })), signalClass: names.length === 2 ? signalClass : null };
}

/** A dataset has energies when every event has one; a mix is refused, as bins would silently lose events. */
function withEnergies(records: readonly EventRecord[], edgesTeV: number[]): number[] | null {
  const known = records.filter((record) => record.energyTeV !== null).length;
  if (known === 0) return null;
  if (known < records.length) throw new IngestInputError(`${records.length - known} of ${records.length} images have no energy: give every image one, or none`);
  return edgesTeV;
}

/** The most common image size; among equally common sizes, the first met. */
function majoritySize(images: readonly CheckedImage[]): ImageSize | null {
  const counts = new Map<string, { size: ImageSize; count: number }>();
  for (const image of images) {
    const key = `${image.width}x${image.height}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { size: { width: image.width, height: image.height }, count: 1 });
  }
  let best: { size: ImageSize; count: number } | null = null;
  for (const entry of counts.values()) if (!best || entry.count > best.count) best = entry;
  return best?.size ?? null;
}

function findManifest(dirs: Array<string | undefined>): string | null {
  for (const dir of dirs) {
    if (!dir) continue;
    for (const candidate of [path.join(path.dirname(dir), 'events.csv'), path.join(dir, 'events.csv')]) {
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

function toImagePath(rootDir: string, file: string): string {
  return path.relative(rootDir, file).split(path.sep).join('/');
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

function commonAncestor(dirs: readonly string[]): string {
  const split = dirs.map((dir) => path.resolve(dir).split(path.sep));
  const first = split[0];
  let length = first.length;
  for (const parts of split.slice(1)) {
    let i = 0;
    while (i < length && i < parts.length && parts[i] === first[i]) i++;
    length = i;
  }
  return first.slice(0, length).join(path.sep) || path.sep;
}

/** Parses "56x56" into an image size. */
export function parseImageSize(text: string): ImageSize {
  const match = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(text);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new IngestInputError(`--size must look like WIDTHxHEIGHT, e.g. 56x56, got "${text}"`);
  return { width: Number(match[1]), height: Number(match[2]) };
}
