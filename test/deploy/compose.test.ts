// docker-compose.yml as Compose itself reads it: `docker-compose config` (v1, installed by CI) validates
// the file against the Compose spec and prints it resolved, which these tests then inspect.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../server/config.ts';

interface Service {
  profiles?: string[];
  image: string;
  /** Absent for the third-party images (MinIO's). */
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: Array<string | { published: number | string; target: number }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  deploy?: { resources?: { reservations?: { devices?: Array<{ driver: string; count?: number; capabilities: string[] }> } } };
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes: Record<string, { name?: string }>;
}

/** The resolved file, with the given environment for interpolation (and nothing else of ASTRI_*). */
function composeConfig(args: string[] = [], env: Record<string, string> = {}): ComposeFile {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ASTRI_') && key !== 'COMPOSE_PROFILES'));
  const result = spawnSync('docker-compose', [...args, 'config'], { cwd: PROJECT_ROOT, env: { ...cleanEnv, ...env }, encoding: 'utf8' });
  if (result.error) throw result.error;
  expect(result.stderr.replace(/.*WARNING.*\n?/g, ''), 'docker-compose config stderr').toBe('');
  expect(result.status, result.stderr).toBe(0);
  return parseYaml(result.stdout) as ComposeFile;
}

/** The servers and clients a profile starts. */
function profileServices(compose: ComposeFile, profile: string): Record<string, Service> {
  return Object.fromEntries(Object.entries(compose.services).filter(([, service]) => service.profiles?.includes(profile)));
}

