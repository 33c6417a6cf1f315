// Prediction runs' lifecycle: start (plan, then execute in the background), cancel, finish, and the reads
// that serve a run while it is in memory or, later, from the database. A run belongs to this service, not to
// a request: it finishes whether or not anybody is still subscribed.
import { randomUUID } from 'node:crypto';
import type { Cluster, FeedWriter } from '../cluster/index.ts';
import type { Config } from '../config.ts';
import type { DatasetCatalog } from '../data/dataset-catalog.ts';
import type { DatasetFiles } from '../data/dataset-files.ts';
import type { Db } from '../data/db.ts';
import { readImageBatch } from '../data/event-images.ts';
import { PixelStore } from '../data/pixel-store.ts';
import { createRun, deleteRun, failInterruptedRun, findInterruptedRuns, findRun, finishRun, insertRunBatches, listRuns, loadRunBatches, type RunCursor, type StoredBatch, type RunFilter, type StoredRun } from '../data/prediction-store.ts';
import { FINAL_STATUSES, type PredictInput, type PredictionBatch, type ProgressMessage, type RunStatus, type RunSummary, type ScoredEvent } from '../domain/run.ts';
import { DomainError, NotFoundError, UnavailableError, UserInputError } from '../errors.ts';
import type { Calibration, ClassificationMetrics, EnergyBinFigures, PerformanceMetrics } from '../metrics/index.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { Admission, type Requester } from './admission.ts';
import { FairTurns } from './fair-turns.ts';
import { PredictionCache } from './prediction-cache.ts';
import { ProgressChannel } from '../util/progress-channel.ts';
import { executeQueuedRun } from './queued-run-executor.ts';
import { executeRun } from './run-executor.ts';
import {
  binaryRunMetrics,
  calibrationRunMetrics,
  classificationRunMetrics,
  compareRunsByEnergy,
  DifferentEventsError,
  energyRunMetrics,
  type BinComparison,
  type EnergyMetricsOptions,
} from './run-metrics.ts';
import { RunPlanner, type RunPlan } from './run-plan.ts';

/** Finished runs stay in memory this long for late subscribers; the database keeps them for good. */
const FINISHED_RUN_RETENTION_MS = 10 * 60_000;
/**
 * In one process a finished run is stored once a subscriber has read its final message, or this long after it
 * if nobody reads it. Storing 4,000 predictions holds the main thread for a few milliseconds, which would
 * otherwise land while its client subscribes and reads the run (a cached run ends before its client has
 * subscribed). Until then the run is served from memory; a stop or a deletion stores it at once, and a crash
 * leaves it "running", to be resumed from the prediction cache.
 */
const STORE_AFTER_MS = 1000;
/** Events per class of the predict rehearsed at start: the dashboard's largest request. */
const REHEARSAL_EVENTS_PER_CLASS = 2000;
/** Rolls the rehearsal's transaction back. */
class Rehearsal extends Error {}
/** Times the rehearsal plans and creates a run: V8 optimises a function after a few calls, not the first. */
const REHEARSAL_ROUNDS = 8;
/** Bootstrap resamples one request may ask for: 10000 on 7 bins of 4000 events takes seconds. */
export const MAX_BOOTSTRAP_RESAMPLES = 10_000;
/** Runs one page of the history may hold. */
export const MAX_RUNS_PER_PAGE = 100;

interface ActiveRun {
  summary: RunSummary;
  plan: RunPlan;
  channel: ProgressChannel<ProgressMessage>;
  abort: AbortController;
  /** The batches as they were published; in class and batch order once the run ended (the selection order). */
  batches: PredictionBatch[];
  /** Settles once the run is stored (never rejects); null while it runs. */
  persisted: Promise<void> | null;
  /** Stores the run now rather than after STORE_AFTER_MS; null when it is stored or being stored. */
  storeNow: (() => void) | null;
  /** The run's progress for the other API replicas (with a queue), or null. */
  feed: FeedWriter | null;
  /** Frees the run's place (service-wide and its owner's) when it ends. */
  release: () => void;
}

/** Who starts a run when nobody is asking over the API (the CLI, tests of the service): no limits. */
const LOCAL_REQUESTER: Requester = { subject: 'local', limits: { concurrentRuns: 0, eventsPerHour: 0 } };

