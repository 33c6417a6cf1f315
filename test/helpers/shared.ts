// ../shared/ beside the clone holds real Keras files and the Python baseline. CI has it; a clone on its
// own does not, and the tests that need it skip, saying once what is missing and how to get it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared');
export const HAS_SHARED = existsSync(path.join(SHARED_DIR, 'fixtures', 'keras'));

let told = false;
/** True when ../shared is present; otherwise prints one line (once per test file) and returns false. */
export function needsShared(what: string): boolean {
  if (HAS_SHARED) return true;
  if (!told) {
    told = true;
    console.warn(`skipping ${what}: ${SHARED_DIR} is missing (the project's shared material; CI places it beside the clone as ../shared)`);
  }
  return false;
}
