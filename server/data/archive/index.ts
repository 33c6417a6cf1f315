// Turns an uploaded dataset archive (.zip, .tar.gz/.tgz, .tar) into a labelled list of images on disk.
// Streamed entry by entry, never whole in memory; every refusal is a typed ArchiveError and leaves
// nothing behind. Images are stored under names this module makes (images/000001.png), never under
// the archive's own names, which are only checked and reported.
import { mkdir, open, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../errors.ts';
import { checkEntryPath, collisionKey } from './entry-path.ts';
import { EntrySink, type ByteCounter } from './entry-sink.ts';
import {
  ArchiveAbortedError,
  ArchiveDestinationError,
  ArchiveError,
  ArchiveTooLargeError,
  CompressionRatioError,
  CorruptArchiveError,
  DuplicateEntryError,
  TooManyEntriesError,
  UnsafeEntryError,
} from './errors.ts';
import { PNG_END, readImageHeader, type ImageFormat } from './image-header.ts';
import { labelImages, type Inventory } from './layout.ts';
import { describe, detectArchiveFormat, openArchive, type ArchiveFormat, type ArchiveReader, type RawEntry } from './readers.ts';

export * from './errors.ts';
export type { ArchiveFormat } from './readers.ts';
export type { ImageFormat } from './image-header.ts';

export interface ArchiveLimits {
  /** Uncompressed bytes of all entries together, declared (zip) or counted while streaming (all). */
  maxTotalBytes: number;
  /** Entries of any kind (files, folders, litter). */
  maxEntries: number;
  /** Uncompressed over compressed size: per entry for zip, over the whole stream for tar.gz. */
  maxCompressionRatio: number;
  /** Entries (zip) or streams (tar.gz) smaller than this are not held to the ratio: tiny files compress well. */
  ratioCheckFromBytes: number;
  /** A manifest CSV is read into memory; larger ones are refused. */
  maxManifestBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxTotalBytes: 4 * 1024 ** 3,
  maxEntries: 200_000,
  maxCompressionRatio: 100,
  ratioCheckFromBytes: 1024 ** 2,
  maxManifestBytes: 32 * 1024 ** 2,
});

export interface ArchiveProgress {
  entriesDone: number;
  /** Known up front for zip; undefined for tar, which has no table of contents. */
  entriesTotal?: number;
  /** Uncompressed bytes unpacked so far. */
  bytesDone: number;
  rejectedSoFar: number;
}

export interface ExtractArchiveOptions {
  /** Default: told from the file's first bytes. */
  format?: ArchiveFormat;
  limits?: Partial<ArchiveLimits>;
  onProgress?: (progress: ArchiveProgress) => void;
  /** Cancels the extraction; the destination is removed and ArchiveAbortedError thrown. */
  signal?: AbortSignal;
}

export interface ArchiveImage {
  /** Where the image was stored, relative to the destination folder ("images/000001.png"). */
  relativePath: string;
  /** Its name inside the archive ("mydata/gamma/x.png"), for messages and for the uploader. */
  archivePath: string;
  label: string;
  energyTeV?: number;
  /** The manifest's extra columns, by header name; {} for the folder layout. */
  attributes: Record<string, string>;
  format: ImageFormat;
  width: number;
  height: number;
  channels: number;
  bytes: number;
  sha256: string;
}

export interface ArchiveRejection {
  /** The entry's name inside the archive. */
  file: string;
  reason: string;
}

export interface ImageSizeCount {
  width: number;
  height: number;
  channels: number;
  count: number;
}

export interface ArchiveDataset {
  format: ArchiveReader['format'];
  /** sha256 of the archive file: the same upload twice has the same hash. */
  sha256: string;
  layout: 'folders' | 'manifest';
  /** The manifest's name inside the archive, for the manifest layout. */
  manifest?: string;
  /** The one folder everything was wrapped in ("mydata"), or "". */
  root: string;
  /** Sorted by code point for the folder layout (as Keras does), first appearance for a manifest. */
  classes: string[];
  images: ArchiveImage[];
  /** Entries that are not usable images; not fatal. Sorted by name. */
  rejected: ArchiveRejection[];
  /** Distinct width x height x channels, most common first. Resizing is the caller's decision. */
  sizes: ImageSizeCount[];
  /** More than one width x height among the images. */
  mixedSizes: boolean;
  /** Gray and colour images side by side. */
  mixedChannels: boolean;
  entries: number;
  bytesUnpacked: number;
}

