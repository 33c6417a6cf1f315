// What the private database and queue servers of the tests share: a free loopback port, and skipping with one
// line when the server's Debian package is missing.
import { createServer } from 'node:net';

export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const told = new Set<string>();
/** True when `missing` is null; otherwise prints why `what` is skipped (once per reason) and returns false. */
export function canRunWithout(missing: string | null, what: string): boolean {
  if (!missing) return true;
  if (!told.has(missing)) {
    told.add(missing);
    console.warn(`skipping ${what}: ${missing}`);
  }
  return false;
}
