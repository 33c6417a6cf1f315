// The domain of prediction runs, independent of GraphQL and of storage.
import type { EnergyBin } from './energy.ts';

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

/** One event's prediction: scores per class in the run's class order (null when the image could not be read). */
export interface ScoredEvent {
  eventId: number;
  /** Index of the event's true class in the run's classes. */
  classIndex: number;
  energyTeV: number | null;
  scores: Float32Array | null;
  error: string | null;
}

/** A count per class, in the run's class order. */
export type ClassCountList = number[];

export interface PredictionBatch {
  /** The true class of every event of the batch (index into the run's classes). */
  classIndex: number;
  /** 0-based index of the batch within its class. */
  index: number;
  events: ScoredEvent[];
  inferenceMs: number;
  /** Where the batch's time went, in ms from the start of the run's execution; absent for a run replayed from the database. */
  stages?: BatchStages;
}

/** One batch's timeline through the pipeline, in milliseconds since the run's execution started. */
export interface BatchStages {
  /** Its image read was handed to the shared reads (it may wait there for its turn). */
  readQueuedAtMs: number;
  readStartedAtMs: number;
  readEndedAtMs: number;
  /** The engine started and finished it (after the batches ahead of it in the engine's queue). */
  inferStartedAtMs: number;
  inferEndedAtMs: number;
  /** Scored, cached and handed to the run's subscribers. */
  publishedAtMs: number;
}

export interface ProgressMessage {
  runId: string;
  kind: 'batch' | 'finished';
  sequence: number;
  status: RunStatus;
  batch: PredictionBatch | null;
  done: ClassCountList;
  total: ClassCountList;
  failed: ClassCountList;
  elapsedMs: number;
  imagesPerSecond: number;
  error: string | null;
}

export interface PredictInput {
  /** Energy bin of the dataset; events are drawn over all energies when omitted (and energyBins too). */
  energyBin?: number | null;
  /** Several energy bins: eventsPerClass events of each class are drawn in each bin. Not with energyBin. */
  energyBins?: readonly number[] | null;
  eventsPerClass: number;
  samples?: number | null;
  modelId?: string | null;
  seed?: number | null;
  /** The dataset to draw from; the demo dataset (the first registered) when omitted. */
  datasetId?: string | null;
  classMapping?: Array<{ modelClass: string; datasetClass: string }> | null;
}

/** A run's classes, fixed when it starts: the dataset's, with the binary signal class if any. */
export interface RunClasses {
  names: string[];
  signalClass: string | null;
}

export interface RunSummary {
  id: string;
  status: RunStatus;
  datasetId: number | null;
  classes: RunClasses;
  /** The run's one energy bin; null when events were drawn over all energies or over several bins. */
  energyBin: EnergyBin | null;
  /** Every bin of the run in index order, eventsPerClass events of each class drawn in each; empty over all energies. */
  energyBins: EnergyBin[];
  /** Events of each class drawn in each energy bin (over all energies: in all). */
  eventsPerClass: number;
  samples: number;
  seed: number;
  modelId: number;
  createdAt: Date;
  finishedAt: Date | null;
  elapsedMs: number | null;
  failedCount: number;
  error: string | null;
  /** Who started it (the principal's subject); null for runs from before tokens existed. */
  owner: string | null;
}
