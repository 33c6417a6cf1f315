// Applies the committed SQL migrations (prisma/migrations/*/migration.sql) in order, each once.
// The Prisma CLI's migrate needs a schema-engine binary that is not available offline, so the app
// keeps Prisma's folder layout and its bookkeeping table name but applies the SQL itself.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { PROJECT_ROOT } from '../config.ts';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations');

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Brings the SQLite file up to date; each migration runs in its own transaction. */
export function applyMigrations(databaseFile: string, migrationsDir = MIGRATIONS_DIR): MigrationResult {
  const db = new Database(databaseFile);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL,
      "checksum" TEXT NOT NULL,
      "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL,
      "logs" TEXT,
      "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
    )`);
    const done = new Set(
      (db.prepare('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL').all() as { migration_name: string }[]).map(
        (row) => row.migration_name,
      ),
    );
    const names = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(migrationsDir, entry.name, 'migration.sql')))
      .map((entry) => entry.name)
      .sort();
    const applied: string[] = [];
    // Migrations rebuild tables (SQLite cannot alter a column): with foreign keys on, dropping the old table
    // would cascade-delete the rows that point at it. The pragma is a no-op inside a transaction, so it is set
    // here, and every reference is checked before each migration commits.
    db.pragma('foreign_keys = OFF');
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      db.transaction(() => {
        db.exec(sql);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${name} leaves ${broken.length} broken foreign key(s)`);
        db.prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES (?, ?, current_timestamp, ?, 1)`,
        ).run(createHash('sha1').update(name).digest('hex'), checksum, name);
      })();
      applied.push(name);
    }
    db.pragma('foreign_keys = ON');
    return { applied, alreadyApplied: done.size };
  } finally {
    db.close();
  }
}
