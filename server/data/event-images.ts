// Reads a batch of event images into one contiguous model-input buffer (N x H x W x C, uint8).
// Pixels come from the pixel store when the event was decoded before; otherwise the PNG is read,
// decoded once, and stored. An image that cannot be read fails alone: the batch goes on without it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isDiskFullError } from '../errors.ts';
import { decodePng, toChannels } from './png.ts';
import type { ImageShape, PixelStore } from './pixel-store.ts';

const FILES_IN_FLIGHT = 16;

export interface EventImageRef {
  id: number;
  /** Absolute path of the event's PNG. */
  file: string;
}

/**
 * The file of an image stored at `imagePath` under a dataset's `rootDir`: a run resolves thousands at once, and
 * path.resolve (2-3 µs each) cost 3-7 ms per 2000 events. A relative path is joined as it is (the same file for
 * the file system); an absolute one is kept.
 */
export function imageFile(rootDir: string, imagePath: string): string {
  if (path.isAbsolute(imagePath)) return imagePath;
  return rootDir.endsWith(path.sep) ? rootDir + imagePath : rootDir + path.sep + imagePath;
}

export interface ImageBatch {
  /** Pixels of the readable images only, packed in order. */
  pixels: Uint8Array;
  /** Index (into the requested events) of each packed image. */
  readable: number[];
  /** Why each unreadable image failed, by index into the requested events. */
  errors: Map<number, string>;
  /** Images decoded from their PNG in this batch (the rest came from the pixel store, or failed). */
  decodedFromPng: number;
}

export async function readImageBatch(events: readonly EventImageRef[], shape: ImageShape, store?: PixelStore): Promise<ImageBatch> {
  const [height, width, channels] = shape;
  const imageSize = height * width * channels;
  const pixels = new Uint8Array(events.length * imageSize);
  const readable: number[] = [];
  const errors = new Map<number, string>();
  const decoded: Array<{ eventId: number; pixels: Uint8Array }> = [];
  let decodedFromPng = 0;
  for (let first = 0; first < events.length; first += FILES_IN_FLIGHT) {
    const chunk = events.slice(first, first + FILES_IN_FLIGHT);
    // A few files at a time: libuv's thread pool is shared with ONNX Runtime's asynchronous runs, which
    // must not queue behind a whole batch of reads. Each await also lets finished batches be published.
    const files = await Promise.all(chunk.map((event) => (store?.has(event.id) ? null : readFile(event.file).catch((error: NodeJS.ErrnoException) => error))));
    chunk.forEach((event, k) => {
      const index = first + k;
      const offset = readable.length * imageSize;
      const bytes = files[k];
      if (bytes === null) {
        if (store!.readInto(event.id, pixels, offset)) readable.push(index);
        else errors.set(index, 'image missing from the pixel store');
        return;
      }
      if (bytes instanceof Error) {
        errors.set(index, bytes.code === 'ENOENT' ? 'image file is missing' : `cannot read image: ${bytes.message}`);
        return;
      }
      try {
        const image = decodePng(bytes, 'image');
        if (image.width !== width || image.height !== height) {
          throw new Error(`image is ${image.width}x${image.height}, the model expects ${width}x${height}`);
        }
        const converted = toChannels(image, channels === 3 ? 3 : 1);
        pixels.set(converted, offset);
        decodedFromPng++;
        if (store) decoded.push({ eventId: event.id, pixels: converted });
        readable.push(index);
      } catch (error) {
        errors.set(index, (error as Error).message);
      }
    });
  }
  // Decoded once, kept for good: one append per batch rather than per image. The store is a cache: when it cannot
  // grow (a full disk), the images are decoded again next time, and what it holds stays intact (appends by slot).
  try {
    store?.writeMany(decoded);
  } catch (error) {
    if (!isDiskFullError(error)) throw error;
  }
  return { pixels: pixels.subarray(0, readable.length * imageSize), readable, errors, decodedFromPng };
}
