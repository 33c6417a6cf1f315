// What the dashboard needs from a backend. The GraphQL API implements it for real runs; the demo
// source replays bundled predictions so the page can be developed without a server.
import type {
  Catalog,
  DatasetDetail,
  DatasetUploadOptions,
  IngestProgress,
  ModelSummary,
  ModelUploadOptions,
  RunProgress,
  RunComparisonSummary,
  RunListItem,
  RunRequest,
  RunResult,
  TransferProgress,
} from '../types.ts';
import type { DashboardError } from './errors.ts';

export interface StreamObserver<T> {
  next(message: T): void;
  error(error: DashboardError): void;
  /** The stream ended (after its last message, or when the server closed it). */
  complete(): void;
}

export type ProgressObserver = StreamObserver<RunProgress>;

export interface DashboardSource {
  /** 'api' for the GraphQL server, 'demo' for bundled data; shown in the header. */
  readonly kind: 'api' | 'demo';
  /** Sends this API token from now on (servers with tokens answer UNAUTHENTICATED without one). */
  setToken?(token: string | null): void;
  /** Datasets (with their classes and bins), models and limits. Rejects with DashboardError. */
  loadCatalog(signal?: AbortSignal): Promise<Catalog>;
  /** Starts a run and resolves with its id once accepted. Rejects with DashboardError (e.g. BAD_USER_INPUT). */
  startRun(request: RunRequest): Promise<{ runId: string; seed?: number }>;
  /** Streams a run's progress, history first; returns the unsubscribe function. */
  watchRun(runId: string, observer: ProgressObserver): () => void;
  cancelRun(runId: string): Promise<void>;
  /** A run's stored predictions, samples and the server's metrics (for finished or shared runs). */
  loadRun(runId: string, signal?: AbortSignal): Promise<RunResult>;
  /** The newest runs first (the history panel); absent where there is no history (the demo). */
  listRuns?(first: number): Promise<RunListItem[]>;
  /** Deletes a finished run. */
  deleteRun?(runId: string): Promise<void>;
  /** Paired comparison of runs of different models on the same events. */
  compareRuns?(runIds: string[]): Promise<RunComparisonSummary>;

  /** Sends an archive (multipart, with upload progress); resolves once the server accepted it (state INGESTING). */
  uploadDataset(file: File, options: DatasetUploadOptions, onProgress: (progress: TransferProgress) => void, signal?: AbortSignal): Promise<DatasetDetail>;
  /** Follows an ingest, latest state first; completes when READY, FAILED or CANCELLED. */
  watchIngest(datasetId: string, observer: StreamObserver<IngestProgress>): () => void;
  /** A dataset with its refused files and error. */
  loadDataset(datasetId: string, signal?: AbortSignal): Promise<DatasetDetail>;
  cancelDatasetUpload(datasetId: string): Promise<void>;
  /** Sends a model file (multipart, with upload progress); resolves with the registered model. */
  uploadModel(file: File, options: ModelUploadOptions, onProgress: (progress: TransferProgress) => void, signal?: AbortSignal): Promise<ModelSummary>;
}
