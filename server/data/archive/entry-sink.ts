// Where one entry's bytes go while they stream out of the archive: counted against the limits,
// hashed, sniffed, and written to disk only when they start like a PNG or a JPEG. Nothing else
// reaches the disk; small CSV files near the root are kept in memory as possible manifests.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { ArchiveWriteError, ManifestError } from './errors.ts';
import { PNG_END, SNIFF_BYTES, sniffImageFormat, type ImageFormat } from './image-header.ts';

/** Counts every unpacked byte of the archive; throws (and so stops the stream) past a limit. */
export interface ByteCounter {
  add(bytes: number, entry: string): void;
}

export interface SinkOptions {
  /** The entry's name inside the archive, for messages. */
  entry: string;
  counter: ByteCounter;
  /** 'image': write to disk if it is one; 'csv': keep in memory (a possible manifest). */
  mode: 'image' | 'csv';
  /** Where an image of the given format is written; called at most once. */
  target: (format: ImageFormat) => string;
  maxCsvBytes: number;
}

/** The first bytes kept for reading the image header without going back to disk. */
const HEAD_BYTES = 64 * 1024;

export class EntrySink extends Writable {
  bytes = 0;
  format: ImageFormat | null | undefined = undefined;
  file: string | null = null;
  readonly head: Buffer[] = [];
  headBytes = 0;
  /** The last bytes of the entry, for the PNG end check. */
  readonly tail = Buffer.alloc(PNG_END.length);
  csv: Buffer[] = [];
  /** Whole chunks received before the format is known. */
  private pending: Buffer[] = [];
  private readonly hash = createHash('sha256');
  private handle: FileHandle | null = null;

  constructor(private readonly options: SinkOptions) {
    super();
  }

  /** The entry's sha256; call once, after the stream finished. */
  digest(): string {
    return this.hash.digest('hex');
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.take(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    (async () => {
      if (this.options.mode === 'image' && this.format === undefined) await this.decide();
      await this.closeHandle();
    })().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closeHandle().then(
      () => callback(error),
      () => callback(error),
    );
  }

  private async take(chunk: Buffer): Promise<void> {
    this.options.counter.add(chunk.length, this.options.entry);
    this.bytes += chunk.length;
    this.hash.update(chunk);
    this.keepTail(chunk);
    if (this.headBytes < HEAD_BYTES) {
      this.head.push(chunk.subarray(0, HEAD_BYTES - this.headBytes));
      this.headBytes += Math.min(chunk.length, HEAD_BYTES - this.headBytes);
    }
    if (this.options.mode === 'csv') {
      if (this.bytes > this.options.maxCsvBytes) {
        throw new ManifestError(`"${this.options.entry}" is larger than ${this.options.maxCsvBytes} bytes, too large for a manifest`, this.options.entry);
      }
      this.csv.push(chunk);
      return;
    }
    if (this.format === undefined) {
      this.pending.push(chunk);
      if (this.bytes >= SNIFF_BYTES) await this.decide(); // writes the pending chunks, this one included
      return;
    }
    if (this.handle) await this.writeAll(chunk);
  }

  /** Settles the format from the head; opens the file and writes the head when it is an image. */
  private async decide(): Promise<void> {
    const pending = Buffer.concat(this.pending);
    this.pending = [];
    this.format = sniffImageFormat(pending);
    if (!this.format) return;
    const file = this.options.target(this.format);
    try {
      // 'wx': never follow or overwrite anything already there.
      this.handle = await open(file, 'wx');
    } catch (error) {
      throw new ArchiveWriteError(`could not store "${this.options.entry}" (${(error as NodeJS.ErrnoException).code ?? 'write error'})`, this.options.entry, error);
    }
    this.file = file;
    await this.writeAll(pending);
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    try {
      for (let offset = 0; offset < chunk.length; ) {
        const { bytesWritten } = await this.handle!.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
    } catch (error) {
      throw new ArchiveWriteError(`could not store "${this.options.entry}" (${(error as NodeJS.ErrnoException).code ?? 'write error'})`, this.options.entry, error);
    }
  }

  private keepTail(chunk: Buffer): void {
    const n = this.tail.length;
    if (chunk.length >= n) {
      chunk.copy(this.tail, 0, chunk.length - n);
    } else {
      this.tail.copy(this.tail, 0, chunk.length);
      chunk.copy(this.tail, n - chunk.length);
    }
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close();
  }
}
