// Where each image's label comes from: a manifest CSV at the archive's root (it wins), or the class
// folder it lies in (Keras' image_dataset_from_directory layout), under at most one wrapping folder.
import { CsvSyntaxError, parseCsv } from '../ingest/csv.ts';
import { EmptyClassError, ManifestError, NoImagesError, TooFewClassesError } from './errors.ts';

export interface Inventory {
  /** Image entries by archive path, in archive order. */
  images: string[];
  /** CSV files near the root, kept in memory until the layout is known. */
  csvFiles: Map<string, Buffer>;
  /** Every folder the archive has, stated or implied by a file in it (litter included). */
  folders: Set<string>;
  /** Entries already known not to be images (archive path). */
  otherFiles: Set<string>;
}

export interface LabelledImage {
  archivePath: string;
  label: string;
  energyTeV?: number;
  attributes: Record<string, string>;
}

export interface Labelling {
  layout: 'folders' | 'manifest';
  /** The wrapping folder all entries share ("mydata"), or "" when there is none. */
  root: string;
  manifest?: string;
  classes: string[];
  images: LabelledImage[];
  rejected: Array<{ file: string; reason: string }>;
}

const PREFERRED_MANIFESTS = ['manifest.csv', 'labels.csv', 'events.csv'];
const LISTED_AT_MOST = 10;

export function labelImages(inventory: Inventory): Labelling {
  const root = wrappingFolder(inventory);
  const prefix = root === '' ? '' : `${root}/`;
  const inRoot = (file: string): string => file.slice(prefix.length);
  const rootCsvs = [...inventory.csvFiles.keys()].filter((file) => !inRoot(file).includes('/'));
  const labelling = rootCsvs.length > 0 ? fromManifest(inventory, prefix, pickManifest(rootCsvs, inRoot)) : fromFolders(inventory, prefix);
  for (const file of inventory.csvFiles.keys()) {
    if (file !== labelling.manifest) labelling.rejected.push({ file, reason: 'not an image (a CSV file that is not the manifest)' });
  }
  if (labelling.images.length === 0) throw new NoImagesError('the archive holds no usable PNG or JPEG images');
  if (labelling.classes.length < 2) {
    const only = labelling.classes[0];
    throw new TooFewClassesError(
      `the archive has only one class ("${only}"); a dataset needs at least two, e.g. one folder per class (gamma/, proton/) or a manifest with a label column`,
      labelling.classes,
    );
  }
  return labelling;
}

/**
 * The one folder everything lies in, when it is a wrapper rather than a class: stripping it must
 * leave class folders or a manifest (`gamma/a.png, gamma/b.png` is one class, not a wrapper).
 */
function wrappingFolder(inventory: Inventory): string {
  const files = [...inventory.images, ...inventory.otherFiles, ...inventory.csvFiles.keys()];
  const tops = new Set<string>();
  for (const file of files) tops.add(file.split('/')[0]);
  for (const folder of inventory.folders) tops.add(folder.split('/')[0]);
  if (tops.size !== 1) return '';
  const [top] = tops;
  if (files.some((file) => !file.includes('/'))) return '';
  const hasSubfolder = [...inventory.folders].some((folder) => folder.startsWith(`${top}/`));
  const hasManifest = [...inventory.csvFiles.keys()].some((file) => file.split('/').length === 2);
  return hasSubfolder || hasManifest ? top : '';
}

function pickManifest(candidates: string[], inRoot: (file: string) => string): string {
  if (candidates.length === 1) return candidates[0];
  for (const name of PREFERRED_MANIFESTS) {
    const hit = candidates.find((file) => inRoot(file).toLowerCase() === name);
    if (hit) return hit;
  }
  throw new ManifestError(
    `the archive has several CSV files at its root (${candidates.map((file) => `"${file}"`).join(', ')}); keep one manifest, or name it manifest.csv`,
    candidates[0],
    candidates,
  );
}

function fromFolders(inventory: Inventory, prefix: string): Labelling {
  const result: Labelling = { layout: 'folders', root: prefix.replace(/\/$/, ''), classes: [], images: [], rejected: [] };
  const classFolders = new Set<string>();
  for (const folder of inventory.folders) {
    if (!folder.startsWith(prefix)) continue;
    const [first] = folder.slice(prefix.length).split('/');
    if (first && !isLitter(first)) classFolders.add(first);
  }
  const counts = new Map<string, number>();
  for (const file of inventory.images) {
    const parts = file.slice(prefix.length).split('/');
    if (parts.length < 2) {
      result.rejected.push({ file, reason: 'not inside a class folder, so its label is unknown' });
      continue;
    }
    counts.set(parts[0], (counts.get(parts[0]) ?? 0) + 1);
    result.images.push({ archivePath: file, label: parts[0], attributes: {} });
  }
  // Keras sorts class names by code point (Python's sorted()); so does this.
  result.classes = [...classFolders].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const empty = result.classes.find((name) => !counts.has(name));
  if (empty !== undefined) {
    const folder = `${prefix}${empty}/`;
    throw new EmptyClassError(`the class folder "${folder}" holds no PNG or JPEG images; remove it or add its images`, folder);
  }
  return result;
}

