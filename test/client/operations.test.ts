// The page's GraphQL operations against the schema: a renamed field fails here, not in the browser.
// INTEGRATION: the operations the server implements are validated against the committed schema.graphql.
// Dataset upload and ingest are not in schema.graphql yet: until they are, those operations are validated
// against schema.graphql extended with docs/design/classes-as-data.graphql (support/contract-schema.ts).
// When the server prints them, the last test fails: empty PENDING_ON_SERVER and delete contract-schema.ts.
import { readFileSync } from 'node:fs';
import { stringifyDocument } from '@urql/core';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as operations from '../../client/graphql/operations.ts';
import { contractSchema } from './support/contract-schema.ts';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const PENDING_ON_SERVER = ['CANCEL_DATASET_UPLOAD_MUTATION', 'DATASET_QUERY', 'INGEST_SUBSCRIPTION', 'UPLOAD_DATASET_MUTATION'];
const documents = Object.entries(operations).filter(([name]) => /_(QUERY|MUTATION|SUBSCRIPTION)$/.test(name));
const implemented = documents.filter(([name]) => !PENDING_ON_SERVER.includes(name));
const pending = documents.filter(([name]) => PENDING_ON_SERVER.includes(name));

function errorsOf(against: GraphQLSchema, document: unknown): string[] {
  return validate(against, parse(stringifyDocument(document as Parameters<typeof stringifyDocument>[0]))).map((error) => error.message);
}

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

  it.each(implemented)('%s is valid against schema.graphql', (_name, document) => {
    expect(errorsOf(schema, document)).toEqual([]);
  });

  it.each(pending)('%s (not on the server yet) is valid against the classes-as-data contract', (_name, document) => {
    expect(errorsOf(contractSchema(), document)).toEqual([]);
  });

  it('use none of the fields the classes-as-data change deprecates', () => {
    const text = documents.map(([, document]) => stringifyDocument(document as Parameters<typeof stringifyDocument>[0])).join('\n');
    for (const deprecated of ['particle', 'gammaCount', 'protonCount', 'energyTeV', 'energyBin {', 'done {', 'total {', 'failed {']) {
      expect(text).not.toMatch(new RegExp(`\\b${deprecated.replace(/[{]/g, '\\{')}`));
    }
  });

  it('still has operations waiting for the server (else: empty PENDING_ON_SERVER, delete support/contract-schema.ts)', () => {
    const nowValid = pending.filter(([, document]) => errorsOf(schema, document).length === 0).map(([name]) => name);
    expect(nowValid).toEqual([]);
  });
});
