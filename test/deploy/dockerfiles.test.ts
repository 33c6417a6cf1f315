// A structural lint of the Dockerfiles (no Docker engine or hadolint here) and of what .dockerignore
// sends as the build context.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/config.ts';
import { contextFiles, copySources, parseDockerfile, type Stage } from './docker-context.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const DOCKERFILES = ['docker/server.Dockerfile', 'docker/server-gpu.Dockerfile', 'docker/client.Dockerfile'];
const context = new Set(contextFiles());
const inContext = (source: string) => {
  const prefix = `${source.replace(/\/$/, '')}/`;
  return source === '.' ? context.size > 0 : context.has(source) || [...context].some((file) => file.startsWith(prefix));
};

function finalStage(stages: Stage[]): Stage {
  return stages[stages.length - 1];
}

describe.each(DOCKERFILES)('%s', (dockerfile) => {
  const stages = parseDockerfile(path.join(PROJECT_ROOT, dockerfile));
  const names = stages.map((stage) => stage.name);

  it('builds in several stages and ships only the last', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(finalStage(stages).name).toBe('runtime');
  });

  it('starts every stage from a pinned image or an earlier stage, never a latest tag', () => {
    stages.forEach((stage, index) => {
      if (names.slice(0, index).includes(stage.image)) return;
      const tag = /^[^/]+(?:\/[^/:]+)*:([\w.-]+)$/.exec(stage.image)?.[1];
      expect(tag, `${stage.image} needs an explicit tag`).toBeDefined();
      expect(tag).not.toBe('latest');
      expect(tag, `${stage.image}: pin at least the major version`).toMatch(/\d/);
    });
  });

  it('runs as a non-root user with a health check and an exec-form command', () => {
    const runtime = finalStage(stages);
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    expect(users.length, 'USER in the final stage').toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
    const healthcheck = runtime.instructions.find((i) => i.keyword === 'HEALTHCHECK');
    expect(healthcheck?.args).toMatch(/CMD \[/);
    const cmd = runtime.instructions.filter((i) => i.keyword === 'CMD');
    // The client keeps nginx's own CMD, which its entrypoint needs to render the templates.
    if (dockerfile !== 'docker/client.Dockerfile') expect(() => JSON.parse(cmd[cmd.length - 1].args)).not.toThrow();
  });

  it('copies only what the build context holds, or what an earlier stage built', () => {
    stages.forEach((stage, index) => {
      for (const instruction of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        expect(instruction.keyword, `line ${instruction.line}: use COPY`).toBe('COPY');
        const { from, sources } = copySources(instruction);
        if (from) {
          expect(names.slice(0, index), `line ${instruction.line}: --from=${from} names an earlier stage`).toContain(from);
          continue;
        }
        for (const source of sources) expect(inContext(source), `line ${instruction.line}: ${source} is not in the build context`).toBe(true);
      }
    });
  });

  it('installs Debian packages without recommends and leaves no apt lists behind', () => {
    for (const stage of stages) {
      for (const run of stage.instructions.filter((i) => i.keyword === 'RUN' && i.args.includes('apt-get install'))) {
        expect(run.args, `line ${run.line}`).toContain('--no-install-recommends');
        expect(run.args, `line ${run.line}`).toContain('rm -rf /var/lib/apt/lists/*');
      }
    }
  });

  it('runs its build steps through the scripts in docker/, which exist', () => {
    const runs = stages.flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'RUN'));
    const scripts = runs.flatMap((run) => [...run.args.matchAll(/sh (docker\/build-[\w-]+\.sh)/g)].map((m) => m[1]));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(existsSync(path.join(PROJECT_ROOT, script)), script).toBe(true);
    // npm itself runs only inside those scripts, so a test can run the same commands without Docker.
    for (const run of runs) expect(run.args, `line ${run.line}`).not.toMatch(/\bnpm (ci|install|run)\b/);
  });
});

