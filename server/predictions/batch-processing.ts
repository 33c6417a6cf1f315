// What a worker does with one batch job of the queue: fetch the dataset's files if this host lacks them, read
// the images (pixel store or PNG), infer them with the job's model, store the raw outputs in the shared
// prediction cache (an entry already there is kept: a batch re-run after a worker died adds nothing twice),
// and answer the outputs. Scoring and progress stay with the API replica that conducts the run.
import { BatchWorker, encodeOutputs, type BatchJob, type BatchJobResult } from '../cluster/index.ts';
import type { Config } from '../config.ts';
import type { DatasetFiles, SharedDataset } from '../data/dataset-files.ts';
import type { Db } from '../data/db.ts';
import { readImageBatch } from '../data/event-images.ts';
import { PixelStore } from '../data/pixel-store.ts';
import { storeCachedOutputs } from '../data/prediction-store.ts';
import { NotFoundError } from '../errors.ts';
import type { BackendInfo } from '../inference/index.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { Telemetry } from '../observability/telemetry.ts';

export class BatchProcessing {
  /** The backend of the engine that ran the last batch, for the worker's announcement. */
  lastBackend: BackendInfo | null = null;
  /** A dataset's folder and store location, read once per dataset rather than once per batch. */
  private readonly datasets = new Map<number, Promise<SharedDataset>>();

  constructor(
    private readonly db: Db,
    readonly models: ModelRegistry,
    private readonly files: DatasetFiles,
    private readonly config: Config,
    readonly telemetry: Telemetry,
  ) {}

  private dataset(id: number): Promise<SharedDataset> {
    let found = this.datasets.get(id);
    if (!found) {
      found = this.db.dataset.findUnique({ where: { id }, select: { id: true, rootDir: true, storeUrl: true } }).then((row) => {
        if (!row) throw new NotFoundError(`dataset ${id} was deleted`);
        return row;
      });
      this.datasets.set(id, found);
      // A dataset not found (or a failed read) is asked again by the next batch.
      found.catch(() => this.datasets.delete(id));
    }
    return found;
  }

  async process(job: BatchJob, worker: string): Promise<BatchJobResult> {
    await this.files.ensureLocal(await this.dataset(job.datasetId));
    const engine = await this.models.engineFor(job.modelId);
    this.lastBackend = engine.backend;
    const images = await readImageBatch(job.events, job.inputShape, PixelStore.for(this.config.data.pixelStore, job.inputShape));
    if (images.decodedFromPng > 0) this.telemetry.pngDecodes.inc({ stage: 'predict' }, images.decodedFromPng);
    const inferred = images.readable.map((index) => job.events[index].id);
    let outputs: Float32Array = new Float32Array(0);
    let inferenceMs = 0;
    let outputsPerImage = engine.description.outputUnits;
    if (inferred.length > 0) {
      this.telemetry.queueDepth.inc();
      const result = await engine.infer(images.pixels, inferred.length, { user: job.user, run: job.runId }).finally(() => this.telemetry.queueDepth.dec());
      ({ outputs, inferenceMs, outputsPerImage } = result);
      this.telemetry.inferenceSeconds.observe(inferenceMs / 1000);
      this.telemetry.batchSize.observe(inferred.length);
      await storeCachedOutputs(
        this.db,
        job.modelSha256,
        inferred.map((eventId, k) => ({ eventId, outputs: outputs.subarray(k * outputsPerImage, (k + 1) * outputsPerImage) })),
      );
    }
    return {
      inferred,
      outputs: encodeOutputs(outputs),
      outputsPerImage,
      errors: [...images.errors].map(([index, message]) => [job.events[index].id, message]),
      inferenceMs,
      worker,
      backend: engine.backend.name,
    };
  }
}

/** A queue worker in this process (`astri worker`, or `astri serve` with a queue): its batches go to `processing`. */
export function startBatchWorker(config: Config, processing: BatchProcessing, role: 'all' | 'worker'): BatchWorker {
  const { url, workerConcurrency, stalledIntervalMs } = config.queue;
  if (!url) throw new Error('a batch worker needs queue.url');
  return new BatchWorker((job, worker) => processing.process(job, worker), {
    url,
    concurrency: workerConcurrency,
    stalledIntervalMs,
    role,
    backend: async () => processing.lastBackend ?? (await processing.models.backend()),
    onError: (error) => processing.telemetry.logger.warn({ err: error }, 'queue worker: lost its connection to Redis, reconnecting'),
  });
}
