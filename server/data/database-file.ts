// The metadata file itself: checked before the service uses it (a corrupt or foreign file is refused with a
// message, not a crash), and copied consistently while the service runs (`astri db backup`).
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** The file cannot be used as this service's database; the message says why and what to do. */
export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

/** Tables of this service: a database holding tables but none of these (and no migration table) is another application's. */
const OUR_TABLES = ['_prisma_migrations', 'Dataset', 'Event', 'Model', 'PredictionRun'];

/**
 * Refuses a file that is not SQLite, is damaged (PRAGMA quick_check), or belongs to another application.
 * A missing or empty file is fine: it is created and migrated.
 */
export function checkDatabaseFile(file: string): void {
  if (!existsSync(file) || statSync(file).size === 0) return;
  const restore = `restore it from a backup (astri db backup FILE makes one), or move it away to start with an empty database; data.database (ASTRI_DATA__DATABASE) names another file`;
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new DatabaseFileError(`the database file ${file} cannot be opened (${(error as Error).message}): ${restore}`);
  }
  try {
    let problems: string[];
    try {
      problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map((row) => row.quick_check).filter((line) => line !== 'ok');
    } catch (error) {
      problems = [(error as Error).message];
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; and ${problems.length - 3} more` : '');
      throw new DatabaseFileError(`the database file ${file} is damaged or not an SQLite database (quick_check: ${shown}): ${restore}`);
    }
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((row) => row.name);
    if (tables.length > 0 && !tables.some((name) => OUR_TABLES.includes(name))) {
      throw new DatabaseFileError(
        `the database file ${file} belongs to another application (tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}): point data.database (ASTRI_DATA__DATABASE) at this service's file or a new one`,
      );
    }
  } finally {
    db.close();
  }
}

/**
 * Copies the database while the service may be writing to it (SQLite's online backup: a consistent snapshot),
 * to a temporary file beside `target`, checked, then renamed: a failed backup leaves no half-written file.
 */
export async function backupDatabase(source: string, target: string, options: { overwrite?: boolean } = {}): Promise<{ bytes: number; pages: number }> {
  if (!existsSync(source)) throw new DatabaseFileError(`there is no database at ${source} to back up (data.database)`);
  if (existsSync(target) && !options.overwrite) throw new DatabaseFileError(`${target} exists: choose another file, or pass --force to replace it`);
  if (path.resolve(source) === path.resolve(target)) throw new DatabaseFileError('the backup must be another file than the database itself');
  checkDatabaseFile(source);
  const partial = `${target}.partial`;
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    const { totalPages } = await db.backup(partial);
    checkDatabaseFile(partial);
    renameSync(partial, target);
    return { bytes: statSync(target).size, pages: totalPages };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
}
