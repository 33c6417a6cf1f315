// The metadata in PostgreSQL (database.url): the migrations, applied once by processes starting together, the
// models written and read back, and an unreachable server refused with its host and port. A private server
// (test/helpers/postgres.ts); skipped, with one line saying why, where PostgreSQL is not installed.
import { cpSync, readFileSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config.ts';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { applyMigrations } from '../../server/data/migrate.ts';
import { expectDuplicateImageRefused, expectEveryModelRoundTrips } from '../helpers/schema-roundtrip.ts';
import { expectRunBatchesFromPerEventRows, PER_EVENT_PREDICTIONS_SQL, RUN_BATCHES_MIGRATION } from '../helpers/run-batches-upgrade.ts';
import { applyPostgresMigrations, POSTGRESQL_MIGRATIONS_DIR } from '../../server/data/migrate-postgresql.ts';
import { runCli } from '../helpers/cli.ts';
import { needsPostgres, startPostgres, type PostgresTestServer } from '../helpers/postgres.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const HAS_POSTGRES = needsPostgres('the PostgreSQL metadata tests (test/database/postgresql.test.ts)');

/** The schema's models, without the header (generator and datasource) that differs by provider. */
function modelsOf(file: string): string {
  const text = readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
  return text.slice(text.indexOf('\n/// A set of events'));
}

describe('the PostgreSQL schema', () => {
  it('has the same models as the SQLite schema', () => {
    expect(modelsOf('prisma/postgresql/schema.prisma')).toBe(modelsOf('prisma/schema.prisma'));
  });
});

describe('astri db backup with database.url', () => {
  it('refuses to copy a PostgreSQL database and names pg_dump', async () => {
    const result = await runCli(['db', 'backup', path.join(tmpdir(), 'never-written.db')], { env: { ASTRI_DATABASE__URL: 'postgresql://astri@127.0.0.1:5432/astri' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^astri: DatabaseFileError: database\.url names a PostgreSQL database: back it up with pg_dump/);
  }, 60_000);
});

describe.skipIf(!HAS_POSTGRES)('metadata in PostgreSQL', () => {
  let server: PostgresTestServer;

  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(() => server?.stop());

  const migrationNames = (): string[] => readdirSync(POSTGRESQL_MIGRATIONS_DIR).sort();

  async function appliedMigrations(url: string): Promise<string[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name')).rows.map((row) => row.migration_name);
    } finally {
      await client.end();
    }
  }

  it('applies the migrations once when two `astri` processes start together on an empty database', async () => {
    const url = await server.createDatabase();
    const dir = temporaryDir('astri-pg-cli-');
    const env = { ASTRI_DATABASE__URL: url, ASTRI_DATA__DIR: dir, ASTRI_DATA__DATABASE: path.join(dir, 'unused.db') };
    const results = await Promise.all([runCli(['data', 'list'], { env }), runCli(['data', 'list'], { env })]);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(await appliedMigrations(url)).toEqual(migrationNames());
  }, 120_000);

  it('lets exactly one of several concurrent starts apply each migration (advisory lock)', async () => {
    const url = await server.createDatabase();
    const results = await Promise.all(Array.from({ length: 4 }, () => applyPostgresMigrations(url)));
    expect(results.flatMap((result) => result.applied).sort()).toEqual(migrationNames());
    expect(results.filter((result) => result.applied.length === 0)).toHaveLength(3);
    expect(await appliedMigrations(url)).toEqual(migrationNames());
  });

  it('moves predictions stored one per row into one row per batch, samples first, as the SQLite migration does', async () => {
    const url = await server.createDatabase();
    const before = temporaryDir('astri-pg-migrations-');
    for (const name of migrationNames().filter((name) => name < RUN_BATCHES_MIGRATION)) cpSync(path.join(POSTGRESQL_MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
    await applyPostgresMigrations(url, before);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const statement of PER_EVENT_PREDICTIONS_SQL) await client.query(statement);
      expect((await applyPostgresMigrations(url)).applied).toContain(RUN_BATCHES_MIGRATION);
      expectRunBatchesFromPerEventRows((await client.query('SELECT * FROM "RunBatch"')).rows);
      expect((await client.query(`SELECT to_regclass('"Prediction"') AS "table"`)).rows).toEqual([{ table: null }]);
    } finally {
      await client.end();
    }
  });

  it('migrates to the same tables, columns, nullability and indexes as the SQLite migrations', async () => {
    const file = path.join(temporaryDir('astri-db-'), 'astri.db');
    applyMigrations(file);
    const sqlite = new Database(file, { readonly: true });
    const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
    const sqliteShape = tables.map((table) => ({
      table,
      columns: (sqlite.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string; notnull: number; pk: number }>)
        .map((column) => `${column.name}${column.notnull || column.pk ? '' : '?'}`)
        .sort(),
      indexes: (sqlite.prepare(`PRAGMA index_list("${table}")`).all() as Array<{ name: string; origin: string }>)
        .filter((index) => index.origin === 'c')
        .map((index) => index.name)
        .sort(),
    }));
    sqlite.close();
    expect(tables).toEqual(['ApiToken', 'CachedPrediction', 'Dataset', 'Event', 'Model', 'PredictionRun', 'RunBatch']);

    const url = await server.createDatabase();
    await applyPostgresMigrations(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const columns = (await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'",
      )).rows;
      const indexes = (await client.query<{ tablename: string; indexname: string }>("SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey'")).rows;
      const postgresShape = [...new Set(columns.map((row) => row.table_name))].sort().map((table) => ({
        table,
        columns: columns.filter((row) => row.table_name === table).map((row) => `${row.column_name}${row.is_nullable === 'YES' ? '?' : ''}`).sort(),
        indexes: indexes.filter((row) => row.tablename === table).map((row) => row.indexname).sort(),
      }));
      expect(postgresShape).toEqual(sqliteShape);
    } finally {
      await client.end();
    }
  });

  describe('through Prisma', () => {
    let db: Db;
    beforeAll(async () => {
      db = await openDatabase(await server.createDatabase());
    });
    afterAll(() => db?.$disconnect());

    it('writes and reads back every model of schema.prisma through the migrated tables', () => expectEveryModelRoundTrips(db));

    it('refuses a second event with the same image in one dataset', () => expectDuplicateImageRefused(db));
  });

  it('refuses to serve on an unreachable server with its host and port, without the password or a stack', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const dir = temporaryDir('astri-pg-cli-');
    const env = { ASTRI_DATABASE__URL: `postgresql://astri:s3cret@127.0.0.1:${port}/astri`, ASTRI_DATA__DIR: dir, ASTRI_DATA__DATABASE: path.join(dir, 'unused.db'), ASTRI_SERVER__PORT: '0' };
    const result = await runCli(['serve'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`DatabaseConnectionError: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}/astri`));
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  }, 60_000);
});
