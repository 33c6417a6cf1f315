// The domain of prediction runs, independent of GraphQL.
import type { PerformanceMetrics } from '../metrics/index.ts';

export type Particle = 'gamma' | 'proton';
export const PARTICLES: readonly Particle[] = ['gamma', 'proton'];

export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

/** Probability in [0, 1] that an event is a gamma, as the model says. */
export type Gammaness = number;

export interface ScoredEvent {
  eventId: number;
  particle: Particle;
  energyTeV: number;
  /** Null when the event's image could not be read. */
  gammaness: Gammaness | null;
  error: string | null;
}

export interface ClassCounts {
  gamma: number;
  proton: number;
}

export interface PredictionBatch {
  particle: Particle;
  /** 0-based index of the batch within its class. */
  index: number;
  events: ScoredEvent[];
  inferenceMs: number;
}

export interface ProgressMessage {
  runId: string;
  kind: 'batch' | 'finished';
  sequence: number;
  status: RunStatus;
  batch: PredictionBatch | null;
  done: ClassCounts;
  total: ClassCounts;
  failed: ClassCounts;
  elapsedMs: number;
  imagesPerSecond: number;
  metrics: PerformanceMetrics | null;
  error: string | null;
}

export interface PredictInput {
  energyBin: number;
  eventsPerClass: number;
  samples?: number | null;
  modelId?: string | null;
  seed?: number | null;
  /** Draw from this dataset only; from every registered dataset when omitted. */
  datasetId?: string | null;
}
