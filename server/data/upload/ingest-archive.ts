// The ingest of one dataset archive, start to end: unpack (archive/), make every image one geometry
// (image-normalise.ts), register the events (datasets.ts), then hand the decoded pixels to the pixel store
// so that the first run does not decode them again. Used by the upload service and by `astri ingest`.
// Throws a UserInputError for anything the uploader can fix; leaves cleaning up to the caller.
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { ArchiveAbortedError, ArchiveError, ArchiveWriteError, extractDataset, extractDatasetArchive, type ArchiveImage, type ArchiveLimits, type ArchiveProgress } from '../archive/index.ts';
import type { ArchiveReader } from '../archive/readers.ts';
import { classNamesProblem, COLOR_PATTERN, type ClassLabel } from '../../domain/classes.ts';
import type { DatasetSource, ImageGeometry, IngestPhase, RejectedFile } from '../../domain/dataset.ts';
import { DomainError, UserInputError } from '../../errors.ts';
import type { Db } from '../db.ts';
import { registerEvents, type EventRecord } from '../datasets.ts';
import { convertImage, datasetGeometry, keepAsIs, type ImageSize, type NormalisedImage, type NormaliseInput } from '../image-normalise.ts';
import { PixelStore } from '../pixel-store.ts';

export interface IngestStep {
  phase: Exclude<IngestPhase, 'receiving' | 'done'>;
  filesDone: number;
  filesTotal: number | null;
  bytesDone: number;
  rejectedSoFar: number;
}

export interface ArchiveIngestInput {
  name: string;
  source: DatasetSource;
  /** An archive file, or a reader of another source (a bucket prefix). */
  from: { archiveFile: string } | { openReader: (signal: AbortSignal) => Promise<ArchiveReader> };
  /** The dataset's own folder (its rootDir); created here, must not hold files yet. */
  datasetDir: string;
  resizeTo: ImageSize | null;
  signalClass: string | null;
  /** One CSS colour per class, in the dataset's class order. */
  colors: string[] | null;
  /** Bin edges for a dataset whose manifest gives energies. */
  energyEdgesTeV: number[];
  archiveLimits?: Partial<ArchiveLimits>;
  /**
   * The pixel store to fill, or null. Only the process that serves predictions may write it (its index
   * lives in that process), so `astri ingest` beside a running server passes null.
   */
  pixelStoreDir: string | null;
  signal: AbortSignal;
  onProgress(step: IngestStep): void;
}

export interface ArchiveIngestResult {
  eventCount: number;
  classes: string[];
  image: ImageGeometry;
  rejectedFiles: RejectedFile[];
  hasEnergies: boolean;
}

/** The ingest was cancelled (by the user, or by a server shutdown). */
export class IngestCancelledError extends Error {
  override name = 'IngestCancelledError';
  constructor() {
    super('the upload was cancelled; nothing was kept');
  }
}

/** Images handled per step: kept PNGs are read and decoded synchronously, a step at a time between yields. */
const IMAGES_PER_STEP = 64;
/** Conversions in flight: sharp works on libuv's pool, a few at a time is enough. */
const CONVERSIONS_IN_FLIGHT = 8;
/** Pixel bytes per write to the spool and to the pixel store: bounded memory whatever the image size. */
const PIXEL_CHUNK_BYTES = 2 * 1024 ** 2;

