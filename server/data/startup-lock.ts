// Replicas that start together on one PostgreSQL database must not each register the demo data: the first
// one registers it under this lock, the others wait and then find it registered. SQLite is one process's file.
import pg from 'pg';
import { isPostgresUrl } from './database-url.ts';

/** Another key than the migrations' lock: the two are held at different times and must not wait on each other. */
const STARTUP_LOCK_KEY = 0x4153_5453; // "ASTS"

export async function whileHoldingStartupLock<T>(databaseFileOrUrl: string, work: () => Promise<T>): Promise<T> {
  if (!isPostgresUrl(databaseFileOrUrl)) return work();
  const client = new pg.Client({ connectionString: databaseFileOrUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [STARTUP_LOCK_KEY]);
    return await work();
  } finally {
    // Ending the session frees its advisory locks.
    await client.end().catch(() => undefined);
  }
}
