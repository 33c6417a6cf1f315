// Owns one prediction run on behalf of the page: starts it, follows its progress stream, collects the
// scores, fetches the samples and the server's metrics at the end, cancels it, and unsubscribes when the
// page goes away. The host re-renders after every batch and recomputes the plots from `scores`; the
// server's N-class metrics of the FINISHED message (or of the stored run) replace the page's own.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ProgressView } from '../components/astri-progress.ts';
import { DashboardError } from '../state/errors.ts';
import { RunScores } from '../state/run-scores.ts';
import type { DashboardSource } from '../state/source.ts';
import type {
  ClassCount,
  ClassificationSummary,
  RunClass,
  RunProgress,
  RunRequest,
  RunResult,
  RunStatus,
  SampleEvent,
  ServerMetricsSummary,
} from '../types.ts';

const TERMINAL: readonly RunStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

export class PredictionRunController implements ReactiveController {
  runId: string | null = null;
  request: RunRequest | null = null;
  progress: ProgressView | null = null;
  scores = new RunScores();
  /** Bumped whenever `scores` grows, so the host recomputes the metrics only then. */
  version = 0;
  samples: SampleEvent[] = [];
  serverMetrics: ServerMetricsSummary | null = null;
  /** The server's N-class metrics, once the run has finished. */
  serverClassification: ClassificationSummary | null = null;
  /** The run's classes, in the order of its scores (from the chosen dataset, or the stored run). */
  classes: RunClass[] = [];
  /** The run's signal class (binary runs), once the stored run says; else the dataset's is used. */
  signalClass: string | null = null;
  /** The run's energy bins (several: the page plots against energy); empty over all energies. */
  bins: NonNullable<RunResult['bins']> = [];
  /** The seed of the run's selection, once the server said it; runs of other models reuse it to score the same events. */
  seed: number | null = null;
  /** The name of the run's model, once known. */
  modelName: string | null = null;
  /** The error of the last action (starting, following, loading); the page shows it by control. */
  error: DashboardError | null = null;
  starting = false;
  loadingResult = false;