export async function ingestArchive(db: Db, datasetId: number, input: ArchiveIngestInput): Promise<ArchiveIngestResult> {
  const { signal } = input;
  let archive;
  try {
    const extractOptions = {
      limits: input.archiveLimits,
      signal,
      onProgress: (p: ArchiveProgress) => input.onProgress({ phase: 'unpacking', filesDone: p.entriesDone, filesTotal: p.entriesTotal ?? null, bytesDone: p.bytesDone, rejectedSoFar: p.rejectedSoFar }),
    };
    const { from } = input;
    archive =
      'archiveFile' in from
        ? await extractDatasetArchive(from.archiveFile, input.datasetDir, extractOptions)
        : await extractDataset(() => from.openReader(signal), input.datasetDir, extractOptions);
  } catch (error) {
    throw asUserError(error, signal);
  }
  const rejectedFiles: RejectedFile[] = archive.rejected.map(({ file, reason }) => ({ file, reason }));
  const classes = checkClasses(archive.classes, input.colors, input.signalClass);
  const hasEnergies = checkEnergies(archive.images);
  const geometry = datasetGeometry(archive.sizes, input.resizeTo);
  const bytesDone = archive.bytesUnpacked;
  const images = archive.images;
  const step = (phase: IngestStep['phase'], filesDone: number): void =>
    input.onProgress({ phase, filesDone, filesTotal: images.length, bytesDone, rejectedSoFar: rejectedFiles.length });

  // Converting: one decode per image; pixels spooled to disk in event order until the events have ids.
  const spoolFile = path.join(input.datasetDir, 'pixels.spool');
  const spool = await open(spoolFile, 'w');
  const records: EventRecord[] = new Array(images.length);
  const imageBytes = geometry.width * geometry.height * geometry.channels;
  try {
    const pending: Uint8Array[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      // A write can be short (the disk filling up): write the rest, so that a full disk is an error, not a hole.
      const bytes = Buffer.concat(pending);
      for (let written = 0; written < bytes.length; ) written += (await spool.write(bytes, written, bytes.length - written)).bytesWritten;
      pending.length = 0;
    };
    step('converting', 0);
    for (let first = 0; first < images.length; first += IMAGES_PER_STEP) {
      if (signal.aborted) throw new IngestCancelledError();
      const chunk = images.slice(first, first + IMAGES_PER_STEP);
      const inputs: NormaliseInput[] = chunk.map((image) => {
        const file = path.join(input.datasetDir, image.relativePath);
        return { file, format: image.format, width: image.width, height: image.height, channels: image.channels, sha256: image.sha256, convertedFile: file.replace(/\.[a-z]+$/, '.png'), name: image.archivePath };
      });
      const done: Array<NormalisedImage | null> = inputs.map((image) => keepAsIs(image, geometry));
      const toConvert = done.flatMap((kept, k) => (kept ? [] : [k]));
      for (let i = 0; i < toConvert.length; i += CONVERSIONS_IN_FLIGHT) {
        await Promise.all(toConvert.slice(i, i + CONVERSIONS_IN_FLIGHT).map(async (k) => (done[k] = await convertImage(inputs[k], geometry))));
      }
      // Let requests and progress through between steps of synchronous reads.
      if (toConvert.length === 0) await new Promise((resolve) => setImmediate(resolve));
      done.forEach((normalised, k) => {
        if (!normalised) throw new Error('an image was neither kept nor converted');
        const image = chunk[k];
        pending.push(normalised.pixels);
        records[first + k] = {
          label: image.label,
          energyTeV: image.energyTeV ?? null,
          ...(Object.keys(image.attributes).length > 0 ? { attributes: image.attributes } : {}),
          imagePath: path.relative(input.datasetDir, normalised.file).split(path.sep).join('/'),
          width: geometry.width,
          height: geometry.height,
          channels: geometry.channels,
          contentHash: normalised.sha256,
        };
      });
      if (pending.length * imageBytes >= PIXEL_CHUNK_BYTES) await flush();
      step('converting', first + chunk.length);
    }
    await flush();
  } finally {
    await spool.close();
  }

  if (signal.aborted) throw new IngestCancelledError();
  step('registering', 0);
  await registerEvents(
    db,
    { name: input.name, rootDir: input.datasetDir, source: input.source, classes, signalClass: classes.length === 2 ? input.signalClass : null, energyEdgesTeV: hasEnergies ? [...input.energyEdgesTeV] : null },
    records,
    { chunkSize: 1000, onProgress: (written) => step('registering', written) },
  );
  if (signal.aborted) throw new IngestCancelledError();
  if (input.pixelStoreDir) await fillPixelStore(db, datasetId, records, spoolFile, input.pixelStoreDir, geometry, imageBytes);
  await rm(spoolFile, { force: true });
  return { eventCount: records.length, classes: classes.map((c) => c.name), image: geometry, rejectedFiles, hasEnergies };
}

