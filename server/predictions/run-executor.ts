// Runs a planned run's batches: every class's batches feed one engine queue so they interleave, cached outputs
// are reused, the next batch's images are read while the current one is inferred, and each batch's stage times
// (read, inference, publication) travel with it.
import { performance } from 'node:perf_hooks';
import { readImageBatch } from '../data/event-images.ts';
import type { PixelStore } from '../data/pixel-store.ts';
import type { BatchStages, PredictionBatch, ScoredEvent } from '../domain/run.ts';
import type { InferenceEngine, Lane } from '../inference/index.ts';
import type { Telemetry } from '../observability/telemetry.ts';
import { splitIntoBatches } from './batches.ts';
import type { FairTurns } from './fair-turns.ts';
import type { CacheEntry, PredictionCache } from './prediction-cache.ts';
import type { RunPlan, SelectedEvent } from './run-plan.ts';
import { RunScorer } from './scoring.ts';

/** Engine batches a message of a fully cached class holds. */
const CACHED_BATCHES_PER_MESSAGE = 8;

export interface RunExecution {
  plan: RunPlan;
  engine: InferenceEngine;
  cache: PredictionCache;
  store: PixelStore;
  batchSize: number;
  telemetry: Telemetry;
  /** Whose turn the run's batches take in the engine's fair queue and in the image reads. */
  lane: Lane;
  /** Image batches are read in fair turns with the other runs'. */
  reads: FairTurns;
  /** Cancels the run after the batches in flight. */
  signal: AbortSignal;
  onBatch: (batch: PredictionBatch, failures: number) => void;
}

/** Resolves when every class is done or the run was cancelled; rejects on the first inference failure. */
export async function executeRun(execution: RunExecution): Promise<void> {
  const { plan, engine, cache } = execution;
  // The run is started by a request: let its answer go out before the run's synchronous work (cache lookups, pixel
  // reads, a cached run's whole stream) takes the thread, so the client can subscribe while the first batch is inferred.
  await new Promise((resolve) => setImmediate(resolve));
  const startedAt = performance.now();
  const sinceStart = () => performance.now() - startedAt;
  const cached = await cache.lookup(plan.model.sha256, plan.selection.flatMap((events) => events.map((event) => event.id)));
  const scorer = new RunScorer(plan.model.outputKind, engine.description.outputUnits, plan.model.classNames.length, plan.mapping);
  // When one class fails, the others stop too: the run is failed either way.
  const failed = new AbortController();
  const fresh: Array<Promise<CacheEntry[]>> = [];
  const outcomes = await Promise.allSettled(
    plan.selection.map((events, classIndex) => inferClass(execution, classIndex, events, { sinceStart, cached, scorer, failed, fresh })),
  );
  // New outputs are in the cache's memory already; its table is written once the run's last batch is out (and its
  // final message, sent on this turn), so the database work never competes with the engine for the cores. A failed
  // write costs a later process a re-inference, not this run its results.
  const entries = (await Promise.all(fresh)).flat();
  if (entries.length > 0) {
    setImmediate(() => {
      cache.write(plan.model.sha256, entries).catch((error: unknown) => execution.telemetry.logger.warn({ err: error, entries: entries.length }, 'could not store cached model outputs'));
    });
  }
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}

interface SharedState {
  /** Milliseconds since the run's execution started (the batches' stage times). */
  sinceStart: () => number;
  cached: Map<number, Float32Array>;
  scorer: RunScorer;
  failed: AbortController;
  /** Outputs inferred by this run and new to the cache, batch by batch. */
  fresh: Array<Promise<CacheEntry[]>>;
}

async function inferClass(execution: RunExecution, classIndex: number, events: readonly SelectedEvent[], shared: SharedState): Promise<void> {
  const { plan, engine, cache, store, telemetry, signal, onBatch } = execution;
  const { cached, scorer, failed, sinceStart } = shared;
  // A class whose every output is cached has nothing to infer: it goes out in fewer, larger messages, since each
  // message costs its subscribers about a millisecond whatever its size.
  const everyOutputCached = events.every((event) => cached.has(event.id));
  const batches = splitIntoBatches(events, everyOutputCached ? execution.batchSize * CACHED_BATCHES_PER_MESSAGE : execution.batchSize);
  const read = (index: number) => {
    const missing = batches[index].filter((event) => !cached.has(event.id));
    const queuedAt = sinceStart();
    const readMissing = async () => {
      const startedAt = sinceStart();
      const images = await readImageBatch(missing, plan.model.inputShape, store);
      return { missing, images, queuedAt, startedAt, endedAt: sinceStart() };
    };
    // Every output cached: nothing to read, so no turn to wait for behind other runs' reads.
    return missing.length === 0 ? readMissing() : execution.reads.run(execution.lane, readMissing);
  };
  let nextRead = batches.length ? read(0) : null;
  for (const [index, batch] of batches.entries()) {
    if (signal.aborted || failed.signal.aborted) return;
    const { missing, images, queuedAt, startedAt, endedAt } = await nextRead!;
    if (images.decodedFromPng > 0) telemetry.pngDecodes.inc({ stage: 'predict' }, images.decodedFromPng);
    // Read the next batch while this one is inferred.
    nextRead = index + 1 < batches.length ? read(index + 1) : null;
    let inferenceMs = 0;
    let inferEndedAt = endedAt;
    const outputs = new Map<number, Float32Array>();
    if (images.readable.length > 0) {
      telemetry.queueDepth.inc();
      const result = await engine
        .infer(images.pixels, images.readable.length, execution.lane)
        .catch((caught: unknown) => {
          failed.abort();
          throw caught;
        })
        .finally(() => telemetry.queueDepth.dec());
      inferenceMs = result.inferenceMs;
      inferEndedAt = sinceStart();
      telemetry.inferenceSeconds.observe(inferenceMs / 1000);
      telemetry.batchSize.observe(images.readable.length);
      const per = result.outputsPerImage;
      const entries = images.readable.map((eventIndex, k) => {
        const entry = { eventId: missing[eventIndex].id, outputs: result.outputs.slice(k * per, (k + 1) * per) };
        outputs.set(entry.eventId, entry.outputs);
        return entry;
      });
      shared.fresh.push(cache.remember(plan.model.sha256, entries));
    }
    const errors = new Map([...images.errors].map(([eventIndex, message]) => [missing[eventIndex].id, message]));
    // One buffer for the batch's scores, each event's a view of it: no allocation per event.
    const classCount = plan.mapping.length;
    const table = new Float32Array(batch.length * classCount);
    const scored: ScoredEvent[] = batch.map((event, k) => {
      const raw = cached.get(event.id) ?? outputs.get(event.id);
      const scores = raw ? scorer.score(raw, table.subarray(k * classCount, (k + 1) * classCount)) : null;
      return { eventId: event.id, classIndex, energyTeV: event.energyTeV, scores, error: errors.get(event.id) ?? null };
    });
    const stages: BatchStages = {
      readQueuedAtMs: queuedAt,
      readStartedAtMs: startedAt,
      readEndedAtMs: endedAt,
      inferStartedAtMs: inferEndedAt - inferenceMs,
      inferEndedAtMs: inferEndedAt,
      publishedAtMs: sinceStart(),
    };
    onBatch({ classIndex, index, events: scored, inferenceMs, stages }, errors.size);
  }
}
