// Prediction runs: selection, the gamma/proton batch pipelines, progress, persistence.
// A run belongs to this service, not to a request: it starts, may be cancelled, and finishes
// whether or not anybody is still subscribed.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Db } from '../data/db.ts';
import { energyBinAt, type EnergyBin } from '../data/energy-bins.ts';
import { selectRandomEvents } from '../data/datasets.ts';
import { readImageBatch } from '../data/event-images.ts';
import { PixelStore } from '../data/pixel-store.ts';
import type { InferenceEngine } from '../inference/index.ts';
import { NotFoundError, UserInputError } from '../errors.ts';
import { computeMetrics, type PerformanceMetrics } from '../metrics/index.ts';
import type { ModelRegistry, RegisteredModel } from '../models/model-registry.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { splitIntoBatches } from './batches.ts';
import { PredictionCache } from './prediction-cache.ts';
import { ProgressChannel } from './progress-channel.ts';
import {
  FINAL_STATUSES,
  PARTICLES,
  type ClassCounts,
  type Particle,
  type PredictionBatch,
  type PredictInput,
  type ProgressMessage,
  type RunStatus,
  type ScoredEvent,
} from './types.ts';

/** Rows per INSERT statement (6 bound values each, far below SQLite's and PostgreSQL's limits). */
const PREDICTION_ROWS_PER_INSERT = 250;
/** Finished runs stay in memory this long for late subscribers; the database keeps them for good. */
const FINISHED_RUN_RETENTION_MS = 10 * 60_000;

export interface RunSummary {
  id: string;
  status: RunStatus;
  energyBin: EnergyBin;
  eventsPerClass: number;
  samples: number;
  seed: number;
  modelId: number;
  createdAt: Date;
  finishedAt: Date | null;
  elapsedMs: number | null;
  failedCount: number;
  error: string | null;
}

interface SelectedEvent {
  id: number;
  particle: Particle;
  energyTeV: number;
  file: string;
}

interface ClassPipeline {
  engine: InferenceEngine;
  model: RegisteredModel;
  cached: Map<number, number>;
  store: PixelStore;
  failed: AbortController;
  cacheWrites: Promise<void>[];
}

interface ActiveRun {
  summary: RunSummary;
  channel: ProgressChannel<ProgressMessage>;
  abort: AbortController;
  scored: ScoredEvent[];
  /** Gamma samples then proton samples, in selection order. */
  sampleIds: Set<number>;
  persisted: Promise<void> | null;
}