/** The spooled pixels, in event order, written under the events' ids: a chunk at a time, never all in memory. */
async function fillPixelStore(db: Db, datasetId: number, records: readonly EventRecord[], spoolFile: string, storeDir: string, geometry: ImageGeometry, imageBytes: number): Promise<void> {
  const rows = await db.event.findMany({ where: { datasetId }, select: { id: true, imagePath: true } });
  const idOf = new Map(rows.map((row) => [row.imagePath, row.id]));
  const store = PixelStore.for(storeDir, [geometry.height, geometry.width, geometry.channels]);
  const spool = await open(spoolFile, 'r');
  const perChunk = Math.max(1, Math.floor(PIXEL_CHUNK_BYTES / imageBytes));
  try {
    const buffer = Buffer.allocUnsafe(perChunk * imageBytes);
    for (let first = 0; first < records.length; first += perChunk) {
      const count = Math.min(perChunk, records.length - first);
      const { bytesRead } = await spool.read(buffer, 0, count * imageBytes, first * imageBytes);
      if (bytesRead !== count * imageBytes) throw new Error(`pixel spool is short: ${bytesRead} of ${count * imageBytes} bytes`);
      const batch: Array<{ eventId: number; pixels: Uint8Array }> = [];
      for (let k = 0; k < count; k++) {
        const eventId = idOf.get(records[first + k].imagePath);
        if (eventId !== undefined) batch.push({ eventId, pixels: buffer.subarray(k * imageBytes, (k + 1) * imageBytes) });
      }
      store.writeMany(batch);
    }
  } finally {
    await spool.close();
  }
}

function checkClasses(names: string[], colors: string[] | null, signalClass: string | null): ClassLabel[] {
  const problem = classNamesProblem(names);
  if (problem) throw new UserInputError(`the archive's classes cannot be used: ${problem}`, 'file');
  if (colors) {
    if (colors.length !== names.length) {
      throw new UserInputError(`colors gives ${colors.length} colour(s) but the archive has ${names.length} classes (${names.join(', ')}); give one #rrggbb colour per class, in that order`, 'colors');
    }
    const bad = colors.find((color) => !COLOR_PATTERN.test(color));
    if (bad !== undefined) throw new UserInputError(`colors: "${bad}" is not a #rrggbb colour`, 'colors');
  }
  if (signalClass !== null) {
    if (names.length !== 2) throw new UserInputError(`signalClass applies to datasets of two classes; this archive has ${names.length} (${names.join(', ')})`, 'signalClass');
    if (!names.includes(signalClass)) throw new UserInputError(`signalClass "${signalClass}" is not a class of the archive (its classes: ${names.join(', ')})`, 'signalClass');
  }
  return names.map((name, i) => ({ name, color: colors?.[i] ?? null }));
}

/** Energies are all or nothing: bins that silently miss events would mislead. */
function checkEnergies(images: readonly ArchiveImage[]): boolean {
  const known = images.filter((image) => image.energyTeV !== undefined).length;
  if (known === 0) return false;
  if (known < images.length) {
    const missing = images.find((image) => image.energyTeV === undefined)!;
    throw new UserInputError(`${images.length - known} of ${images.length} images have no energy_tev in the manifest (e.g. "${missing.archivePath}"): give every image an energy, or none`, 'file');
  }
  return true;
}

/** Archive refusals become the uploader's errors; a refusal that is the server's own fault stays internal. */
function asUserError(error: unknown, signal: AbortSignal): Error {
  if (error instanceof ArchiveAbortedError || signal.aborted) return new IngestCancelledError();
  if (error instanceof DomainError) return error;
  if (error instanceof ArchiveWriteError) return error;
  if (error instanceof ArchiveError) return new UserInputError(error.message, 'file');
  return error instanceof Error ? error : new Error(String(error));
}
