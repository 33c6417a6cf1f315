// What the end-to-end test and scripts/screenshot.ts share: a real `astri serve` on demo data in a
// temporary directory, the built dashboard, and Debian's Chromium driven by playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { writeUntrainedModel } from '../helpers/untrained-model.ts';

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLIENT_DIST = path.join(PROJECT_ROOT, 'client', 'dist');
export const CHROMIUM_PATH = process.env.ASTRI_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export class HarnessError extends Error {
  override name = 'HarnessError';
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new HarnessError(`no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set ASTRI_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Builds client/dist with Vite (the server serves it at /). */
export async function buildClient(): Promise<void> {
  await run(process.execPath, [path.join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'client/vite.config.ts', '--logLevel', 'warn']);
}

export interface AstriServer {
  url: string;
  /** POSTs a GraphQL operation to the server and returns its data; throws on errors. */
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** Everything the server wrote to stderr so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Demo events per class and energy bin (small keeps the first start quick). */
  eventsPerBin?: number;
  /** How long to wait for the data and the model, in milliseconds. */
  readyTimeoutMs?: number;
}

/**
 * Starts `node bin/astri.js serve --port 0` with a config in a fresh temporary directory, so the demo
 * data set, the database and the pixel store are generated there and removed by stop().
 */
export async function startAstriServer(options: ServerOptions = {}): Promise<AstriServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'astri-e2e-'));
  const configFile = path.join(dir, 'config.yaml');
  await writeFile(
    configFile,
    [
      'server:',
      '  host: 127.0.0.1',
      '  port: 0',
      'data:',
      '  dir: ./data',
      '  database: ./data/astri.db',
      '  inferenceDir: ./data/inference',
      '  pixelStore: ./data/pixels',
      'demo:',
      `  eventsPerBin: ${options.eventsPerBin ?? 250}`,
      '  autoGenerate: true',
      'log:',
      '  level: warn',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'astri.js'), '--config', configFile, 'serve', '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ASTRI_LOG__LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const url = await waitFor(
      () => /listening on (http:\/\/\S+)/.exec(stdout)?.[1] ?? null,
      () => child.exitCode !== null,
      30_000,
      () => `astri serve did not print "listening on"; stdout:\n${stdout}\nstderr:\n${stderr}`,
    );
    // Ready = demo data generated and the model loaded (/readyz answers 200).
    const deadline = Date.now() + (options.readyTimeoutMs ?? 240_000);
    for (;;) {
      if (child.exitCode !== null) throw new HarnessError(`astri serve exited with ${child.exitCode}:\n${stderr}`);
      const response = await fetch(`${url}/readyz`).catch(() => null);
      if (response?.ok) break;
      if (Date.now() > deadline) throw new HarnessError(`astri serve was not ready in time: ${await response?.text()}\n${stderr}`);
      await delay(500);
    }
    return {
      url,
      log: () => stderr,
      stop,
      async graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
        const response = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
        if (body.errors?.length) throw new HarnessError(`GraphQL errors: ${body.errors.map((e) => e.message).join('; ')}`);
        return body.data as T;
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Serves client/dist statically (for the demo mode, which needs no API). */
export async function serveDist(): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
  const server: Server = createServer(async (request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const relative = path.normalize(pathname).replace(/^(\.\.[/\\])+/, '');
    const file = path.join(CLIENT_DIST, relative === '/' ? 'index.html' : relative);
    try {
      if (!file.startsWith(CLIENT_DIST)) throw new Error('outside dist');
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function waitFor<T>(probe: () => T | null, failed: () => boolean, timeoutMs: number, explain: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (failed() || Date.now() > deadline) throw new HarnessError(explain());
    await delay(100);
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new HarnessError(`${command} ${args.join(' ')} exited with ${code}:\n${stderr}`))));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Writes a small untrained gamma/proton CNN (56x56x1, seeded weights) to `file` and uploads it beside the demo
 * model without activating it: a second model to compare with (model comparison in the e2e test and screenshots).
 */
export async function uploadUntrainedModel(server: AstriServer, file: string): Promise<void> {
  await writeUntrainedModel(file);
  const body = new FormData();
  body.set('operations', JSON.stringify({ query: 'mutation($f: File!, $c: [String!]) { uploadModel(file: $f, classNames: $c, activate: false) { id } }', variables: { f: null, c: ['proton', 'gamma'] } }));
  body.set('map', JSON.stringify({ 0: ['variables.f'] }));
  body.set('0', new File([await readFile(file)], 'untrained.h5'));
  const response = await fetch(`${server.url}/graphql`, { method: 'POST', body, headers: { 'graphql-require-preflight': '1' } });
  const result = (await response.json()) as { errors?: unknown[] };
  if (result.errors) throw new HarnessError(`the untrained model could not be uploaded: ${JSON.stringify(result.errors)}`);
}
