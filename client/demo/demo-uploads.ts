// Simulated uploads for the demo mode: the bytes "sent" in a few steps, then an ingest that unpacks,
// decodes (refusing two files, as a real archive often has) and registers, streamed like the server's
// datasetIngestProgress (a late subscriber gets the latest state first). Lets the upload panels be
// developed and shown without a server.
import { DashboardError } from '../state/errors.ts';
import type { StreamObserver } from '../state/source.ts';
import type { DatasetDetail, IngestProgress, RejectedFile, TransferProgress } from '../types.ts';

const TICK_MS = 40;
const SEND_STEPS = 5;

/** The files a demo ingest refuses, with the server's kind of reasons. */
const DEMO_REJECTED_FILES: RejectedFile[] = [
  { file: 'ring/ring-0007.png', reason: 'not a decodable image (truncated PNG)' },
  { file: 'README.txt', reason: 'not in a class folder and not manifest.csv' },
];

/** Reports the file as sent in a few steps; rejects with ABORTED when the signal aborts. */
export function simulateSending(file: File, onProgress: (progress: TransferProgress) => void, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let step = 0;
    const timer = setInterval(() => {
      step += 1;
      onProgress({ sentBytes: Math.round((file.size * step) / SEND_STEPS), totalBytes: file.size });
      if (step === SEND_STEPS) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
    signal?.addEventListener('abort', () => {
      clearInterval(timer);
      reject(new DashboardError(`sending ${file.name} was cancelled`, 'ABORTED'));
    });
  });
}

interface DemoIngest {
  detail: DatasetDetail;
  latest: IngestProgress;
  listeners: Set<StreamObserver<IngestProgress>>;
  timer: ReturnType<typeof setTimeout> | null;
}

export class DemoIngests {
  private readonly ingests = new Map<string, DemoIngest>();

  /** Starts the ingest of `detail` (state INGESTING); `onEnd` runs when it is READY or CANCELLED. */
  start(detail: DatasetDetail, filesTotal: number, onEnd: (detail: DatasetDetail) => void): IngestProgress {
    const latest: IngestProgress = {
      datasetId: detail.id,
      state: 'INGESTING',
      phase: 'unpacking',
      filesDone: 0,
      filesTotal: null,
      bytesDone: 0,
      rejectedSoFar: 0,
      error: null,
    };
    const ingest: DemoIngest = { detail: { ...detail, ingest: latest }, latest, listeners: new Set(), timer: null };
    this.ingests.set(detail.id, ingest);
    const steps = 12;
    let step = 0;
    const tick = () => {
      step += 1;
      const done = Math.min(filesTotal, Math.round((filesTotal * step) / steps));
      const rejected = step >= steps / 3 ? (step >= (2 * steps) / 3 ? 2 : 1) : 0;
      if (step < steps) {
        this.emit(ingest, { phase: step < 2 ? 'unpacking' : step < steps - 1 ? 'decoding' : 'registering', filesDone: done, filesTotal: step < 2 ? null : filesTotal, rejectedSoFar: rejected });
        ingest.timer = setTimeout(tick, TICK_MS);
        return;
      }
      ingest.detail = { ...ingest.detail, state: 'READY', rejectedFiles: DEMO_REJECTED_FILES };
      this.emit(ingest, { state: 'READY', phase: 'done', filesDone: filesTotal, filesTotal, rejectedSoFar: DEMO_REJECTED_FILES.length });
      onEnd(ingest.detail);
      this.end(ingest);
    };
    ingest.timer = setTimeout(tick, TICK_MS);
    return latest;
  }

  watch(datasetId: string, observer: StreamObserver<IngestProgress>): () => void {
    const ingest = this.ingests.get(datasetId);
    if (!ingest) {
      queueMicrotask(() => observer.error(new DashboardError(`no upload of dataset ${datasetId} in this demo session`, 'NOT_FOUND')));
      return () => {};
    }
    observer.next(ingest.latest);
    if (ingest.latest.state === 'INGESTING') ingest.listeners.add(observer);
    else queueMicrotask(() => observer.complete());
    return () => ingest.listeners.delete(observer);
  }

  cancel(datasetId: string, onEnd: (detail: DatasetDetail) => void): void {
    const ingest = this.ingests.get(datasetId);
    if (!ingest || ingest.latest.state !== 'INGESTING') return;
    if (ingest.timer) clearTimeout(ingest.timer);
    ingest.detail = { ...ingest.detail, state: 'CANCELLED' };
    this.emit(ingest, { state: 'CANCELLED', phase: 'done' });
    onEnd(ingest.detail);
    this.end(ingest);
  }

  detail(datasetId: string): DatasetDetail | undefined {
    const ingest = this.ingests.get(datasetId);
    return ingest ? { ...ingest.detail, ingest: ingest.latest } : undefined;
  }

  private emit(ingest: DemoIngest, patch: Partial<IngestProgress>): void {
    ingest.latest = { ...ingest.latest, ...patch, bytesDone: ingest.latest.bytesDone + 4096 };
    for (const listener of ingest.listeners) listener.next(ingest.latest);
  }

  private end(ingest: DemoIngest): void {
    ingest.timer = null;
    for (const listener of ingest.listeners) listener.complete();
    ingest.listeners.clear();
  }
}
