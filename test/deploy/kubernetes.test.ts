// deploy/kubernetes/ read the way kustomize reads it (resources, components, generated ConfigMaps, images),
// without a cluster: every manifest parsed, then checked against what the containers serve and what the
// service needs. Neither kubectl nor a cluster is needed (CI has neither); `kubectl kustomize deploy/kubernetes`,
// with the components uncommented, builds the same set.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { QueueKeys } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { BATCH_QUEUE as QUEUE_NAME } from '../../server/cluster/index.ts';
import { loadConfig, PROJECT_ROOT } from '../../server/config.ts';

const ROOT = path.join(PROJECT_ROOT, 'deploy', 'kubernetes');
// What the app reads from Secrets, and from the ConfigMap astri-s3.
const SECRET_ENV = ['ASTRI_DATABASE__URL', 'ASTRI_QUEUE__URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
const CONFIG_ENV = ['AWS_ENDPOINT_URL_S3', 'AWS_REGION'];

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  volumes?: Array<{ name: string; configMap?: { name: string } }>;
  securityContext?: { runAsNonRoot?: boolean };
  tolerations?: unknown[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Deployments, Services, ScaledObjects... each kind its own: the tests cast what they read.
  spec?: any;
  stringData?: Record<string, string>;
}
interface Kustomization {
  kind: 'Kustomization' | 'Component';
  namespace?: string;
  resources?: string[];
  components?: string[];
  patches?: Array<{ target: { kind: string; name: string }; patch: string }>;
  configMapGenerator?: Array<{ name: string; files?: string[]; literals?: string[] }>;
  images?: Array<{ name: string; newName: string; newTag: string }>;
}

function readManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}
function readKustomization(dir: string): Kustomization {
  return parseYaml(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
}

const base = readKustomization(ROOT);
// The optional components: the folders here, each opted into by a cluster in the base's `components:`.
const optional = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const components = Object.fromEntries(optional.map((name) => [name, readKustomization(path.join(ROOT, name))]));

/** Every manifest the base and the given components produce, the generated ConfigMaps and the Secrets' example. */
function build(withComponents: string[]): Manifest[] {
  const manifests = (base.resources ?? []).flatMap((file) => readManifests(path.join(ROOT, file)));
  for (const name of withComponents) manifests.push(...(components[name].resources ?? []).flatMap((file) => readManifests(path.join(ROOT, name, file))));
  return manifests;
}
const all = build(optional);
const secrets = readManifests(path.join(ROOT, 'secrets.example.yaml'));

function find(kind: string, name: string, manifests = all): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  expect(found, `${kind} ${name}`).toBeDefined();
  return found!;
}
const pod = (deployment: Manifest) => deployment.spec.template.spec as PodSpec;
const deployments = () => all.filter((m) => m.kind === 'Deployment');
/** The Deployments that run the server image's `astri`: the API and the workers. */
const servers = () => deployments().filter((d) => pod(d).containers[0].args?.[1] === 'bin/astri.js');

