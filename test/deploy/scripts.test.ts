// The shell and Node scripts the images run, run here outside Docker: the build steps (npm replaced by a
// recorder where it would download the world), the dashboard build in a copy of the build context, the
// server's health check and `make demo`'s wait, and shellcheck over all of them.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config.ts';
import { contextFiles } from './docker-context.ts';

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** Copies what Docker would send as build context into a fresh folder, like `COPY . .` does. */
function copyContext(files: string[] = contextFiles()): string {
  const root = tempDir('astri-build-');
  for (const file of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    cpSync(path.join(PROJECT_ROOT, file), path.join(root, file));
  }
  return root;
}

function sh(script: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  // The scripts must set ONNXRUNTIME_NODE_INSTALL themselves where it matters: never inherit CI's value.
  const env = { ...process.env, DRY_RUN: '', ONNXRUNTIME_NODE_INSTALL: '', ...options.env };
  const result = spawnSync('sh', [script, ...args], { cwd: options.cwd ?? PROJECT_ROOT, env, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like sh() but without blocking this process, whose HTTP server the script talks to. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A folder with an `npm` that records its arguments and ONNXRUNTIME_NODE_INSTALL instead of running. */
function fakeNpm(): { bin: string; calls: () => string[] } {
  const bin = tempDir('astri-npm-');
  const log = path.join(bin, 'calls.log');
  writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho "npm $* [ONNXRUNTIME_NODE_INSTALL=\${ONNXRUNTIME_NODE_INSTALL:-}]" >> "${log}"\n`);
  chmodSync(path.join(bin, 'npm'), 0o755);
  return { bin, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []) };
}

describe('docker/build-server.sh', () => {
  it('installs every dependency with onnxruntime-node told not to download CUDA', () => {
    const root = copyContext(['docker/build-server.sh', 'package.json']);
    const npm = fakeNpm();
    const result = sh('docker/build-server.sh', ['install'], { cwd: root, env: { PATH: `${npm.bin}:${process.env.PATH}` } });
    expect(result.code, result.stderr).toBe(0);
    expect(npm.calls()).toEqual(['npm ci --no-audit --no-fund [ONNXRUNTIME_NODE_INSTALL=skip]']);
  });

  it('adds tfjs-node-gpu as an optional dependency, so that pruning keeps it', () => {
    const root = copyContext(['docker/build-server.sh']);
    const npm = fakeNpm();
    const result = sh('docker/build-server.sh', ['gpu'], { cwd: root, env: { PATH: `${npm.bin}:${process.env.PATH}` } });
    expect(result.code, result.stderr).toBe(0);
    expect(npm.calls()).toEqual(['npm install --no-audit --no-fund --save-optional @tensorflow/tfjs-node-gpu@4.22.0 [ONNXRUNTIME_NODE_INSTALL=]']);
  });

  it("prunes devDependencies, other platforms' onnxruntime binaries and source maps", () => {
    const root = copyContext(['docker/build-server.sh']);
    const bin = path.join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    const here = `${process.platform}/${process.arch}`;
    const platforms = [...new Set(['darwin/arm64', 'linux/arm64', 'linux/x64', 'win32/x64', here])];
    for (const platform of platforms) {
      mkdirSync(path.join(bin, platform), { recursive: true });
      writeFileSync(path.join(bin, platform, 'onnxruntime_binding.node'), '');
    }
    writeFileSync(path.join(root, 'node_modules', 'onnxruntime-node', 'index.js'), '');
    writeFileSync(path.join(root, 'node_modules', 'onnxruntime-node', 'index.js.map'), '{}');
    const npm = fakeNpm();

    const result = sh('docker/build-server.sh', ['prune'], { cwd: root, env: { PATH: `${npm.bin}:${process.env.PATH}` } });

    expect(result.code, result.stderr).toBe(0);
    expect(npm.calls()).toEqual(['npm prune --omit=dev --no-audit --no-fund [ONNXRUNTIME_NODE_INSTALL=]', 'npm cache clean --force [ONNXRUNTIME_NODE_INSTALL=]']);
    const left = readdirSync(bin).flatMap((os) => readdirSync(path.join(bin, os)).map((arch) => `${os}/${arch}`));
    expect(left).toEqual([here]);
    expect(existsSync(path.join(root, 'node_modules', 'onnxruntime-node', 'index.js'))).toBe(true);
    expect(existsSync(path.join(root, 'node_modules', 'onnxruntime-node', 'index.js.map'))).toBe(false);
  });

  it('prints the commands without running them under DRY_RUN=1, and refuses an unknown step', () => {
    const dry = sh('docker/build-server.sh', ['install'], { env: { DRY_RUN: '1' } });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe('+ env ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund\n');
    const unknown = sh('docker/build-server.sh', ['deploy']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: docker/build-server.sh install|gpu|prune');
  });
});

describe('docker/build-client.sh', () => {
  it('installs without install scripts: building the page needs no native addon', () => {
    const root = copyContext(['docker/build-client.sh', 'package.json']);
    const npm = fakeNpm();
    const result = sh('docker/build-client.sh', ['install'], { cwd: root, env: { PATH: `${npm.bin}:${process.env.PATH}` } });
    expect(result.code, result.stderr).toBe(0);
    expect(npm.calls()).toEqual(['npm ci --ignore-scripts --no-audit --no-fund [ONNXRUNTIME_NODE_INSTALL=skip]']);
  });

  it('builds the dashboard from the build context alone, as the client image does', () => {
    const root = copyContext();
    // The image installs its own node_modules; here the checkout's stand in for them.
    symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');

    const result = sh('docker/build-client.sh', ['build'], { cwd: root });

    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    const dist = path.join(root, 'client', 'dist');
    const page = readFileSync(path.join(dist, 'index.html'), 'utf8');
    const assets = [...page.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) expect(existsSync(path.join(dist, asset)), asset).toBe(true);
  });
});

describe('docker/healthcheck.js and docker/wait-ready.sh', () => {
  let server: Server;
  let port: number;
  let answers: number[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    // Answers the next status in `answers` (the last one repeats).
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      const status = answers.length > 1 ? answers.shift()! : answers[0];
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: status === 200 ? 'ready' : 'loading model' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => {
    requests.length = 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const healthcheck = (env: NodeJS.ProcessEnv, args: string[] = []) => run(process.execPath, [path.join(PROJECT_ROOT, 'docker', 'healthcheck.js'), ...args], env);

  it('reports healthy when /readyz answers 200 on the configured port', async () => {
    answers = [200];
    const result = await healthcheck({ ASTRI_SERVER__PORT: String(port) });
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toEqual(['/readyz']);
  });

  it("asks the port given as argument, a worker's, before the server's", async () => {
    answers = [200];
    const result = await healthcheck({ ASTRI_SERVER__PORT: '1' }, [String(port)]);
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toEqual(['/readyz']);
  });

  it('reports unhealthy, with the answer, while the server is not ready', async () => {
    answers = [503];
    const result = await healthcheck({ ASTRI_SERVER__PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`not ready: http://127.0.0.1:${port}/readyz answered HTTP 503 {"status":"loading model"}`);
  });

  it('reports unhealthy when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await healthcheck({ ASTRI_SERVER__PORT: String(closedPort) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`not ready: http://127.0.0.1:${closedPort}/readyz`);
  });

  it('waits until the URL answers 200', async () => {
    answers = [503, 503, 200];
    const result = await run('sh', ['docker/wait-ready.sh', `http://127.0.0.1:${port}/readyz`, '60'], { WAIT_INTERVAL_S: '0.05' });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`ready: http://127.0.0.1:${port}/readyz\n`);
    expect(requests).toEqual(['/readyz', '/readyz', '/readyz']);
  });

  it('gives up after the timeout and points at the logs', async () => {
    answers = [503];
    const result = await run('sh', ['docker/wait-ready.sh', `http://127.0.0.1:${port}/readyz`, '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`wait-ready: http://127.0.0.1:${port}/readyz is not ready after 0s; see \`make logs\``);
  });
});

describe('shell scripts', () => {
  it('pass shellcheck', () => {
    const scripts = ['docker/build-server.sh', 'docker/build-client.sh', 'docker/wait-ready.sh', 'docker/nginx/15-astri-upstream.envsh'];
    const result = spawnSync('shellcheck', ['--shell=sh', ...scripts], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    if (result.error) throw new Error(`shellcheck is not installed: apt-get install shellcheck (see .ci/run): ${result.error.message}`);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
