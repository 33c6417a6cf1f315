// One config loader: embedded config.yaml, then an optional --config file, then ASTRI_* environment.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const EMBEDDED_CONFIG_FILE = path.join(PROJECT_ROOT, 'config.yaml');
export const ENV_PREFIX = 'ASTRI_';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
/** 0 = unlimited. */
const runLimits = z.object({ concurrentRuns: z.number().int().min(0), eventsPerHour: z.number().int().min(0) }).strict();

const ConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().min(1),
        port,
        maxUploadBytes: positiveInt,
        maxUnpackedUploadBytes: positiveInt,
        /** GraphQL requests that are not uploads (JSON bodies): queries and variables are small. */
        maxRequestBytes: positiveInt,
        /** Origins whose pages may call the API from a browser (CORS); empty: same origin only. */
        corsOrigins: z.array(z.string().regex(/^https?:\/\/[^/]+$/, 'an origin is scheme://host[:port], without a path')),
        /** all: API, dashboard and inference in one process; api: no model loaded, batches go to the queue's workers. */
        role: z.enum(['all', 'api']),
      })
      .strict(),
    data: z
      .object({
        dir: z.string().min(1),
        database: z.string().min(1),
        inferenceDir: z.string().min(1),
        pixelStore: z.string().min(1),
        convertAtStart: z.boolean(),
      })
      .strict(),
    database: z
      .object({
        /** null: the SQLite file data.database; postgresql://... : PostgreSQL. */
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgresql://user:password@host:port/database URL, or null for the SQLite file data.database')
          .nullable(),
      })
      .strict(),
    queue: z
      .object({
        /** null: runs are inferred in this process; redis://host:6379/0: per-batch jobs go through a BullMQ queue. */
        url: z
          .string()
          .regex(/^rediss?:\/\/.+/, 'must be a redis://[user:password@]host:port[/db] URL, or null to infer in this process')
          .nullable(),
        /** How soon the batches of a worker that died are given to another; the same on every worker. */
        stalledIntervalMs: z.number().int().min(500).max(600_000),
        /** Batches a worker holds at once (one read while another is inferred). */
        workerConcurrency: z.number().int().min(1).max(64),
        /** Models a worker keeps loaded; the least recently used one is closed beyond this. */
        modelCacheSize: z.number().int().min(1).max(64),
      })
      .strict(),
    energyBins: z
      .object({
        edgesTeV: z
          .array(z.number().positive())
          .min(2)
          .refine((edges) => edges.every((e, i) => i === 0 || e > edges[i - 1]), 'edges must be strictly increasing'),
      })
      .strict(),
    inference: z
      .object({
        backend: z.enum(['auto', 'onnxruntime', 'tensorflow', 'wasm', 'cpu']),
        batchSize: z.number().int().min(1).max(8192),
        threads: z.number().int().min(0).max(256),
        model: z.string().min(1),
        classNames: z.array(z.string().min(1)).min(2).optional(),
        /** For a Keras model with several outputs: the one served (its layer name, or index); default: the first class probability. */
        outputName: z.string().min(1).optional(),
        pixelScale: z.number().positive(),
      })
      .strict(),
    prediction: z
      .object({
        maxEventsPerClass: positiveInt,
        maxSamples: z.number().int().min(0).max(100),
        defaultThreshold: z.number().min(0).max(1),
        histogramBins: z.number().int().min(2).max(1000),
        maxActiveRuns: positiveInt,
      })
      .strict(),
    demo: z
      .object({
        seed: z.number().int(),
        eventsPerBin: positiveInt,
        autoGenerate: z.boolean(),
        multiclassEventsPerClass: z.number().int().min(0),
        multiclassModel: z.string().min(1),
      })
      .strict(),
    storage: z
      .object({
        url: z
          .string()
          .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must look like s3://bucket/prefix')
          .nullable(),
        endpoint: z.string().url().nullable(),
        region: z.string().min(1).nullable(),
        forcePathStyle: z.boolean().nullable(),
        concurrency: z.number().int().min(1).max(256),
        maxAttempts: z.number().int().min(1).max(20),
        requestTimeoutMs: z.number().int().min(100),
      })
      .strict(),
    auth: z
      .object({
        anonymous: z.enum(['none', 'reader', 'runner']),
        /** Single sign-on: bearer JWTs checked against the issuer's published keys. */
        jwt: z
          .object({
            issuer: z.string().min(1),
            audience: z.string().min(1).optional(),
            jwksUrl: z.string().url(),
            roleClaim: z.string().min(1).default('astri_role'),
            defaultRole: z.enum(['none', 'reader', 'runner']).default('none'),
          })
          .strict()
          .optional(),
        limits: z
          .object({
            reader: runLimits,
            runner: runLimits,
            admin: runLimits,
          })
          .strict(),
      })
      .strict(),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
      })
      .strict(),
  })
  .strict()
  .superRefine((config, context) => {
    if (config.server.role === 'api' && !config.queue.url) {
      context.addIssue({ code: 'custom', path: ['server', 'role'], message: 'an API replica (role api) infers nothing itself: set queue.url (env ASTRI_QUEUE__URL) to the Redis its workers take batches from, or use role all' });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

/** Keys holding file-system paths: resolved against the directory of whoever set them. */
const PATH_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['data', 'dir'],
  ['data', 'database'],
  ['data', 'inferenceDir'],
  ['data', 'pixelStore'],
  ['inference', 'model'],
  ['demo', 'multiclassModel'],
];

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message);
  }
}

