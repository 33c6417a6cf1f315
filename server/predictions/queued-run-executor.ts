// Runs a planned run's batches through the queue: each batch whose outputs are not cached becomes a job that
// some worker takes; the answers are scored here, in each class's batch order. A few batches of each class
// wait in the queue at a time, so that runs started together share the workers in turns rather than one after
// the other.
import { decodeOutputs, type BatchJob, type BatchJobResult } from '../cluster/index.ts';
import type { PredictionBatch, ScoredEvent } from '../domain/run.ts';
import { splitIntoBatches } from './batches.ts';
import type { PredictionCache } from './prediction-cache.ts';
import type { RunPlan, SelectedEvent } from './run-plan.ts';
import { RunScorer } from './scoring.ts';

/** Batches of one class queued or held by workers at once. */
const BATCHES_AHEAD = 2;

export interface QueuedRunExecution {
  runId: string;
  /** Whose turn the run's batches take in the workers' engines. */
  user: string;
  plan: RunPlan;
  cache: PredictionCache;
  batchSize: number;
  signal: AbortSignal;
  dispatch: (job: BatchJob) => Promise<BatchJobResult>;
  /** Drops the given batches from the queue if no worker has taken them yet. */
  dropWaiting: (jobs: ReadonlyArray<Pick<BatchJob, 'runId' | 'classIndex' | 'index'>>) => Promise<void>;
  onBatch: (batch: PredictionBatch, failures: number) => void;
}

/** Resolves with the backend of the workers that answered (null when every output was cached); rejects on the first failed batch. */
export async function executeQueuedRun(execution: QueuedRunExecution): Promise<{ backend: string | null }> {
  const { plan, cache } = execution;
  const cached = await cache.lookup(plan.model.sha256, plan.selection.flatMap((events) => events.map((event) => event.id)));
  // The model's output width is known from its outputs (cached or answered): the scorer is made for it.
  let scorer: RunScorer | null = null;
  const score = (raw: Float32Array) => (scorer ??= new RunScorer(plan.model.outputKind, raw.length, plan.model.classNames.length, plan.mapping)).score(raw);
  const failed = new AbortController();
  const state = { cached, score, failed, backend: null as string | null };
  const outcomes = await Promise.allSettled(plan.selection.map((events, classIndex) => queueClass(execution, classIndex, events, state)));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  return { backend: state.backend };
}

interface ClassState {
  cached: Map<number, Float32Array>;
  score: (raw: Float32Array) => Float32Array;
  failed: AbortController;
  backend: string | null;
}

async function queueClass(execution: QueuedRunExecution, classIndex: number, events: readonly SelectedEvent[], state: ClassState): Promise<void> {
  const { plan, signal } = execution;
  const batches = splitIntoBatches(events, execution.batchSize);
  const stopped = () => signal.aborted || state.failed.signal.aborted;
  const answers = new Map<number, Promise<BatchJobResult | null>>();
  const send = (index: number) => {
    if (index >= batches.length || answers.has(index)) return;
    const missing = batches[index].filter((event) => !state.cached.has(event.id));
    const answer =
      missing.length === 0
        ? Promise.resolve(null)
        : execution.dispatch({
            runId: execution.runId,
            user: execution.user,
            modelId: plan.model.id,
            modelSha256: plan.model.sha256,
            datasetId: plan.dataset.id,
            classIndex,
            index,
            inputShape: plan.model.inputShape,
            events: missing.map((event) => ({ id: event.id, file: event.file })),
          });
    // Settled here so that an answer nobody waits for any more (a cancelled run) is not an unhandled rejection.
    answer.catch(() => undefined);
    answers.set(index, answer);
  };
  try {
    for (let index = 0; index < batches.length; index++) {
      if (stopped()) return;
      for (let ahead = index; ahead < index + BATCHES_AHEAD; ahead++) send(ahead);
      const answer = await answers.get(index)!.catch((caught: unknown) => {
        state.failed.abort();
        throw caught;
      });
      if (stopped()) return;
      const outputs = new Map<number, Float32Array>();
      const errors = new Map<number, string>(answer?.errors ?? []);
      if (answer) {
        state.backend ??= answer.backend;
        const values = decodeOutputs(answer.outputs);
        const per = answer.outputsPerImage;
        const entries = answer.inferred.map((eventId, k) => ({ eventId, outputs: values.slice(k * per, (k + 1) * per) }));
        for (const entry of entries) outputs.set(entry.eventId, entry.outputs);
        // The worker wrote them to the table; this replica's copy in memory learns them too.
        await execution.cache.remember(plan.model.sha256, entries);
      }
      const scored: ScoredEvent[] = batches[index].map((event) => {
        const raw = state.cached.get(event.id) ?? outputs.get(event.id);
        return { eventId: event.id, classIndex, energyTeV: event.energyTeV, scores: raw ? state.score(raw) : null, error: errors.get(event.id) ?? null };
      });
      execution.onBatch({ classIndex, index, events: scored, inferenceMs: answer?.inferenceMs ?? 0 }, errors.size);
    }
  } finally {
    if (stopped()) {
      const unanswered = [...answers.keys()].map((index) => ({ runId: execution.runId, classIndex, index }));
      await execution.dropWaiting(unanswered);
    }
  }
}