function isLitter(segment: string): boolean {
  return segment.startsWith('.') || segment.toLowerCase() === '__macosx';
}

function fromManifest(inventory: Inventory, prefix: string, manifest: string): Labelling {
  const result: Labelling = { layout: 'manifest', root: prefix.replace(/\/$/, ''), manifest, classes: [], images: [], rejected: [] };
  let records;
  try {
    records = parseCsv(inventory.csvFiles.get(manifest)!.toString('utf8'), `manifest "${manifest}"`);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new ManifestError(error.message, manifest);
    throw error;
  }
  if (records.length === 0) throw new ManifestError(`manifest "${manifest}" is empty; it needs a header line file,label[,energy_tev]`, manifest);
  const header = records[0].fields.map((column) => column.trim());
  const lower = header.map((column) => column.toLowerCase());
  const missing = ['file', 'label'].filter((column) => !lower.includes(column));
  if (missing.length > 0) {
    throw new ManifestError(`manifest "${manifest}" has no ${missing.map((c) => `"${c}"`).join(' or ')} column (its header: ${header.join(',')}; needed: file,label[,energy_tev])`, manifest);
  }
  const repeated = header.find((column, i) => column !== '' && lower.indexOf(column.toLowerCase()) !== i);
  if (repeated) throw new ManifestError(`manifest "${manifest}" has the column "${repeated}" twice`, manifest);
  const fileAt = lower.indexOf('file');
  const labelAt = lower.indexOf('label');
  const energyAt = lower.indexOf('energy_tev');
  const extra = header.map((column, i) => ({ column, i })).filter(({ column, i }) => column !== '' && i !== fileAt && i !== labelAt && i !== energyAt);

  const images = new Set(inventory.images);
  const listed = new Map<string, number>();
  const absent: Array<{ file: string; line: number }> = [];
  const classes = new Set<string>();
  for (const record of records.slice(1)) {
    const at = `manifest "${manifest}" line ${record.line}`;
    const given = (record.fields[fileAt] ?? '').trim().replace(/^(\.\/)+/, '');
    if (given === '') throw new ManifestError(`${at}: the file column is empty`, manifest);
    const file = `${prefix}${given}`;
    const seenAt = listed.get(file);
    if (seenAt !== undefined) throw new ManifestError(`${at}: "${given}" is already listed on line ${seenAt}`, manifest, [file]);
    listed.set(file, record.line);
    const label = (record.fields[labelAt] ?? '').trim();
    if (label === '') throw new ManifestError(`${at}: the label of "${given}" is empty`, manifest, [file]);
    if (!images.has(file)) {
      // A listed file that is there but not an image is rejected on its own; one that is not there at all is an error.
      if (!inventory.otherFiles.has(file)) absent.push({ file, line: record.line });
      continue;
    }
    let energyTeV: number | undefined;
    if (energyAt >= 0) {
      const raw = (record.fields[energyAt] ?? '').trim();
      if (raw !== '') {
        energyTeV = Number(raw);
        if (!Number.isFinite(energyTeV) || energyTeV <= 0) {
          result.rejected.push({ file, reason: `${at}: energy_tev "${raw}" is not a positive number` });
          continue;
        }
      }
    }
    const attributes: Record<string, string> = {};
    for (const { column, i } of extra) attributes[column] = record.fields[i] ?? '';
    classes.add(label);
    result.images.push({ archivePath: file, label, ...(energyTeV !== undefined ? { energyTeV } : {}), attributes });
  }
  if (absent.length > 0) {
    throw new ManifestError(
      `manifest "${manifest}" lists ${absent.length} file(s) the archive does not hold: ${sample(absent.map(({ file, line }) => `"${file}" (line ${line})`))}`,
      manifest,
      absent.map(({ file }) => file),
    );
  }
  const unlisted = inventory.images.filter((file) => !listed.has(file));
  if (unlisted.length > 0) {
    throw new ManifestError(
      `${unlisted.length} image(s) of the archive are not listed in manifest "${manifest}", so their labels are unknown: ${sample(unlisted.map((file) => `"${file}"`))}`,
      manifest,
      unlisted,
    );
  }
  // The manifest's order of first appearance is the class order (the caller's label indices follow it).
  result.classes = [...classes];
  return result;
}

function sample(items: string[]): string {
  const shown = items.slice(0, LISTED_AT_MOST).join(', ');
  return items.length > LISTED_AT_MOST ? `${shown} and ${items.length - LISTED_AT_MOST} more` : shown;
}
