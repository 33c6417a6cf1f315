// `astri worker`: takes batch jobs from the queue and runs nothing else (no API, no dashboard). Optionally
// serves /healthz, /readyz and /metrics on its own port for probes and Prometheus.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkRedis, type BatchWorker } from './cluster/index.ts';
import { ConfigError, type Config } from './config.ts';
import { configuredDatabase } from './data/database-url.ts';
import { DatasetFiles } from './data/dataset-files.ts';
import { openDatabase } from './data/db.ts';
import { whileHoldingStartupLock } from './data/startup-lock.ts';
import { ModelRegistry } from './models/model-registry.ts';
import { createTelemetry } from './observability/telemetry.ts';
import { batchSizesToWarmUp } from './predictions/batches.ts';
import { BatchProcessing, startBatchWorker } from './predictions/batch-processing.ts';
import { objectStoreFor, sharedStoreLocation } from './storage/index.ts';

export interface RunningWorker {
  worker: BatchWorker;
  /** http://host:port of the probes and metrics, or null without --port. */
  url: string | null;
  /** Resolves once the worker takes jobs and the default model is loaded (or failed to: it loads models per job). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerStartOptions {
  /** Serve probes and metrics on this port (0: any free one); none when undefined. */
  port?: number;
  host?: string;
  onProgress?: (line: string) => void;
}

export async function startWorker(config: Config, options: WorkerStartOptions = {}): Promise<RunningWorker> {
  if (!config.queue.url) throw new ConfigError('astri worker takes its batches from a queue: set queue.url (env ASTRI_QUEUE__URL) to the Redis the API replicas use');
  const telemetry = createTelemetry({ level: config.log.level });
  await checkRedis(config.queue.url);
  const db = await openDatabase(configuredDatabase(config));
  const objectStore = objectStoreFor(config);
  const models = new ModelRegistry(db, config, { warmupBatchSizes: batchSizesToWarmUp(config.inference.batchSize), objectStore, maxEngines: config.queue.modelCacheSize });
  const files = new DatasetFiles(db, sharedStoreLocation(config), () => objectStore, config.storage.concurrency);
  const processing = new BatchProcessing(db, models, files, config, telemetry);
  const worker = startBatchWorker(config, processing, 'worker');
  let notReady: string | null = 'connecting to the queue';

  const ready = (async () => {
    await worker.waitUntilReady();
    notReady = 'loading the default model';
    const say = options.onProgress ?? (() => {});
    try {
      say(`loading model ${config.inference.model}`);
      // Registered under the startup lock: API replicas may be registering the same file at this moment.
      const model = await whileHoldingStartupLock(configuredDatabase(config), () => models.loadDefault());
      processing.lastBackend = await models.backend();
      telemetry.logger.info({ model: model.name, backend: processing.lastBackend }, 'worker: default model loaded');
    } catch (error) {
      telemetry.logger.warn({ err: error }, 'worker: the default model could not be loaded; models are loaded as batches ask for them');
    }
    notReady = null;
  })();

  let server: Server | null = null;
  let url: string | null = null;
  if (options.port !== undefined) {
    server = createServer((request, response) => {
      const pathname = new URL(request.url ?? '/', 'http://worker').pathname;
      const json = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (pathname === '/healthz') return json(200, { status: 'ok', worker: worker.id });
      if (pathname === '/readyz') return notReady ? json(503, { status: 'not ready', reason: notReady }) : json(200, { status: 'ready', worker: worker.id });
      if (pathname === '/metrics') {
        void telemetry.registry.metrics().then((body) => response.writeHead(200, { 'content-type': telemetry.registry.contentType }).end(body));
        return;
      }
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`nothing at ${pathname}: a worker serves /healthz, /readyz and /metrics`);
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(options.port, options.host ?? config.server.host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    url = `http://${options.host ?? config.server.host}:${port}`;
  }

  return {
    worker,
    url,
    ready,
    stop: async () => {
      // The batches it holds are finished first: nothing is left for the stalled-job check.
      await worker.close();
      await models.close();
      objectStore.close();
      await db.$disconnect();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}
