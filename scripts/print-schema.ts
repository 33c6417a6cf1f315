// Writes schema.graphql from the Pothos schema (committed; a test fails when it is stale).
import { writeFileSync } from 'node:fs';
import { printSchemaFile, SCHEMA_FILE } from '../server/schema/print.ts';

writeFileSync(SCHEMA_FILE, printSchemaFile());
console.log(`wrote ${SCHEMA_FILE}`);
