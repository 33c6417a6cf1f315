// Dataset uploads' lifecycle: receive the archive (streamed to disk, hashed, size-limited), recognise an
// upload seen before, create the dataset INGESTING, ingest it in the background, and finish it READY,
// FAILED or CANCELLED. An ingest belongs to this service, not to a request: it finishes whether or not
// anybody follows its progress, and a failed or cancelled one leaves no events and no files behind.
import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../data/archive/index.ts';
import { listBucketDataset, openBucketReader } from '../data/archive/bucket-reader.ts';
import type { ArchiveReader } from '../data/archive/readers.ts';
import type { DatasetCatalog, DatasetSummary } from '../data/dataset-catalog.ts';
import { createIngestingDataset, failInterruptedIngests, findDatasetByContent, finishIngest, ingestingDatasetDirs, unusedDatasetName } from '../data/datasets.ts';
import type { Db } from '../data/db.ts';
import type { DatasetFiles } from '../data/dataset-files.ts';
import type { ImageSize } from '../data/image-normalise.ts';
import { ingestArchive, IngestCancelledError, type IngestStep } from '../data/upload/ingest-archive.ts';
import { receiveToFile } from '../data/upload/receive.ts';
import { CLASS_NAME_PATTERN, COLOR_PATTERN } from '../domain/classes.ts';
import type { DatasetSource, IngestProgress, RejectedFile } from '../domain/dataset.ts';
import { DomainError, isDiskFullError, UserInputError } from '../errors.ts';
import { sha256File } from '../util/file-hash.ts';
import { ProgressChannel } from '../util/progress-channel.ts';
import { asPrefix, formatObjectUrl, ObjectCache, objectStoreFor, parseObjectUrl, type ObjectStore } from '../storage/index.ts';

export interface UploadOptions {
  /** Dataset name; by default the archive's file name without its extension (made unique). */
  name?: string | null;
  /** Resize every image to this size (mixed sizes are refused without it). */
  resizeTo?: ImageSize | null;
  /** The signal class of a two-class dataset (ASTRI: "gamma"). */
  signalClass?: string | null;
  /** One #rrggbb colour per class, in the dataset's class order. */
  colors?: string[] | null;
}

export interface UploadLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface DatasetUploadsOptions {
  /** Tighter archive limits (tests); the archive module's defaults otherwise, with maxTotalBytes from config. */
  archiveLimits?: Partial<ArchiveLimits>;
  /** Fill the pixel store after ingest: only the process that serves predictions may (see ingest-archive.ts). */
  fillPixelStore?: boolean;
  logger?: UploadLogger;
  /** The store bucket datasets are read from; by default one made from config.storage. */
  objectStore?: ObjectStore;
  /** Copies each ingested dataset to the shared store, when one is configured. */
  datasetFiles?: DatasetFiles;
}

/** An archive on disk, or a listed bucket prefix, ready to be ingested. */
interface ReceivedUpload {
  sha256: string;
  from: { archiveFile: string } | { openReader: (signal: AbortSignal) => Promise<ArchiveReader> };
  /** A temporary archive file of this service (removed at the end), or the user's own (left alone). */
  ownsArchive: boolean;
  /** s3://... of a dataset read from a bucket. */
  sourceUrl?: string;
  /** Run once the dataset is READY (a bucket's cached objects are dropped then). */
  afterReady?: () => Promise<void>;
  source: DatasetSource;
  bytes: number;
  /** The name the client gave the file: the dataset's default name, never a path. */
  fileName: string;
  options: UploadOptions;
}

interface ActiveIngest {
  datasetId: number;
  channel: ProgressChannel<IngestProgress>;
  latest: IngestProgress;
  abort: AbortController;
  finished: Promise<void>;
}

/** Messages at most this often while a phase goes on; phase changes and the end are always sent. */
const PROGRESS_INTERVAL_MS = 100;
/** Finished ingests keep their channel this long for late subscribers; then the database answers. */
const FINISHED_RETENTION_MS = 10 * 60_000;
const ARCHIVE_SUFFIX = /\.(zip|tar\.gz|tgz|tar)$/i;

