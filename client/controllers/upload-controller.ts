// Owns one upload on behalf of the page: sends the file with byte progress, then (datasets) follows the
// ingest until READY/FAILED/CANCELLED and fetches the files it refused; cancels; unsubscribes and aborts
// when the page goes away. The panel draws `view`.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { DashboardError } from '../state/errors.ts';
import type { DashboardSource } from '../state/source.ts';
import type { DatasetDetail, DatasetUploadOptions, IngestProgress, ModelUploadOptions, RejectedFile, TransferProgress } from '../types.ts';

export type UploadPhase = 'idle' | 'sending' | 'ingesting' | 'done' | 'failed' | 'cancelled';

export interface UploadView {
  phase: UploadPhase;
  fileName: string;
  /** Bytes sent of the request (file and form). */
  transfer: TransferProgress | null;
  /** Datasets: the ingest's latest progress. */
  ingest: IngestProgress | null;
  /** Datasets: files the ingest refused, with the reason. */
  rejected: RejectedFile[];
  /** The server's message (or the network's) when the upload or the ingest failed. */
  error: string | null;
  /** What was registered, in words. */
  result: string | null;
}

export const IDLE_UPLOAD: UploadView = { phase: 'idle', fileName: '', transfer: null, ingest: null, rejected: [], error: null, result: null };

export class UploadController implements ReactiveController {
  view: UploadView = IDLE_UPLOAD;
  private abort: AbortController | null = null;
  private unsubscribe: (() => void) | null = null;
  private datasetId: string | null = null;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly source: DashboardSource,
    readonly kind: 'dataset' | 'model',
    /** Called with the new dataset's or model's id once it can be used. */
    private readonly onDone: (id: string) => void = () => {},
  ) {
    host.addController(this);
  }

  get busy(): boolean {
    return this.view.phase === 'sending' || this.view.phase === 'ingesting';
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.abort?.abort();
    this.abort = null;
    this.stopFollowing();
  }

  async uploadDataset(file: File, options: DatasetUploadOptions): Promise<void> {
    const signal = this.begin(file);
    try {
      const dataset = await this.source.uploadDataset(file, options, (progress) => this.onTransfer(signal, progress), signal);
      if (signal.aborted) return;
      this.datasetId = dataset.id;
      if (dataset.state !== 'INGESTING') {
        // The same content uploaded again returns the existing dataset at once.
        this.finishDataset(dataset);
        return;
      }
      this.set({ phase: 'ingesting', ingest: dataset.ingest, transfer: doneTransfer(this.view.transfer, file) });
      this.follow(dataset.id, signal);
    } catch (error) {
      if (!signal.aborted) this.fail(error);
    }
  }

  async uploadModel(file: File, options: ModelUploadOptions): Promise<void> {
    const signal = this.begin(file);
    try {
      const model = await this.source.uploadModel(file, options, (progress) => this.onTransfer(signal, progress), signal);
      if (signal.aborted) return;
      this.set({
        phase: 'done',
        transfer: doneTransfer(this.view.transfer, file),
        result: `model ${model.name} ${model.version} registered${model.active ? ' and active' : ''}; classes: ${model.classNames.join(', ') || 'unnamed'}`,
      });
      this.onDone(model.id);
    } catch (error) {
      if (!signal.aborted) this.fail(error);
    }
  }

  /** Stops sending, or asks the server to cancel the ingest. */
  cancel(): void {
    if (this.view.phase === 'sending') {
      this.abort?.abort();
      this.set({ phase: 'cancelled', error: null });
    } else if (this.view.phase === 'ingesting' && this.datasetId) {
      this.source.cancelDatasetUpload(this.datasetId).catch((error: unknown) => this.fail(error));
    }
  }

  private begin(file: File): AbortSignal {
    this.abort?.abort();
    this.stopFollowing();
    this.abort = new AbortController();
    this.datasetId = null;
    this.set({ ...IDLE_UPLOAD, phase: 'sending', fileName: file.name, transfer: { sentBytes: 0, totalBytes: file.size } });
    return this.abort.signal;
  }

  private onTransfer(signal: AbortSignal, progress: TransferProgress): void {
    if (!signal.aborted) this.set({ transfer: progress });
  }

  private follow(datasetId: string, signal: AbortSignal): void {
    this.unsubscribe = this.source.watchIngest(datasetId, {
      next: (progress) => {
        if (!signal.aborted) this.set({ ingest: progress });
      },
      error: (error) => {
        if (!signal.aborted) this.fail(error);
      },
      complete: () => {
        this.unsubscribe = null;
        if (signal.aborted) return;
        this.source
          .loadDataset(datasetId, signal)
          .then((dataset) => {
            if (!signal.aborted) this.finishDataset(dataset);
          })
          .catch((error: unknown) => {
            if (!signal.aborted) this.fail(error);
          });
      },
    });
  }

  private finishDataset(dataset: DatasetDetail): void {
    const phase: UploadPhase = dataset.state === 'READY' ? 'done' : dataset.state === 'CANCELLED' ? 'cancelled' : 'failed';
    const events = dataset.classes.reduce((sum, c) => sum + c.eventCount, 0);
    this.set({
      phase,
      rejected: dataset.rejectedFiles,
      ingest: dataset.ingest ?? this.view.ingest,
      error: phase === 'failed' ? (dataset.error ?? 'the ingest failed') : null,
      result:
        phase === 'done'
          ? `dataset ${dataset.name}: ${dataset.classes.length} classes (${dataset.classes.map((c) => c.name).join(', ')}), ${events} events`
          : null,
    });
    if (phase === 'done') this.onDone(dataset.id);
  }

  private fail(error: unknown): void {
    const message = error instanceof DashboardError || error instanceof Error ? error.message : String(error);
    const cancelled = error instanceof DashboardError && error.code === 'ABORTED';
    this.set({ phase: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : message });
  }

  private set(patch: Partial<UploadView>): void {
    this.view = { ...this.view, ...patch };
    this.host.requestUpdate();
  }

  private stopFollowing(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

function doneTransfer(transfer: TransferProgress | null, file: File): TransferProgress {
  const total = transfer?.totalBytes ?? file.size;
  return { sentBytes: total, totalBytes: total };
}