/** What a subscriber to a run that is about to be resumed is told to wait. */
const RESUME_WAIT_SECONDS = 5;
/** With a queue: how often a replica looks for runs whose replica died, to resume them. */
const ORPHAN_SWEEP_MS = 10_000;
/** Why a run stops here when its replica stops with a queue: another replica goes on with it. */
const HAND_OVER = Symbol('hand over');
/** With a queue: how long a cancel asked here waits for the replica conducting the run to stop it. */
const REMOTE_CANCEL_WAIT_MS = 30_000;

export interface SampleScore {
  eventId: number;
  classIndex: number;
  scores: Float32Array | null;
}

export class PredictionService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly cache: PredictionCache;
  private readonly planner: RunPlanner;
  private readonly admission: Admission;
  /** Two batches read at a time: one being decoded while the next one's files are read. */
  private readonly reads = new FairTurns(2);
  private orphanSweep: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    datasets: DatasetCatalog,
    private readonly models: ModelRegistry,
    private readonly config: Config,
    private readonly telemetry: Telemetry,
    files: DatasetFiles,
    /** With queue.url: batches go to the queue's workers and progress to every replica; null: all in this process. */
    private readonly cluster: Cluster | null = null,
  ) {
    this.cache = new PredictionCache(db);
    this.planner = new RunPlanner(db, datasets, models, config, files);
    this.admission = new Admission(db, config.prediction.maxActiveRuns, cluster !== null);
    cluster?.coordination.whenCancelAsked((runId) => this.active.get(runId)?.abort.abort());
  }

  /**
   * Validates, selects the events, and starts the run in the background. Refuses at once, with when to retry,
   * when the service runs its most runs (SERVER_BUSY) or the requester is over a limit of their role (RATE_LIMITED).
   */
  async start(input: PredictInput, requester: Requester = LOCAL_REQUESTER): Promise<RunSummary> {
    const plan = await this.planner.plan(input);
    const release = await this.admission.admit(requester, plan.eventsPerClass * plan.classes.names.length);
    try {
      const id = randomUUID();
      // With a queue the run's lease is taken first, so that no other replica takes the new run for an orphan.
      await this.cluster?.coordination.acquire(id);
      const stored = await createRun(this.db, {
        id,
        modelId: plan.model.id,
        datasetId: plan.dataset.id,
        classes: plan.classes,
        classMapping: plan.mapping,
        energyBins: plan.bins,
        eventsPerClass: plan.eventsPerClass,
        samples: plan.samples,
        seed: plan.seed,
        status: 'running',
        owner: requester.subject,
      });
      return this.launch(stored, plan, release, 'prediction run started');
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Runs left "running" by a process that stopped (a crash, a kill, a power cut) are started again with their
   * stored selection; the batches already inferred come from the prediction cache, so the results are those the
   * run would have had. A run that cannot be planned again (its model or dataset is gone) is failed with the reason.
   */
  async resumeInterruptedRuns(): Promise<{ resumed: number; failed: number }> {
    let resumed = 0;
    let failed = 0;
    for (const stored of await findInterruptedRuns(this.db)) {
      if (this.active.has(stored.id)) continue;
      // With a queue, a run is resumed by the one replica that takes its lapsed lease; the others leave it.
      if (this.cluster && !(await this.cluster.coordination.acquire(stored.id))) continue;
      try {
        const plan = await this.replan(stored);
        // Its subscribers see the run again from its first message, not the dead conductor's half of it.
        await this.cluster?.feeds.restart(stored.id);
        this.launch(stored, plan, this.admission.reserveForResume(stored.owner ?? LOCAL_REQUESTER.subject), 'prediction run resumed after a restart');
        resumed++;
      } catch (caught) {
        failed++;
        const error = await failInterruptedRun(this.db, stored.id, (caught as Error).message);
        this.telemetry.logger.warn({ runId: stored.id, err: caught }, 'an interrupted run could not be resumed');
        if (this.cluster) await this.endFollowers(stored, error);
      }
    }
    return { resumed, failed };
  }

  /** With a queue: the followers of a run that could not be resumed get its final message, and its lease is freed. */
  private async endFollowers(stored: StoredRun, error: string): Promise<void> {
    const { feeds, coordination } = this.cluster!;
    const counts = stored.classes.names.map(() => 0);
    const feed = feeds.writer(stored.id);
    await feeds.restart(stored.id);
    feed.publish({ runId: stored.id, kind: 'finished', sequence: 0, status: 'failed', batch: null, done: counts, total: counts, failed: counts, elapsedMs: 0, imagesPerSecond: 0, error });
    await feed.close().catch(() => undefined);
    await coordination.release(stored.id).catch(() => undefined);
  }

  /** With a queue: from now on, runs whose replica died are resumed here (by whichever replica looks first). */
  watchForOrphanedRuns(): void {
    if (!this.cluster || this.orphanSweep) return;
    this.orphanSweep = setInterval(() => {
      this.resumeInterruptedRuns().catch((caught: unknown) => this.telemetry.logger.warn({ err: caught }, 'could not look for runs to resume'));
    }, ORPHAN_SWEEP_MS).unref();
  }

  private launch(stored: StoredRun, plan: RunPlan, release: () => void, what: string): RunSummary {
    const feed = this.cluster?.feeds.writer(stored.id) ?? null;
    const run: ActiveRun = { summary: summaryOf(stored), plan, channel: new ProgressChannel(), abort: new AbortController(), batches: [], persisted: null, storeNow: null, feed, release };
    this.active.set(stored.id, run);
    this.telemetry.runsInFlight.inc();
    this.telemetry.logger.info(
      { runId: stored.id, datasetId: plan.dataset.id, classes: plan.classes.names.length, energyBins: plan.bins.map((bin) => bin.index), eventsPerClass: plan.eventsPerClass, seed: plan.seed, modelId: plan.model.id },
      what,
    );
    void this.execute(run);
    return run.summary;
  }

  /** The plan of a stored run, drawn again from its seed; refused unless it is the selection the run had. */
  private async replan(stored: StoredRun): Promise<RunPlan> {
    if (stored.datasetId === null) throw new UserInputError('its dataset was deleted');
    const model = await this.models.get(stored.modelId);
    const classMapping = stored.classes.names.map((datasetClass, i) => ({ modelClass: model.classNames[stored.classMapping[i]], datasetClass }));
    const plan = await this.planner.plan({
      datasetId: String(stored.datasetId),
      modelId: String(stored.modelId),
      // A run over all energies has no bins: drawn again over all energies.
      energyBins: stored.energyBins.length > 0 ? stored.energyBins.map((bin) => bin.index) : null,
      eventsPerClass: stored.eventsPerClass,
      samples: stored.samples,
      seed: stored.seed,
      classMapping,
    });
    const sameClasses = plan.classes.names.join('\u0000') === stored.classes.names.join('\u0000') && plan.mapping.join(',') === stored.classMapping.join(',');
    const binKey = (bins: ReadonlyArray<{ minTeV: number; maxTeV: number }>): string => bins.map((bin) => `${bin.minTeV}-${bin.maxTeV}`).join(',');
    const sameBins = binKey(plan.bins) === binKey(stored.energyBins);
    if (!sameClasses || !sameBins) throw new UserInputError('its dataset\'s classes or energy bins changed since it started');
    return plan;
  }

  /** Stops a running run after its current batches; a finished run is returned unchanged. */
  async cancel(runId: string): Promise<RunSummary> {
    const run = this.active.get(runId);
    if (run && !FINAL_STATUSES.has(run.summary.status)) {
      run.abort.abort();
      await waitForEnd(run.channel);
    } else if (!run && this.cluster && !FINAL_STATUSES.has((await this.storedRun(runId)).status)) {
      // Another replica conducts it: ask it, and wait for the run's final message.
      await this.cluster.coordination.askToCancel(runId);
      const signal = AbortSignal.timeout(REMOTE_CANCEL_WAIT_MS);
      for await (const message of this.cluster.feeds.subscribe(runId, signal)) if (message.kind === 'finished') break;
    }
    return this.get(runId);
  }

  /** Runs in flight now (the bounded queue's fill). */
  get activeRuns(): number {
    return this.admission.activeRuns;
  }

  async get(runId: string): Promise<RunSummary> {
    const run = this.active.get(runId);
    if (run) return run.summary;
    return summaryOf(await this.storedRun(runId));
  }

  /**
   * Every progress message of a run after `afterSequence` (all of them by default): history first, then live ones
   * until it finishes. A run interrupted by a restart and not resumed yet answers UNAVAILABLE with when to retry.
   */
  async *progress(runId: string, options: { signal?: AbortSignal; afterSequence?: number } = {}): AsyncGenerator<ProgressMessage> {
    const after = options.afterSequence ?? -1;
    const run = this.active.get(runId);
    const messages = run
      ? run.channel.subscribe(options.signal)
      : (await this.followedElsewhere(runId))
        ? this.cluster!.feeds.subscribe(runId, options.signal)
        : (await this.replayFromDatabase(runId)).values();
    for await (const message of messages) if (message.sequence > after) yield message;
  }

  /**
   * With a queue: whether the run's progress is to be read from its feed. It is while another replica conducts
   * it (its feed may not have a message yet) and for a while after; a run still "running" that nobody conducts
   * is resumed by a replica's sweep, which then writes its feed.
   */
  private async followedElsewhere(runId: string): Promise<boolean> {
    if (!this.cluster) return false;
    if (await this.cluster.feeds.has(runId)) return true;
    return !FINAL_STATUSES.has((await this.storedRun(runId)).status);
  }

  /** Every prediction of a run, class by class in the run's order, each class in selection order. */
  async predictions(runId: string, classIndex?: number): Promise<ScoredEvent[]> {
    const run = this.active.get(runId);
    const scored = run && FINAL_STATUSES.has(run.summary.status) ? scoredOf(run.batches) : await this.loadScored(runId);
    return classIndex === undefined ? scored : scored.filter((event) => event.classIndex === classIndex);
  }

  /** The sample events, class by class, with their scores as far as they are known. */
  async samples(runId: string): Promise<SampleScore[]> {
    const run = this.active.get(runId);
    if (run) {
      const byId = new Map(scoredOf(run.batches).map((event) => [event.eventId, event]));
      return run.plan.selection.flatMap((events, classIndex) =>
        events.slice(0, run.plan.samples).map((event) => ({ eventId: event.id, classIndex, scores: byId.get(event.id)?.scores ?? null })),
      );
    }
    const stored = await this.storedRun(runId);
    const scored = scoredOf(await loadRunBatches(this.db, runId));
    // The samples are the first events of each class: stored batches keep the selection order.
    return stored.classes.names.flatMap((_, classIndex) =>
      scored
        .filter((event) => event.classIndex === classIndex)
        .slice(0, stored.samples)
        .map(({ eventId, scores }) => ({ eventId, classIndex, scores })),
    );
  }

  /** Gamma/hadron metrics of a binary run at a threshold; null for N-class runs and before any score. */
  async binaryMetrics(runId: string, threshold: number): Promise<PerformanceMetrics | null> {
    if (!(threshold >= 0 && threshold <= 1)) throw new UserInputError(`threshold must be between 0 and 1, got ${threshold}`, 'threshold');
    const summary = await this.get(runId);
    return binaryRunMetrics(await this.predictions(runId), summary.classes, threshold, this.config.prediction.histogramBins);
  }

  /**
   * The run's figures per energy bin (one item over all events for a run over all energies). Options are
   * checked here, each refusal naming the argument and its range; the bootstrap seed defaults to the run's.
   */
  async energyMetrics(runId: string, options: Omit<EnergyMetricsOptions, 'seed'> & { seed?: number | null }): Promise<EnergyBinFigures[]> {
    const { gammaEfficiency, hadronEfficiency, resamples, level } = options;
    if (!(gammaEfficiency >= 0 && gammaEfficiency <= 1)) throw new UserInputError(`gammaEfficiency must be between 0 and 1, got ${gammaEfficiency}`, 'gammaEfficiency');
    if (!(hadronEfficiency >= 0 && hadronEfficiency <= 1)) throw new UserInputError(`hadronEfficiency must be between 0 and 1, got ${hadronEfficiency}`, 'hadronEfficiency');
    if (!Number.isInteger(resamples) || resamples < 1 || resamples > MAX_BOOTSTRAP_RESAMPLES) throw new UserInputError(`resamples must be between 1 and ${MAX_BOOTSTRAP_RESAMPLES}, got ${resamples}`, 'resamples');
    if (!(level > 0 && level < 1)) throw new UserInputError(`confidenceLevel must be between 0 and 1 (exclusive), got ${level}`, 'confidenceLevel');
    const summary = await this.get(runId);
    const scored = await this.predictions(runId);
    return energyRunMetrics(scored, summary.classes, summary.energyBins, { gammaEfficiency, hadronEfficiency, resamples, level, seed: options.seed ?? summary.seed });
  }

  /** The reliability diagram and Brier score of a binary run's gammaness; null for N-class runs or before any score. */
  async calibration(runId: string, binCount: number): Promise<Calibration | null> {
    if (!Number.isInteger(binCount) || binCount < 2 || binCount > 100) throw new UserInputError(`bins must be between 2 and 100, got ${binCount}`, 'bins');
    const summary = await this.get(runId);
    return calibrationRunMetrics(await this.predictions(runId), summary.classes, binCount);
  }

  /**
   * Binary runs of different models on the same events (same dataset, bins, eventsPerClass and seed), bin by bin:
   * each run's AUC and each later run's paired bootstrap AUC difference to the first. Every refusal names the run.
   */
  async compare(runIds: readonly string[], options: { resamples: number; level: number; seed?: number | null }): Promise<{ runs: RunSummary[]; bins: BinComparison[] }> {
    if (runIds.length < 2) throw new UserInputError(`compare at least two runs, got ${runIds.length}`, 'runIds');
    if (new Set(runIds).size !== runIds.length) throw new UserInputError('runIds names a run twice', 'runIds');
    if (!Number.isInteger(options.resamples) || options.resamples < 1 || options.resamples > MAX_BOOTSTRAP_RESAMPLES) throw new UserInputError(`resamples must be between 1 and ${MAX_BOOTSTRAP_RESAMPLES}, got ${options.resamples}`, 'resamples');
    if (!(options.level > 0 && options.level < 1)) throw new UserInputError(`confidenceLevel must be between 0 and 1 (exclusive), got ${options.level}`, 'confidenceLevel');
    const runs = await Promise.all(runIds.map((id) => this.get(id)));
    const [first] = runs;
    for (const run of runs) {
      if (run.status !== 'completed') throw new UserInputError(`run "${run.id}" is ${run.status}: only completed runs can be compared`, 'runIds');
      if (run.classes.signalClass === null || run.classes.names.length !== 2) throw new UserInputError(`run "${run.id}" is not a binary signal/background run: AUC comparisons need one`, 'runIds');
      const sameBins = run.energyBins.map((bin) => bin.index).join(',') === first.energyBins.map((bin) => bin.index).join(',');
      if (run.datasetId !== first.datasetId || !sameBins || run.eventsPerClass !== first.eventsPerClass || run.seed !== first.seed || run.classes.names.join() !== first.classes.names.join()) {
        throw new UserInputError(`run "${run.id}" did not draw the same events as run "${first.id}": start the runs with the same dataset, energy bins, eventsPerClass and seed`, 'runIds');
      }
    }
    const scored = await Promise.all(runIds.map((id) => this.predictions(id)));
    try {
      return { runs, bins: compareRunsByEnergy(scored, first.classes, first.energyBins, { resamples: options.resamples, level: options.level, seed: options.seed ?? first.seed }) };
    } catch (error) {
      if (error instanceof DifferentEventsError) throw new UserInputError(`${error.message}: some images could not be read by one of the runs`, 'runIds');
      throw error;
    }
  }

  /** Up to `limit` runs of the history, newest first; runs still in memory show their live status. */
  async list(filter: RunFilter, limit: number, after: RunCursor | null): Promise<RunSummary[]> {
    // The history is read from the database, filters included: finished runs waiting to be stored go in first.
    await this.storeFinishedRuns();
    const stored = await listRuns(this.db, filter, limit, after);
    return stored.map((run) => this.active.get(run.id)?.summary ?? summaryOf(run));
  }

  /** Deletes a finished run and its predictions; a running run must be cancelled first. */
  async delete(runId: string): Promise<RunSummary> {
    const summary = await this.get(runId);
    if (!FINAL_STATUSES.has(summary.status)) throw new DomainError(`run "${runId}" is ${summary.status}: cancel it (cancelPrediction) before deleting it`, 'CONFLICT', 'runId');
    await this.stored(this.active.get(runId));
    this.active.delete(runId);
    await deleteRun(this.db, runId);
    return summary;
  }

  async classificationMetrics(runId: string): Promise<ClassificationMetrics | null> {
    const summary = await this.get(runId);
    return classificationRunMetrics(await this.predictions(runId), summary.classes.names.length);
  }

  /**
   * Pays the first run's one-off costs at start: the default dataset's events are read for selection, a predict
   * is rehearsed, and a few of its events' images decoded (compiling the decoder).
   */
  async warmUp(): Promise<void> {
    await this.planner.primeDefaultDataset();
    if (this.models.defaultModelId === null) return;
    const plan = await this.rehearsePredict();
    if (plan) await readImageBatch(plan.selection.flat().slice(0, 8), plan.model.inputShape);
  }

  /**
   * What a predict does before its run starts, done with nothing kept: plan a run of the default model and
   * dataset, then a few times a one-event run in an energy bin (as the dashboard asks) and create its row in a
   * transaction that is rolled back. The first predict after a start then finds the code compiled and the queries
   * planned (it took 20-30 ms longer than the next ones; eight rounds rather than one measured within the noise). Best effort: a
   * server without a default dataset or model skips it, a dataset in object storage is not fetched, and a
   * failure is logged, not raised. Returns the plan, or null when none could be made.
   */
  private async rehearsePredict(): Promise<RunPlan | null> {
    const rehearse = (input: PredictInput) => this.planner.plan(input, { fetchFiles: false });
    const plan = await rehearse({ eventsPerClass: REHEARSAL_EVENTS_PER_CLASS }).catch(() => rehearse({ eventsPerClass: 1 }).catch(() => null));
    if (!plan) return null;
    // The dashboard always names an energy bin: draw in one too, where the dataset has energies.
    const bins = Math.max(0, (plan.dataset.energyEdgesTeV?.length ?? 0) - 1);
    for (let round = 0; round < REHEARSAL_ROUNDS; round++) {
      const binned = bins > 0 ? await rehearse({ eventsPerClass: 1, energyBin: round % bins, seed: round }).catch(() => plan) : plan;
      try {
        await this.db.$transaction(async (tx) => {
          await createRun(tx, { id: randomUUID(), modelId: binned.model.id, datasetId: binned.dataset.id, classes: binned.classes, classMapping: binned.mapping, energyBins: binned.bins, eventsPerClass: binned.eventsPerClass, samples: binned.samples, seed: binned.seed, status: 'running', owner: null });
          throw new Rehearsal();
        });
      } catch (error) {
        if (error instanceof Rehearsal) continue;
        // Say why, once, but start all the same: a rehearsal that could not be done only leaves the first predict slower.
        this.telemetry.logger.warn({ err: error }, 'could not rehearse a predict at start');
        break;
      }
    }
    return plan;
  }

  /** Cancels every run and waits for them to settle (server shutdown); with a queue, hands them over instead. */
  async shutdown(): Promise<void> {
    if (this.orphanSweep) clearInterval(this.orphanSweep);
    const running = [...this.active.values()].filter((run) => !FINAL_STATUSES.has(run.summary.status));
    for (const run of running) run.abort.abort(this.cluster ? HAND_OVER : undefined);
    await Promise.all(running.map((run) => waitForEnd(run.channel)));
    await this.storeFinishedRuns();
  }

  private async storeFinishedRuns(): Promise<void> {
    await Promise.all([...this.active.values()].map((run) => this.stored(run)));
  }

  /** Once the run is in the database (at once if its store was waiting). */
  private async stored(run: ActiveRun | undefined): Promise<void> {
    run?.storeNow?.();
    await run?.persisted;
  }

  private async execute(run: ActiveRun): Promise<void> {
    const { plan } = run;
    const startedAt = performance.now();
    const total = plan.selection.map((events) => events.length);
    const done = total.map(() => 0);
    const failed = total.map(() => 0);
    let sequence = 0;
    const snapshot = () => {
      const elapsedMs = performance.now() - startedAt;
      const images = done.reduce((a, b) => a + b, 0);
      return { runId: run.summary.id, sequence: sequence++, done: [...done], total, failed: [...failed], elapsedMs, imagesPerSecond: elapsedMs > 0 ? (images * 1000) / elapsedMs : 0 };
    };

    const onBatch = (batch: PredictionBatch, failures: number) => {
      run.batches.push(batch);
      done[batch.classIndex] += batch.events.length;
      failed[batch.classIndex] += failures;
      this.publish(run, { ...snapshot(), kind: 'batch', status: 'running', batch, error: null });
    };
    const user = run.summary.owner ?? LOCAL_REQUESTER.subject;
    let status: RunStatus = 'completed';
    let error: string | null = null;
    let backend: string | null = null;
    try {
      if (this.cluster) {
        const { queue } = this.cluster;
        ({ backend } = await executeQueuedRun({
          runId: run.summary.id,
          user,
          plan,
          cache: this.cache,
          batchSize: this.config.inference.batchSize,
          signal: run.abort.signal,
          dispatch: (job) => queue.dispatch(job),
          dropWaiting: (jobs) => queue.dropWaiting(jobs),
          onBatch,
        }));
      } else {
        const engine = await this.models.engineFor(plan.model.id);
        backend = engine.backend.name;
        await executeRun({
          plan,
          engine,
          cache: this.cache,
          store: PixelStore.for(this.config.data.pixelStore, plan.model.inputShape),
          batchSize: this.config.inference.batchSize,
          telemetry: this.telemetry,
          signal: run.abort.signal,
          lane: { user, run: run.summary.id },
          reads: this.reads,
          onBatch,
        });
      }
      if (run.abort.signal.aborted) status = 'cancelled';
    } catch (caught) {
      status = 'failed';
      error = (caught as Error).message;
      this.telemetry.logger.error({ runId: run.summary.id, err: caught }, 'prediction run failed');
    }

    if (status === 'cancelled' && run.abort.signal.reason === HAND_OVER) return this.handOver(run);
    run.batches.sort((a, b) => a.classIndex - b.classIndex || a.index - b.index);
    const final = snapshot();
    const failedCount = failed.reduce((a, b) => a + b, 0);
    run.summary = { ...run.summary, status, error, elapsedMs: final.elapsedMs, finishedAt: new Date(), failedCount };
    // In one process the run is stored after its last message (reads are served from memory meanwhile). With a
    // queue it is stored first: a client of another replica reads it from the database as soon as it is told.
    const storeFirst = this.cluster !== null;
    if (storeFirst) await (run.persisted = this.persist(run, failedCount, backend));
    this.publish(run, { ...final, kind: 'finished', status, batch: null, error });
    run.channel.close();
    // The run's place is free once it ended: a client told to retry may start the next one at once.
    run.release();
    if (!storeFirst) run.persisted = this.persistLater(run, failedCount, backend);
    await this.endShared(run);
    this.telemetry.runsInFlight.dec();
    this.telemetry.runs.inc({ status });
    this.telemetry.imagesPerSecond.set(final.imagesPerSecond);
    this.telemetry.logger.info(
      { runId: run.summary.id, status, elapsedMs: Math.round(final.elapsedMs), images: final.done.reduce((a, b) => a + b, 0), failed: failedCount, imagesPerSecond: Math.round(final.imagesPerSecond) },
      'prediction run finished',
    );
    setTimeout(() => this.active.delete(run.summary.id), FINISHED_RUN_RETENTION_MS).unref();
  }

  private publish(run: ActiveRun, message: ProgressMessage): void {
    run.channel.publish(message);
    run.feed?.publish(message);
  }

  /**
   * This replica stops, the run goes on elsewhere: it stays "running" in the database, its lease is given back
   * at once, and the first replica to sweep resumes it from the batches already cached. Subscribers here see
   * their subscription end without a final message and follow the run on another replica.
   */
  private async handOver(run: ActiveRun): Promise<void> {
    run.channel.close();
    run.release();
    this.active.delete(run.summary.id);
    this.telemetry.runsInFlight.dec();
    await this.endShared(run);
    this.telemetry.logger.warn({ runId: run.summary.id }, 'prediction run handed over to another API replica (this one is stopping)');
  }

  /** With a queue: the run's feed is complete and its lease given back. */
  private async endShared(run: ActiveRun): Promise<void> {
    if (!this.cluster) return;
    await run.feed?.close().catch((caught: unknown) => this.telemetry.logger.error({ runId: run.summary.id, err: caught }, 'could not write the progress of a run to Redis'));
    await this.cluster.coordination.release(run.summary.id).catch(() => undefined);
  }

  private persistLater(run: ActiveRun, failedCount: number, backend: string | null): Promise<void> {
    return new Promise((resolve) => {
      const store = () => {
        clearTimeout(timer);
        run.storeNow = null;
        resolve(this.persist(run, failedCount, backend));
      };
      const timer = setTimeout(store, STORE_AFTER_MS);
      run.storeNow = store;
      // After the subscriber's last message has gone out (this turn), not within its delivery.
      void run.channel.readToEnd.then(() => setImmediate(() => run.storeNow?.()));
    });
  }

  /** The predictions, then the status: a run cut off half way stays "running" and is failed as interrupted at the next start. */
  private async persist(run: ActiveRun, failedCount: number, backend: string | null): Promise<void> {
    const { summary } = run;
    try {
      // A cancelled run stores the batches it published.
      await insertRunBatches(this.db, summary.id, run.batches);
      await finishRun(this.db, summary.id, { status: summary.status, error: summary.error, elapsedMs: summary.elapsedMs ?? 0, failedCount, backend });
    } catch (caught) {
      this.telemetry.logger.error({ runId: summary.id, err: caught }, 'could not store the predictions of a run');
    }
  }

  private async storedRun(runId: string): Promise<StoredRun> {
    const stored = await findRun(this.db, runId);
    if (!stored) throw new NotFoundError(`unknown prediction run "${runId}"`, 'runId');
    return stored;
  }

  private async loadScored(runId: string): Promise<ScoredEvent[]> {
    await this.storedRun(runId);
    return scoredOf(await loadRunBatches(this.db, runId));
  }

  /** A run from before a restart: its batches from the database, then the final message. */
  private async replayFromDatabase(runId: string): Promise<ProgressMessage[]> {
    const stored = await this.storedRun(runId);
    if (!FINAL_STATUSES.has(stored.status)) throw new UnavailableError(`run "${runId}" was interrupted by a restart and resumes once the model is loaded: retry in ${RESUME_WAIT_SECONDS} s`);
    const summary = summaryOf(stored);
    const batches = await loadRunBatches(this.db, runId);
    const total = stored.classes.names.map(() => 0);
    for (const batch of batches) total[batch.classIndex] += batch.events.length;
    const done = total.map(() => 0);
    const failed = total.map(() => 0);
    const elapsedMs = summary.elapsedMs ?? 0;
    const images = total.reduce((a, b) => a + b, 0);
    const messages: ProgressMessage[] = [];
    const base = () => ({ runId, sequence: messages.length, total, done: [...done], failed: [...failed], elapsedMs, imagesPerSecond: elapsedMs ? (images * 1000) / elapsedMs : 0 });
    for (const { classIndex, index, events } of batches) {
      done[classIndex] += events.length;
      failed[classIndex] += events.filter((event) => event.error !== null).length;
      messages.push({ ...base(), kind: 'batch', status: 'running', batch: { classIndex, index, events, inferenceMs: 0 }, error: null });
    }
    messages.push({ ...base(), kind: 'finished', status: summary.status, batch: null, error: summary.error });
    return messages;
  }
}

function summaryOf(stored: StoredRun): RunSummary {
  const { classMapping: _mapping, backend: _backend, ...summary } = stored;
  return summary;
}

/** A run's predictions from its batches in class and batch order: class by class, in selection order. */
function scoredOf(batches: readonly StoredBatch[]): ScoredEvent[] {
  return batches.flatMap((batch) => batch.events);
}

async function waitForEnd(channel: ProgressChannel<ProgressMessage>): Promise<void> {
  for await (const _ of channel.subscribe()) {
    // drain until the run's final message closes the channel
  }
}