export class DatasetUploads {
  private readonly active = new Map<number, ActiveIngest>();
  /** Looking an upload up and creating its dataset is one step: two equal uploads at once give one dataset. */
  private creating: Promise<unknown> = Promise.resolve();
  /** Set by shutdown: ingests stopped then failed as interrupted, not cancelled by anybody. */
  private stopping = false;
  private readonly uploadsDir: string;
  private store: ObjectStore | null = null;
  private readonly datasetsDir: string;

  constructor(
    private readonly db: Db,
    private readonly datasets: DatasetCatalog,
    private readonly config: Config,
    private readonly options: DatasetUploadsOptions = {},
  ) {
    this.uploadsDir = path.join(config.data.dir, 'uploads');
    this.datasetsDir = path.join(config.data.dir, 'datasets');
  }

  /**
   * Receives a multipart file and starts its ingest; returns the dataset at once (INGESTING), or the existing
   * dataset when the same content is ready or being ingested already.
   */
  async start(file: File, options: UploadOptions = {}): Promise<DatasetSummary> {
    validateOptions(options);
    const received = await receiveToFile(file.stream() as unknown as AsyncIterable<Uint8Array>, this.uploadsDir, { maxBytes: this.config.server.maxUploadBytes });
    try {
      const begun = await this.begin({ sha256: received.sha256, from: { archiveFile: received.file }, ownsArchive: true, source: 'upload', bytes: received.bytes, fileName: file.name, options });
      if (!begun.started) await rm(received.file, { force: true });
      return begun.dataset;
    } catch (error) {
      await rm(received.file, { force: true });
      throw error;
    }
  }

  /** `astri ingest ARCHIVE`: the same pipeline on a file already on disk (read in place, never removed). */
  async startFromFile(archiveFile: string, options: UploadOptions = {}): Promise<DatasetSummary> {
    validateOptions(options);
    const [sha256, { size }] = await Promise.all([sha256File(archiveFile), stat(archiveFile)]);
    return (await this.begin({ sha256, from: { archiveFile }, ownsArchive: false, source: 'ingest', bytes: size, fileName: path.basename(archiveFile), options })).dataset;
  }

  /**
   * `registerDataset` and `astri ingest s3://...`: lists the prefix (one folder per class, or a manifest.csv and its
   * images) and ingests it as an archive's content. A bucket listed with the same content as a dataset already
   * READY or INGESTING returns that dataset; one read again after a failure resumes from the objects fetched then.
   */
  async startFromBucket(url: string, options: UploadOptions = {}): Promise<DatasetSummary> {
    validateOptions(options);
    const location = parseObjectUrl(url, 'source');
    const store = this.objectStore();
    const listing = await listBucketDataset(store, location, { maxEntries: this.options.archiveLimits?.maxEntries ?? DEFAULT_ARCHIVE_LIMITS.maxEntries });
    const cache = new ObjectCache(path.join(this.config.data.dir, 'cache', 'objects'));
    const sourceUrl = formatObjectUrl({ bucket: location.bucket, key: asPrefix(location.key) });
    const begun = await this.begin({
      sha256: listing.sha256,
      from: { openReader: async (signal) => openBucketReader(store, listing, { concurrency: this.config.storage.concurrency, cache, signal }) },
      ownsArchive: false,
      sourceUrl,
      afterReady: async () => {
        for (const object of listing.objects) await cache.remove(location.bucket, object);
      },
      source: 'bucket',
      bytes: 0,
      fileName: location.key.replace(/\/+$/, '').split('/').pop() || location.bucket,
      options,
    });
    return begun.dataset;
  }

  /** Stops an ingest and waits until nothing of it is left; a finished dataset is returned unchanged. */
  async cancel(datasetId: number): Promise<DatasetSummary> {
    const ingest = this.active.get(datasetId);
    if (ingest && ingest.latest.phase !== 'done') {
      ingest.abort.abort();
      await ingest.finished;
    }
    return this.datasets.get(datasetId);
  }

  /** Resolves when the dataset's ingest has ended (at once when none is running). */
  async finished(datasetId: number): Promise<DatasetSummary> {
    await this.active.get(datasetId)?.finished;
    return this.datasets.get(datasetId);
  }

  /** The latest progress of an ingest still running, or null. */
  current(datasetId: number): IngestProgress | null {
    const ingest = this.active.get(datasetId);
    return ingest && ingest.latest.phase !== 'done' ? ingest.latest : null;
  }

