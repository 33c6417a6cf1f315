// The page's GraphQL operations against the schema: a renamed field fails here, not in the browser.
// INTEGRATION: until the server prints the classes-as-data fields into schema.graphql, the operations are
// validated against schema.graphql extended with the contract (support/contract-schema.ts); once it does,
// switch `schema` to buildSchema(schema.graphql) and delete support/contract-schema.ts.
import { stringifyDocument } from '@urql/core';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as operations from '../../client/graphql/operations.ts';
import { contractSchema } from './support/contract-schema.ts';

const schema = contractSchema();
const documents = Object.entries(operations).filter(([name]) => /_(QUERY|MUTATION|SUBSCRIPTION)$/.test(name));

describe('dashboard operations', () => {
  it('cover the catalog, predict, cancel, progress, run result, uploads and ingest', () => {
    expect(documents.map(([name]) => name).sort()).toEqual([
      'CANCEL_DATASET_UPLOAD_MUTATION',
      'CANCEL_MUTATION',
      'CATALOG_QUERY',
      'DATASET_QUERY',
      'INGEST_SUBSCRIPTION',
      'PREDICT_MUTATION',
      'PROGRESS_SUBSCRIPTION',
      'RUN_QUERY',
      'UPLOAD_DATASET_MUTATION',
      'UPLOAD_MODEL_MUTATION',
    ]);
  });

  it.each(documents)('%s is valid against the schema', (_name, document) => {
    const errors = validate(schema, parse(stringifyDocument(document as Parameters<typeof stringifyDocument>[0])));
    expect(errors.map((error) => error.message)).toEqual([]);
  });

  it('use none of the fields the contract deprecates', () => {
    const text = documents.map(([, document]) => stringifyDocument(document as Parameters<typeof stringifyDocument>[0])).join('\n');
    for (const deprecated of ['particle', 'gammaCount', 'protonCount', 'energyTeV', 'energyBin {', 'done {', 'total {', 'failed {']) {
      expect(text).not.toMatch(new RegExp(`\\b${deprecated.replace(/[{]/g, '\\{')}`));
    }
  });
});
