// A real `astri serve` process on a temporary data folder: started, waited for, killed (SIGKILL included).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { PROJECT_ROOT } from '../../server/config.ts';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Output so far, for failure messages. */
  output(): string;
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Writes <dir>/config.yaml: the data under dir, a small demo, quiet logs; `extra` is merged over the top level. */
export function writeServerConfig(dir: string, extra: Record<string, Record<string, unknown>> = {}): string {
  const file = path.join(dir, 'config.yaml');
  const base: Record<string, Record<string, unknown>> = {
    server: { host: '127.0.0.1', port: 0 },
    data: { dir, database: path.join(dir, 'astri.db'), inferenceDir: path.join(dir, 'inference'), pixelStore: path.join(dir, 'pixels') },
    demo: { eventsPerBin: 60, seed: 7, multiclassEventsPerClass: 0 },
    log: { level: 'warn' },
  };
  for (const [section, values] of Object.entries(extra)) base[section] = { ...base[section], ...values };
  writeFileSync(file, stringify(base));
  return file;
}

export interface ServerProcessOptions {
  timeoutMs?: number;
  /**
   * No file the server writes may grow past this (RLIMIT_FSIZE, set by the shell's `ulimit -f`): writes past it
   * fail with EFBIG as on a full disk, without a special file system or root.
   */
  fileSizeLimitBytes?: number;
  /** The astri subcommand and its flags (default: serve). */
  args?: string[];
  /** Variables added to the test's environment (AWS_* for an S3 server, ...). */
  env?: Record<string, string>;
}

/**
 * Starts `astri --config FILE serve` (or options.args) and resolves once it printed "ready". Its URL is the one
 * it printed: "listening on URL" (serve) or "probes and metrics on URL" (worker --port).
 */
export function startServerProcess(configFile: string, options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const timeoutMs = options.timeoutMs ?? 240_000;
  const args = options.args ?? ['serve'];
  const command = [process.execPath, path.join(PROJECT_ROOT, 'bin', 'astri.js'), '--config', configFile, ...args];
  const env = { ...process.env, ...options.env };
  const child = options.fileSizeLimitBytes
    ? spawn('bash', ['-c', `ulimit -f ${Math.ceil(options.fileSizeLimitBytes / 1024)} && exec "$@"`, 'astri', ...command], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env })
    : spawn(command[0], command.slice(1), { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (chunk) => (out += chunk));
  child.stderr!.on('data', (chunk) => (out += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`astri ${args[0]} was not ready within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`astri ${args[0]} exited (code ${code}) before it was ready:\n${out}`));
    });
    const check = () => {
      const url = /(?:listening on|probes and metrics on) (http:\/\/[^\s)]+)/.exec(out)?.[1];
      if (!url || !/^ready/m.test(out)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      child.removeAllListeners('exit');
      resolve({
        url,
        child,
        output: () => out,
        graphql: async (query, variables) => {
          const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
          return response.json() as never;
        },
        kill: (signal = 'SIGTERM') =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill(signal);
          }),
      });
    };
    child.stdout!.on('data', check);
  });
}
