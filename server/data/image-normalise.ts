// Makes the images of a dataset one geometry: the PNG the hot path reads, and its decoded pixels.
// A PNG that already has the dataset's size and channels is kept byte for byte; a JPEG, a PNG of other
// channels, or any image when a size is asked for is converted with sharp to an 8-bit PNG. Either way
// the image is decoded exactly once, and its pixels are handed back for the pixel store.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { ImageGeometry } from '../domain/dataset.ts';
import { UserInputError } from '../errors.ts';
import { decodePng, toChannels } from './png.ts';

export type StoredImageFormat = 'png' | 'jpeg';

export interface ImageSize {
  width: number;
  height: number;
}

/** Width, height and channels of one or more images, with how many there are of it. */
export interface SizeCount extends ImageSize {
  channels: number;
  count: number;
}

/** The images are of several sizes and no target size was given. */
export class MixedImageSizesError extends UserInputError {
  override name = 'MixedImageSizesError';
  constructor(readonly sizes: readonly SizeCount[]) {
    const list = sizes.map((s) => `${s.count} of ${s.width}x${s.height}`).join(', ');
    const common = sizes[0];
    super(
      `the images are of mixed sizes (${list}); a model takes one size: resize them before uploading, or give resizeTo ` +
        `(e.g. resizeTo: {width: ${common.width}, height: ${common.height}}) to have every image resized`,
      'resizeTo',
    );
  }
}

/** One image could not be converted (a corrupt JPEG, an unsupported variant). */
export class ImageConversionError extends UserInputError {
  override name = 'ImageConversionError';
  constructor(
    readonly image: string,
    reason: string,
  ) {
    super(`image "${image}" cannot be converted to PNG: ${reason}`, 'file');
  }
}

/**
 * The one geometry of a dataset: the given size, else the images' single size (mixed sizes are an error);
 * gray when every image is gray, RGB as soon as one has colour (gray images are then converted to RGB,
 * so no colour is lost and the dataset keeps one channel count).
 */
export function datasetGeometry(sizes: readonly SizeCount[], resizeTo: ImageSize | null): ImageGeometry {
  const channels = datasetChannels(sizes.map((s) => s.channels));
  if (resizeTo) return { width: resizeTo.width, height: resizeTo.height, channels };
  const distinct = new Map<string, SizeCount>();
  for (const s of sizes) {
    const key = `${s.width}x${s.height}`;
    const entry = distinct.get(key);
    if (entry) entry.count += s.count;
    else distinct.set(key, { ...s });
  }
  if (distinct.size > 1) throw new MixedImageSizesError([...distinct.values()].sort((a, b) => b.count - a.count));
  const [only] = distinct.values();
  return { width: only.width, height: only.height, channels };
}

/** Channels an image has once alpha is dropped: 1 for gray (+alpha), 3 for colour. */
export function colourChannels(channels: number): 1 | 3 {
  return channels >= 3 ? 3 : 1;
}

/** A dataset's channels: gray when every image is gray (alpha aside), RGB as soon as one has colour. */
export function datasetChannels(imageChannels: Iterable<number>): 1 | 3 {
  for (const channels of imageChannels) if (colourChannels(channels) === 3) return 3;
  return 1;
}

export interface NormalisedImage {
  /** The PNG now on disk: the same file when kept, a new .png beside it when converted. */
  file: string;
  /** sha256 (hex) of the PNG on disk. */
  sha256: string;
  /** Pixels in the dataset's geometry (H x W x C, uint8). */
  pixels: Uint8Array;
  converted: boolean;
}

export interface NormaliseInput {
  file: string;
  format: StoredImageFormat;
  /** The image's size and channels as its header states them. */
  width: number;
  height: number;
  channels: number;
  /** sha256 of the file, when already known (kept PNGs are not hashed again). */
  sha256?: string;
  /** Where a converted image is written (a .png path); the original is removed. */
  convertedFile: string;
  /** For messages: the name the user knows the image by. */
  name: string;
}


/**
 * The image as it is, when it already has the dataset's geometry (a PNG of that size and channels): read and
 * decoded synchronously, as a batch of small files is read fastest. Null when it needs converting.
 */
export function keepAsIs(image: NormaliseInput, target: ImageGeometry): NormalisedImage | null {
  const sameSize = image.width === target.width && image.height === target.height;
  if (image.format !== 'png' || !sameSize || colourChannels(image.channels) !== target.channels) return null;
  const bytes = readFileSync(image.file);
  let decoded;
  try {
    decoded = decodePng(bytes, `"${image.name}"`);
  } catch (error) {
    throw new ImageConversionError(image.name, (error as Error).message.replace(`"${image.name}" `, ''));
  }
  if (decoded.width !== target.width || decoded.height !== target.height) return null;
  const sha256 = image.sha256 ?? createHash('sha256').update(bytes).digest('hex');
  return { file: image.file, sha256, pixels: toChannels(decoded, target.channels as 1 | 3), converted: false };
}

/** Converts with sharp to an 8-bit PNG of the dataset's geometry (JPEGs, other channels, other sizes). */
export async function convertImage(image: NormaliseInput, target: ImageGeometry): Promise<NormalisedImage> {
  let pixels: Buffer;
  let png: Buffer;
  try {
    let pipeline = sharp(image.file, { failOn: 'error' }).autoOrient().removeAlpha();
    pipeline = target.channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
    // Stretched to the size, as Keras's image_dataset_from_directory resizes (bilinear, aspect ratio not kept).
    if (image.width !== target.width || image.height !== target.height) pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'linear' });
    const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== target.channels || info.width !== target.width || info.height !== target.height) {
      throw new Error(`conversion gave ${info.width}x${info.height} with ${info.channels} channels, not ${target.width}x${target.height} with ${target.channels}`);
    }
    pixels = data;
    png = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels as 1 | 3 } })
      .png({ compressionLevel: 6, adaptiveFiltering: false })
      .toBuffer();
  } catch (error) {
    throw new ImageConversionError(image.name, describeSharpError(error));
  }
  await writeFile(image.convertedFile, png);
  if (image.convertedFile !== image.file) await unlink(image.file);
  return { file: image.convertedFile, sha256: createHash('sha256').update(png).digest('hex'), pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), converted: true };
}

/** sharp's messages name libvips internals and sometimes the file: keep the first line, without paths. */
function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0].replace(/(\/[^\s:'"]+)+/g, '').trim();
  return first || 'the image data is corrupt';
}
