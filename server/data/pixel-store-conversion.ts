// Converts registered events into the pixel store once: datasets registered by another process (`astri ingest`
// registers folders in place from the CLI, which must not write the store) or before the store existed.
// Runs in the serving process, in the background, a chunk at a time; a run meanwhile reads the PNGs it still needs.
import path from 'node:path';
import type { Db } from './db.ts';
import { readImageBatch } from './event-images.ts';
import { PixelStore, type ImageShape } from './pixel-store.ts';

/** Images decoded between two yields to the event loop: small enough that requests and runs are not held up. */
const CHUNK = 256;

export interface ConversionProgress {
  /** Images converted or found unreadable so far, of `total` missing from the store at the start. */
  done: number;
  total: number;
  /** Of those, images decoded from their PNG and stored. */
  converted: number;
}

export interface ConversionResult {
  /** Images decoded and stored. */
  converted: number;
  /** Images that could not be read (missing or corrupt files); they stay on the PNG path, which reports them per run. */
  unreadable: number;
  total: number;
}

export interface ConversionOptions {
  /** Only these datasets' events; default: every dataset. */
  datasetIds?: readonly number[];
  signal?: AbortSignal;
  onProgress?: (progress: ConversionProgress) => void;
}

/** Stores, for each model input shape, every registered event of that image size that the store lacks. */
export async function convertToPixelStore(db: Db, storeDir: string, shapes: readonly ImageShape[], options: ConversionOptions = {}): Promise<ConversionResult> {
  const work: Array<{ shape: ImageShape; store: PixelStore; events: Array<{ id: number; file: string }> }> = [];
  for (const shape of uniqueShapes(shapes)) {
    const store = PixelStore.for(storeDir, shape);
    const rows = await db.event.findMany({
      where: { height: shape[0], width: shape[1], ...(options.datasetIds ? { datasetId: { in: [...options.datasetIds] } } : {}) },
      select: { id: true, imagePath: true, dataset: { select: { rootDir: true } } },
      orderBy: { id: 'asc' },
    });
    const events = rows.filter((row) => !store.has(row.id)).map((row) => ({ id: row.id, file: path.resolve(row.dataset.rootDir, row.imagePath) }));
    if (events.length > 0) work.push({ shape, store, events });
  }
  const result: ConversionResult = { converted: 0, unreadable: 0, total: work.reduce((sum, item) => sum + item.events.length, 0) };
  const report = options.onProgress ?? (() => {});
  report({ done: 0, total: result.total, converted: 0 });
  for (const { shape, store, events } of work) {
    for (let first = 0; first < events.length; first += CHUNK) {
      if (options.signal?.aborted) return result;
      // A run may have stored some of these meanwhile: readImageBatch reads those back instead of decoding them.
      const batch = await readImageBatch(events.slice(first, first + CHUNK), shape, store);
      result.converted += batch.decodedFromPng;
      result.unreadable += batch.errors.size;
      report({ done: Math.min(first + CHUNK, events.length) + doneBefore(work, events), total: result.total, converted: result.converted });
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return result;
}

function doneBefore(work: ReadonlyArray<{ events: readonly unknown[] }>, current: readonly unknown[]): number {
  let sum = 0;
  for (const item of work) {
    if (item.events === current) return sum;
    sum += item.events.length;
  }
  return sum;
}

function uniqueShapes(shapes: readonly ImageShape[]): ImageShape[] {
  const byKey = new Map(shapes.map((shape) => [shape.join('x'), shape]));
  return [...byKey.values()];
}

export type ConversionState = 'waiting' | 'running' | 'done' | 'stopped' | 'failed' | 'off';

export interface ConversionStatus extends ConversionProgress {
  state: ConversionState;
}

/**
 * The serving process's one conversion into the pixel store: started once the server is ready, stopped with it.
 * Its status is what serverInfo reports; `finished` settles with the result (null if it never ran).
 */
export class PixelStoreConversion {
  private current: ConversionStatus = { state: 'waiting', done: 0, total: 0, converted: 0 };
  private readonly abort = new AbortController();
  private running: Promise<ConversionResult | null> | null = null;
  private resolveFinished: (result: ConversionResult | null) => void = () => {};
  readonly finished = new Promise<ConversionResult | null>((resolve) => (this.resolveFinished = resolve));

  constructor(
    private readonly db: Db,
    private readonly storeDir: string,
    private readonly hooks: { onProgress?: (status: ConversionStatus, newlyConverted: number) => void; onError?: (error: Error) => void } = {},
  ) {}

  get status(): ConversionStatus {
    return { ...this.current };
  }

  /** Starts the conversion for these model input shapes; a second call is ignored. */
  start(shapes: readonly ImageShape[]): Promise<ConversionResult | null> {
    if (this.running) return this.running;
    if (this.abort.signal.aborted) {
      this.resolveFinished(null);
      return Promise.resolve(null);
    }
    this.current = { ...this.current, state: 'running' };
    let counted = 0;
    this.running = convertToPixelStore(this.db, this.storeDir, shapes, {
      signal: this.abort.signal,
      onProgress: (progress) => {
        this.current = { state: 'running', ...progress };
        this.hooks.onProgress?.(this.status, progress.converted - counted);
        counted = progress.converted;
      },
    }).then(
      (result) => {
        this.current = { ...this.current, state: this.abort.signal.aborted && this.current.done < result.total ? 'stopped' : 'done' };
        return result;
      },
      (error: Error) => {
        this.current = { ...this.current, state: 'failed' };
        this.hooks.onError?.(error);
        return null;
      },
    );
    void this.running.then((result) => this.resolveFinished(result));
    return this.running;
  }

  /** Never runs (config data.convertAtStart: false). */
  turnOff(): null {
    if (!this.running) this.current = { ...this.current, state: 'off' };
    this.resolveFinished(null);
    return null;
  }

  /** Ends a conversion under way at its next chunk (what is stored stays); one not started never starts. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.running) await this.running;
    else this.resolveFinished(null);
  }
}
