// Temporary folders that go when the test file ends, whatever the tests did with them (a server restarted on
// the same folder, a file left open): a suite run leaves nothing behind in the system's temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const created: string[] = [];
const removeAll = () => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
};
// Registered when a test file first imports this module (each file has its own copy of it): after hooks run in
// reverse order, so this one runs after the file's own, which stop the servers using the folders.
afterAll(removeAll);
process.once('exit', removeAll);

export function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
