// A private PostgreSQL server for the tests: Debian's postgresql binaries, a cluster in a temporary folder, a
// loopback port, trust authentication; no system service, no Docker. A machine without PostgreSQL skips, saying
// once what to install.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { canRunWithout, freeLoopbackPort } from './local-servers.ts';
import pg from 'pg';
import { temporaryDir } from './temp-dir.ts';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin folder, or null. */
function findBinDir(): string | null {
  if (!existsSync(PG_ROOT)) return null;
  const versions = readdirSync(PG_ROOT)
    .filter((name) => existsSync(path.join(PG_ROOT, name, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(PG_ROOT, versions[0], 'bin') : null;
}

const BIN_DIR = findBinDir();
/** initdb and postgres refuse to run as root: as root, they run as the postgres user Debian's package creates. */
const AS_ROOT = process.getuid?.() === 0;
const POSTGRES_UID = AS_ROOT ? Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()) : null;
const POSTGRES_GID = AS_ROOT ? Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()) : null;

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export const POSTGRES_MISSING: string | null = !BIN_DIR
  ? `no PostgreSQL server under ${PG_ROOT} (apt-get install postgresql)`
  : AS_ROOT && !Number.isInteger(POSTGRES_UID)
    ? 'running as root and there is no postgres user to run the server as (apt-get install postgresql creates it)'
    : null;

/** True when the PostgreSQL tests can run; otherwise prints one line (once) and returns false. */
export function needsPostgres(what: string): boolean {
  return canRunWithout(POSTGRES_MISSING, what);
}

export interface PostgresTestServer {
  port: number;
  dir: string;
  /** A fresh, empty database on this server; its postgresql:// URL. */
  createDatabase(name?: string): Promise<string>;
  stop(): Promise<void>;
}

function command(binary: string, args: string[]): [string, string[]] {
  const file = path.join(BIN_DIR!, binary);
  return AS_ROOT ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}


let databases = 0;

/** initdb in a temporary folder, then the server on a loopback port (its socket in the same folder). */
export async function startPostgres(): Promise<PostgresTestServer> {
  if (POSTGRES_MISSING) throw new Error(POSTGRES_MISSING);
  const dir = temporaryDir('astri-pg-');
  if (AS_ROOT) chownSync(dir, POSTGRES_UID!, POSTGRES_GID!);
  const dataDir = path.join(dir, 'data');
  const [initdb, initArgs] = command('initdb', ['-D', dataDir, '-U', 'astri', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const init = spawnSync(initdb, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);

  const port = await freeLoopbackPort();
  const [postgres, args] = command('postgres', [
    '-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100',
  ]);
  const child: ChildProcess = spawn(postgres, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('ready to accept connections')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`postgres exited (${code}): ${log}`)));
  });

  // A test process that dies without stop() must not leave a server behind.
  const postmasterPid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const killOnExit = (): void => {
    try {
      process.kill(postmasterPid, 'SIGQUIT');
    } catch {
      // already gone
    }
  };
  process.once('exit', killOnExit);

  const admin = `postgresql://astri@127.0.0.1:${port}/postgres`;
  return {
    port,
    dir,
    async createDatabase(name = `astri_test_${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return `postgresql://astri@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        // The postmaster's own pid: as root, `child` is runuser, which may not pass the signal on.
        process.kill(postmasterPid, 'SIGINT'); // fast shutdown
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
