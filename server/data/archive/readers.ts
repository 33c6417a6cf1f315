// One entry at a time out of a zip (yauzl, central directory first) or a tar / tar.gz (node-tar's
// streaming parser), behind one small interface; the archive file itself is hashed as it is read.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import yauzl from 'yauzl';
import { CompressionRatioError, CorruptArchiveError, TooManyEntriesError, UnsupportedArchiveError } from './errors.ts';

export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz';

export type EntryKind = 'file' | 'directory' | 'symlink' | 'hardlink' | 'special';

export interface RawEntry {
  /** The name as the archive spells it (decoded; not yet checked). */
  name: string;
  kind: EntryKind;
  linkTarget?: string;
  /** Uncompressed size the archive states for the entry. */
  declaredBytes: number;
  /** Compressed size, for zip entries. */
  compressedBytes?: number;
  /** The entry's bytes; call once, or call skip(). */
  open(): Promise<Readable | AsyncIterable<Uint8Array>>;
  skip(): void;
}

export interface ArchiveReader {
  /** "bucket": a prefix of an object store read entry by entry (bucket-reader.ts). */
  format: ArchiveFormat | 'bucket';
  /** Known up front for zip (from its central directory). */
  entryCount?: number;
  declaredBytes?: number;
  /** Bytes of the archive file consumed so far: with the bytes unpacked, the stream's compression ratio. */
  archiveBytesRead(): number;
  entries(): AsyncGenerator<RawEntry>;
  /** sha256 of the archive file, once every byte of it was read. */
  sha256(): Promise<string>;
  close(): void;
}

/** Tells the format from the first bytes, not the file name (uploads are stored under any name). */
export async function detectArchiveFormat(file: string): Promise<ArchiveFormat> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    if (bytesRead >= 4 && head[0] === 0x50 && head[1] === 0x4b && [0x0304, 0x0506, 0x0708].includes(head.readUInt16BE(2))) return 'zip';
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
    if (bytesRead >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
    if (bytesRead === 0) throw new UnsupportedArchiveError('the upload is empty: expected a .zip, .tar.gz or .tar archive');
    throw new UnsupportedArchiveError('the upload is not a .zip, .tar.gz or .tar archive (its first bytes match none of them)');
  } finally {
    await handle.close();
  }
}

export async function openArchive(file: string, format: ArchiveFormat, limits: { maxEntries: number }): Promise<ArchiveReader> {
  return format === 'zip' ? openZip(file, limits.maxEntries) : openTar(file, format);
}

const S_IFMT = 0o170000;
const UNIX_KINDS: Record<number, EntryKind> = { 0o100000: 'file', 0o040000: 'directory', 0o120000: 'symlink' };

async function openZip(file: string, maxEntries: number): Promise<ArchiveReader> {
  let zip: yauzl.ZipFile;
  try {
    // Names are decoded and checked here (decodeStrings: false), so a bad one is refused by name, not by yauzl's generic error.
    zip = await yauzl.openPromise(file, { autoClose: false, decodeStrings: false, validateEntrySizes: true, strictFileNames: false });
  } catch (error) {
    throw new CorruptArchiveError(`the zip archive is truncated or corrupt (${describe(error)})`, undefined, error);
  }
  const hashing = new AbortController();
  let bytesHashed = 0;
  const hash = createHash('sha256');
  const hashed = pipeline(
    createReadStream(file),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        bytesHashed += chunk.length;
        hash.update(chunk);
      }
    },
    { signal: hashing.signal },
  ).then(() => hash.digest('hex'));
  hashed.catch(() => {}); // awaited by sha256(); a close before the end is not an error
  try {
    if (zip.entryCount > maxEntries) {
      throw new TooManyEntriesError(`the archive holds ${zip.entryCount} entries, over the limit of ${maxEntries}`, maxEntries);
    }
    // The central directory first: every name and declared size is known before a byte is unpacked.
    const listed: yauzl.Entry[] = [];
    try {
      for await (const entry of zip.eachEntry()) listed.push(entry);
    } catch (error) {
      throw new CorruptArchiveError(`the zip archive's table of contents is corrupt (${describe(error)})`, undefined, error);
    }
    const declaredBytes = listed.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
    return {
      format: 'zip',
      entryCount: listed.length,
      declaredBytes,
      archiveBytesRead: () => bytesHashed,
      async *entries() {
        for (const entry of listed) yield zipEntry(zip, entry);
      },
      sha256: () => hashed,
      close: () => {
        hashing.abort();
        zip.close();
      },
    };
  } catch (error) {
    hashing.abort();
    zip.close();
    throw error;
  }
}

function zipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): RawEntry {
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
  const madeOnUnix = entry.versionMadeBy >> 8 === 3;
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  let kind: EntryKind = name.endsWith('/') ? 'directory' : 'file';
  if (madeOnUnix && mode !== 0) kind = UNIX_KINDS[mode] ?? 'special';
  return {
    name,
    kind,
    declaredBytes: entry.uncompressedSize,
    compressedBytes: entry.compressedSize,
    async open() {
      if (entry.isEncrypted()) throw new UnsupportedArchiveError(`"${name}" is encrypted; upload an archive without a password`, name);
      if (!entry.canDecodeFileData()) {
        throw new UnsupportedArchiveError(`"${name}" uses zip compression method ${entry.compressionMethod}; only stored and deflated entries can be read`, name);
      }
      return zip.openReadStreamPromise(entry);
    },
    skip() {},
  };
}

const TAR_KINDS: Partial<Record<string, EntryKind>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'directory',
  GNUDumpDir: 'directory',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

async function openTar(file: string, format: ArchiveFormat): Promise<ArchiveReader> {
  const source = createReadStream(file);
  const hash = createHash('sha256');
  let bytesRead = 0;
  let fileEnded = false;
  source.on('data', (chunk) => {
    bytesRead += chunk.length;
    hash.update(chunk as Buffer);
  });
  source.on('end', () => (fileEnded = true));
  // strict: a truncated stream, a bad header or a gzip error is an error, not a warning.
  const parser = new Parser({ strict: true });
  const queue: ReadEntry[] = [];
  let ended = false;
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = (): void => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  parser.on('entry', (entry: ReadEntry) => {
    queue.push(entry);
    notify();
  });
  parser.on('end', () => {
    ended = true;
    notify();
  });
  const fail = (error: unknown): void => {
    failure ??= error;
    notify();
  };
  parser.on('error', fail);
  source.on('error', fail);
  source.pipe(parser);
  return {
    format,
    archiveBytesRead: () => bytesRead,
    async *entries() {
      for (;;) {
        if (failure) throw tarError(format, failure);
        const entry = queue.shift();
        if (entry) {
          yield tarEntry(entry, () => failure);
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    async sha256() {
      if (!fileEnded) throw new Error('the archive was not read to its end');
      return hash.digest('hex');
    },
    close() {
      source.unpipe(parser);
      source.destroy();
      parser.removeAllListeners('entry');
      parser.on('error', () => {});
    },
  };
}

function tarError(format: ArchiveFormat, failure: unknown): Error {
  const message = describe(failure);
  // node-tar's own guard against gzip bombs, met before this module's when the whole stream inflates at once.
  const ratio = /max decompression ratio exceeded: ([\d.]+) > ([\d.]+)/.exec(message);
  if (ratio) {
    return new CompressionRatioError(`the archive is compressed ${Math.round(Number(ratio[1]))}:1, over the ${Number(ratio[2])}:1 limit: refused as a compression bomb`, Number(ratio[1]), Number(ratio[2]));
  }
  return new CorruptArchiveError(`the ${format} archive is truncated or corrupt (${message})`, undefined, failure);
}

function tarEntry(entry: ReadEntry, failure: () => unknown): RawEntry {
  return {
    name: entry.path,
    kind: TAR_KINDS[entry.type] ?? 'special',
    linkTarget: entry.linkpath,
    declaredBytes: entry.size ?? 0,
    async open() {
      return (async function* () {
        for await (const chunk of entry) yield chunk as Uint8Array;
        // A truncated stream ends the entry early and reports it on the parser.
        const error = failure();
        if (error) throw error;
      })();
    },
    skip() {
      entry.resume();
    },
  };
}

/** A library's message, stripped of anything that could be a server path. */
export function describe(error: unknown): string {
  if (error && typeof error === 'object' && 'syscall' in error) return `read error ${String((error as NodeJS.ErrnoException).code)}`;
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/(^|\s)\/[^\s:]+/g, '$1…').replace(/[.\s]+$/, '');
}