describe('docker-compose.yml', () => {
  beforeAll(() => {
    // CI installs Debian's docker-compose (.ci/run); without it this file's checks cannot run at all.
    const which = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
    if (which.error) throw new Error('docker-compose is not installed: apt-get install docker-compose (see .ci/run)');
  });

  let compose: ComposeFile;
  beforeAll(() => {
    compose = composeConfig(['--profile', 'cpu']);
  });

  it('is valid for the cpu and the gpu profile', () => {
    // Compose v1 validates with the profile but prints every service; v2 prints the profile's only.
    expect(Object.keys(profileServices(compose, 'cpu')).sort()).toEqual(['client', 'server']);
    const gpu = composeConfig(['--profile', 'gpu']);
    expect(Object.keys(profileServices(gpu, 'gpu')).sort()).toEqual(['client-gpu', 'server-gpu']);
  });

  it('puts every service in a profile, so the GPU server never starts beside the CPU one', () => {
    for (const [name, service] of Object.entries(compose.services)) expect(service.profiles?.length, name).toBeGreaterThan(0);
    expect(Object.keys(profileServices(compose, 'cpu')).sort()).toEqual(['client', 'server']);
    expect(Object.keys(profileServices(compose, 'gpu')).sort()).toEqual(['client-gpu', 'server-gpu']);
    // Only the infrastructure the minio and cluster profiles share is in several.
    const shared = Object.entries(compose.services).filter(([, service]) => service.profiles!.length > 1);
    for (const [name, service] of shared) expect(service.profiles!.every((profile) => ['minio', 'cluster', 'cluster-gpu'].includes(profile)), name).toBe(true);
  });

  it("starts each profile's client once its own server reports healthy", () => {
    expect(compose.services.client.depends_on).toEqual({ server: { condition: 'service_healthy' } });
    expect(compose.services['client-gpu'].depends_on).toEqual({ 'server-gpu': { condition: 'service_healthy' } });
    expect(compose.services.client.environment?.ASTRI_SERVER_URL).toBe('http://server:4000');
    expect(compose.services['client-gpu'].environment?.ASTRI_SERVER_URL).toBe('http://server-gpu:4000');
  });

  it('reserves an NVIDIA GPU for the GPU server and the GPU worker only, which run the CUDA image', () => {
    const gpu = Object.entries(compose.services).filter(([, service]) => service.deploy);
    expect(gpu.map(([name]) => name).sort()).toEqual(['server-gpu', 'worker-gpu']);
    for (const [name, service] of gpu) {
      expect(service.deploy?.resources?.reservations?.devices, name).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
      expect(service.build?.dockerfile, name).toBe('docker/server-gpu.Dockerfile');
    }
  });

  it('keeps state in a named volume and mounts data and config read-only', () => {
    for (const name of ['server', 'server-gpu']) {
      const volumes = compose.services[name].volumes ?? [];
      expect(volumes).toContain('astri-state:/var/lib/astri:rw');
      expect(volumes).toContain(`${path.join(PROJECT_ROOT, 'data')}:/data:ro`);
      expect(volumes).toContain(`${path.join(PROJECT_ROOT, 'docker', 'config.yaml')}:/etc/astri/config.yaml:ro`);
    }
    // Both servers share the state under one name, whatever the project (folder) is called.
    expect(compose.volumes['astri-state'].name).toBe('astri-state');
    for (const name of ['client', 'client-gpu']) expect(compose.services[name].volumes, name).toBeUndefined();
  });

  it('takes image names, mounts, ports, server environment and the upstream from the environment, without a rebuild', () => {
    const resolved = composeConfig([], {
      ASTRI_ENV_FILE: path.join(PROJECT_ROOT, 'test', 'deploy', 'fixtures', 'astri.env'),
      ASTRI_REGISTRY: 'registry.example.org:5000',
      ASTRI_TAG: '1.2.3',
      ASTRI_HOST_DATA_DIR: '/srv/astri',
      ASTRI_CONFIG_FILE: '/etc/astri/site.yaml',
      ASTRI_API_BIND: '0.0.0.0',
      ASTRI_HTTP_PORT: '80',
      ASTRI_SERVER_URL: 'http://astri-api.example.org:4000',
    });
    expect(resolved.services.server.image).toBe('registry.example.org:5000/astri-server:1.2.3');
    expect(resolved.services['server-gpu'].image).toBe('registry.example.org:5000/astri-server-gpu:1.2.3');
    expect(resolved.services.client.image).toBe('registry.example.org:5000/astri-client:1.2.3');
    expect(resolved.services.server.volumes).toContain('/srv/astri:/data:ro');
    expect(resolved.services.server.volumes).toContain('/etc/astri/site.yaml:/etc/astri/config.yaml:ro');
    expect(resolved.services.server.ports).toEqual(['0.0.0.0:4000:4000/tcp']);
    expect(resolved.services.client.ports).toEqual([{ published: 80, target: 8080 }]);
    expect(resolved.services.client.environment?.ASTRI_SERVER_URL).toBe('http://astri-api.example.org:4000');
    expect(resolved.services.server.environment).toEqual({ ASTRI_INFERENCE__BACKEND: 'onnxruntime', ASTRI_INFERENCE__BATCH_SIZE: '512' });
  });

  it('names local images under localhost/ and publishes the server on loopback by default', () => {
    // localhost/ never resolves to a Docker Hub image of the same name by accident.
    expect(compose.services.server.image).toBe('localhost/astri-server:latest');
    expect(compose.services.server.ports).toEqual(['127.0.0.1:4000:4000/tcp']);
    expect(compose.services.client.ports).toEqual([{ published: 8080, target: 8080 }]);
  });

  it('builds every image of ours from a Dockerfile that exists, with the repository as context', () => {
    const ours = Object.entries(compose.services).filter(([, service]) => service.image.includes('/astri-'));
    expect(ours.map(([name]) => name).sort()).toEqual([
      'api-1',
      'api-2',
      'client',
      'client-cluster',
      'client-gpu',
      'client-minio',
      'minio-seed',
      'server',
      'server-gpu',
      'server-minio',
      'worker-1',
      'worker-2',
      'worker-gpu',
    ]);
    for (const [name, service] of ours) {
      expect(service.build?.context, name).toBe(PROJECT_ROOT.replace(/\/$/, ''));
      expect(existsSync(path.join(PROJECT_ROOT, service.build!.dockerfile)), `${name}: ${service.build!.dockerfile}`).toBe(true);
    }
  });

  it('runs the minio profile on a real MinIO: bucket, service user and demo data first, then the server on the AWS variables', () => {
    const minio = composeConfig(['--profile', 'minio']);
    expect(Object.keys(profileServices(minio, 'minio')).sort()).toEqual(['client-minio', 'minio', 'minio-init', 'minio-seed', 'server-minio']);
    const { services } = minio;
    expect(services.minio.image).toMatch(/^quay\.io\/minio\/minio:RELEASE\./);
    expect(services.minio.ports).toEqual(['127.0.0.1:9000:9000/tcp', '127.0.0.1:9001:9001/tcp']);
    expect(services['minio-seed'].command).toEqual(['node', 'bin/astri.js', 'data', 'demo', '--multiclass', '--out', '/seed/demo-4class']);
    expect(services['minio-init'].depends_on).toEqual({ minio: { condition: 'service_healthy' }, 'minio-seed': { condition: 'service_completed_successfully' } });
    expect(services['minio-init'].entrypoint).toEqual(['/bin/sh', '/minio-init.sh']);
    expect(services['minio-init'].volumes).toContain(`${path.join(PROJECT_ROOT, 'docker', 'minio-init.sh')}:/minio-init.sh:ro`);
    // The server gets the service user's keys, never the administrator's, and no project-specific S3 setting but the store's URL.
    expect(services['server-minio'].environment).toEqual({
      AWS_ENDPOINT_URL_S3: 'http://minio:9000',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'astri-service',
      AWS_SECRET_ACCESS_KEY: 'change-me-astri-service',
      ASTRI_STORAGE__URL: 's3://astri/store',
    });
    expect(services['server-minio'].depends_on).toEqual({ 'minio-init': { condition: 'service_completed_successfully' } });
    expect(services['client-minio'].environment?.ASTRI_SERVER_URL).toBe('http://server-minio:4000');
  });

  it('passes no server environment by default: docker/astri.env only holds commented examples', () => {
    expect(compose.services.server.environment ?? {}).toEqual({});
  });

  describe('the cluster profiles', () => {
    let cluster: ComposeFile;
    beforeAll(() => {
      cluster = composeConfig(['--profile', 'cluster']);
    });
    const API_COMMAND = ['node', 'bin/astri.js', '--config', '/etc/astri/config.yaml', 'serve', '--role', 'api'];
    const WORKER_COMMAND = ['node', 'bin/astri.js', '--config', '/etc/astri/config.yaml', 'worker', '--port', '8081', '--host', '0.0.0.0'];
    const INFRASTRUCTURE = ['minio', 'minio-init', 'minio-seed', 'postgres', 'redis'];
    /** The API replicas and workers: the services that run the server image's `astri`, but not the seed job. */
    const nodes = (file: ComposeFile, profile: string) =>
      Object.entries(profileServices(file, profile)).filter(([, service]) => service.command?.includes('serve') || service.command?.includes('worker'));

    it('starts Redis, PostgreSQL, MinIO, two API replicas, two workers and the dashboard; cluster-gpu swaps a worker for the GPU one', () => {
      expect(Object.keys(profileServices(cluster, 'cluster')).sort()).toEqual([...INFRASTRUCTURE, 'api-1', 'api-2', 'client-cluster', 'worker-1', 'worker-2'].sort());
      const gpu = composeConfig(['--profile', 'cluster-gpu']);
      expect(Object.keys(profileServices(gpu, 'cluster-gpu')).sort()).toEqual([...INFRASTRUCTURE, 'api-1', 'api-2', 'client-cluster', 'worker-1', 'worker-gpu'].sort());
    });

    it('runs Redis 7 with noeviction, which BullMQ needs, and PostgreSQL 15, each with a health check and a volume', () => {
      const { redis, postgres } = cluster.services;
      expect(redis.image).toBe('redis:7');
      const policy = redis.command!.indexOf('--maxmemory-policy');
      expect(policy).toBeGreaterThan(0);
      expect(redis.command![policy + 1]).toBe('noeviction');
      expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
      expect(redis.volumes).toContain('redis-data:/data:rw');
      expect(postgres.image).toBe('postgres:15');
      expect(postgres.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', 'astri', '-d', 'astri']);
      expect(postgres.volumes).toContain('postgres-data:/var/lib/postgresql/data:rw');
      // Neither is published: only the dashboard (and MinIO's console, on loopback) are reachable from the host.
      expect(redis.ports).toBeUndefined();
      expect(postgres.ports).toBeUndefined();
    });

    it('runs the API replicas as `serve --role api` and the workers as `worker`, whose health check asks their port', () => {
      const byCommand = Object.fromEntries(nodes(cluster, 'cluster').map(([name, service]) => [name, service.command]));
      expect(byCommand).toEqual({ 'api-1': API_COMMAND, 'api-2': API_COMMAND, 'worker-1': WORKER_COMMAND, 'worker-2': WORKER_COMMAND });
      for (const name of ['worker-1', 'worker-2']) {
        const service = cluster.services[name];
        const port = service.command![service.command!.indexOf('--port') + 1];
        expect(service.healthcheck?.test, name).toEqual(['CMD', 'node', 'docker/healthcheck.js', port]);
        // As terminationGracePeriodSeconds in deploy/kubernetes/worker.yaml: time to finish the batches it holds.
        expect(service.stop_grace_period, name).toBe('120s');
      }
      // The API replicas keep the image's health check on 4000; nothing but the dashboard is published.
      for (const name of ['api-1', 'api-2']) expect(cluster.services[name].healthcheck, name).toBeUndefined();
      for (const [name, service] of nodes(cluster, 'cluster')) expect(service.ports, name).toBeUndefined();
    });

    it('gives every API replica and worker the same database, queue and store, reaching services that the profile runs', () => {
      const gpu = composeConfig(['--profile', 'cluster-gpu']);
      const all = [...nodes(cluster, 'cluster'), ...nodes(gpu, 'cluster-gpu')];
      expect(all).toHaveLength(8);
      const { postgres, minio } = cluster.services;
      const init = cluster.services['minio-init'];
      for (const [name, service] of all) {
        const env = service.environment ?? {};
        // One environment for all: queue.stalledIntervalMs and the rest must agree between workers.
        expect(env, name).toEqual(all[0][1].environment);
        const database = new URL(env.ASTRI_DATABASE__URL);
        expect(database.protocol, name).toBe('postgresql:');
        expect([database.hostname, database.port, database.pathname], name).toEqual(['postgres', '5432', `/${postgres.environment!.POSTGRES_DB}`]);
        expect([database.username, database.password], name).toEqual([postgres.environment!.POSTGRES_USER, postgres.environment!.POSTGRES_PASSWORD]);
        const queue = new URL(env.ASTRI_QUEUE__URL);
        expect([queue.protocol, queue.hostname, queue.port], name).toEqual(['redis:', 'redis', '6379']);
        expect(env.AWS_ENDPOINT_URL_S3, name).toBe('http://minio:9000');
        expect(minio.command, 'MinIO serves its API on 9000').toEqual(['server', '/data', '--console-address', ':9001']);
        // The service user minio-init creates, and the bucket it makes.
        expect([env.AWS_ACCESS_KEY_ID, env.AWS_SECRET_ACCESS_KEY], name).toEqual([init.environment!.MINIO_ASTRI_USER, init.environment!.MINIO_ASTRI_PASSWORD]);
        expect(env.ASTRI_STORAGE__URL, name).toMatch(/^s3:\/\/astri\//);
        expect(env.ASTRI_DEMO__AUTO_GENERATE, name).toBe('false');
        // No shared SQLite state volume: everything lives in PostgreSQL, Redis and the bucket.
        expect(service.volumes?.some((volume) => volume.startsWith('astri-state:')), name).toBe(false);
        expect(service.depends_on, name).toEqual({
          postgres: { condition: 'service_healthy' },
          redis: { condition: 'service_healthy' },
          'minio-init': { condition: 'service_completed_successfully' },
        });
      }
      expect(readFileSync(path.join(PROJECT_ROOT, 'docker', 'minio-init.sh'), 'utf8')).toContain('mc mb --ignore-existing local/astri\n');
    });

    it("makes both API replicas the dashboard nginx's upstream servers, and starts the dashboard once both are healthy", () => {
      const client = cluster.services['client-cluster'];
      const apis = nodes(cluster, 'cluster').filter(([, service]) => service.command?.includes('--role'));
      expect(client.depends_on).toEqual(Object.fromEntries(apis.map(([name]) => [name, { condition: 'service_healthy' }])));
      // What the client image's entrypoint renders from that value (test/deploy/nginx.test.ts runs the result).
      const rendered = spawnSync('sh', ['-c', '. docker/nginx/15-astri-upstream.envsh && printf "%s" "$ASTRI_UPSTREAM_SERVERS"'], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH, ASTRI_SERVER_URL: client.environment!.ASTRI_SERVER_URL, ASTRI_RESOLVER: '127.0.0.11' },
        encoding: 'utf8',
      });
      expect(rendered.status, rendered.stderr).toBe(0);
      expect(rendered.stdout.split('\n').map((line) => line.trim())).toEqual(apis.map(([name]) => `server ${name}:4000 resolve;`));
    });
  });
});
