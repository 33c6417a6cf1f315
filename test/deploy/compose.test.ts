// docker-compose.yml as Compose itself reads it: `docker-compose config` (v1, installed by CI) validates
// the file against the Compose spec and prints it resolved, which these tests then inspect.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
    for (const [name, service] of Object.entries(compose.services)) expect(service.profiles, name).toHaveLength(1);
    expect(Object.keys(profileServices(compose, 'cpu')).sort()).toEqual(['client', 'server']);
    expect(Object.keys(profileServices(compose, 'gpu')).sort()).toEqual(['client-gpu', 'server-gpu']);
  });

  it("starts each profile's client once its own server reports healthy", () => {
    expect(compose.services.client.depends_on).toEqual({ server: { condition: 'service_healthy' } });
    expect(compose.services['client-gpu'].depends_on).toEqual({ 'server-gpu': { condition: 'service_healthy' } });
    expect(compose.services.client.environment?.ASTRI_SERVER_URL).toBe('http://server:4000');
    expect(compose.services['client-gpu'].environment?.ASTRI_SERVER_URL).toBe('http://server-gpu:4000');
  });

  it('reserves an NVIDIA GPU for the GPU server only', () => {
    expect(compose.services['server-gpu'].deploy?.resources?.reservations?.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
    for (const name of ['server', 'client', 'client-gpu']) expect(compose.services[name].deploy, name).toBeUndefined();
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
    expect(ours.map(([name]) => name).sort()).toEqual(['client', 'client-gpu', 'client-minio', 'minio-seed', 'server', 'server-gpu', 'server-minio']);
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
      AWS_ENDPOINT_URL: 'http://minio:9000',
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
});
