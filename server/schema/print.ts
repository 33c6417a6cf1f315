import path from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { PROJECT_ROOT } from '../config.ts';
import { schema } from './index.ts';

export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema.graphql');

export function printSchemaFile(): string {
  return `# Generated from the Pothos schema by \`npm run schema\`; do not edit by hand.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
