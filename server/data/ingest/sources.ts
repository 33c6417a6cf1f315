// Where an ingest learns each image's class and energy: a manifest CSV, or the class folders plus an
// existing SQLite metadata table. Both yield candidates and rejections, never silent drops.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parseCsv, CsvSyntaxError } from './csv.ts';
import { IngestInputError } from './errors.ts';

export interface Candidate {
  /** Absolute path of the image file. */
  file: string;
  label: string;
  /** Null when the source has no energies. */
  energyTeV: number | null;
  /** The manifest's extra columns. */
  attributes?: Record<string, string>;
  /** Where the truth came from, for messages: "events.csv line 12", "metadata row 7". */
  origin: string;
}

export interface Rejection {
  /** Absolute path of the file (or the path the manifest gave, resolved). */
  file: string;
  /** Manifest line or metadata row, when the problem is there. */
  origin?: string;
  reason: string;
}

export interface CandidateList {
  candidates: Candidate[];
  rejections: Rejection[];
  notes: string[];
}

/** A manifest needs a file and a label column ("particle" is accepted for the label: the ASTRI manifests' name). */
export const MANIFEST_COLUMNS = { file: 'file', label: ['label', 'particle'], energy: 'energy_tev' } as const;

/** One folder per class: every image under `dir` is of class `label`. */
export interface ClassFolder {
  label: string;
  dir: string;
}

