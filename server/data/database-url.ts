// Which engine holds the metadata: the SQLite file data.database, or PostgreSQL when database.url is set.
import type { Config } from '../config.ts';

/** The metadata database cannot be reached; the message names the host and port, never the password. */
export class DatabaseConnectionError extends Error {
  override name = 'DatabaseConnectionError';
}

/** What openDatabase opens: database.url when set, else the SQLite file data.database. */
export function configuredDatabase(config: Pick<Config, 'data' | 'database'>): string {
  return config.database.url ?? config.data.database;
}

export function isPostgresUrl(fileOrUrl: string): boolean {
  return /^postgres(ql)?:\/\//.test(fileOrUrl);
}

/** host:port/database of a postgresql:// URL, for messages (the credentials stay out). */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname || ''}`;
  } catch {
    return 'an unparsable database.url';
  }
}

/** What a message names: the SQLite file, or PostgreSQL's host:port/database. */
export function describeDatabase(fileOrUrl: string): string {
  return isPostgresUrl(fileOrUrl) ? `postgresql://${describePostgresUrl(fileOrUrl)}` : fileOrUrl;
}
