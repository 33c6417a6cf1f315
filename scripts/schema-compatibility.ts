// Compares schema.graphql with the last released schema (docs/schema/released/<version>.graphql), sorting
// the changes into breaking, dangerous and safe with GraphQL Inspector. Used by `npm run schema:check` and by
// test/api/schema-compatibility.test.ts, which fails on any breaking change.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CURRENT_SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema.graphql');
export const RELEASED_SCHEMA_DIR = path.join(PROJECT_ROOT, 'docs', 'schema', 'released');

export interface SchemaComparison {
  /** Changes that break a client written against the old schema: removed fields, a nullable output made non-null... */
  breaking: Change[];
  /** Changes a client may trip over without breaking (a new enum value, a new optional argument). */
  dangerous: Change[];
  /** Additions, deprecations, description changes. */
  safe: Change[];
}

export interface ReleasedSchema {
  version: string;
  file: string;
}

/**
 * The newest snapshot in docs/schema/released/ (by semantic version). Deprecating a field is safe; removing
 * one, deprecated or not, is breaking until a release copies schema.graphql there as the next snapshot.
 */
export function lastReleasedSchema(dir = RELEASED_SCHEMA_DIR): ReleasedSchema {
  const versions = readdirSync(dir)
    .map((name) => /^(\d+)\.(\d+)\.(\d+)\.graphql$/.exec(name))
    .filter((match) => match !== null)
    .map((match) => ({ version: `${match[1]}.${match[2]}.${match[3]}`, parts: [Number(match[1]), Number(match[2]), Number(match[3])] }))
    .sort((a, b) => a.parts[0] - b.parts[0] || a.parts[1] - b.parts[1] || a.parts[2] - b.parts[2]);
  const last = versions.at(-1);
  if (!last) throw new Error(`no released schema (<major>.<minor>.<patch>.graphql) in ${dir}`);
  return { version: last.version, file: path.join(dir, `${last.version}.graphql`) };
}

/** Sorts the changes from the `released` SDL to the `current` SDL by how they affect existing clients. */
export async function compareSchemas(released: string, current: string): Promise<SchemaComparison> {
  const changes = await diff(buildSchema(released), buildSchema(current));
  return {
    breaking: changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking),
    dangerous: changes.filter((change) => change.criticality.level === CriticalityLevel.Dangerous),
    safe: changes.filter((change) => change.criticality.level === CriticalityLevel.NonBreaking),
  };
}

/** The comparison for a reader: each group with its changes, and why GraphQL Inspector deems one unsafe. */
export function formatComparison(comparison: SchemaComparison): string {
  const sections: [string, Change[]][] = [
    ['breaking', comparison.breaking],
    ['dangerous', comparison.dangerous],
    ['safe', comparison.safe],
  ];
  const line = (change: Change): string => {
    const reason = change.criticality.level === CriticalityLevel.NonBreaking ? undefined : change.criticality.reason;
    return reason ? `  - ${change.message}\n      ${reason}` : `  - ${change.message}`;
  };
  return sections.map(([title, changes]) => [`${title} (${changes.length})`, ...changes.map(line)].join('\n')).join('\n');
}

export async function compareWithLastRelease(currentFile = CURRENT_SCHEMA_FILE): Promise<SchemaComparison & { release: ReleasedSchema }> {
  const release = lastReleasedSchema();
  const comparison = await compareSchemas(readFileSync(release.file, 'utf8'), readFileSync(currentFile, 'utf8'));
  return { ...comparison, release };
}