/** The container port a probe or Service names, by name or number. */
function portNumber(container: Container, port: string | number): number | undefined {
  return typeof port === 'number' ? container.ports?.find((p) => p.containerPort === port)?.containerPort : container.ports?.find((p) => p.name === port)?.containerPort;
}
function flag(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index < 0 ? undefined : args[index + 1];
}
/** A generator's literals as a map: KEY=value. */
function literals(name: string): Record<string, string> {
  const generator = base.configMapGenerator?.find((g) => g.name === name);
  expect(generator, `configMapGenerator ${name}`).toBeDefined();
  return Object.fromEntries((generator!.literals ?? []).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('deploy/kubernetes', () => {
  it('lists every manifest in a kustomization, and every listed file exists', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
    const listed = new Set<string>([path.join(ROOT, 'kustomization.yaml'), path.join(ROOT, 'secrets.example.yaml')]);
    for (const file of base.resources ?? []) listed.add(path.join(ROOT, file));
    for (const generator of base.configMapGenerator ?? []) for (const file of generator.files ?? []) listed.add(path.join(ROOT, file));
    for (const [name, component] of Object.entries(components)) {
      expect(component.kind, name).toBe('Component');
      listed.add(path.join(ROOT, name, 'kustomization.yaml'));
      for (const file of component.resources ?? []) listed.add(path.join(ROOT, name, file));
    }
    for (const file of listed) expect(existsSync(file), path.relative(PROJECT_ROOT, file)).toBe(true);
    expect(files(ROOT).sort()).toEqual([...listed].sort());
    expect(Object.keys(components).sort()).toEqual(['gpu', 'keda', 'prometheus-hpa']);
    // The base says what each is, beside its commented-out `components:` list.
    const text = readFileSync(path.join(ROOT, 'kustomization.yaml'), 'utf8');
    for (const name of optional) expect(text, name).toMatch(new RegExp(`^#\\s+${name}\\s{2,}\\S`, 'm'));
    expect(text).toMatch(/^# components:\n#   - keda\n/m);
    // The example Secrets stay out of the build: placeholders must never be applied with the manifests.
    expect(base.resources).not.toContain('secrets.example.yaml');
  });

  it("selects its own pods: selectors match the template's labels, each Service one Deployment's pods on a port they serve", () => {
    for (const deployment of deployments()) {
      const labels = deployment.spec.template.metadata.labels as Record<string, string>;
      expect(labels, deployment.metadata.name).toMatchObject(deployment.spec.selector.matchLabels);
      // No two Deployments share their pods.
      const others = deployments().filter((d) => d !== deployment && Object.entries(d.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      expect(others.map((d) => d.metadata.name), deployment.metadata.name).toEqual([]);
    }
    const services = all.filter((m) => m.kind === 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['astri-api', 'astri-client']);
    for (const service of services) {
      const selected = deployments().filter((d) => Object.entries(service.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(selected, service.metadata.name).toHaveLength(1);
      for (const port of service.spec.ports) expect(portNumber(pod(selected[0]).containers[0], port.targetPort), `${service.metadata.name} ${port.name}`).toBeDefined();
    }
    const budget = find('PodDisruptionBudget', 'astri-api');
    expect(budget.spec.selector.matchLabels).toEqual(find('Deployment', 'astri-api').spec.selector.matchLabels);
  });

  it('runs two API replicas as `serve --role api`, ready on /readyz and alive on /healthz of the port they serve', () => {
    const api = find('Deployment', 'astri-api');
    expect(api.spec.replicas).toBe(2);
    const [container] = pod(api).containers;
    expect(container.args).toEqual(['node', 'bin/astri.js', '--config', '/etc/astri/config.yaml', 'serve', '--role', 'api']);
    const config = parseYaml(readFileSync(path.join(ROOT, 'config.yaml'), 'utf8')) as { server: { host: string; port: number } };
    expect(config.server.host).toBe('0.0.0.0');
    expect(portNumber(container, container.readinessProbe!.httpGet.port)).toBe(config.server.port);
    expect(portNumber(container, container.livenessProbe!.httpGet.port)).toBe(config.server.port);
    expect(container.readinessProbe!.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe!.httpGet.path).toBe('/healthz');
    expect(api.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(config.server.port));
  });

  it('runs the workers as `worker --port P --host 0.0.0.0`, ready on /readyz and alive on /healthz of P', () => {
    const workers = servers().filter((d) => pod(d).containers[0].args!.includes('worker'));
    expect(workers.map((w) => w.metadata.name).sort()).toEqual(['astri-worker', 'astri-worker-gpu']);
    for (const worker of workers) {
      const [container] = pod(worker).containers;
      const args = container.args!;
      expect(args.slice(0, 5), worker.metadata.name).toEqual(['node', 'bin/astri.js', '--config', '/etc/astri/config.yaml', 'worker']);
      expect(flag(args, '--host'), worker.metadata.name).toBe('0.0.0.0');
      const port = Number(flag(args, '--port'));
      expect(port, worker.metadata.name).toBe(8081);
      expect(portNumber(container, container.readinessProbe!.httpGet.port), worker.metadata.name).toBe(port);
      expect(portNumber(container, container.livenessProbe!.httpGet.port), worker.metadata.name).toBe(port);
      expect(container.readinessProbe!.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe!.httpGet.path).toBe('/healthz');
      expect(worker.spec.template.metadata.annotations['prometheus.io/port']).toBe(String(port));
    }
  });

  it('gives the API and every worker the config file, the database, the queue and the store, from Secrets that exist', () => {
    const s3 = literals('astri-s3');
    expect(Object.keys(s3).sort()).toEqual([...CONFIG_ENV].sort());
    for (const deployment of servers()) {
      const name = deployment.metadata.name;
      const spec = pod(deployment);
      const [container] = spec.containers;
      // The config file: the folder --config names is the astri-config ConfigMap, which holds config.yaml.
      const configFile = flag(container.args!, '--config')!;
      const mount = container.volumeMounts!.find((m) => m.mountPath === path.dirname(configFile));
      expect(spec.volumes!.find((v) => v.name === mount?.name)?.configMap?.name, name).toBe('astri-config');
      expect(base.configMapGenerator!.find((g) => g.name === 'astri-config')?.files, name).toEqual([path.basename(configFile)]);
      // Secrets by reference, each key present in the example.
      const fromSecrets = (container.env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
      expect(fromSecrets.map((e) => e.name).sort(), name).toEqual([...SECRET_ENV].sort());
      for (const variable of fromSecrets) {
        const { name: secret, key } = variable.valueFrom!.secretKeyRef!;
        expect(find('Secret', secret, secrets).stringData?.[key], `${name}: ${variable.name} from ${secret}.${key}`).toBeDefined();
      }
      expect(container.envFrom, name).toEqual([{ configMapRef: { name: 'astri-s3' } }]);
      expect(spec.securityContext?.runAsNonRoot, name).toBe(true);
    }
    // The example's values have the forms the service expects.
    expect(find('Secret', 'astri-database', secrets).stringData!.url).toMatch(/^postgresql:\/\//);
    expect(find('Secret', 'astri-redis', secrets).stringData!.url).toMatch(/^redis:\/\//);
  });

  it('has a config file that the service loads: S3 store, no demo generated per pod', () => {
    const config = loadConfig({ file: path.join(ROOT, 'config.yaml'), env: {} });
    expect(config.storage.url).toMatch(/^s3:\/\//);
    expect(config.demo.autoGenerate).toBe(false);
    expect(config.auth.anonymous).not.toBe('runner');
  });

  it('runs the GPU worker like the CPU one, on the CUDA image with one nvidia.com/gpu', () => {
    const cpu = pod(find('Deployment', 'astri-worker'));
    const gpu = pod(find('Deployment', 'astri-worker-gpu'));
    const [cpuContainer] = cpu.containers;
    const [gpuContainer] = gpu.containers;
    expect(gpuContainer.image).toBe('astri-server-gpu');
    expect(gpuContainer.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    expect(cpuContainer.resources?.limits?.['nvidia.com/gpu']).toBeUndefined();
    for (const key of ['args', 'ports', 'envFrom', 'readinessProbe', 'livenessProbe', 'volumeMounts'] as const) expect(gpuContainer[key], key).toEqual(cpuContainer[key]);
    // The same environment, plus the backend that makes a missing GPU an error.
    expect(gpuContainer.env!.filter((e) => e.name !== 'ASTRI_INFERENCE__BACKEND')).toEqual(cpuContainer.env);
    expect(gpuContainer.env!.find((e) => e.name === 'ASTRI_INFERENCE__BACKEND')?.value).toBe('tensorflow');
    expect(gpu.volumes).toEqual(cpu.volumes);
  });

  it("scales the CPU workers with KEDA on the length of the queue's wait list, and owns their count", () => {
    const keda = build(['keda']);
    const scaled = find('ScaledObject', 'astri-worker', keda);
    expect(scaled.spec.scaleTargetRef.name).toBe('astri-worker');
    find('Deployment', scaled.spec.scaleTargetRef.name, keda);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('redis');
    // BullMQ's own key for the queue's waiting jobs.
    expect(trigger.metadata.listName).toBe(new QueueKeys().toKey(QUEUE_NAME, 'wait'));
    expect(trigger.metadata.listName).toBe('bull:astri-batches:wait');
    expect(Number(trigger.metadata.listLength)).toBeGreaterThan(0);
    // Redis database 0, as in the pods' URL.
    expect(trigger.metadata.databaseIndex).toBe(new URL(find('Secret', 'astri-redis', secrets).stringData!.url).pathname.slice(1));
    const auth = find('TriggerAuthentication', trigger.authenticationRef.name, keda);
    for (const ref of auth.spec.secretTargetRef) expect(find('Secret', ref.name, secrets).stringData?.[ref.key], `${ref.name}.${ref.key}`).toBeDefined();
    expect(auth.spec.secretTargetRef.map((ref: { parameter: string }) => ref.parameter).sort()).toEqual(['address', 'password']);
    expect(components.keda.patches?.map((p) => [p.target.kind, p.target.name, parseYaml(p.patch)])).toEqual([['Deployment', 'astri-worker', [{ op: 'remove', path: '/spec/replicas' }]]]);
  });

  it('offers the HPA on astri_queue_jobs{state="waiting"} as the alternative, for the same Deployment', () => {
    const hpa = find('HorizontalPodAutoscaler', 'astri-worker', build(['prometheus-hpa']));
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'astri-worker' });
    expect(hpa.spec.metrics).toEqual([
      { type: 'External', external: { metric: { name: 'astri_queue_jobs', selector: { matchLabels: { state: 'waiting' } } }, target: { type: 'AverageValue', averageValue: '4' } } },
    ]);
    expect(components['prometheus-hpa'].patches).toEqual(components.keda.patches);
  });

  it("points the dashboard's nginx at the API Service by its full DNS name, and the Ingress at the dashboard", () => {
    const [client] = pod(find('Deployment', 'astri-client')).containers;
    const serverUrl = client.env!.find((e) => e.name === 'ASTRI_SERVER_URL')!.value!;
    const api = find('Service', 'astri-api');
    // nginx's resolver ignores resolv.conf's search domains: the name must be complete.
    expect(serverUrl).toBe(`http://${api.metadata.name}.${base.namespace}.svc.cluster.local:${api.spec.ports[0].port}`);
    // The client image's entrypoint takes that value.
    const rendered = spawnSync('sh', ['-c', '. docker/nginx/15-astri-upstream.envsh && printf "%s" "$ASTRI_UPSTREAM_SERVERS"'], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH, ASTRI_SERVER_URL: serverUrl, ASTRI_RESOLVER: '10.96.0.10' },
      encoding: 'utf8',
    });
    expect(rendered.status, rendered.stderr).toBe(0);
    expect(rendered.stdout).toBe(`server ${new URL(serverUrl).host} resolve;`);
    expect(portNumber(client, client.readinessProbe!.httpGet.port)).toBe(8080);
    expect(client.readinessProbe!.httpGet.path).toBe('/nginx-health');

    const ingress = find('Ingress', 'astri');
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    const service = find('Service', backend.name);
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(backend.port.name);
    // Subscriptions stream for as long as a run lasts: no buffering, an hour before an idle stream is closed.
    expect(ingress.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/proxy-buffering': 'off', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600' });
  });

  it("names only images the kustomization sets, the ones compose builds", () => {
    const images = all.flatMap((m) => (m.kind === 'Deployment' ? pod(m).containers.map((c) => c.image) : []));
    expect([...new Set(images)].sort()).toEqual(['astri-client', 'astri-server', 'astri-server-gpu']);
    expect(base.images?.map((image) => [image.name, path.basename(image.newName)])).toEqual([
      ['astri-server', 'astri-server'],
      ['astri-server-gpu', 'astri-server-gpu'],
      ['astri-client', 'astri-client'],
    ]);
  });
});
