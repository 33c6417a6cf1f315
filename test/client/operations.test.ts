// The page's GraphQL operations against the committed schema.graphql: a renamed field fails here, not
// in the browser.
import { readFileSync } from 'node:fs';
import { stringifyDocument } from '@urql/core';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as operations from '../../client/graphql/operations.ts';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const documents = Object.entries(operations).filter(([name]) => /_(QUERY|MUTATION|SUBSCRIPTION)$/.test(name));

describe('dashboard operations', () => {
  it('cover the catalog, predict, cancel, progress and run result', () => {
    expect(documents.map(([name]) => name).sort()).toEqual([
      'CANCEL_MUTATION',
      'CATALOG_QUERY',
      'PREDICT_MUTATION',
      'PROGRESS_SUBSCRIPTION',
      'RUN_QUERY',
    ]);
  });

  it.each(documents)('%s is valid against schema.graphql', (_name, document) => {
    const errors = validate(schema, parse(stringifyDocument(document as Parameters<typeof stringifyDocument>[0])));
    expect(errors.map((error) => error.message)).toEqual([]);
  });
});
