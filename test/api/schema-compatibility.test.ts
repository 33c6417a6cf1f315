// The schema is a product: clients written against the last release keep working. Deprecating is allowed,
// removing or tightening is not until a release bumps docs/schema/released/.
import { readFileSync } from 'node:fs';
import type { Change } from '@graphql-inspector/core';
import { describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import { compareSchemas, compareWithLastRelease, formatComparison, lastReleasedSchema } from '../../scripts/schema-compatibility.ts';

/** GraphQL Inspector's message names the type, field or argument that changed. */
const messages = (changes: Change[]): string[] => changes.map((change) => change.message);

describe('schema.graphql against the last released schema', () => {
  it('has a snapshot of the released schema for the current version or an earlier one', () => {
    const { version, file } = lastReleasedSchema();
    expect(version.localeCompare(packageJson.version, undefined, { numeric: true })).toBeLessThanOrEqual(0);
    expect(readFileSync(file, 'utf8')).toContain('type Query');
  });

  it('breaks no client of the last release (deprecate with @deprecated(reason:), remove only at a release)', async () => {
    const { breaking } = await compareWithLastRelease();
    expect(messages(breaking)).toEqual([]);
  });
});

const RELEASED = /* GraphQL */ `
  type Query {
    run(id: ID!): Run!
    runs(limit: Int): [Run!]!
  }

  type Run {
    id: ID!
    auc: Float!
    state: State!
  }

  enum State {
    RUNNING
    COMPLETED
  }
`;

async function breakingChanges(current: string): Promise<string[]> {
  return messages((await compareSchemas(RELEASED, current)).breaking);
}

describe('the compatibility check', () => {
  it('reports a removed field as breaking', async () => {
    expect(await breakingChanges(RELEASED.replace('auc: Float!', ''))).toEqual([expect.stringContaining("Field 'auc' was removed from object type 'Run'")]);
  });

  it('reports an optional argument made required as breaking', async () => {
    expect(await breakingChanges(RELEASED.replace('runs(limit: Int)', 'runs(limit: Int!)'))).toEqual([
      expect.stringContaining("Type for argument 'limit' on field 'Query.runs' changed from 'Int' to 'Int!'"),
    ]);
  });

  it('reports a non-null output made nullable as breaking', async () => {
    expect(await breakingChanges(RELEASED.replace('auc: Float!', 'auc: Float'))).toEqual([
      expect.stringContaining("Field 'Run.auc' changed type from 'Float!' to 'Float'"),
    ]);
  });

  it('reports removing a deprecated field as breaking: deprecation announces a removal, it does not allow one', async () => {
    const deprecated = RELEASED.replace('auc: Float!', 'auc: Float! @deprecated(reason: "use rocAuc")\n    rocAuc: Float!');
    const removed = deprecated.replace('auc: Float! @deprecated(reason: "use rocAuc")', '');
    expect(messages((await compareSchemas(deprecated, removed)).breaking)).toEqual([
      expect.stringContaining("Field 'auc' (deprecated) was removed from object type 'Run'"),
    ]);
  });

  it('accepts an added field as safe', async () => {
    const comparison = await compareSchemas(RELEASED, RELEASED.replace('state: State!', 'state: State!\n    events: Int!'));
    expect(comparison.breaking).toEqual([]);
    expect(messages(comparison.safe)).toEqual(["Field 'events' was added to object type 'Run'"]);
  });

  it('accepts deprecating a field, with its replacement named, as safe', async () => {
    const comparison = await compareSchemas(RELEASED, RELEASED.replace('auc: Float!', 'auc: Float! @deprecated(reason: "use rocAuc")\n    rocAuc: Float!'));
    expect(comparison.breaking).toEqual([]);
    expect(comparison.dangerous).toEqual([]);
    expect(messages(comparison.safe)).toEqual(
      expect.arrayContaining(["Field 'Run.auc' is deprecated", "Field 'rocAuc' was added to object type 'Run'"]),
    );
  });

  it('accepts a dangerous change (a new enum value) and lists it apart', async () => {
    const comparison = await compareSchemas(RELEASED, RELEASED.replace('COMPLETED', 'COMPLETED\n    CANCELLED'));
    expect(comparison.breaking).toEqual([]);
    expect(messages(comparison.dangerous)).toEqual([expect.stringContaining("Enum value 'CANCELLED' was added to enum 'State'")]);
    expect(formatComparison(comparison)).toMatch(/^breaking \(0\)\ndangerous \(1\)\n {2}- Enum value 'CANCELLED' was added/);
  });
});
