// Builds the HTTP application without listening: GraphQL (Yoga), images, health, metrics and the
// dashboard's static files. Tests call `app.yoga.fetch`; serve.ts adds the socket and WebSockets.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { getOperationAST, GraphQLError, Kind, parse, print } from 'graphql';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { Authenticator, can } from './auth/authenticator.ts';
import { Cluster } from './cluster/index.ts';
import { TokenService } from './auth/tokens.ts';
import { PROJECT_ROOT, type Config } from './config.ts';
import { openDatabase } from './data/db.ts';
import { configuredDatabase } from './data/database-url.ts';
import { DatasetCatalog } from './data/dataset-catalog.ts';
import { EventCatalog } from './data/event-catalog.ts';
import { DomainError, isDiskFullError, RetryLaterError } from './errors.ts';
import { ModelRegistry } from './models/model-registry.ts';
import { createTelemetry, registerQueueMetrics, type Telemetry } from './observability/telemetry.ts';
import { BatchProcessing, startBatchWorker } from './predictions/batch-processing.ts';
import { batchSizesToWarmUp } from './predictions/batches.ts';
import { PredictionService } from './predictions/prediction-service.ts';
import { DatasetUploads } from './uploads/dataset-uploads.ts';
import type { Context, Services } from './schema/builder.ts';
import { schema } from './schema/index.ts';
import { GRAPHIQL_EXAMPLES } from './schema/graphiql-examples.ts';
import { checkConfiguredBuckets, objectStoreFor, sharedStoreLocation } from './storage/index.ts';
import { DatasetFiles } from './data/dataset-files.ts';
import { PixelStoreConversion } from './data/pixel-store-conversion.ts';

export const CLIENT_DIST = path.join(PROJECT_ROOT, 'client', 'dist');

export interface App {
  yoga: YogaServerInstance<Record<string, never>, Context>;
  services: Services;
  telemetry: Telemetry;
  /** Why the app is not ready yet, or null once the data and model are loaded and warmed up. */
  readiness(): string | null;
  /** Parses and validates the GraphiQL examples once, so that the first client's operations find graphql-js compiled. */
  rehearseOperations(): void;
  markReady(): void;
  close(): Promise<void>;
}

export interface BuildAppOptions {
  telemetry?: Telemetry;
}

