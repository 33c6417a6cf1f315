// What the dashboard needs from a backend. The GraphQL API implements it for real runs; the demo
// source replays bundled sample predictions so the page can be developed without a server.
import type { Catalog, RunProgress, RunRequest, RunResult } from '../types.ts';
import type { DashboardError } from './errors.ts';

export interface ProgressObserver {
  next(progress: RunProgress): void;
  error(error: DashboardError): void;
  /** The stream ended (after the FINISHED message, or when the server closed it). */
  complete(): void;
}

export interface DashboardSource {
  /** 'api' for the GraphQL server, 'demo' for bundled data; shown in the header. */
  readonly kind: 'api' | 'demo';
  /** Bins, models and limits. Rejects with DashboardError. */
  loadCatalog(signal?: AbortSignal): Promise<Catalog>;
  /** Starts a run and resolves with its id once accepted. Rejects with DashboardError (e.g. BAD_USER_INPUT). */
  startRun(request: RunRequest): Promise<{ runId: string }>;
  /** Streams a run's progress, history first; returns the unsubscribe function. */
  watchRun(runId: string, observer: ProgressObserver): () => void;
  cancelRun(runId: string): Promise<void>;
  /** A run's stored predictions, samples and the server's metrics (for finished or shared runs). */
  loadRun(runId: string, signal?: AbortSignal): Promise<RunResult>;
}
