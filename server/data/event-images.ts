// Reads a batch of event images into one contiguous model-input buffer (N x H x W x C, uint8).
// An image that cannot be read fails alone: the batch goes on without it.
import { readFile } from 'node:fs/promises';
import { decodePng, toChannels } from './png.ts';

export interface ImageBatch {
  /** Pixels of the readable images only, packed in order. */
  pixels: Uint8Array;
  /** Index (into the requested files) of each packed image. */
  readable: number[];
  /** Why each unreadable image failed, by index into the requested files. */
  errors: Map<number, string>;
}

export async function readImageBatch(files: readonly string[], shape: readonly [number, number, number]): Promise<ImageBatch> {
  const [height, width, channels] = shape;
  const imageSize = height * width * channels;
  const buffers = await Promise.all(files.map((file) => readFile(file).catch((error: NodeJS.ErrnoException) => error)));
  const pixels = new Uint8Array(files.length * imageSize);
  const readable: number[] = [];
  const errors = new Map<number, string>();
  buffers.forEach((bytes, index) => {
    if (bytes instanceof Error) {
      errors.set(index, bytes.code === 'ENOENT' ? 'image file is missing' : `cannot read image: ${bytes.message}`);
      return;
    }
    try {
      const image = decodePng(bytes, 'image');
      if (image.width !== width || image.height !== height) {
        throw new Error(`image is ${image.width}x${image.height}, the model expects ${width}x${height}`);
      }
      pixels.set(toChannels(image, channels === 3 ? 3 : 1), readable.length * imageSize);
      readable.push(index);
    } catch (error) {
      errors.set(index, (error as Error).message);
    }
  });
  return { pixels: pixels.subarray(0, readable.length * imageSize), readable, errors };
}