  private unsubscribe: (() => void) | null = null;
  private abort: AbortController | null = null;
  private lastSequence = -1;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source: DashboardSource,
  ) {
    host.addController(this);
  }

  get running(): boolean {
    return this.progress !== null && !TERMINAL.includes(this.progress.status);
  }

  get finished(): boolean {
    return this.progress !== null && TERMINAL.includes(this.progress.status);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.stopFollowing();
  }

  async start(request: RunRequest, classes: RunClass[], bins: NonNullable<RunResult['bins']> = []): Promise<void> {
    if (this.running || this.starting) return;
    this.reset();
    this.request = request;
    this.classes = classes;
    this.bins = bins;
    this.starting = true;
    this.host.requestUpdate();
    try {
      const { runId, seed } = await this.source.startRun(request);
      this.runId = runId;
      this.seed = seed ?? request.seed ?? null;
      const binCount = Math.max(1, request.energyBins?.length ?? 0);
      this.progress = {
        runId,
        status: 'QUEUED',
        done: classes.map((c) => ({ className: c.name, count: 0 })),
        total: classes.map((c) => ({ className: c.name, count: request.eventsPerClass * binCount })),
        failed: classes.map((c) => ({ className: c.name, count: 0 })),
        elapsedMs: 0,
        imagesPerSecond: 0,
        error: null,
      };
      this.follow(runId);
    } catch (error) {
      this.error = asDashboardError(error);
    } finally {
      this.starting = false;
      this.host.requestUpdate();
    }
  }

  async cancel(): Promise<void> {
    if (!this.runId || !this.running) return;
    try {
      await this.source.cancelRun(this.runId);
    } catch (error) {
      this.error = asDashboardError(error);
      this.host.requestUpdate();
    }
  }

  clearError(): void {
    this.error = null;
    this.host.requestUpdate();
  }

  /** Shows a stored run (a shared link): its predictions, samples and metrics, without running it again. */
  async show(runId: string): Promise<RunResult | null> {
    this.reset();
    this.runId = runId;
    this.host.requestUpdate();
    const result = await this.loadResult(runId);
    if (result) {
      this.request = result.request;
      const done: ClassCount[] = this.classes.map((c) => ({ className: c.name, count: 0 }));
      const failed: ClassCount[] = this.classes.map((c) => ({ className: c.name, count: 0 }));
      for (const event of result.predictions) {
        const row = done.findIndex((d) => d.className === event.label);
        if (row < 0) continue;
        done[row].count += 1;
        if (event.gammaness === null && event.scores === null) failed[row].count += 1;
      }
      this.progress = {
        runId,
        status: result.status,
        done,
        total: done.map((d) => ({ ...d })),
        failed,
        elapsedMs: 0,
        imagesPerSecond: 0,
        error: result.error,
      };
      if (!TERMINAL.includes(result.status)) this.follow(runId);
      this.host.requestUpdate();
    }
    return result;
  }

  private follow(runId: string): void {
    this.stopFollowing();
    this.unsubscribe = this.source.watchRun(runId, {
      next: (message) => this.apply(message),
      error: (error) => {
        this.error = error;
        this.host.requestUpdate();
        // The stream broke; what the server stored is still the truth.
        void this.loadResult(runId);
      },
      complete: () => {
        this.unsubscribe = null;
      },
    });
  }

  private apply(message: RunProgress): void {
    if (message.runId !== this.runId || message.sequence <= this.lastSequence) return;
    this.lastSequence = message.sequence;
    if (message.batch && this.scores.add(message.batch.events) > 0) this.version += 1;
    this.progress = {
      runId: message.runId,
      status: message.status,
      done: message.done,
      total: message.total,
      failed: message.failed,
      elapsedMs: message.elapsedMs,
      imagesPerSecond: message.imagesPerSecond,
      error: message.error,
    };
    if (message.kind === 'FINISHED') {
      if (message.metrics) this.serverMetrics = message.metrics;
      if (message.classification) this.serverClassification = message.classification;
      void this.loadResult(message.runId);
    }
    this.host.requestUpdate();
  }

  /** Fetches samples, stored predictions (filling any gap in the stream) and the server's metrics. */
  private async loadResult(runId: string): Promise<RunResult | null> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.loadingResult = true;
    this.host.requestUpdate();
    try {
      const result = await this.source.loadRun(runId, abort.signal);
      if (abort.signal.aborted || runId !== this.runId) return null;
      if (this.scores.add(result.predictions) > 0) this.version += 1;
      if (result.classes.length) this.classes = result.classes;
      if (result.bins) this.bins = result.bins;
      if (result.seed !== undefined) this.seed = result.seed;
      if (result.modelName !== undefined) this.modelName = result.modelName;
      this.signalClass = result.signalClass ?? this.signalClass;
      this.samples = result.samples;
      this.serverMetrics = result.serverMetrics ?? this.serverMetrics;
      // The stored run's metrics count every stored prediction; they replace the stream's.
      if (TERMINAL.includes(result.status)) this.serverClassification = result.classification ?? this.serverClassification;
      return result;
    } catch (error) {
      if (!abort.signal.aborted) this.error = asDashboardError(error);
      return null;
    } finally {
      if (this.abort === abort) {
        this.abort = null;
        this.loadingResult = false;
      }
      this.host.requestUpdate();
    }
  }

  private reset(): void {
    this.stopFollowing();
    this.abort?.abort();
    this.abort = null;
    this.runId = null;
    this.request = null;
    this.progress = null;
    this.scores = new RunScores();
    this.version += 1;
    this.samples = [];
    this.serverMetrics = null;
    this.serverClassification = null;
    this.classes = [];
    this.signalClass = null;
    this.bins = [];
    this.seed = null;
    this.modelName = null;
    this.error = null;
    this.lastSequence = -1;
    this.loadingResult = false;
  }

  private stopFollowing(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

function asDashboardError(error: unknown): DashboardError {
  if (error instanceof DashboardError) return error;
  return new DashboardError(error instanceof Error ? error.message : String(error), 'INTERNAL_SERVER_ERROR');
}