type Plain = Record<string, unknown>;

export interface LoadConfigOptions {
  /** A YAML file deep-merged over the embedded defaults. */
  file?: string;
  /** Environment to read ASTRI_* overrides from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Last-word overrides from code or command-line flags, e.g. { server: { port: 0 } }. */
  overrides?: Plain;
}

/** Loads, merges and validates the configuration; throws ConfigError listing every bad key. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const embedded = resolvePaths(readYamlFile(EMBEDDED_CONFIG_FILE), PROJECT_ROOT);
  let merged = embedded;
  if (options.file) {
    const file = path.resolve(options.file);
    if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
    merged = deepMerge(merged, resolvePaths(readYamlFile(file), path.dirname(file)));
  }
  merged = deepMerge(merged, resolvePaths(envOverrides(options.env ?? process.env, embedded), process.cwd()));
  if (options.overrides) merged = deepMerge(merged, resolvePaths(options.overrides, process.cwd()));

  const result = ConfigSchema.safeParse(merged);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => describeIssue(issue));
    throw new ConfigError(`invalid configuration:\n  ${issues.join('\n  ')}`, issues);
  }
  return deepFreeze(result.data);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const where = key ? `${key}.` : '';
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${where}${k}"`).join(', ')} (set by config file or ${ENV_PREFIX}* environment)`;
  }
  return `"${key}": ${issue.message} (env ${envNameFor(issue.path.map(String))})`;
}

/** The environment variable that overrides a config key: ["inference","batchSize"] -> ASTRI_INFERENCE__BATCH_SIZE. */
export function envNameFor(keyPath: string[]): string {
  return ENV_PREFIX + keyPath.filter((k) => !/^\d+$/.test(k)).map(toScreamingSnake).join('__');
}

function toScreamingSnake(key: string): string {
  // A final lone capital stays with its word: edgesTeV -> EDGES_TEV.
  return key.replace(/([a-z0-9])([A-Z])(?![A-Z]?$)/g, '$1_$2').toUpperCase();
}

/** Finds the config key an environment segment names (EDGES_TEV -> edgesTeV) among the known keys. */
function keyForSegment(segment: string, known: Plain | undefined): string {
  const wanted = segment.replace(/_/g, '').toLowerCase();
  const match = Object.keys(known ?? {}).find((key) => key.toLowerCase() === wanted);
  return match ?? segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function envOverrides(env: NodeJS.ProcessEnv, known: Plain): Plain {
  const out: Plain = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const keyPath: string[] = [];
    let level: Plain | undefined = known;
    for (const segment of name.slice(ENV_PREFIX.length).split('__')) {
      const key = keyForSegment(segment, level);
      keyPath.push(key);
      level = isPlain(level?.[key]) ? (level![key] as Plain) : undefined;
    }
    let node = out;
    for (const key of keyPath.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Plain;
    }
    node[keyPath[keyPath.length - 1]] = parseEnvValue(raw);
  }
  return out;
}

/** Environment values are YAML scalars or flow sequences; bare comma lists become arrays too. */
function parseEnvValue(raw: string): unknown {
  if (/^[^[{"']*,/.test(raw)) return raw.split(',').map((part) => parseEnvValue(part.trim()));
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

function readYamlFile(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file} must hold a mapping of sections (server, data, ...)`);
  }
  return parsed as Plain;
}

function resolvePaths(config: Plain, baseDir: string): Plain {
  const out = structuredClone(config);
  for (const [section, key] of PATH_KEYS) {
    const node = out[section] as Plain | undefined;
    const value = node?.[key];
    // s3://bucket/key (a model in object storage) is a location, not a path.
    if (typeof value === 'string' && value.length > 0 && !/^s3:\/\//i.test(value)) node![key] = path.resolve(baseDir, value);
  }
  return out;
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isPlain(value) && isPlain(out[key]) ? deepMerge(out[key] as Plain, value) : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
