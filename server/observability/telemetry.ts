// Prometheus metrics and the structured logger, created once per app and passed to services.
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Telemetry {
  logger: Logger;
  registry: Registry;
  requests: Counter<'operation'>;
  errors: Counter<'code'>;
  runs: Counter<'status'>;
  runsInFlight: Gauge;
  inferenceSeconds: Histogram;
  batchSize: Histogram;
  imagesPerSecond: Gauge;
  queueDepth: Gauge;
  pngDecodes: Counter<'stage'>;
}

export function createTelemetry(options: { level: string; destination?: NodeJS.WritableStream }): Telemetry {
  const logger = pino({ level: options.level, base: { service: 'astri' } }, options.destination ?? process.stderr);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'astri_process_' });
  return {
    logger,
    registry,
    requests: new Counter({ name: 'astri_graphql_requests_total', help: 'GraphQL operations executed', labelNames: ['operation'], registers: [registry] }),
    errors: new Counter({ name: 'astri_graphql_errors_total', help: 'GraphQL errors returned, by extensions.code', labelNames: ['code'], registers: [registry] }),
    runs: new Counter({ name: 'astri_prediction_runs_total', help: 'Prediction runs finished, by final status', labelNames: ['status'], registers: [registry] }),
    runsInFlight: new Gauge({ name: 'astri_prediction_runs_in_flight', help: 'Prediction runs now running', registers: [registry] }),
    inferenceSeconds: new Histogram({
      name: 'astri_inference_batch_seconds',
      help: 'Model time per inference batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    batchSize: new Histogram({ name: 'astri_inference_batch_size', help: 'Images per inference batch', buckets: [1, 8, 32, 64, 128, 256, 512, 1024, 2048], registers: [registry] }),
    imagesPerSecond: new Gauge({ name: 'astri_images_per_second', help: 'Throughput of the last finished prediction run', registers: [registry] }),
    queueDepth: new Gauge({ name: 'astri_inference_queue_depth', help: 'Inference batches waiting or running', registers: [registry] }),
    pngDecodes: new Counter({
      name: 'astri_png_decodes_total',
      help: 'Event images decoded from their PNG by this process: stage "predict" (a run read an image missing from the pixel store) or "convert" (the background conversion into the pixel store)',
      labelNames: ['stage'],
      registers: [registry],
    }),
  };
}

/** What /metrics tells of the queue: its jobs by state, the jobs re-run after a worker died, each live worker's rate. */
export interface QueueMetricsSource {
  counts(): Promise<{ waiting: number; active: number; delayed: number }>;
  stalledJobs(): number;
  workers(): Promise<ReadonlyArray<{ id: string; imagesPerSecond: number; batches: number }>>;
}

/** Gauges read from Redis at scrape time, so that every API replica reports the same queue. */
export function registerQueueMetrics(telemetry: Telemetry, source: QueueMetricsSource): void {
  const registers = [telemetry.registry];
  new Gauge({
    name: 'astri_queue_jobs',
    help: 'Batch jobs in the queue, by state (waiting: the depth to scale workers on)',
    labelNames: ['state'],
    registers,
    async collect() {
      const counts = await source.counts().catch(() => null);
      if (!counts) return;
      for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'astri_queue_stalled_jobs',
    help: 'Batch jobs this replica saw given to another worker because the worker holding them stopped (since start)',
    registers,
    collect() {
      this.set(source.stalledJobs());
    },
  });
  const perWorker = async () => source.workers().catch(() => []);
  new Gauge({
    name: 'astri_worker_images_per_second',
    help: 'Images inferred per second by each live worker, over its last minute',
    labelNames: ['worker'],
    registers,
    async collect() {
      this.reset();
      for (const worker of await perWorker()) this.set({ worker: worker.id }, worker.imagesPerSecond);
    },
  });
  new Gauge({
    name: 'astri_worker_batches',
    help: 'Batches inferred by each live worker since it started',
    labelNames: ['worker'],
    registers,
    async collect() {
      this.reset();
      for (const worker of await perWorker()) this.set({ worker: worker.id }, worker.batches);
    },
  });
}
