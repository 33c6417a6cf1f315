// The Makefile's commands, read from `make -n` (print, don't run): which compose command each one runs.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config.ts';

function make(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  // Variables the Makefile reads from the environment are cleared, so the developer's shell cannot change the answer.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(COMPOSE|NPM|REGISTRY|TAG|PROFILE|ASTRI_\w+|MAKEFLAGS|MFLAGS)$/.test(key)));
  const result = spawnSync('make', ['--no-print-directory', '-n', ...args], { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The commands `make -n` prints, without the no-op recipes of the part words. */
function commands(...args: string[]): string[] {
  const result = make(...args);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.split('\n').filter((line) => line && line !== ':');
}

describe('make', () => {
  it('builds, starts and recreates the whole CPU stack by default', () => {
    expect(commands('build')).toEqual(['docker compose --profile cpu build']);
    expect(commands('up')).toEqual(['docker compose --profile cpu up -d']);
    expect(commands('restart')).toEqual(['docker compose --profile cpu up -d --no-build --force-recreate']);
    expect(commands('logs')).toEqual(['docker compose --profile cpu logs -f --tail=200']);
  });

  it('acts on the client alone for frontend and on the server alone for backend', () => {
    expect(commands('build', 'frontend')).toEqual(['docker compose --profile cpu build client']);
    expect(commands('build', 'backend')).toEqual(['docker compose --profile cpu build server']);
    expect(commands('up', 'frontend')).toEqual(['docker compose --profile cpu up -d --no-deps client']);
    expect(commands('up', 'backend')).toEqual(['docker compose --profile cpu up -d --no-deps server']);
    expect(commands('up', 'backend', 'frontend')).toEqual(['docker compose --profile cpu up -d --no-deps server client']);
    expect(commands('restart', 'backend')).toEqual(['docker compose --profile cpu up -d --no-build --force-recreate --no-deps server']);
    expect(commands('logs', 'frontend')).toEqual(['docker compose --profile cpu logs -f --tail=200 client']);
  });

  it('switches to the GPU services with the gpu word or PROFILE=gpu', () => {
    expect(commands('build', 'gpu')).toEqual(['docker compose --profile gpu build']);
    expect(commands('up', 'backend', 'gpu')).toEqual(['docker compose --profile gpu up -d --no-deps server-gpu']);
    expect(commands('up', 'frontend', 'PROFILE=gpu')).toEqual(['docker compose --profile gpu up -d --no-deps client-gpu']);
  });

  it('takes down the containers of both profiles, or removes only the part asked for', () => {
    expect(commands('down')).toEqual(['docker compose --profile cpu --profile gpu down']);
    expect(commands('down', 'frontend')).toEqual(['docker compose --profile cpu rm --stop --force client']);
  });

  it('uses the compose command given in COMPOSE', () => {
    expect(commands('up', 'COMPOSE=docker-compose')).toEqual(['docker-compose --profile cpu up -d']);
  });

  it('builds and pushes to the registry given, with the tag given', () => {
    expect(commands('push', 'REGISTRY=reg:5000')).toEqual([
      'ASTRI_REGISTRY=reg:5000 docker compose --profile cpu build',
      'ASTRI_REGISTRY=reg:5000 docker compose --profile cpu push',
    ]);
    expect(commands('push', 'backend', 'gpu', 'REGISTRY=reg.example.org:5000/', 'TAG=1.2.3')).toEqual([
      'ASTRI_REGISTRY=reg.example.org:5000 ASTRI_TAG=1.2.3 docker compose --profile gpu build server-gpu',
      'ASTRI_REGISTRY=reg.example.org:5000 ASTRI_TAG=1.2.3 docker compose --profile gpu push server-gpu',
    ]);
    expect(commands('pull', 'REGISTRY=reg:5000')).toEqual(['ASTRI_REGISTRY=reg:5000 docker compose --profile cpu pull']);
  });

  it('refuses to push without a registry and says how to give one', () => {
    const result = make('push');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('make push needs the registry to push to: make push REGISTRY=host:port');
    expect(result.stdout).toBe('');
  });

  it('refuses an unknown profile', () => {
    const result = make('up', 'PROFILE=tpu');
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('PROFILE must be cpu or gpu, got "tpu"');
  });

  it('starts the demo, waits until it is ready through the client, and runs the tests with npm', () => {
    expect(commands('demo')).toEqual([
      'docker compose --profile cpu up -d --build',
      'sh docker/wait-ready.sh http://127.0.0.1:8080/readyz',
      'echo "ASTRI dashboard: http://localhost:8080/"',
    ]);
    expect(commands('test')).toEqual(['npm test']);
  });

  it('prints its usage when called without a command', () => {
    const lines = commands();
    for (const command of ['build', 'up', 'restart', 'down', 'logs', 'demo', 'push', 'pull', 'test']) {
      expect(lines.some((line) => line.includes(` ${command} `)), command).toBe(true);
    }
  });
});
