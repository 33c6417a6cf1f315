// `npm run schema:check`: prints how schema.graphql differs from the last released schema (breaking, dangerous,
// safe) and exits with 1 when a change breaks existing clients.
import path from 'node:path';
import { compareWithLastRelease, CURRENT_SCHEMA_FILE, formatComparison } from './schema-compatibility.ts';

const comparison = await compareWithLastRelease();
const relative = (file: string) => path.relative(process.cwd(), file);
console.log(`${relative(CURRENT_SCHEMA_FILE)} against release ${comparison.release.version} (${relative(comparison.release.file)})\n`);
console.log(formatComparison(comparison));
if (comparison.breaking.length > 0) {
  console.log('\nBreaking changes: deprecate with @deprecated(reason: "use <replacement>") instead; remove only at a release.');
  process.exitCode = 1;
}
