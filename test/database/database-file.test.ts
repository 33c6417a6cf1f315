// A damaged or foreign database file stops the start with a message (never a stack, never a crash loop of
// migrations over someone else's data); `astri db backup` copies a live database consistently.
import { closeSync, existsSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/data/db.ts';
import { runCli } from '../helpers/cli.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

function dataEnv(dir: string): Record<string, string> {
  return { ASTRI_DATA__DIR: dir, ASTRI_DATA__DATABASE: path.join(dir, 'astri.db'), ASTRI_DATA__INFERENCE_DIR: path.join(dir, 'inference'), ASTRI_DATA__PIXEL_STORE: path.join(dir, 'pixels'), ASTRI_LOG__LEVEL: 'silent' };
}

/** A migrated database with enough rows to span many pages. */
async function filledDatabase(dir: string): Promise<string> {
  const file = path.join(dir, 'astri.db');
  const db = await openDatabase(file);
  const dataset = await db.dataset.create({ data: { name: 'd', rootDir: dir, source: 'ingest' } });
  for (let i = 0; i < 20; i++) {
    await db.event.createMany({ data: Array.from({ length: 200 }, (_, k) => ({ datasetId: dataset.id, label: k % 2 ? 'gamma' : 'proton', energyTeV: k, imagePath: `e${i}-${k}.png`, width: 56, height: 56, channels: 1, contentHash: 'ab'.repeat(32) })) });
  }
  await db.$disconnect();
  // Fold the write-ahead log into the file, as after a clean stop.
  const sqlite = new Database(file);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return file;
}

describe('the database file at start', () => {
  it('refuses a file that is not SQLite, naming it and what to do', async () => {
    const dir = temporaryDir('astri-dbfile-');
    writeFileSync(path.join(dir, 'astri.db'), Buffer.from('this is a text file, not a database\n'.repeat(200)));
    const result = await runCli(['serve', '--port', '0'], { env: dataEnv(dir), timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^astri: DatabaseFileError: the database file .*astri\.db is damaged or not an SQLite database \(quick_check: file is not a database\): restore it from a backup/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a damaged SQLite file (quick_check) and leaves it as it was', async () => {
    const dir = temporaryDir('astri-dbfile-');
    const file = await filledDatabase(dir);
    const pageSize = 4096;
    const fd = openSync(file, 'r+');
    // Scribble over pages in the middle of the file (not the header): b-tree pages of the events.
    for (let page = 10; page < 14; page++) writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, page * pageSize);
    closeSync(fd);
    const before = statSync(file).size;
    const result = await runCli(['serve', '--port', '0'], { env: dataEnv(dir), timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^astri: DatabaseFileError: the database file .*astri\.db is damaged or not an SQLite database \(quick_check: .+\): restore it from a backup/);
    expect(statSync(file).size).toBe(before);
  });

  it("refuses another application's SQLite database instead of migrating it", async () => {
    const dir = temporaryDir('astri-dbfile-');
    const foreign = new Database(path.join(dir, 'astri.db'));
    foreign.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL); INSERT INTO invoices (amount) VALUES (12.5);');
    foreign.close();
    const result = await runCli(['serve', '--port', '0'], { env: dataEnv(dir), timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^astri: DatabaseFileError: the database file .*astri\.db belongs to another application \(tables: invoices\)/);
    const after = new Database(path.join(dir, 'astri.db'), { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: 'invoices' }]);
    after.close();
  });
});

describe('astri db backup', () => {
  it('writes a consistent copy that opens as the same database, even while another connection writes', async () => {
    const dir = temporaryDir('astri-backup-');
    const file = await filledDatabase(dir);
    const writer = new Database(file);
    writer.exec('BEGIN; UPDATE "Event" SET "energyTeV" = -1 WHERE id % 2 = 0;');
    const target = path.join(dir, 'copy.db');
    const result = await runCli(['db', 'backup', target], { env: dataEnv(dir) });
    writer.exec('COMMIT');
    writer.close();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^backed up .*astri\.db to .*copy\.db \(\d+ pages, \d+ bytes\)/);
    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('quick_check')).toEqual([{ quick_check: 'ok' }]);
    // The uncommitted update is not in the copy: a snapshot, not a torn mix.
    expect(copy.prepare('SELECT count(*) AS n, min("energyTeV") AS min FROM "Event"').get()).toEqual({ n: 4000, min: 0 });
    copy.close();
    expect(existsSync(`${target}.partial`)).toBe(false);

    const again = await runCli(['db', 'backup', target], { env: dataEnv(dir) });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/copy\.db exists: choose another file, or pass --force to replace it/);
  });
});
