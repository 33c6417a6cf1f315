// A private Redis server for the tests: Debian's redis-server on a loopback port, its files in a temporary
// folder, no persistence; no system service, no Docker. A machine without redis-server skips, saying once what
// to install.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { canRunWithout, freeLoopbackPort } from './local-servers.ts';
import { Redis } from 'ioredis';
import { temporaryDir } from './temp-dir.ts';

const REDIS_SERVER = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || null;

/** Why the Redis tests cannot run here, or null when they can. */
export const REDIS_MISSING: string | null = REDIS_SERVER ? null : 'no redis-server on the PATH (apt-get install redis-server)';

/** True when the Redis tests can run; otherwise prints one line (once) and returns false. */
export function needsRedis(what: string): boolean {
  return canRunWithout(REDIS_MISSING, what);
}

export interface RedisTestServer {
  port: number;
  url: string;
  /** Empties every database (FLUSHALL). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}


/**
 * redis-server on 127.0.0.1, as BullMQ requires it (noeviction), without snapshots or an append-only file; on
 * `port` to start one again where clients expect it.
 */
export async function startRedis(port?: number): Promise<RedisTestServer> {
  if (REDIS_MISSING) throw new Error(REDIS_MISSING);
  const dir = temporaryDir('astri-redis-');
  port ??= await freeLoopbackPort();
  const child: ChildProcess = spawn(
    REDIS_SERVER!,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${log}`)));
  });
  // A test process that dies without stop() must not leave a server behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    async flush() {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true });
      await client.connect();
      await client.flushall();
      client.disconnect();
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