  /** Every progress message of an upload: history first, then live ones until it ends. */
  async *progress(datasetId: number, signal?: AbortSignal): AsyncGenerator<IngestProgress> {
    const ingest = this.active.get(datasetId);
    if (ingest) {
      yield* ingest.channel.subscribe(signal);
      return;
    }
    // Ended before this process kept it (or before a restart): the final state, from the database.
    const dataset = await this.datasets.get(datasetId);
    yield {
      datasetId,
      state: dataset.state,
      phase: dataset.state === 'ingesting' ? 'registering' : 'done',
      filesDone: dataset.eventCount,
      filesTotal: dataset.eventCount,
      bytesDone: 0,
      rejectedSoFar: dataset.rejectedFiles.length,
      error: dataset.error,
    };
  }

  /** At start-up: uploads a stopped process left INGESTING are failed, and their files and temporary files removed. */
  async recoverInterrupted(): Promise<number> {
    const interrupted = await ingestingDatasetDirs(this.db);
    const count = await failInterruptedIngests(this.db);
    for (const rootDir of interrupted) if (this.isOurs(rootDir)) await rm(rootDir, { recursive: true, force: true });
    await rm(this.uploadsDir, { recursive: true, force: true });
    return count;
  }

  /** Cancels every ingest and waits for them to settle (server shutdown). */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const running = [...this.active.values()].filter((ingest) => ingest.latest.phase !== 'done');
    for (const ingest of running) ingest.abort.abort();
    await Promise.all(running.map((ingest) => ingest.finished));
  }

  private async begin(upload: ReceivedUpload): Promise<{ dataset: DatasetSummary; started: boolean }> {
    const { sha256, options } = upload;
    const step = this.creating.then(async () => {
      const same = await findDatasetByContent(this.db, sha256);
      if (same !== null) return { datasetId: same, started: false };
      // A name the user gave must be free; one made from the file name is made unique.
      const name = options.name ?? (await unusedDatasetName(this.db, nameFromFile(upload.fileName)));
      const rootDir = path.join(this.datasetsDir, randomUUID());
      const datasetId = await createIngestingDataset(this.db, { name, rootDir, source: upload.source, contentSha256: sha256, sourceUrl: upload.sourceUrl ?? null });
      this.run(datasetId, { ...upload, name, rootDir });
      return { datasetId, started: true };
    });
    this.creating = step.catch(() => undefined);
    const { datasetId, started } = await step;
    return { dataset: await this.datasets.get(datasetId), started };
  }

  private run(datasetId: number, job: ReceivedUpload & { name: string; rootDir: string }): void {
    const channel = new ProgressChannel<IngestProgress>();
    const abort = new AbortController();
    const first: IngestProgress = { datasetId, state: 'ingesting', phase: 'receiving', filesDone: 0, filesTotal: null, bytesDone: job.bytes, rejectedSoFar: 0, error: null };
    const ingest: ActiveIngest = { datasetId, channel, latest: first, abort, finished: Promise.resolve() };
    channel.publish(first);
    this.active.set(datasetId, ingest);
    let lastSentAt = 0;
    const onProgress = (step: IngestStep): void => {
      const now = performance.now();
      const phaseChanged = step.phase !== ingest.latest.phase;
      ingest.latest = { ...ingest.latest, ...step };
      if (!phaseChanged && now - lastSentAt < PROGRESS_INTERVAL_MS) return;
      lastSentAt = now;
      channel.publish(ingest.latest);
    };
    ingest.finished = (async () => {
      // Let the mutation answer before the first file is unpacked.
      await new Promise((resolve) => setImmediate(resolve));
      let outcome: { state: 'ready'; rejectedFiles: RejectedFile[] } | { state: 'failed' | 'cancelled'; error: string; rejectedFiles: RejectedFile[] };
      try {
        const result = await ingestArchive(this.db, datasetId, {
          name: job.name,
          source: job.source,
          from: job.from,
          datasetDir: job.rootDir,
          resizeTo: job.options.resizeTo ?? null,
          signalClass: job.options.signalClass ?? null,
          colors: job.options.colors ?? null,
          energyEdgesTeV: [...this.config.energyBins.edgesTeV],
          archiveLimits: { maxTotalBytes: this.config.server.maxUnpackedUploadBytes, ...this.options.archiveLimits },
          pixelStoreDir: this.options.fillPixelStore === false ? null : this.config.data.pixelStore,
          signal: abort.signal,
          onProgress,
        });
        if (this.options.datasetFiles?.sharing && !abort.signal.aborted) {
          onProgress({ phase: 'sharing', filesDone: 0, filesTotal: null, bytesDone: 0, rejectedSoFar: result.rejectedFiles.length });
          await this.options.datasetFiles.share(datasetId, job.rootDir, job.sha256, abort.signal);
        }
        outcome = abort.signal.aborted ? this.stopped() : { state: 'ready', rejectedFiles: result.rejectedFiles };
        if (outcome.state === 'ready') await job.afterReady?.();
      } catch (error) {
        outcome = abort.signal.aborted || error instanceof IngestCancelledError ? this.stopped() : { state: 'failed', error: this.describe(error, datasetId), rejectedFiles: [] };
      }
      // Files first: once the state says FAILED or CANCELLED, nothing of the upload is left on disk.
      if (outcome.state !== 'ready') await rm(job.rootDir, { recursive: true, force: true });
      if (job.ownsArchive && 'archiveFile' in job.from) await rm(job.from.archiveFile, { force: true });
      try {
        await finishIngest(this.db, datasetId, outcome);
      } catch (error) {
        this.options.logger?.error({ datasetId, err: error }, 'could not record the end of a dataset ingest');
      }
      ingest.latest = {
        ...ingest.latest,
        state: outcome.state,
        phase: 'done',
        rejectedSoFar: outcome.rejectedFiles.length || ingest.latest.rejectedSoFar,
        error: outcome.state === 'ready' ? null : outcome.error,
      };
      if (outcome.state === 'ready') ingest.latest.filesDone = ingest.latest.filesTotal ?? ingest.latest.filesDone;
      channel.publish(ingest.latest);
      channel.close();
      setTimeout(() => {
        if (this.active.get(datasetId) === ingest) this.active.delete(datasetId);
      }, FINISHED_RETENTION_MS).unref();
    })();
  }

  private objectStore(): ObjectStore {
    this.store ??= this.options.objectStore ?? objectStoreFor(this.config);
    return this.store;
  }

  private stopped(): { state: 'failed' | 'cancelled'; error: string; rejectedFiles: RejectedFile[] } {
    if (this.stopping) return { state: 'failed', error: 'interrupted: the server stopped before the upload was ingested; nothing was kept, upload it again', rejectedFiles: [] };
    return { state: 'cancelled', error: 'the upload was cancelled; nothing was kept', rejectedFiles: [] };
  }

  /** What the uploader is told: their error as it is, anything else as the server's fault (logged, no internals). */
  private describe(error: unknown, datasetId: number): string {
    if (error instanceof DomainError) return error.message;
    this.options.logger?.error({ datasetId, err: error }, 'dataset ingest failed');
    if (isDiskFullError(error)) return "the server's disk is full: the dataset could not be ingested and nothing of it was kept; ask its administrator to free space";
    return 'the server could not ingest the upload (an internal error, logged on the server); nothing was kept';
  }

  private isOurs(dir: string): boolean {
    const relative = path.relative(this.datasetsDir, dir);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  }
}

/** "run-7.tar.gz" -> "run-7"; a blank name -> "upload". */
function nameFromFile(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, '').replace(ARCHIVE_SUFFIX, '').trim();
  return base.slice(0, 100) || 'upload';
}

function validateOptions(options: UploadOptions): void {
  if (options.name != null && (options.name.trim() === '' || options.name.length > 100)) throw new UserInputError('name must be 1 to 100 characters', 'name');
  const size = options.resizeTo;
  if (size && !(Number.isInteger(size.width) && Number.isInteger(size.height) && size.width >= 1 && size.height >= 1 && size.width <= 4096 && size.height <= 4096)) {
    throw new UserInputError(`resizeTo width and height must be whole numbers from 1 to 4096, got ${size.width}x${size.height}`, 'resizeTo');
  }
  const badColor = options.colors?.find((color) => !COLOR_PATTERN.test(color));
  if (badColor !== undefined) throw new UserInputError(`colors: "${badColor}" is not a #rrggbb colour`, 'colors');
  if (options.signalClass != null && !CLASS_NAME_PATTERN.test(options.signalClass)) {
    throw new UserInputError(`signalClass ${JSON.stringify(options.signalClass)} must be 1 to 64 printable characters without surrounding blanks`, 'signalClass');
  }
}
