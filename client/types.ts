// Domain types of the dashboard: the shapes the page works with, independent of where they come from
// (the GraphQL API or the bundled sample predictions of the demo mode).

export type Particle = 'GAMMA' | 'PROTON';
export type RunStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** A score in [0, 1]: the model's belief that an event is a gamma-ray shower. */
export type Gammaness = number;

export interface EnergyBin {
  index: number;
  minTeV: number;
  maxTeV: number;
  label: string;
  gammaCount: number;
  protonCount: number;
}

export interface ModelSummary {
  id: string;
  name: string;
  version: string;
  format: string;
  active: boolean;
}

export interface Limits {
  minEventsPerClass: number;
  maxEventsPerClass: number;
  maxSamples: number;
  dashboardMinEventsPerClass: number;
  dashboardMaxEventsPerClass: number;
}

export interface ServerSummary {
  version: string;
  backendName: string;
  device: string;
  batchSize: number;
  limits: Limits;
  defaultThreshold: number;
}

/** Everything the controls need before a run: what can be chosen. */
export interface Catalog {
  bins: EnergyBin[];
  models: ModelSummary[];
  server: ServerSummary;
}

export interface ScoredEvent {
  eventId: string;
  particle: Particle;
  energyTeV: number;
  /** null when the event could not be scored (its `error` says why). */
  gammaness: Gammaness | null;
  error?: string | null;
}

export interface SampleEvent {
  eventId: string;
  particle: Particle;
  energyTeV: number;
  imageUrl: string;
  width: number;
  height: number;
  gammaness: Gammaness | null;
}

export interface ClassCounts {
  gamma: number;
  proton: number;
}

/** The settings chosen on the page; the URL's query string mirrors them. */
export interface DashboardSettings {
  energyBin: number | null;
  eventsPerClass: number;
  samples: number;
  modelId: string | null;
  threshold: number;
}

/** What a run asks for: the settings less the view-only threshold. */
export interface RunRequest {
  energyBin: number;
  eventsPerClass: number;
  samples: number;
  modelId: string | null;
}

/** One message of a run's progress stream. */
export interface RunProgress {
  runId: string;
  kind: 'BATCH' | 'FINISHED';
  sequence: number;
  status: RunStatus;
  batch: { particle: Particle; index: number; events: ScoredEvent[]; inferenceMs: number } | null;
  done: ClassCounts;
  total: ClassCounts;
  failed: ClassCounts;
  elapsedMs: number;
  imagesPerSecond: number;
  /** The server's metrics, sent with the FINISHED message. */
  metrics: ServerMetricsSummary | null;
  error: string | null;
}

/** The threshold-independent figures the server reports, used to confirm the page's own computation. */
export interface ServerMetricsSummary {
  auc: number | null;
  averagePrecision: number | null;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  request: RunRequest;
  predictions: ScoredEvent[];
  samples: SampleEvent[];
  serverMetrics: ServerMetricsSummary | null;
  error: string | null;
}
