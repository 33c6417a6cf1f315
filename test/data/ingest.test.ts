import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { encode } from 'fast-png';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { generateBatch } from '../../server/data/demo/index.ts';
import { runCli } from '../helpers/cli.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

/** A folder pair of real demo-camera PNGs with a manifest, as an instrument team would hand it over. */
function makeDataset(root: string, perClass: number): Array<{ file: string; particle: string; energyTeV: number }> {
  const rows: Array<{ file: string; particle: string; energyTeV: number }> = [];
  for (const particle of ['gamma', 'proton'] as const) {
    mkdirSync(path.join(root, particle), { recursive: true });
    const batch = generateBatch({ seed: 21, count: perClass, minTeV: 2, maxTeV: 5, particles: [particle] });
    for (let k = 0; k < perClass; k++) {
      const file = `${particle}/${particle}_${k}.png`;
      writeFileSync(path.join(root, file), encode({ width: 56, height: 56, channels: 1, depth: 8, data: batch.pixels.subarray(k * 3136, (k + 1) * 3136) }));
      rows.push({ file, particle, energyTeV: batch.energiesTeV[k] });
    }
  }
  return rows;
}

function writeManifest(file: string, lines: string[]): void {
  writeFileSync(file, ['file,particle,energy_tev', ...lines].join('\n') + '\n');
}

function configFile(dir: string): string {
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, `data:\n  database: ${path.join(dir, 'astri.db')}\n  inferenceDir: ${path.join(dir, 'inference')}\nlog:\n  level: silent\n`);
  return file;
}

