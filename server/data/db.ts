// The Prisma client on SQLite (better-sqlite3 driver adapter), migrated before first use.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/prisma/client.ts';
import { checkDatabaseFile } from './database-file.ts';
import { applyMigrations } from './migrate.ts';

export type Db = PrismaClient;
export type * from './generated/prisma/client.ts';

/**
 * Opens (creating if needed) the metadata database and applies pending migrations. A damaged or foreign file is
 * refused with DatabaseFileError (what is wrong, what to do), before anything writes to it.
 */
export async function openDatabase(databaseFile: string): Promise<Db> {
  mkdirSync(path.dirname(databaseFile), { recursive: true });
  checkDatabaseFile(databaseFile);
  applyMigrations(databaseFile);
  const adapter = new PrismaBetterSqlite3({ url: databaseFile, timeout: 10_000 });
  const db = new PrismaClient({ adapter });
  await db.$connect();
  return db;
}
