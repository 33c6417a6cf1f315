// Puts an uploaded file on disk without holding it in memory: streamed to a temporary file, hashed as it
// is written, cut off at the size limit. A stream that fails or is cut off leaves no file behind.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InsufficientStorageError, isDiskFullError, UserInputError } from '../../errors.ts';

export interface ReceivedFile {
  /** The temporary file; the caller removes it when done. */
  file: string;
  sha256: string;
  bytes: number;
}

export class UploadTooLargeError extends UserInputError {
  override name = 'UploadTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`the upload is larger than the limit of ${limitBytes} bytes (server.maxUploadBytes); split the dataset or ask for a higher limit`, 'file');
  }
}

export class UploadInterruptedError extends UserInputError {
  override name = 'UploadInterruptedError';
  constructor() {
    super('the upload was cut off before the whole file arrived; nothing was kept, send it again', 'file');
  }
}

/** Streams `source` into a new file under `dir`, hashing it; throws UploadTooLargeError past `maxBytes`. */
export async function receiveToFile(
  source: AsyncIterable<Uint8Array>,
  dir: string,
  options: { maxBytes: number; onBytes?: (bytes: number) => void; signal?: AbortSignal },
): Promise<ReceivedFile> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}.part`);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) return callback(new UploadTooLargeError(options.maxBytes));
      hash.update(chunk);
      options.onBytes?.(bytes);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(file), options.signal ? { signal: options.signal } : {});
  } catch (error) {
    await rm(file, { force: true });
    if (error instanceof UploadTooLargeError) throw error;
    if (isDiskFullError(error)) throw new InsufficientStorageError("the server's disk is full: the upload was not stored and nothing else changed; ask its administrator to free space");
    throw new UploadInterruptedError();
  }
  return { file, sha256: hash.digest('hex'), bytes };
}