/** What storing an image records; ArchiveImage adds its label and where it came from. */
type StoredImage = Pick<ArchiveImage, 'relativePath' | 'format' | 'width' | 'height' | 'channels' | 'bytes' | 'sha256'>;

/**
 * Extracts `archiveFile` into `destinationDir` (created; it must not exist or be empty) and labels its
 * images. Throws an ArchiveError subclass for an archive that cannot be used, after removing the
 * destination; files that are merely not images are listed in `rejected`.
 */
export async function extractDatasetArchive(archiveFile: string, destinationDir: string, options: ExtractArchiveOptions = {}): Promise<ArchiveDataset> {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  return extractDataset(async () => openArchive(archiveFile, options.format ?? (await detectArchiveFormat(archiveFile)), limits), destinationDir, options);
}

/** The same from any reader (an archive file, a bucket prefix): opened once the destination is ready. */
export async function extractDataset(openReader: () => Promise<ArchiveReader>, destinationDir: string, options: ExtractArchiveOptions = {}): Promise<ArchiveDataset> {
  const limits: ArchiveLimits = { ...DEFAULT_ARCHIVE_LIMITS, ...options.limits };
  const { signal } = options;
  if (signal?.aborted) throw new ArchiveAbortedError();
  await prepareDestination(destinationDir);
  let reader: ArchiveReader | null = null;
  try {
    reader = await openReader();
    return await extract(reader, destinationDir, limits, options);
  } catch (error) {
    reader?.close();
    await rm(destinationDir, { recursive: true, force: true });
    if (signal?.aborted) throw new ArchiveAbortedError();
    // The archive's own refusals, and a source's (an object store's) errors, which name what failed already.
    if (error instanceof ArchiveError || error instanceof DomainError) throw error;
    throw new CorruptArchiveError(`the archive cannot be read (${describe(error)})`, undefined, error);
  }
}

async function prepareDestination(dir: string): Promise<void> {
  let names: string[] = [];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Not removed on failure either: it was not ours.
  if (names.length > 0) throw new ArchiveDestinationError('the folder chosen for the dataset already holds files; extract into a new folder');
  await mkdir(dir, { recursive: true });
}

