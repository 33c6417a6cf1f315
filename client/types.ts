// Domain types of the dashboard: the shapes the page works with, independent of where they come from
// (the GraphQL API or the bundled data of the demo mode). Classes are data: a dataset names its classes,
// in an order that is the order of every per-class array (scores, confusion rows and columns).

export type RunStatus = 'QUEUED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type DatasetState = 'INGESTING' | 'READY' | 'FAILED' | 'CANCELLED';

/** A score in [0, 1]: the signal class's score of a binary dataset (for ASTRI: gamma). */
export type Gammaness = number;

/** A class of a dataset, in the dataset's order. */
export interface DatasetClass {
  index: number;
  name: string;
  /** CSS colour the dataset declares, else null (the page picks a colour-blind-safe one). */
  color: string | null;
  eventCount: number;
}

/** A class of a run: its place in the run's class order (scores, matrices), name and colour. */
export type RunClass = Pick<DatasetClass, 'index' | 'name' | 'color'>;

/** A number per class, by name. */
export interface ClassCount {
  className: string;
  count: number;
}

/** A class with a score: one of an event's top predictions. */
export interface ClassScore {
  className: string;
  score: number;
}

export interface EnergyBin {
  index: number;
  minTeV: number;
  maxTeV: number;
  label: string;
  /** Events of each class in this bin, in the dataset's class order. */
  counts: ClassCount[];
}

export interface DatasetSummary {
  id: string;
  name: string;
  /** demo, ingest or upload. */
  source: string;
  state: DatasetState;
  classes: DatasetClass[];
  /** The signal class of a binary gamma/hadron dataset ("gamma" for ASTRI); null for N-class. */
  signalClass: string | null;
  hasEnergies: boolean;
  /** Empty when the dataset has no energies. */
  energyBins: EnergyBin[];
  imageWidth: number | null;
  imageHeight: number | null;
  /** 1 gray, 3 RGB; null until ready. */
  channels: number | null;
}

export interface ModelSummary {
  id: string;
  name: string;
  version: string;
  format: string;
  active: boolean;
  classNames: string[];
  /** Where the class names came from: upload, labels-file, model-metadata, default; unknown in the demo. */
  classNamesSource?: string;
  /** [height, width, channels] of the model's input. */
  inputShape?: number[];
  preprocessing?: { colorMode: ColorMode; scale: number };
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
  datasets: DatasetSummary[];
  models: ModelSummary[];
  server: ServerSummary;
}

export interface ScoredEvent {
  eventId: string;
  /** The true class's name. */
  label: string;
  /** Null when the dataset has no energies. */
  trueEnergyTeV: number | null;
  /** Scores per class in the run's class order; null when the event could not be scored. */
  scores: number[] | null;
  /** The signal class's score of a binary run; null for N-class runs or unscored events. */
  gammaness: Gammaness | null;
  predictedLabel?: string | null;
  error?: string | null;
}

export interface SampleEvent {
  eventId: string;
  label: string;
  trueEnergyTeV: number | null;
  imageUrl: string;
  width: number;
  height: number;
  /** 1 gray (drawn through a colour map), 3 RGB (drawn in its own colours). */
  channels: number;
  scores: number[] | null;
  /** Best first, at most 3. */
  top: ClassScore[];
  gammaness: Gammaness | null;
}

/** Which model output scores a dataset class, when their names differ (PredictInput.classMapping). */
export interface ClassMappingPair {
  modelClass: string;
  datasetClass: string;
}

/** The settings chosen on the page; the URL's query string mirrors them (all but the class mapping). */
export interface DashboardSettings {
  datasetId: string | null;
  energyBin: number | null;
  /** Draw in every energy bin of the dataset in one run (the plots against energy); energyBin is then unused. */
  allBins?: boolean;
  /** View-only, like the threshold: the fixed efficiencies of the plots against energy (defaults 0.7 and 0.1). */
  gammaEfficiency?: number;
  hadronEfficiency?: number;
  eventsPerClass: number;
  samples: number;
  modelId: string | null;
  threshold: number;
  /** Only for a model whose class names are not the dataset's; reset when either changes. */
  classMapping?: ClassMappingPair[];
}

/** What a run asks for: the settings less the view-only threshold. energyBin null: drawn over all energies. */
export interface RunRequest {
  datasetId: string | null;
  energyBin: number | null;
  /** Several bins in one run (PredictInput.energyBins); energyBin is then null. */
  energyBins?: number[];
  /** The seed of the selection: a run of another model with the same seed scores the same events. */
  seed?: number;
  eventsPerClass: number;
  samples: number;
  modelId: string | null;
  classMapping?: ClassMappingPair[];
}