export class PredictionService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly cache: PredictionCache;
  private readonly inputSchema;

  constructor(
    private readonly db: Db,
    private readonly models: ModelRegistry,
    private readonly config: Config,
    private readonly telemetry: Telemetry,
  ) {
    this.cache = new PredictionCache(db);
    const { maxEventsPerClass, maxSamples } = config.prediction;
    this.inputSchema = z.object({
      energyBin: z.number().int(),
      eventsPerClass: z
        .number()
        .int()
        .min(1, `eventsPerClass must be between 1 and ${maxEventsPerClass}`)
        .max(maxEventsPerClass, `eventsPerClass must be between 1 and ${maxEventsPerClass}`),
      samples: z
        .number()
        .int()
        .min(0, `samples must be between 0 and ${maxSamples}`)
        .max(maxSamples, `samples must be between 0 and ${maxSamples}`)
        .default(0),
      modelId: z.string().nullish(),
      seed: z.number().int().nullish(),
      datasetId: z.string().nullish(),
    });
  }

  /** Validates, selects the events, and starts the run in the background. */
  async start(input: PredictInput): Promise<RunSummary> {
    const parsed = this.inputSchema.safeParse({ ...input, samples: input.samples ?? undefined });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UserInputError(issue.message, String(issue.path[0] ?? 'input'));
    }
    const { energyBin: binIndex, eventsPerClass, samples } = parsed.data;
    const bin = energyBinAt(this.config.energyBins.edgesTeV, binIndex);
    const model = await this.resolveModel(parsed.data.modelId);
    const seed = parsed.data.seed ?? Math.floor(Math.random() * 2 ** 31);

    const datasetId = await this.resolveDataset(parsed.data.datasetId);
    const selection = await this.selectEvents(bin, eventsPerClass, seed, datasetId);
    const sampleIds = new Set(PARTICLES.flatMap((particle) => selection[particle].slice(0, samples).map((event) => event.id)));

    const id = randomUUID();
    const row = await this.db.predictionRun.create({
      data: {
        id,
        modelId: model.id,
        energyBin: bin.index,
        energyMinTeV: bin.minTeV,
        energyMaxTeV: bin.maxTeV,
        eventsPerClass,
        samples,
        seed,
        status: 'running',
      },
    });
    const run: ActiveRun = {
      summary: { ...summaryOf(row, bin), status: 'running' },
      channel: new ProgressChannel(),
      abort: new AbortController(),
      scored: [],
      sampleIds,
      persisted: null,
    };
    this.active.set(id, run);
    this.telemetry.runsInFlight.inc();
    this.telemetry.logger.info({ runId: id, energyBin: bin.index, eventsPerClass, samples, seed, modelId: model.id }, 'prediction run started');
    void this.execute(run, model, selection);
    return run.summary;
  }

  /** Stops a running run after its current batches; a finished run is returned unchanged. */
  async cancel(runId: string): Promise<RunSummary> {
    const run = this.active.get(runId);
    if (run && !FINAL_STATUSES.has(run.summary.status)) {
      run.abort.abort();
      await waitForEnd(run.channel);
    }
    return this.get(runId);
  }

  async get(runId: string): Promise<RunSummary> {
    const run = this.active.get(runId);
    if (run) return run.summary;
    const row = await this.db.predictionRun.findUnique({ where: { id: runId } });
    if (!row) throw new NotFoundError(`unknown prediction run "${runId}"`, 'runId');
    return summaryOf(row, energyBinAt(this.config.energyBins.edgesTeV, row.energyBin));
  }

  /** Every progress message of a run: history first, then live ones until it finishes. */
  async *progress(runId: string, signal?: AbortSignal): AsyncGenerator<ProgressMessage> {
    const run = this.active.get(runId);
    if (run) {
      yield* run.channel.subscribe(signal);
      return;
    }
    yield* await this.replayFromDatabase(runId);
  }

  /** Every prediction of a run, gamma first, in selection order. */
  async predictions(runId: string, particle?: Particle): Promise<ScoredEvent[]> {
    const run = this.active.get(runId);
    const scored = run && FINAL_STATUSES.has(run.summary.status) ? run.scored : await this.loadPredictions(runId);
    return particle ? scored.filter((event) => event.particle === particle) : scored;
  }

  /** The sample events (gamma first, in selection order), with their scores as far as they are known. */
  async sampleEventIds(runId: string): Promise<Array<{ eventId: number; gammaness: number | null }>> {
    const run = this.active.get(runId);
    if (run) {
      const scores = new Map(run.scored.map((event) => [event.eventId, event.gammaness]));
      return [...run.sampleIds].map((eventId) => ({ eventId, gammaness: scores.get(eventId) ?? null }));
    }
    await this.get(runId);
    const rows = await this.db.prediction.findMany({ where: { runId, isSample: true }, orderBy: [{ event: { particle: 'asc' } }, { batch: 'asc' }] });
    return rows.map((row) => ({ eventId: row.eventId, gammaness: row.gammaness }));
  }

  async metrics(runId: string, threshold: number): Promise<PerformanceMetrics | null> {
    if (!(threshold >= 0 && threshold <= 1)) throw new UserInputError(`threshold must be between 0 and 1, got ${threshold}`, 'threshold');
    const scored = await this.predictions(runId);
    return metricsOf(scored, threshold, this.config.prediction.histogramBins);
  }

  /** Reads and decodes a few registered images once, so that the first run does not pay for compiling the decoder. */
  async warmUpImageReading(): Promise<void> {
    const model = await this.resolveModel(null);
    const events = await this.db.event.findMany({ take: 8, select: { id: true, imagePath: true, dataset: { select: { rootDir: true } } } });
    await readImageBatch(
      events.map((event) => ({ id: event.id, file: path.resolve(event.dataset.rootDir, event.imagePath) })),
      model.inputShape,
    );
  }

  /** Runs left "running" by a process that stopped without finishing them are failed, with the reason. */
  async failInterruptedRuns(): Promise<number> {
    const { count } = await this.db.predictionRun.updateMany({
      where: { status: { in: ['queued', 'running'] } },
      data: { status: 'failed', error: 'interrupted: the server stopped before the run finished', finishedAt: new Date() },
    });
    return count;
  }

  /** Cancels every run and waits for them to settle (server shutdown). */
  async shutdown(): Promise<void> {
    const running = [...this.active.values()].filter((run) => !FINAL_STATUSES.has(run.summary.status));
    for (const run of running) run.abort.abort();
    await Promise.all(running.map((run) => waitForEnd(run.channel)));
    await Promise.all([...this.active.values()].map((run) => run.persisted));
  }

  private async resolveModel(modelId: string | null | undefined): Promise<RegisteredModel> {
    if (modelId == null) {
      const id = this.models.defaultModelId;
      if (id === null) throw new NotFoundError('no model is loaded: register one or set inference.model', 'modelId');
      return this.models.get(id);
    }
    const id = Number(modelId);
    if (!Number.isInteger(id)) throw new NotFoundError(`unknown model "${modelId}"`, 'modelId');
    return this.models.get(id);
  }

  private async resolveDataset(datasetId: string | null | undefined): Promise<number | undefined> {
    if (datasetId == null) return undefined;
    const id = Number(datasetId);
    const dataset = Number.isInteger(id) ? await this.db.dataset.findUnique({ where: { id } }) : null;
    if (!dataset) throw new NotFoundError(`unknown dataset "${datasetId}": list them with the "datasets" query`, 'datasetId');
    return id;
  }

  private async selectEvents(bin: EnergyBin, eventsPerClass: number, seed: number, datasetId: number | undefined): Promise<Record<Particle, SelectedEvent[]>> {
    const datasets = new Map((await this.db.dataset.findMany()).map((dataset) => [dataset.id, dataset.rootDir]));
    const selection = {} as Record<Particle, SelectedEvent[]>;
    for (const [offset, particle] of PARTICLES.entries()) {
      const events = await selectRandomEvents(this.db, { particle, minTeV: bin.minTeV, maxTeV: bin.maxTeV, count: eventsPerClass, seed: seed + offset, datasetId }).catch(
        (error: Error) => {
          throw error.name === 'NotEnoughEventsError' ? new UserInputError(`energy bin ${bin.index} (${bin.label}): ${error.message}`, 'eventsPerClass') : error;
        },
      );
      selection[particle] = events.map((event) => ({
        id: event.id,
        particle,
        energyTeV: event.energyTeV,
        file: path.resolve(datasets.get(event.datasetId) ?? '', event.imagePath),
      }));
    }
    return selection;
  }

  private async execute(run: ActiveRun, model: RegisteredModel, selection: Record<Particle, SelectedEvent[]>): Promise<void> {
    const startedAt = performance.now();
    const total: ClassCounts = { gamma: selection.gamma.length, proton: selection.proton.length };
    const done: ClassCounts = { gamma: 0, proton: 0 };
    const failed: ClassCounts = { gamma: 0, proton: 0 };
    let sequence = 0;
    const snapshot = (): Omit<ProgressMessage, 'kind' | 'batch' | 'metrics' | 'error' | 'status'> => {
      const elapsedMs = performance.now() - startedAt;
      const images = done.gamma + done.proton;
      return { runId: run.summary.id, sequence: sequence++, done: { ...done }, total, failed: { ...failed }, elapsedMs, imagesPerSecond: elapsedMs > 0 ? (images * 1000) / elapsedMs : 0 };
    };

    let status: RunStatus = 'completed';
    let error: string | null = null;
    try {
      const engine = await this.models.engineFor(model.id);
      const cached = await this.cache.lookup(model.sha256, PARTICLES.flatMap((particle) => selection[particle].map((event) => event.id)));
      const pipeline: ClassPipeline = {
        engine,
        model,
        cached,
        store: PixelStore.for(this.config.data.pixelStore, model.inputShape),
        // When one class fails, the other stops too: the run is failed either way.
        failed: new AbortController(),
        cacheWrites: [],
      };
      // Both classes feed one engine queue, so their batches interleave and neither waits for the other.
      const outcomes = await Promise.allSettled(
        PARTICLES.map((particle) =>
          this.inferClass(run, particle, selection[particle], pipeline, (batch, failures) => {
            run.scored.push(...batch.events);
            done[particle] += batch.events.length;
            failed[particle] += failures;
            run.channel.publish({ ...snapshot(), kind: 'batch', status: 'running', batch, metrics: null, error: null });
          }),
        ),
      );
      await Promise.all(pipeline.cacheWrites);
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure) throw failure.reason;
      if (run.abort.signal.aborted) status = 'cancelled';
    } catch (caught) {
      status = 'failed';
      error = (caught as Error).message;
      this.telemetry.logger.error({ runId: run.summary.id, err: caught }, 'prediction run failed');
    }

    run.scored.sort(byParticleThenSelection(selection));
    const final = snapshot();
    const metrics = status === 'failed' ? null : metricsOf(run.scored, this.config.prediction.defaultThreshold, this.config.prediction.histogramBins);
    run.summary = { ...run.summary, status, error, elapsedMs: final.elapsedMs, finishedAt: new Date(), failedCount: failed.gamma + failed.proton };
    run.channel.publish({ ...final, kind: 'finished', status, batch: null, metrics, error });
    run.channel.close();
    // Stored after the last message: until then (and while the run stays in memory) reads are served from memory.
    run.persisted = this.persist(run, status, error, final.elapsedMs, failed.gamma + failed.proton, selection);
    await run.persisted;
    this.telemetry.runsInFlight.dec();
    this.telemetry.runs.inc({ status });
    this.telemetry.imagesPerSecond.set(final.imagesPerSecond);
    this.telemetry.logger.info(
      { runId: run.summary.id, status, elapsedMs: Math.round(final.elapsedMs), images: final.done.gamma + final.done.proton, failed: run.summary.failedCount, imagesPerSecond: Math.round(final.imagesPerSecond), auc: metrics?.rocAuc ?? null },
      'prediction run finished',
    );
    setTimeout(() => this.active.delete(run.summary.id), FINISHED_RUN_RETENTION_MS).unref();
  }

  /** One class's batches: cached scores reused, the rest read (next batch prefetched) and inferred. */
  private async inferClass(
    run: ActiveRun,
    particle: Particle,
    events: readonly SelectedEvent[],
    pipeline: ClassPipeline,
    onBatch: (batch: PredictionBatch, failures: number) => void,
  ): Promise<void> {
    const { engine, model, cached, store } = pipeline;
    const batches = splitIntoBatches(events, this.config.inference.batchSize);
    const read = (index: number) => {
      const missing = batches[index].filter((event) => !cached.has(event.id));
      return readImageBatch(missing, model.inputShape, store).then((images) => ({ missing, images }));
    };
    let nextRead = batches.length ? read(0) : null;
    for (const [index, batch] of batches.entries()) {
      if (run.abort.signal.aborted || pipeline.failed.signal.aborted) return;
      const { missing, images } = await nextRead!;
      // Read the next batch while this one is inferred.
      nextRead = index + 1 < batches.length ? read(index + 1) : null;
      let inferenceMs = 0;
      const scores = new Map<number, number>();
      if (images.readable.length > 0) {
        this.telemetry.queueDepth.inc();
        const result = await engine
          .infer(images.pixels, images.readable.length)
          .catch((caught: unknown) => {
            pipeline.failed.abort();
            throw caught;
          })
          .finally(() => this.telemetry.queueDepth.dec());
        inferenceMs = result.inferenceMs;
        this.telemetry.inferenceSeconds.observe(inferenceMs / 1000);
        this.telemetry.batchSize.observe(images.readable.length);
        const entries = images.readable.map((eventIndex, k) => {
          const eventId = missing[eventIndex].id;
          scores.set(eventId, result.gammaness[k]);
          return { eventId, gammaness: result.gammaness[k], outputs: result.outputs.subarray(k * result.outputsPerImage, (k + 1) * result.outputsPerImage) };
        });
        pipeline.cacheWrites.push(this.cache.store(model.sha256, entries));
      }
      const errors = new Map([...images.errors].map(([eventIndex, message]) => [missing[eventIndex].id, message]));
      const scored: ScoredEvent[] = batch.map((event) => ({
        eventId: event.id,
        particle,
        energyTeV: event.energyTeV,
        gammaness: cached.get(event.id) ?? scores.get(event.id) ?? null,
        error: errors.get(event.id) ?? null,
      }));
      onBatch({ particle, index, events: scored, inferenceMs }, errors.size);
    }
  }

  private async persist(run: ActiveRun, status: RunStatus, error: string | null, elapsedMs: number, failedCount: number, selection: Record<Particle, SelectedEvent[]>): Promise<void> {
    const batchOf = batchIndexLookup(selection, this.config.inference.batchSize);
    const backend = (await this.models.backend())?.name ?? null;
    // Multi-row INSERTs (the ORM's createMany maps every row and is several times slower), one chunk at a
    // time so that requests arriving meanwhile are not held up. The status is written last: a run cut off
    // half way stays "running" and is failed as interrupted at the next start.
    try {
      for (const rows of chunk(run.scored, PREDICTION_ROWS_PER_INSERT)) {
        await this.db.$executeRawUnsafe(
          `INSERT INTO "Prediction" ("runId", "eventId", "gammaness", "error", "isSample", "batch") VALUES ${rows.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
          ...rows.flatMap((event) => [run.summary.id, event.eventId, event.gammaness, event.error, run.sampleIds.has(event.eventId), batchOf.get(event.eventId) ?? 0]),
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      await this.db.predictionRun.update({ where: { id: run.summary.id }, data: { status, error, elapsedMs, failedCount, finishedAt: new Date(), backend } });
    } catch (caught) {
      this.telemetry.logger.error({ runId: run.summary.id, err: caught }, 'could not store the predictions of a run');
    }
  }

  private async loadPredictions(runId: string): Promise<ScoredEvent[]> {
    await this.get(runId);
    const rows = await this.db.prediction.findMany({
      where: { runId },
      include: { event: { select: { particle: true, energyTeV: true } } },
      orderBy: [{ batch: 'asc' }],
    });
    return rows
      .map((row) => ({ eventId: row.eventId, particle: row.event.particle as Particle, energyTeV: row.event.energyTeV, gammaness: row.gammaness, error: row.error }))
      .sort((a, b) => (a.particle === b.particle ? 0 : a.particle === 'gamma' ? -1 : 1));
  }

  /** A run from before a restart: its batches rebuilt from the stored predictions, then the final message. */
  private async replayFromDatabase(runId: string): Promise<ProgressMessage[]> {
    const summary = await this.get(runId);
    const rows = await this.db.prediction.findMany({ where: { runId }, include: { event: { select: { particle: true, energyTeV: true } } }, orderBy: [{ batch: 'asc' }] });
    const total: ClassCounts = { gamma: 0, proton: 0 };
    const byBatch = new Map<string, ScoredEvent[]>();
    for (const row of rows) {
      const particle = row.event.particle as Particle;
      total[particle]++;
      const key = `${particle}:${row.batch}`;
      if (!byBatch.has(key)) byBatch.set(key, []);
      byBatch.get(key)!.push({ eventId: row.eventId, particle, energyTeV: row.event.energyTeV, gammaness: row.gammaness, error: row.error });
    }
    const done: ClassCounts = { gamma: 0, proton: 0 };
    const failed: ClassCounts = { gamma: 0, proton: 0 };
    const elapsedMs = summary.elapsedMs ?? 0;
    const messages: ProgressMessage[] = [];
    const base = () => ({ runId, sequence: messages.length, total, done: { ...done }, failed: { ...failed }, elapsedMs, imagesPerSecond: elapsedMs ? ((total.gamma + total.proton) * 1000) / elapsedMs : 0 });
    for (const [key, events] of byBatch) {
      const [particle, index] = key.split(':') as [Particle, string];
      done[particle] += events.length;
      failed[particle] += events.filter((event) => event.error !== null).length;
      messages.push({ ...base(), kind: 'batch', status: 'running', batch: { particle, index: Number(index), events, inferenceMs: 0 }, metrics: null, error: null });
    }
    const scored = [...byBatch.values()].flat();
    messages.push({ ...base(), kind: 'finished', status: summary.status, batch: null, metrics: metricsOf(scored, this.config.prediction.defaultThreshold, this.config.prediction.histogramBins), error: summary.error });
    return messages;
  }
}

function summaryOf(
  row: { id: string; status: string; eventsPerClass: number; samples: number; seed: number; modelId: number; createdAt: Date; finishedAt: Date | null; elapsedMs: number | null; failedCount: number; error: string | null },
  energyBin: EnergyBin,
): RunSummary {
  return {
    id: row.id,
    status: row.status as RunStatus,
    energyBin,
    eventsPerClass: row.eventsPerClass,
    samples: row.samples,
    seed: row.seed,
    modelId: row.modelId,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    elapsedMs: row.elapsedMs,
    failedCount: row.failedCount,
    error: row.error,
  };
}

function metricsOf(scored: readonly ScoredEvent[], threshold: number, histogramBins: number): PerformanceMetrics | null {
  const gamma: number[] = [];
  const proton: number[] = [];
  for (const event of scored) {
    if (event.gammaness === null) continue;
    (event.particle === 'gamma' ? gamma : proton).push(event.gammaness);
  }
  if (gamma.length + proton.length === 0) return null;
  return computeMetrics({ gamma, proton }, { threshold, histogramBins });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function batchIndexLookup(selection: Record<Particle, SelectedEvent[]>, size: number): Map<number, number> {
  const lookup = new Map<number, number>();
  for (const particle of PARTICLES) {
    splitIntoBatches(selection[particle], size).forEach((batch, index) => batch.forEach((event) => lookup.set(event.id, index)));
  }
  return lookup;
}

function byParticleThenSelection(selection: Record<Particle, SelectedEvent[]>): (a: ScoredEvent, b: ScoredEvent) => number {
  const order = new Map<number, number>();
  PARTICLES.forEach((particle, p) => selection[particle].forEach((event, i) => order.set(event.id, p * 1e9 + i)));
  return (a, b) => order.get(a.eventId)! - order.get(b.eventId)!;
}

async function waitForEnd(channel: ProgressChannel<ProgressMessage>): Promise<void> {
  for await (const _ of channel.subscribe()) {
    // drain until the run's final message closes the channel
  }
}