async function extract(reader: ArchiveReader, destinationDir: string, limits: ArchiveLimits, options: ExtractArchiveOptions): Promise<ArchiveDataset> {
  const { signal } = options;
  if (reader.declaredBytes !== undefined && reader.declaredBytes > limits.maxTotalBytes) {
    throw new ArchiveTooLargeError(
      `the archive declares ${formatBytes(reader.declaredBytes)} of uncompressed content, over the limit of ${formatBytes(limits.maxTotalBytes)}`,
      limits.maxTotalBytes,
    );
  }
  const counter = new StreamCounter(reader, limits);
  const inventory: Inventory = { images: [], csvFiles: new Map(), folders: new Set(), otherFiles: new Set() };
  const stored = new Map<string, StoredImage>();
  const rejected: ArchiveRejection[] = [];
  const seen = new Map<string, { path: string; folder: boolean }>();
  const imagesDir = path.join(destinationDir, 'images');
  await mkdir(imagesDir);
  let entriesDone = 0;
  const progress = (): void =>
    options.onProgress?.({ entriesDone, ...(reader.entryCount !== undefined ? { entriesTotal: reader.entryCount } : {}), bytesDone: counter.bytesDone, rejectedSoFar: rejected.length });
  progress();

  for await (const raw of reader.entries()) {
    if (signal?.aborted) throw new ArchiveAbortedError();
    if (entriesDone + 1 > limits.maxEntries) throw new TooManyEntriesError(`the archive holds more than ${limits.maxEntries} entries, the limit`, limits.maxEntries);
    const entry = checkEntryPath(raw.name);
    refuseNonFiles(raw);
    const folder = raw.kind === 'directory';
    // Folders exist when stated and when a file lies in them: proton/.DS_Store still makes proton/ a (possibly empty) class.
    const folderDepth = folder ? entry.segments.length : entry.segments.length - 1;
    for (let i = 1; i <= folderDepth; i++) {
      if (entry.segments[i - 1].startsWith('.') || entry.segments[i - 1].toLowerCase() === '__macosx') break;
      inventory.folders.add(entry.segments.slice(0, i).join('/'));
    }
    if (entry.path === '' || entry.ignored || folder) {
      if (entry.path !== '' && !entry.ignored) refuseCollision(seen, entry.path, true);
      raw.skip();
      entriesDone++;
      progress();
      continue;
    }
    refuseCollision(seen, entry.path, false);
    refuseExtremeRatio(raw, entry.path, limits);

    const isCsv = entry.path.toLowerCase().endsWith('.csv') && entry.segments.length <= 2;
    let source: Readable | AsyncIterable<Uint8Array>;
    try {
      source = await raw.open();
    } catch (error) {
      throw asEntryError(error, entry.path);
    }
    const sink = new EntrySink({
      entry: entry.path,
      counter,
      mode: isCsv ? 'csv' : 'image',
      maxCsvBytes: limits.maxManifestBytes,
      target: (format) => path.join(imagesDir, `${String(stored.size + 1).padStart(6, '0')}.${format === 'png' ? 'png' : 'jpg'}`),
    });
    try {
      await pipeline(source, sink, signal ? { signal } : {});
    } catch (error) {
      throw asEntryError(error, entry.path, raw.declaredBytes);
    }
    if (isCsv) {
      inventory.csvFiles.set(entry.path, Buffer.concat(sink.csv));
    } else if (!sink.format || !sink.file) {
      inventory.otherFiles.add(entry.path);
      rejected.push({ file: entry.path, reason: sink.bytes === 0 ? 'an empty file, not an image' : 'not a PNG or JPEG image (told by its first bytes, not its name)' });
    } else {
      const image = await inspectImage(sink, sink.format, sink.file);
      if ('reason' in image) {
        await unlink(sink.file);
        inventory.otherFiles.add(entry.path);
        rejected.push({ file: entry.path, reason: image.reason });
      } else {
        stored.set(entry.path, { ...image, relativePath: path.relative(destinationDir, sink.file).split(path.sep).join('/') });
        inventory.images.push(entry.path);
      }
    }
    entriesDone++;
    progress();
  }
  if (signal?.aborted) throw new ArchiveAbortedError();
  const sha256 = await reader.sha256();
  reader.close();

  const labelling = labelImages(inventory);
  const labelledRejects = labelling.rejected.filter(({ file }) => stored.has(file));
  for (const { file } of labelledRejects) await unlink(path.join(destinationDir, stored.get(file)!.relativePath));
  rejected.push(...labelling.rejected);
  rejected.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const images: ArchiveImage[] = labelling.images.map((image) => {
    const { relativePath, ...info } = stored.get(image.archivePath)!;
    return { relativePath, ...image, ...info };
  });
  const sizes = countSizes(images);
  return {
    format: reader.format,
    sha256,
    layout: labelling.layout,
    ...(labelling.manifest ? { manifest: labelling.manifest } : {}),
    root: labelling.root,
    classes: labelling.classes,
    images,
    rejected,
    sizes,
    mixedSizes: new Set(sizes.map(({ width, height }) => `${width}x${height}`)).size > 1,
    mixedChannels: new Set(sizes.map(({ channels }) => channels)).size > 1,
    entries: entriesDone,
    bytesUnpacked: counter.bytesDone,
  };
}

function refuseNonFiles(raw: RawEntry): void {
  if (raw.kind === 'symlink' || raw.kind === 'hardlink') {
    const what = raw.kind === 'symlink' ? 'a symbolic link' : 'a hard link';
    const to = raw.linkTarget ? ` to "${raw.linkTarget}"` : '';
    throw new UnsafeEntryError(`"${raw.name}" is ${what}${to}; archives with links are refused, since a link can point outside the dataset`, raw.name);
  }
  if (raw.kind === 'special') throw new UnsafeEntryError(`"${raw.name}" is a device or pipe, not a file; the archive was refused`, raw.name);
}