describe('astri ingest', () => {
  let work: string;
  let config: string;
  let db: Db;

  beforeAll(async () => {
    work = temporaryDir('astri-ingest-');
    config = configFile(work);
    db = await openDatabase(path.join(work, 'astri.db'));
  });
  afterAll(() => db?.$disconnect());

  const ingest = (...args: string[]) => runCli(['--config', config, 'ingest', ...args]);

  it('registers a good folder pair from its manifest, and changes nothing when run again', async () => {
    const root = path.join(work, 'good');
    const rows = makeDataset(root, 6);
    writeManifest(path.join(root, 'events.csv'), rows.map((r) => `${r.file},${r.particle},${r.energyTeV}`));
    const first = await ingest('--gamma-dir', path.join(root, 'gamma'), '--proton-dir', path.join(root, 'proton'), '--manifest', path.join(root, 'events.csv'), '--dataset', 'good');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/registered 12 \(12 new, 0 updated\), unchanged 0, rejected 0/);
    expect(first.stderr).toMatch(/checking images 100% \(12\/12/);

    const dataset = await db.dataset.findUniqueOrThrow({ where: { name: 'good' }, include: { events: { orderBy: { id: 'asc' } } } });
    expect(dataset).toMatchObject({ source: 'ingest', rootDir: root });
    expect(dataset.events.map((e) => [e.imagePath, e.label, e.energyTeV])).toEqual(rows.map((r) => [r.file, r.particle, r.energyTeV]));
    const event = dataset.events[0];
    expect(event).toMatchObject({ width: 56, height: 56, channels: 1 });
    expect(event.contentHash).toBe(createHash('sha256').update(readFileSync(path.join(root, event.imagePath))).digest('hex'));

    const second = await ingest('--gamma-dir', path.join(root, 'gamma'), '--proton-dir', path.join(root, 'proton'), '--dataset', 'good');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/note: labels and energies from .*events\.csv/);
    expect(second.stdout).toMatch(/registered 0 \(0 new, 0 updated\), unchanged 12, rejected 0/);
    const again = await db.event.findMany({ where: { datasetId: dataset.id }, orderBy: { id: 'asc' } });
    expect(again).toEqual(dataset.events);
  });

  describe('a folder with bad files and a manifest with bad rows', () => {
    let root: string;
    let args: string[];

    beforeAll(async () => {
      root = path.join(work, 'messy');
      const rows = makeDataset(root, 5);
      // Corrupt: a PNG cut short. Wrong size: a valid 64x64 PNG. Not PNG: text under a .png name, and a stray .txt.
      const truncated = readFileSync(path.join(root, rows[1].file)).subarray(0, 120);
      writeFileSync(path.join(root, rows[1].file), truncated);
      await sharp(Buffer.alloc(64 * 64, 9), { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(path.join(root, rows[6].file));
      writeFileSync(path.join(root, rows[2].file), 'this is not an image\n');
      writeFileSync(path.join(root, 'gamma', 'readme.txt'), 'notes\n');
      copyFileSync(path.join(root, rows[0].file), path.join(root, 'proton', 'unlisted.png'));
      const lines = rows.map((r) => `${r.file},${r.particle},${r.energyTeV}`);
      lines[3] = `${rows[3].file},gamma,three`; // line 5: non-numeric energy
      lines[7] = `${rows[7].file},electron,4.2`; // line 9: unknown particle
      lines.push(`${rows[4].file},gamma,2.5`); // line 12: duplicate of line 6
      lines.push('proton/gone.png,proton,3.1'); // line 13: missing file
      writeManifest(path.join(root, 'events.csv'), lines);
      args = ['--gamma-dir', path.join(root, 'gamma'), '--proton-dir', path.join(root, 'proton'), '--manifest', path.join(root, 'events.csv')];
    });

    it('refuses everything under --strict, writes nothing, and exits 1', async () => {
      const result = await ingest(...args, '--dataset', 'messy', '--strict');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/IngestRejectedError: 9 file\(s\) rejected and --strict given: nothing was registered/);
      expect(await db.dataset.findUnique({ where: { name: 'messy' } })).toBeNull();
    });

    it('registers the good images and names every bad file with its reason', async () => {
      const result = await ingest(...args, '--dataset', 'messy');
      expect(result.code, result.stderr).toBe(0);
      const out = result.stdout;
      expect(out).toMatch(/gamma\/gamma_1\.png \[events\.csv line 3\]: unreadable PNG, corrupt or truncated/);
      expect(out).toMatch(/gamma\/gamma_2\.png \[events\.csv line 4\]: not a PNG file \(bad signature\)/);
      expect(out).toMatch(/gamma\/gamma_3\.png \[events\.csv line 5\]: energy_tev "three" is not a positive number/);
      expect(out).toMatch(/gamma\/gamma_4\.png \[events\.csv line 12\]: duplicate: gamma\/gamma_4\.png is already listed on line 6/);
      expect(out).toMatch(/proton\/proton_1\.png \[events\.csv line 8\]: wrong size 64x64 \(expected 56x56/);
      expect(out).toMatch(/proton\/proton_2\.png \[events\.csv line 9\]: unknown label "electron" \(expected one of proton, gamma\)/);
      expect(out).toMatch(/proton\/gone\.png \[events\.csv line 13\]: missing: no such file/);
      expect(out).toMatch(/gamma\/readme\.txt: not a PNG file, and not listed in the manifest/);
      expect(out).toMatch(/proton\/unlisted\.png: not listed in the manifest/);
      expect(out).toMatch(/registered 5 \(5 new, 0 updated\), unchanged 0, rejected 9\n$/);
      const events = await db.event.findMany({ where: { dataset: { name: 'messy' } }, orderBy: { imagePath: 'asc' } });
      expect(events.map((e) => e.imagePath)).toEqual(['gamma/gamma_0.png', 'gamma/gamma_4.png', 'proton/proton_0.png', 'proton/proton_3.png', 'proton/proton_4.png']);
      // The first listing of a duplicated file wins.
      expect(events[1].energyTeV).not.toBe(2.5);

      const again = await ingest(...args, '--dataset', 'messy');
      expect(again.stdout).toMatch(/registered 0 \(0 new, 0 updated\), unchanged 5, rejected 9/);
      expect(await db.event.count({ where: { dataset: { name: 'messy' } } })).toBe(5);
    });

    it('rejects the common size when --size asks for another', async () => {
      const result = await ingest(...args, '--dataset', 'messy-64', '--size', '64x64', '--dry-run');
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/gamma\/gamma_0\.png \[events\.csv line 2\]: wrong size 56x56 \(expected 64x64\)/);
      expect(result.stdout).toMatch(/\[dry run: nothing written\]/);
      expect(await db.dataset.findUnique({ where: { name: 'messy-64' } })).toBeNull();
    });
  });

  it('stops on a missing folder, naming it, with the database untouched', async () => {
    const before = await db.event.count();
    const result = await ingest('--gamma-dir', path.join(work, 'nowhere', 'gamma'), '--proton-dir', path.join(work, 'good', 'proton'), '--manifest', path.join(work, 'good', 'events.csv'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`astri: IngestInputError: gamma folder not found: ${path.join(work, 'nowhere', 'gamma')}`);
    expect(await db.event.count()).toBe(before);
  });

  it('stops on a manifest without an energy column, naming the columns it has', async () => {
    const root = path.join(work, 'good');
    writeFileSync(path.join(work, 'bad-header.csv'), 'file,particle,energy\ngood/gamma/gamma_0.png,gamma,1.5\n');
    const result = await ingest('--gamma-dir', path.join(root, 'gamma'), '--proton-dir', path.join(root, 'proton'), '--manifest', path.join(work, 'bad-header.csv'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/IngestInputError: manifest .*bad-header\.csv has no column "energy_tev" \(its header: file,particle,energy;/);
  });

  it('takes energies from an existing SQLite metadata table through a column map', async () => {
    const root = path.join(work, 'legacy');
    const rows = makeDataset(root, 4);
    const metadata = path.join(work, 'legacy.db');
    const legacy = new Database(metadata);
    legacy.exec('CREATE TABLE shots (id INTEGER PRIMARY KEY, image TEXT, e_tev TEXT, kind TEXT)');
    const insert = legacy.prepare('INSERT INTO shots (image, e_tev, kind) VALUES (?, ?, ?)');
    // Names only, as older tools stored them; one row with a broken energy.
    for (const [i, row] of rows.entries()) insert.run(path.basename(row.file), i === 5 ? 'n/a' : String(row.energyTeV), row.particle);
    legacy.close();
    const base = ['--gamma-dir', path.join(root, 'gamma'), '--proton-dir', path.join(root, 'proton'), '--metadata', metadata, '--metadata-table', 'shots'];

    const wrongColumn = await ingest(...base, '--map', 'file=image,energy=energy');
    expect(wrongColumn.code).toBe(1);
    expect(wrongColumn.stderr).toMatch(/metadata table "shots" has no column "energy" \(for energy\); its columns: id, image, e_tev, kind/);

    const result = await ingest(...base, '--map', 'file=image,energy=e_tev,particle=kind', '--dataset', 'legacy');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/proton\/proton_1\.png \[metadata row 6\]: energy "n\/a" \(column e_tev\) is not a positive number/);
    expect(result.stdout).toMatch(/registered 7 \(7 new, 0 updated\), unchanged 0, rejected 1/);
    const events = await db.event.findMany({ where: { dataset: { name: 'legacy' } }, orderBy: { imagePath: 'asc' } });
    expect(events[0]).toMatchObject({ imagePath: 'gamma/gamma_0.png', label: 'gamma', energyTeV: rows[0].energyTeV });
  });
});
