// Bulk INSERTs with their values written into the statement. Prisma turns every bound value into a typed
// parameter, about 25 µs each: 4,000 predictions (24,000 values) cost 50-120 ms of the main thread, literals
// 15-25 ms. Only our own numbers and strings go in, each checked or quoted, so this is safe on SQLite and
// PostgreSQL alike (standard_conforming_strings: a quote is doubled, a backslash is an ordinary character).
import { Prisma } from './db.ts';

export type SqlValue = string | number | boolean | null;

/** `(a, b), (c, d), …` for `INSERT … VALUES`, as raw SQL. */
export function sqlValues(rows: ReadonlyArray<ReadonlyArray<SqlValue>>): Prisma.Sql {
  return Prisma.raw(rows.map((row) => `(${row.map(sqlLiteral).join(', ')})`).join(', '));
}

export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} into SQL`);
    return String(value);
  }
  if (value.includes('\u0000')) throw new RangeError('cannot write a NUL character into SQL');
  return `'${value.replaceAll("'", "''")}'`;
}