function refuseCollision(seen: Map<string, { path: string; folder: boolean }>, name: string, folder: boolean): void {
  const key = collisionKey(name);
  const before = seen.get(key);
  if (!before) {
    seen.set(key, { path: name, folder });
    return;
  }
  if (before.folder && folder) return; // a folder stated twice is harmless
  const message =
    before.path === name
      ? `"${name}" appears twice in the archive; which one is meant is unclear`
      : `"${before.path}" and "${name}" differ only in letter case, and would be one file on many systems; rename one`;
  throw new DuplicateEntryError(message, name, before.path);
}

function refuseExtremeRatio(raw: RawEntry, name: string, limits: ArchiveLimits): void {
  if (raw.compressedBytes === undefined || raw.declaredBytes < limits.ratioCheckFromBytes) return;
  const ratio = raw.declaredBytes / Math.max(1, raw.compressedBytes);
  if (ratio > limits.maxCompressionRatio) {
    throw new CompressionRatioError(
      `"${name}" is compressed ${Math.round(ratio)}:1 (${formatBytes(raw.compressedBytes)} unpacking to ${formatBytes(raw.declaredBytes)}), over the ${limits.maxCompressionRatio}:1 limit: refused as a zip bomb`,
      ratio,
      limits.maxCompressionRatio,
      name,
    );
  }
}

/** Counts unpacked bytes across entries; for a tar.gz also watches the stream's overall ratio. */
class StreamCounter implements ByteCounter {
  bytesDone = 0;
  constructor(
    private readonly reader: ArchiveReader,
    private readonly limits: ArchiveLimits,
  ) {}

  add(bytes: number, entry: string): void {
    this.bytesDone += bytes;
    const { maxTotalBytes, maxCompressionRatio, ratioCheckFromBytes } = this.limits;
    if (this.bytesDone > maxTotalBytes) {
      throw new ArchiveTooLargeError(`the archive unpacks to more than ${formatBytes(maxTotalBytes)}, the limit; stopped while unpacking "${entry}"`, maxTotalBytes, entry);
    }
    if (this.reader.format === 'tar.gz' && this.bytesDone >= ratioCheckFromBytes) {
      const ratio = this.bytesDone / Math.max(1, this.reader.archiveBytesRead());
      if (ratio > maxCompressionRatio) {
        throw new CompressionRatioError(
          `the archive is compressed ${Math.round(ratio)}:1 up to "${entry}", over the ${maxCompressionRatio}:1 limit: refused as a compression bomb`,
          ratio,
          maxCompressionRatio,
          entry,
        );
      }
    }
  }
}

function asEntryError(error: unknown, entry: string, declaredBytes = 0): Error {
  if (error instanceof ArchiveError || error instanceof DomainError) return error;
  if (error instanceof Error && error.name === 'AbortError') return new ArchiveAbortedError();
  const message = describe(error);
  // yauzl's validateEntrySizes: the data holds more than the central directory declares.
  if (/too many bytes in the stream/.test(message)) {
    return new ArchiveTooLargeError(`"${entry}" unpacks to more bytes than the archive declares for it: refused as a zip bomb or a corrupt archive`, declaredBytes, entry);
  }
  return new CorruptArchiveError(`the archive is truncated or corrupt: "${entry}" cannot be unpacked (${message})`, entry, error);
}

async function inspectImage(sink: EntrySink, format: ImageFormat, file: string): Promise<Omit<StoredImage, 'relativePath'> | { reason: string }> {
  if (format === 'png' && !sink.tail.equals(PNG_END)) return { reason: 'truncated PNG: it ends before its IEND chunk' };
  const head = Buffer.concat(sink.head);
  const handle = await open(file, 'r');
  try {
    const header = await readImageHeader(format, async (offset, length) => {
      if (offset + length <= head.length || head.length === sink.bytes) return head.subarray(offset, offset + length);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    });
    if ('reason' in header) return header;
    return { format, width: header.width, height: header.height, channels: header.channels, bytes: sink.bytes, sha256: sink.digest() };
  } finally {
    await handle.close();
  }
}

function countSizes(images: readonly ArchiveImage[]): ImageSizeCount[] {
  const counts = new Map<string, ImageSizeCount>();
  for (const { width, height, channels } of images) {
    const key = `${width}x${height}x${channels}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { width, height, channels, count: 1 });
  }
  return [...counts.values()].sort((a, b) => b.count - a.count);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