/** Opens the database and wires the services; the model is loaded by `loadModel` (it can take a while). */
export async function buildApp(config: Config, options: BuildAppOptions = {}): Promise<App> {
  const telemetry = options.telemetry ?? createTelemetry({ level: config.log.level });
  // A store that cannot be used stops the start here, with its reason, rather than failing every upload later.
  await checkConfiguredBuckets(config);
  // With a queue, a Redis that does not answer stops the start here too.
  const cluster = config.queue.url ? await Cluster.open(config.queue.url) : null;
  const db = await openDatabase(configuredDatabase(config));
  // One client for every object-store read and write; it opens no connection until a request is made.
  const objectStore = objectStoreFor(config);
  const infersHere = config.server.role === 'all';
  const models = new ModelRegistry(db, config, { warmupBatchSizes: batchSizesToWarmUp(config.inference.batchSize), objectStore, infersHere });
  const datasets = new DatasetCatalog(db);
  const datasetFiles = new DatasetFiles(db, sharedStoreLocation(config), () => objectStore, config.storage.concurrency);
  const predictions = new PredictionService(db, datasets, models, config, telemetry, datasetFiles, cluster);
  // `astri serve` with a queue takes batches too, as one more worker; an API replica (role api) does not.
  const batchWorker = cluster && infersHere ? startBatchWorker(config, new BatchProcessing(db, models, datasetFiles, config, telemetry), 'all') : null;
  if (cluster) registerQueueMetrics(telemetry, { counts: () => cluster.queue.counts(), stalledJobs: () => cluster.queue.stalledJobs, workers: () => cluster.workers() });
  const uploads = new DatasetUploads(db, datasets, config, { logger: telemetry.logger, objectStore, datasetFiles });
  const interruptedIngests = await uploads.recoverInterrupted();
  if (interruptedIngests > 0) telemetry.logger.warn({ datasets: interruptedIngests }, 'marked dataset uploads interrupted by the last stop as failed');
  let notReady: string | null = 'loading the model';
  const tokens = new TokenService(db);
  const auth = new Authenticator(config, tokens);
  let lastDecile = -1;
  const pixelStoreConversion = new PixelStoreConversion(db, config.data.pixelStore, {
    onProgress: ({ done, total }, newlyConverted) => {
      telemetry.pngDecodes.inc({ stage: 'convert' }, newlyConverted);
      const decile = total === 0 ? 10 : Math.floor((10 * done) / total);
      if (total === 0 || decile === lastDecile) return;
      lastDecile = decile;
      telemetry.logger.info({ done, total }, `pixel store: converting registered images, ${decile * 10}%`);
    },
    onError: (error) => telemetry.logger.error({ err: error }, 'pixel store: conversion failed; runs read the PNGs instead'),
  });
  const services: Services = {
    config,
    db,
    datasets,
    catalog: new EventCatalog(db),
    models,
    predictions,
    uploads,
    datasetFiles,
    tokens,
    auth,
    pixelStoreConversion,
    cluster,
    readiness: () => notReady,
  };

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    context: async (initial) => ({ services, principal: await auth.authenticate(credentialsOf(initial)) }),
    graphqlEndpoint: '/graphql',
    graphiql: { title: 'ASTRI inference API', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_EXAMPLES },
    // The bundled renderer serves GraphiQL's script, styles and editor workers from this server: the
    // default one loads them from a CDN, a blank page on an offline observatory network.
    renderGraphiQL,
    landingPage: false,
    logging: false,
    // Same origin only unless server.corsOrigins names the pages allowed to call the API.
    cors: config.server.corsOrigins.length
      ? { origin: [...config.server.corsOrigins], credentials: false, allowedHeaders: ['content-type', 'authorization', 'x-graphql-yoga-csrf', 'graphql-require-preflight'], methods: ['GET', 'POST'] }
      : false,
    maskedErrors: { maskError: (error, message) => toClientError(error, message) },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 10 },
        maxAliases: { n: 20 },
        maxTokens: { n: 2000 },
        costLimit: { maxCost: 20000 },
        blockFieldSuggestion: { enabled: false },
      }),
      requireAuthentication(),
      countOperations(telemetry),
      routes({ services, telemetry, readiness: () => notReady }),
      securityHeaders(),
    ],
  });

  return {
    yoga,
    services,
    telemetry,
    readiness: () => notReady,
    rehearseOperations: () => rehearseOperations(yoga),
    markReady: () => {
      notReady = null;
    },
    close: async () => {
      await pixelStoreConversion.stop();
      await uploads.shutdown();
      await batchWorker?.close();
      await predictions.shutdown();
      await cluster?.close();
      await models.close();
      objectStore.close();
      await db.$disconnect();
    },
  };
}

/**
 * Each GraphiQL example through the envelop parse and validate a request would take (nothing is executed, so
 * nothing is counted): the first subscribe after a start took 7-11 ms more than the next ones in graphql-js's
 * parser and validation rules. The client's own operations are other strings, but the code is then compiled.
 */
function rehearseOperations(yoga: YogaServerInstance<Record<string, never>, Context>): void {
  const { parse: parseChecked, validate, schema: envelopedSchema } = yoga.getEnveloped({});
  for (const definition of parse(GRAPHIQL_EXAMPLES).definitions) {
    try {
      validate(envelopedSchema, parseChecked(print({ kind: Kind.DOCUMENT, definitions: [definition] })));
    } catch {
      // An example the limits refuse (GraphiQL would show it refused too) is no reason not to start.
    }
  }
}

/**
 * The credentials of a request: the Authorization header (HTTP, SSE), or the graphql-ws connectionParams
 * `authorization` ("Bearer <token>") or `token`.
 */
function credentialsOf(initial: object): string | null {
  const params = (initial as { connectionParams?: Record<string, unknown> }).connectionParams;
  if (params) {
    const value = params.authorization ?? params.Authorization ?? params.token;
    if (typeof value === 'string') return value;
  }
  const request = (initial as { request?: Request }).request;
  return request?.headers?.get('authorization') ?? null;
}

/** Every operation needs an authenticated principal; which operations a role may run, the resolvers ask. */
function requireAuthentication(): Plugin<Context> {
  const refuse = (context: Context) =>
    new GraphQLError(context.principal.problem ?? 'authentication required', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
    });
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue as Context;
      if (!can(context.principal, 'read')) setResultAndStopExecution({ errors: [refuse(context)] });
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const context = args.contextValue as Context;
      if (!can(context.principal, 'read')) setResultAndStopExecution({ errors: [refuse(context)] });
    },
  };
}