describe('the server images', () => {
  it('run the same command, as uid 1000, so CPU and GPU servers can share the state volume', () => {
    const runtimes = ['docker/server.Dockerfile', 'docker/server-gpu.Dockerfile'].map((file) => finalStage(parseDockerfile(path.join(PROJECT_ROOT, file))));
    for (const runtime of runtimes) {
      const cmd = runtime.instructions.find((i) => i.keyword === 'CMD');
      expect(JSON.parse(cmd!.args)).toEqual(['node', 'bin/astri.js', '--config', '/etc/astri/config.yaml', 'serve']);
      expect(runtime.instructions.find((i) => i.keyword === 'USER')?.args).toBe('node');
    }
    const gpu = runtimes[1].instructions.map((i) => `${i.keyword} ${i.args}`).join('\n');
    expect(gpu).toMatch(/useradd --uid 1000 /);
  });

  it('put the GPU server on CUDA 11 with cuDNN 8, which tfjs-node-gpu 4.x needs', () => {
    const stages = parseDockerfile(path.join(PROJECT_ROOT, 'docker/server-gpu.Dockerfile'));
    expect(stages.map((s) => s.image)).toContain('nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04');
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.instructions.some((i) => i.keyword === 'RUN' && i.args.includes('sh docker/build-server.sh gpu'))).toBe(true);
  });
});

describe('the client image', () => {
  it("serves from nginx 1.27.3 or later, whose upstream servers look their names up again (the template's `resolve`)", () => {
    const runtime = finalStage(parseDockerfile(path.join(PROJECT_ROOT, 'docker/client.Dockerfile')));
    const [major, minor, patch = 0] = (/^nginx:(\d+)\.(\d+)(?:\.(\d+))?/.exec(runtime.image) ?? []).slice(1).map((n) => Number(n ?? 0));
    expect(runtime.image).toMatch(/^nginx:/);
    expect(major * 1e6 + minor * 1e3 + patch).toBeGreaterThanOrEqual(1_027_003);
  });
});

describe('the build context (.dockerignore)', () => {
  it('leaves out dependencies, build outputs, state and secrets, and keeps models and sample data', () => {
    // A tree with every kind of file a working copy gathers (a clean clone has few of them).
    const root = temporaryDir('astri-context-');
    try {
      copyFileSync(path.join(PROJECT_ROOT, '.dockerignore'), path.join(root, '.dockerignore'));
      const kept = ['package.json', 'server/app.ts', 'client/index.html', 'data/models/astri-demo-cnn.h5', 'data/sample_predictions.json', 'docker/config.yaml'];
      const dropped = [
        'node_modules/vite/package.json',
        'client/node_modules/x/index.js',
        '.git/HEAD',
        '.env',
        '.env.production',
        'client/dist/index.html',
        'server/data/generated/prisma/client.ts',
        'data/astri.db',
        'data/astri.db-wal',
        'data/pixels/1.bin',
        'data/inference/gamma/000001.png',
        'data/inference/events.csv',
        'data/models/uploads/user-model.h5',
        'test-results/trace.zip',
        'npm-debug.log',
        'test/deploy/compose.test.ts',
        'deploy/kubernetes/api.yaml',
      ];
      for (const file of [...kept, ...dropped]) {
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), '');
      }
      expect(contextFiles(root)).toEqual(['.dockerignore', ...kept].sort());
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('keeps what the images need: sources, lockfile, migrations and the demo model', () => {
    for (const file of ['package.json', 'package-lock.json', 'config.yaml', 'bin/astri.js', 'server/config.ts', 'client/index.html', 'prisma/schema.prisma']) {
      expect(context.has(file), file).toBe(true);
    }
    expect([...context].some((file) => file.startsWith('prisma/migrations/'))).toBe(true);
    expect(context.has('data/models/astri-demo-cnn.h5'), 'the demo model goes into the server image').toBe(true);
  });
});
