// Applies the committed PostgreSQL migrations (prisma/postgresql/migrations/*/migration.sql) in order, each once,
// under a session advisory lock: replicas that start together wait for the first one and then find nothing to do.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { PROJECT_ROOT } from '../config.ts';
import { DatabaseConnectionError, describePostgresUrl } from './database-url.ts';

export const POSTGRESQL_MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'postgresql', 'migrations');

/** The advisory lock's key: any constant that other applications on the same server are unlikely to use. */
const MIGRATION_LOCK_KEY = 0x4153_5452; // "ASTR"

export interface PostgresMigrationResult {
  applied: string[];
  alreadyApplied: number;
}

/** Brings the PostgreSQL database up to date; each migration runs in its own transaction. */
export async function applyPostgresMigrations(url: string, migrationsDir = POSTGRESQL_MIGRATIONS_DIR): Promise<PostgresMigrationResult> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseConnectionError(`cannot connect to PostgreSQL at ${describePostgresUrl(url)} (${(error as Error).message}): check database.url (ASTRI_DATABASE__URL) and that the server is up`);
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    const done = new Set(
      (await client.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL')).rows.map((row) => row.migration_name),
    );
    const names = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(path.join(migrationsDir, entry.name, 'migration.sql')))
      .map((entry) => entry.name)
      .sort();
    const applied: string[] = [];
    for (const name of names) {
      if (done.has(name)) continue;
      const sql = readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)`,
          [createHash('sha1').update(name).digest('hex'), checksum, name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`PostgreSQL migration ${name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    // Ending the session releases the advisory lock too.
    await client.end();
  }
}
