// PNG or JPEG, told by the first bytes rather than the name, and the size read from the header
// (PNG IHDR, JPEG SOFn) without decoding pixels. Decoding stays with the one decoder, png.ts.

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** 1 gray, 2 gray+alpha, 3 RGB (or palette, or YCbCr), 4 RGBA (or CMYK). */
  channels: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** The IEND chunk every complete PNG ends with: length 0, type, CRC. */
export const PNG_END = Uint8Array.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
/** Enough bytes to tell the format apart. */
export const SNIFF_BYTES = 8;

export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  if (head.length >= 8 && PNG_SIGNATURE.every((b, i) => head[i] === b)) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  return null;
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };

/** Reads `length` bytes at `offset` of the file, fewer at its end. */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** The header of a sniffed image, or the reason it cannot be read. */
export async function readImageHeader(format: ImageFormat, readAt: ReadAt): Promise<ImageHeader | { reason: string }> {
  return format === 'png' ? readPngHeader(await readAt(0, 33)) : readJpegHeader(readAt);
}

function readPngHeader(head: Uint8Array): ImageHeader | { reason: string } {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < 33 || view.getUint32(8) !== 13 || view.getUint32(12) !== 0x49484452) return { reason: 'corrupt PNG: no IHDR header after the signature' };
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const channels = PNG_CHANNELS[head[25]];
  if (width === 0 || height === 0 || channels === undefined || ![1, 2, 4, 8, 16].includes(head[24])) {
    return { reason: `corrupt PNG header (${width}x${height}, bit depth ${head[24]}, colour type ${head[25]})` };
  }
  return { format: 'png', width, height, channels };
}

// SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC) which share the range.
const isStartOfFrame = (marker: number): boolean => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

async function readJpegHeader(readAt: ReadAt): Promise<ImageHeader | { reason: string }> {
  let offset = 2;
  // Each segment is visited once; APPn segments (EXIF, ICC) can make the walk long but it stays on headers.
  for (let segments = 0; segments < 10_000; segments++) {
    const marker = await readAt(offset, 4);
    if (marker.length < 2) return { reason: 'truncated JPEG: the file ends before its frame header' };
    if (marker[0] !== 0xff) return { reason: 'corrupt JPEG: a segment does not start with a marker' };
    const type = marker[1];
    if (type === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (type === 0xd8 || type === 0x01 || (type >= 0xd0 && type <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    if (type === 0xd9 || type === 0xda) return { reason: 'corrupt JPEG: no frame header before the image data' };
    if (marker.length < 4) return { reason: 'truncated JPEG: the file ends inside a segment header' };
    const length = (marker[2] << 8) | marker[3];
    if (length < 2) return { reason: 'corrupt JPEG: a segment has an impossible length' };
    if (isStartOfFrame(type)) {
      const frame = await readAt(offset + 4, 6);
      if (frame.length < 6) return { reason: 'truncated JPEG: the file ends inside its frame header' };
      const height = (frame[1] << 8) | frame[2];
      const width = (frame[3] << 8) | frame[4];
      const channels = frame[5];
      if (width === 0 || height === 0 || channels === 0 || channels > 4) return { reason: `corrupt JPEG frame header (${width}x${height}, ${channels} components)` };
      return { format: 'jpeg', width, height, channels };
    }
    offset += 2 + length;
  }
  return { reason: 'corrupt JPEG: too many segments before the frame header' };
}
