// The Prisma client on SQLite (better-sqlite3 driver adapter) or PostgreSQL (pg driver adapter), migrated before
// first use. Both generated clients have the same models; the code sees one type, Db (the SQLite client's).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.ts';
import { PrismaClient as PostgresPrismaClient } from './generated/prisma-pg/client.ts';
import { checkDatabaseFile } from './database-file.ts';
import { DatabaseConnectionError, describePostgresUrl, isPostgresUrl } from './database-url.ts';
import { applyMigrations } from './migrate.ts';
import { applyPostgresMigrations } from './migrate-postgresql.ts';

export type Db = PrismaClient;
export type * from './generated/prisma/client.ts';
/** Raw SQL is written once with Prisma.sql: each client turns its values into its own placeholders (? or $1). */
export { Prisma } from './generated/prisma/client.ts';

/**
 * Opens the metadata database and applies pending migrations: a postgresql:// URL (database.url), or an SQLite file
 * (data.database, created if needed). A damaged or foreign file is refused with DatabaseFileError, an unreachable
 * server with DatabaseConnectionError (what is wrong, what to do), before anything writes to it.
 */
export async function openDatabase(fileOrUrl: string): Promise<Db> {
  if (isPostgresUrl(fileOrUrl)) return openPostgres(fileOrUrl);
  mkdirSync(path.dirname(fileOrUrl), { recursive: true });
  checkDatabaseFile(fileOrUrl);
  applyMigrations(fileOrUrl);
  const adapter = new PrismaBetterSqlite3({ url: fileOrUrl, timeout: 10_000 });
  const db = new PrismaClient({ adapter });
  await db.$connect();
  return db;
}

async function openPostgres(url: string): Promise<Db> {
  await applyPostgresMigrations(url);
  const db = new PostgresPrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  try {
    await db.$connect();
  } catch (error) {
    throw new DatabaseConnectionError(`cannot connect to PostgreSQL at ${describePostgresUrl(url)} (${(error as Error).message}): check database.url (ASTRI_DATABASE__URL)`);
  }
  // The two generated clients differ only in provider-specific extras this code does not use (no case-insensitive
  // filters, no skipDuplicates): the models, their fields and every call the code makes are the same.
  return db as unknown as Db;
}