/** The one place where domain errors become GraphQL errors with a code; the rest stay masked. */
function toClientError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  if (original instanceof DomainError) {
    return new GraphQLError(original.message, {
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: {
        code: original.code,
        ...(original.field ? { field: original.field } : {}),
        ...(original instanceof RetryLaterError ? { retryAfterSeconds: original.retryAfterSeconds } : {}),
      },
    });
  }
  // A variable missing or of the wrong type (graphql-js keeps a scalar's TypeError as the cause): the message names
  // the variable and what the client sent, and says what is wrong.
  if (error instanceof GraphQLError && !error.path && /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" /.test(error.message)) {
    return new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  if (isDiskFullError(original)) {
    return new GraphQLError("the server's disk is full: this change was not made, what was stored before is intact and reads keep working; ask its administrator to free space", {
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'INSUFFICIENT_STORAGE' },
    });
  }
  if (original instanceof GraphQLError && !(error instanceof GraphQLError && error.originalError)) return original;
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

function countOperations(telemetry: Telemetry): Plugin {
  return {
    onExecute: ({ args }) => {
      const operation = getOperationAST(args.document, args.operationName)?.name?.value ?? 'anonymous';
      telemetry.requests.inc({ operation });
      return {
        onExecuteDone: ({ result }) => {
          if (!('errors' in result) || !result.errors) return;
          // Runs before masking: read the code from the domain error itself.
          for (const error of result.errors) {
            const original = error.originalError;
            const code = original instanceof DomainError ? original.code : original ? 'INTERNAL_SERVER_ERROR' : String(error.extensions?.code ?? 'BAD_REQUEST');
            telemetry.errors.inc({ code });
          }
        },
      };
    },
  };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const API_PREFIXES = ['/images/', '/healthz/', '/readyz/', '/metrics/'];

function notFound(pathname: string): Response {
  return new Response(`nothing at ${pathname}`, { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
}

/**
 * The dashboard's page may run only its own scripts and connect only to this server. Lit writes a few style
 * attributes (style-src 'unsafe-inline'); nothing runs inline. GraphiQL's page (its own inline bootstrap) is left out.
 */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response; the content security policy on the dashboard's HTML. */
function securityHeaders(): Plugin {
  return {
    onResponse({ request, response }) {
      const headers = response.headers;
      headers.set('x-content-type-options', 'nosniff');
      headers.set('referrer-policy', 'no-referrer');
      headers.set('cross-origin-opener-policy', 'same-origin');
      headers.set('cross-origin-resource-policy', 'same-origin');
      const html = (headers.get('content-type') ?? '').startsWith('text/html');
      if (html && !new URL(request.url).pathname.startsWith('/graphql')) {
        headers.set('content-security-policy', DASHBOARD_CSP);
        headers.set('x-frame-options', 'DENY');
      }
    },
  };
}

/** Readiness also means the database (and the queue's Redis) answer now: a replica cut off from them takes no traffic. */
async function dependencyProblem(services: Services): Promise<string | null> {
  const within = <T>(promise: Promise<T>, what: string) =>
    Promise.race([promise.then(() => null), new Promise<string>((resolve) => setTimeout(() => resolve(`${what} did not answer within 2 s`), 2000).unref())]).catch(
      () => `${what} does not answer`,
    );
  return (await within(services.db.$queryRaw`SELECT 1`, 'the database')) ?? (services.cluster ? await within(services.cluster.ping(), "the queue's Redis") : null);
}

/** Non-GraphQL routes: health, readiness, Prometheus metrics, event images, the dashboard. */
function routes(deps: { services: Services; telemetry: Telemetry; readiness: () => string | null }): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      const { pathname } = url;
      // Refuse an oversized body before it is read into memory: uploads (multipart) up to server.maxUploadBytes,
      // any other request (a query and its variables) up to server.maxRequestBytes.
      const length = Number(request.headers.get('content-length') ?? 0);
      const { maxUploadBytes, maxRequestBytes } = deps.services.config.server;
      if (request.method === 'POST' && length > maxUploadBytes) {
        return endResponse(
          Response.json({ errors: [{ message: `request body of ${length} bytes exceeds the upload limit of ${maxUploadBytes} bytes (server.maxUploadBytes)`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }, { status: 413 }),
        );
      }
      if (request.method === 'POST' && length > maxRequestBytes && !/^multipart\//i.test(request.headers.get('content-type') ?? '')) {
        return endResponse(
          Response.json(
            { errors: [{ message: `request body of ${length} bytes exceeds the limit of a request that is not an upload, ${maxRequestBytes} bytes (server.maxRequestBytes)`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] },
            { status: 413 },
          ),
        );
      }
      // The multipart parser holds files in memory until the resolver runs: a chunked body could be any size,
      // so an upload over HTTP must say how large it is (browsers, curl -F and fetch with FormData do).
      if (request.method === 'POST' && request.headers.has('transfer-encoding') && !request.headers.has('content-length') && /^multipart\//i.test(request.headers.get('content-type') ?? '')) {
        return endResponse(
          Response.json(
            { errors: [{ message: 'a multipart upload must declare its size (Content-Length), so that one over the upload limit (server.maxUploadBytes) is refused before it is read; send it with a client that sets the header', extensions: { code: 'LENGTH_REQUIRED' } }] },
            { status: 411 },
          ),
        );
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (pathname === '/healthz') return endResponse(Response.json({ status: 'ok' }));
      if (pathname === '/readyz') {
        const reason = deps.readiness() ?? (await dependencyProblem(deps.services));
        return endResponse(Response.json(reason ? { status: 'not ready', reason } : { status: 'ready' }, { status: reason ? 503 : 200 }));
      }
      if (pathname === '/metrics' || pathname.startsWith('/images/')) {
        // Data: a token where one is required. An <img> cannot send a header: the dashboard's cookie stands in.
        const principal = await deps.services.auth.authenticate(request.headers.get('authorization') ?? imageCookie(request, pathname));
        if (!can(principal, 'read')) {
          return endResponse(new Response(principal.problem ?? 'authentication required', { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' } }));
        }
      }
      if (pathname === '/metrics') {
        const body = await deps.telemetry.registry.metrics();
        return endResponse(new Response(body, { headers: { 'content-type': deps.telemetry.registry.contentType } }));
      }
      const image = /^\/images\/(\d+)\.png$/.exec(pathname);
      if (image) return endResponse(await eventImage(deps.services, Number(image[1])));
      if (pathname === '/graphql' || pathname.startsWith('/graphql/')) return;
      // Under the API's own prefixes an unknown path is a 404: only the dashboard's routes fall back to its page.
      if (API_PREFIXES.some((prefix) => pathname.startsWith(prefix))) return endResponse(notFound(pathname));
      return endResponse(await staticFile(pathname));
    },
  };
}

/** The dashboard's token cookie (path /images/), for image requests only. */
function imageCookie(request: Request, pathname: string): string | null {
  if (!pathname.startsWith('/images/')) return null;
  const match = /(?:^|;\s*)astri_token=([^;]+)/.exec(request.headers.get('cookie') ?? '');
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

async function eventImage(services: Services, eventId: number): Promise<Response> {
  const file = await services.catalog.imageFile(eventId);
  if (!file) return new Response(`no event ${eventId}`, { status: 404 });
  if (!existsSync(file)) await services.datasetFiles.ensureLocalForEvent(eventId).catch(() => undefined);
  try {
    return new Response(await readFile(file), { headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400, immutable' } });
  } catch {
    return new Response(`the image of event ${eventId} is missing on the server`, { status: 404 });
  }
}

async function staticFile(pathname: string): Promise<Response> {
  if (!existsSync(path.join(CLIENT_DIST, 'index.html'))) {
    return new Response('The dashboard is not built: run `npm run build:client` (npm start does it). The API is at /graphql.', {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
  }
  // Resolve inside dist only; anything unknown falls back to the page (client-side state lives in the URL).
  const relative = path.normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  let file = path.join(CLIENT_DIST, relative);
  if (!file.startsWith(CLIENT_DIST) || relative === '/' || !existsSync(file) || !path.extname(file)) file = path.join(CLIENT_DIST, 'index.html');
  const type = CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
  const immutable = file.includes(`${path.sep}assets${path.sep}`);
  return new Response(await readFile(file), { headers: { 'content-type': type, 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' } });
}