/** Every regular file under `dir` (recursively, hidden ones too), sorted; the folder must exist. */
export function listFiles(dir: string, role: string): string[] {
  let stat;
  try {
    stat = statSync(dir);
  } catch {
    throw new IngestInputError(`${role} not found: ${dir}`);
  }
  if (!stat.isDirectory()) throw new IngestInputError(`${role} is not a folder: ${dir}`);
  const files: string[] = [];
  const walk = (folder: string): void => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch (error) {
      throw new IngestInputError(`cannot list ${folder} (${role}): ${(error as Error).message}`);
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() || entry.isSymbolicLink()) files.push(full);
    }
  };
  walk(dir);
  return files;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function hasPngSignature(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(8);
      return readSync(fd, head, 0, 8, 0) === 8 && head.equals(PNG_SIGNATURE);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The class a written label means: exact, else the one class equal ignoring case (manifests say "Gamma" too). */
function parseLabel(value: string, classes: readonly string[]): string | null {
  const name = value.trim();
  if (classes.includes(name)) return name;
  const matches = classes.filter((label) => label.toLowerCase() === name.toLowerCase());
  return matches.length === 1 ? matches[0] : null;
}

function parseEnergy(value: unknown): number | null {
  const energy = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : NaN;
  return Number.isFinite(energy) && energy > 0 ? energy : null;
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The class a folder stands for, when the file lies in one of the class folders. */
function folderLabel(file: string, folders: readonly ClassFolder[]): string | null {
  return folders.find((folder) => isInside(file, folder.dir))?.label ?? null;
}

/**
 * Reads a manifest (columns file, label (or particle), optionally energy_tev, any others kept as attributes;
 * files relative to the manifest's folder). Files in the given folders that the manifest does not list are
 * reported too. `classes` are the labels allowed; every label the manifest uses when empty.
 */
export function candidatesFromManifest(manifestFile: string, folders: readonly ClassFolder[], classes: readonly string[] = [], requireEnergies = false): CandidateList {
  let text: string;
  try {
    text = readFileSync(manifestFile, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IngestInputError(code === 'ENOENT' ? `manifest not found: ${manifestFile}` : `cannot read manifest ${manifestFile}: ${(error as Error).message}`);
  }
  const name = path.basename(manifestFile);
  let records;
  try {
    records = parseCsv(text, manifestFile);
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw new IngestInputError(error.message);
    throw error;
  }
  if (records.length === 0) throw new IngestInputError(`manifest ${manifestFile} is empty: it needs a header line file,label[,energy_tev]`);
  const original = records[0].fields.map((column) => column.trim());
  const header = original.map((column) => column.toLowerCase());
  const fileAt = header.indexOf(MANIFEST_COLUMNS.file);
  const labelAt = header.findIndex((column) => (MANIFEST_COLUMNS.label as readonly string[]).includes(column));
  const energyAt = header.indexOf(MANIFEST_COLUMNS.energy);
  if (fileAt < 0 || labelAt < 0 || (requireEnergies && energyAt < 0)) {
    const missing = [fileAt < 0 ? '"file"' : null, labelAt < 0 ? '"label"' : null, requireEnergies && energyAt < 0 ? '"energy_tev"' : null].filter(Boolean).join(', ');
    throw new IngestInputError(`manifest ${manifestFile} has no column ${missing} (its header: ${header.join(',')}; needed: file,label${requireEnergies ? ',energy_tev' : '[,energy_tev]'})`);
  }
  const attributeColumns = original.map((column, at) => ({ column, at })).filter(({ at }) => at !== fileAt && at !== labelAt && at !== energyAt);
  const allowed = classes.length > 0 ? classes : [...new Set(records.slice(1).map((record) => (record.fields[labelAt] ?? '').trim()).filter((label) => label !== ''))].sort();
  const baseDir = path.dirname(manifestFile);
  const result: CandidateList = { candidates: [], rejections: [], notes: [] };
  const firstLine = new Map<string, number>();
  for (const record of records.slice(1)) {
    const origin = `${name} line ${record.line}`;
    const given = (record.fields[fileAt] ?? '').trim();
    if (given === '') {
      result.rejections.push({ file: manifestFile, origin, reason: 'the file column is empty' });
      continue;
    }
    const file = path.resolve(baseDir, given);
    const seenAt = firstLine.get(file);
    if (seenAt !== undefined) {
      result.rejections.push({ file, origin, reason: `duplicate: ${given} is already listed on line ${seenAt}` });
      continue;
    }
    firstLine.set(file, record.line);
    const rawLabel = record.fields[labelAt] ?? '';
    const label = parseLabel(rawLabel, allowed);
    if (!label) {
      result.rejections.push({ file, origin, reason: `unknown label "${rawLabel.trim()}" (expected one of ${allowed.join(', ')})` });
      continue;
    }
    let energyTeV: number | null = null;
    if (energyAt >= 0) {
      const rawEnergy = record.fields[energyAt] ?? '';
      energyTeV = parseEnergy(rawEnergy);
      if (energyTeV === null) {
        result.rejections.push({ file, origin, reason: `energy_tev "${rawEnergy.trim()}" is not a positive number` });
        continue;
      }
    }
    const inFolder = folderLabel(file, folders);
    if (inFolder && inFolder !== label) {
      result.rejections.push({ file, origin, reason: `the manifest says ${label} but the file lies in the ${inFolder} folder` });
      continue;
    }
    const attributes = Object.fromEntries(attributeColumns.map(({ column, at }) => [column, record.fields[at] ?? '']));
    result.candidates.push({ file, label, energyTeV, origin, ...(attributeColumns.length > 0 ? { attributes } : {}) });
  }
  for (const { label, dir } of folders) {
    const role = `${label} folder`;
    for (const file of listFiles(dir, role)) {
      if (!firstLine.has(file) && path.resolve(file) !== path.resolve(manifestFile)) {
        const what = hasPngSignature(file) ? 'not listed' : 'not a PNG file, and not listed';
        result.rejections.push({ file, reason: `${what} in the manifest ${name}, so its truth is unknown` });
      }
    }
  }
  return result;
}

export interface MetadataSource {
  /** SQLite file of an earlier tool. */
  file: string;
  table: string;
  /** Column names: the image file (path or name), the energy (TeV), and optionally the label. */
  columns: { file: string; energy: string; label?: string };
}

/** Parses "file=path,energy=energy_tev,label=kind" into metadata columns ("particle" is accepted for "label"). */
export function parseColumnMap(map: string): MetadataSource['columns'] {
  const columns: Record<string, string> = {};
  for (const part of map.split(',')) {
    const [given, value, ...rest] = part.split('=').map((s) => s.trim());
    const key = given === 'particle' ? 'label' : given;
    if (!key || !value || rest.length > 0) throw new IngestInputError(`--map entry "${part}" must look like key=column (keys: file, energy, label)`);
    if (!['file', 'energy', 'label'].includes(key)) throw new IngestInputError(`--map key "${key}" is unknown (keys: file, energy, label)`);
    columns[key] = value;
  }
  return { file: columns.file ?? 'file', energy: columns.energy ?? 'energy', ...(columns.label ? { label: columns.label } : {}) };
}

interface MetadataRow {
  rowid: number;
  file: unknown;
  energy: unknown;
  label?: unknown;
}

/**
 * Lists the class folders (label from the folder) and looks each file's energy up in a metadata
 * table: by its path relative to the data root, to its folder's parent, to its folder, or by its name.
 */
export function candidatesFromMetadata(source: MetadataSource, folders: readonly ClassFolder[], rootDir: string): CandidateList {
  let db: Database.Database;
  try {
    db = new Database(source.file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new IngestInputError(`cannot open metadata database ${source.file}: ${(error as Error).message}`);
  }
  let rows: MetadataRow[];
  try {
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    if (!tables.includes(source.table)) {
      throw new IngestInputError(`metadata database ${source.file} has no table "${source.table}" (tables: ${tables.join(', ') || 'none'}); use --metadata-table`);
    }
    const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;
    const available = (db.prepare(`PRAGMA table_info(${quote(source.table)})`).all() as { name: string }[]).map((c) => c.name);
    const wanted = Object.entries(source.columns) as Array<[string, string]>;
    const absent = wanted.filter(([, column]) => !available.includes(column));
    if (absent.length > 0) {
      throw new IngestInputError(
        `metadata table "${source.table}" has no column ${absent.map(([key, column]) => `"${column}" (for ${key})`).join(', ')}; its columns: ${available.join(', ')}; map them with --map file=COL,energy=COL,label=COL`,
      );
    }
    const labelColumn = source.columns.label ? `, ${quote(source.columns.label)} AS label` : '';
    rows = db
      .prepare(`SELECT rowid AS rowid, ${quote(source.columns.file)} AS file, ${quote(source.columns.energy)} AS energy${labelColumn} FROM ${quote(source.table)}`)
      .all() as MetadataRow[];
  } catch (error) {
    if (error instanceof IngestInputError) throw error;
    throw new IngestInputError(`cannot read metadata table "${source.table}" of ${source.file}: ${(error as Error).message}`);
  } finally {
    db.close();
  }

  const normalize = (value: string): string => value.trim().replaceAll('\\', '/').replace(/^\.\//, '');
  const byPath = new Map<string, MetadataRow[]>();
  const byName = new Map<string, MetadataRow[]>();
  const add = (map: Map<string, MetadataRow[]>, key: string, row: MetadataRow): void => {
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  };
  for (const row of rows) {
    if (typeof row.file !== 'string' || row.file.trim() === '') continue;
    const key = normalize(row.file);
    add(byPath, key, row);
    add(byName, path.posix.basename(key), row);
  }

  const result: CandidateList = { candidates: [], rejections: [], notes: [] };
  const used = new Set<MetadataRow>();
  const classes = folders.map((folder) => folder.label);
  for (const { label, dir } of folders) {
    for (const file of listFiles(dir, `${label} folder`)) {
      const keys = [
        path.relative(rootDir, file),
        path.relative(path.dirname(dir), file),
        path.relative(dir, file),
        file,
      ].map((key) => key.split(path.sep).join('/'));
      let matches: MetadataRow[] = [];
      for (const key of keys) {
        const hit = byPath.get(key);
        if (hit) {
          matches = hit;
          break;
        }
      }
      if (matches.length === 0) matches = byName.get(path.basename(file)) ?? [];
      if (matches.length > 1 && source.columns.label) matches = matches.filter((row) => parseLabel(String(row.label ?? ''), classes) === label);
      if (matches.length === 0) {
        const what = hasPngSignature(file) ? 'no row' : 'not a PNG file, and no row';
        result.rejections.push({ file, reason: `${what} of metadata table "${source.table}" names this file, so its energy is unknown` });
        continue;
      }
      if (matches.length > 1) {
        result.rejections.push({ file, reason: `ambiguous: metadata rows ${matches.map((row) => row.rowid).join(', ')} all name ${path.basename(file)}` });
        continue;
      }
      const row = matches[0];
      used.add(row);
      const origin = `metadata row ${row.rowid}`;
      const energyTeV = parseEnergy(row.energy);
      if (energyTeV === null) {
        result.rejections.push({ file, origin, reason: `energy "${String(row.energy)}" (column ${source.columns.energy}) is not a positive number` });
        continue;
      }
      if (source.columns.label) {
        const stated = parseLabel(String(row.label ?? ''), classes);
        if (stated === null) {
          result.rejections.push({ file, origin, reason: `unknown label "${String(row.label)}" (column ${source.columns.label}; expected one of ${classes.join(', ')})` });
          continue;
        }
        if (stated !== label) {
          result.rejections.push({ file, origin, reason: `the metadata says ${stated} but the file lies in the ${label} folder` });
          continue;
        }
      }
      result.candidates.push({ file, label, energyTeV, origin });
    }
  }
  const unused = rows.length - used.size;
  if (unused > 0) result.notes.push(`${unused} of ${rows.length} metadata rows name no file in the ${classes.join(' or ')} folder`);
  return result;
}
