// The page's GraphQL operations against the committed schema.graphql: a renamed field fails here, not
// in the browser. None of them uses a field that the classes-as-data change deprecates.
import { readFileSync } from 'node:fs';
import { stringifyDocument } from '@urql/core';
import { buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as operations from '../../client/graphql/operations.ts';

const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));
const documents = Object.entries(operations).filter(([name]) => /_(QUERY|MUTATION|SUBSCRIPTION)$/.test(name));
const text = (document: unknown) => stringifyDocument(document as Parameters<typeof stringifyDocument>[0]);

describe('dashboard operations', () => {
  it('cover the catalog, predict, cancel, progress, run result, history, comparison, uploads and ingest', () => {
    expect(documents.map(([name]) => name).sort()).toEqual([
      'CANCEL_DATASET_UPLOAD_MUTATION',
      'CANCEL_MUTATION',
      'CATALOG_QUERY',
      'COMPARISON_QUERY',
      'DATASET_QUERY',
      'DELETE_RUN_MUTATION',
      'INGEST_SUBSCRIPTION',
      'PREDICT_MUTATION',
      'PROGRESS_SUBSCRIPTION',
      'RUNS_QUERY',
      'RUN_QUERY',
      'UPLOAD_DATASET_MUTATION',
      'UPLOAD_MODEL_MUTATION',
    ]);
  });

  it.each(documents)('%s is valid against schema.graphql', (_name, document) => {
    expect(validate(schema, parse(text(document))).map((error) => error.message)).toEqual([]);
  });

  it('use no deprecated field', () => {
    const deprecated: string[] = [];
    for (const [name, document] of documents) {
      const errors = validate(schema, parse(text(document)));
      expect(errors).toEqual([]);
      // Walk the selections with the schema's types and collect fields marked @deprecated.
      const visit = (typeName: string, selections: readonly { kind: string; name?: { value: string }; selectionSet?: { selections: readonly unknown[] } }[]) => {
        const type = schema.getType(typeName);
        if (!type || !('getFields' in type)) return;
        const fields = (type as { getFields(): Record<string, { deprecationReason?: string | null; type: unknown }> }).getFields();
        for (const selection of selections) {
          if (selection.kind !== 'Field' || !selection.name) continue;
          const field = fields[selection.name.value];
          if (!field) continue;
          if (field.deprecationReason) deprecated.push(`${name}: ${typeName}.${selection.name.value}`);
          if (selection.selectionSet) visit(String(field.type).replace(/[[\]!]/g, ''), selection.selectionSet.selections as never);
        }
      };
      for (const definition of parse(text(document)).definitions) {
        if (definition.kind !== 'OperationDefinition') continue;
        const root = definition.operation === 'query' ? 'Query' : definition.operation === 'mutation' ? 'Mutation' : 'Subscription';
        visit(root, definition.selectionSet.selections as never);
      }
    }
    expect(deprecated).toEqual([]);
  });
});