/** One message of a run's progress stream. */
export interface RunProgress {
  runId: string;
  kind: 'BATCH' | 'FINISHED';
  sequence: number;
  status: RunStatus;
  batch: { label: string; index: number; events: ScoredEvent[]; inferenceMs: number } | null;
  done: ClassCount[];
  total: ClassCount[];
  failed: ClassCount[];
  elapsedMs: number;
  imagesPerSecond: number;
  /** The server's binary figures, sent with the FINISHED message of a binary run. */
  metrics: ServerMetricsSummary | null;
  /** The server's N-class metrics, sent with the FINISHED message. */
  classification: ClassificationSummary | null;
  error: string | null;
}

/** The threshold-independent figures the server reports, used to confirm the page's own computation. */
export interface ServerMetricsSummary {
  auc: number | null;
  averagePrecision: number | null;
}

/** N-class metrics (scikit-learn semantics, classes in the dataset's order), whoever computed them. */
export interface ClassificationSummary {
  classes: string[];
  scoredEvents: number;
  accuracy: number;
  /** Rows true class, columns predicted. */
  confusionMatrix: number[][];
  /** Row-normalised; a row of a class without events is all 0. */
  confusionRates: number[][];
  topKAccuracy: { k: number; accuracy: number }[];
  perClass: ClassReportSummary[];
  macroAvg: AverageSummary;
  weightedAvg: AverageSummary;
  macroAuc: number | null;
  weightedAuc: number | null;
  logLoss: number | null;
}

export interface ClassReportSummary {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
  /** One-vs-rest ROC; null when the class or the rest is absent. */
  roc: { fpr: number[]; tpr: number[]; auc: number | null } | null;
  precisionRecall: { precision: number[]; recall: number[]; averagePrecision: number | null } | null;
}

export interface AverageSummary {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  request: RunRequest;
  /** Every energy bin of the run, in index order; empty over all energies. */
  bins?: Array<{ index: number; minTeV: number; maxTeV: number; label: string }>;
  seed?: number;
  modelName?: string;
  /** The run's classes, in the order of its scores. */
  classes: RunClass[];
  /** The signal class of a binary run ("gamma" for ASTRI); null for N-class runs. */
  signalClass: string | null;
  predictions: ScoredEvent[];
  samples: SampleEvent[];
  serverMetrics: ServerMetricsSummary | null;
  classification: ClassificationSummary | null;
  error: string | null;
}

// ------------------------------------------------------------------ uploads

export interface RejectedFile {
  file: string;
  reason: string;
}

export interface IngestProgress {
  datasetId: string;
  state: DatasetState;
  /** unpacking | decoding | registering | done */
  phase: string;
  filesDone: number;
  /** Null while unknown (a tar has no table of contents). */
  filesTotal: number | null;
  bytesDone: number;
  rejectedSoFar: number;
  error: string | null;
}

/** A dataset after (or during) ingest, with what it refused. */
export interface DatasetDetail extends DatasetSummary {
  rejectedFiles: RejectedFile[];
  error: string | null;
  ingest: IngestProgress | null;
}

/** Bytes of a request body sent so far. */
export interface TransferProgress {
  sentBytes: number;
  /** Null when the browser cannot tell. */
  totalBytes: number | null;
}

export interface DatasetUploadOptions {
  name?: string;
  /** Resize every image to this size (pixels) while ingesting; as they are when absent. */
  resizeTo?: { width: number; height: number };
}

export type ColorMode = 'GRAYSCALE' | 'RGB';

export interface ModelUploadOptions {
  name?: string;
  /** Class names in the model's output order. */
  classNames?: string[];
  /** A labels.txt: one class name per line (instead of classNames). */
  labels?: File;
  colorMode?: ColorMode;
  /** input = pixel * scale (+ offset). */
  scale?: number;
  activate?: boolean;
}

// ------------------------------------------------------------------ history and comparison

/** A run of the history panel. */
export interface RunListItem {
  id: string;
  status: RunStatus;
  createdAt: string;
  modelName: string;
  datasetName: string | null;
  /** Energy bin indices; empty over all energies. */
  bins: number[];
  eventsPerClass: number;
}

/** The paired comparison of runs on the same events (PredictionRun runComparison), bin by bin. */
export interface RunComparisonSummary {
  runs: Array<{ id: string; modelName: string }>;
  bins: Array<{
    label: string | null;
    aucs: Array<number | null>;
    /** For each run after the first: AUC(run) - AUC(first) and its paired bootstrap interval. */
    differences: Array<{ difference: number; lower: number; upper: number; level: number }>;
  }>;
}
