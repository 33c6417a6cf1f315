// The one image decoder: PNG bytes -> raw pixels. sharp's per-call overhead (~0.4 ms) dominates on
// 56x56 images, so it is used only to produce images. The common case (8-bit, not interlaced, no palette)
// is decoded here with Node's native zlib, several times faster than a JavaScript inflate; anything else
// goes through fast-png.
import { inflateSync } from 'node:zlib';
import { decode } from 'fast-png';

export interface DecodedImage {
  width: number;
  height: number;
  /** 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA), as stored in the file. */
  channels: number;
  /** 8-bit samples, row-major, interleaved channels. 16-bit files are reduced to 8 bits. */
  data: Uint8Array;
}

export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes a PNG; `source` names the file in the error message. */
export function decodePng(bytes: Uint8Array, source = 'image'): DecodedImage {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new ImageDecodeError(`${source} is not a PNG file (bad signature)`);
  }
  const fast = decodeCommonPng(bytes);
  if (fast) return fast;
  let png;
  try {
    png = decode(bytes);
  } catch (error) {
    throw new ImageDecodeError(`${source} is not a readable PNG: ${(error as Error).message}`);
  }
  const { width, height, channels } = png;
  let data: Uint8Array;
  if (png.palette) {
    data = expandPalette(png.data as Uint8Array, png.palette, width * height, png.depth);
    return { width, height, channels: png.palette[0].length, data };
  }
  if (png.depth === 8) data = png.data as Uint8Array;
  else if (png.depth === 16) data = Uint8Array.from(png.data as Uint16Array, (v) => v >> 8);
  else data = unpackBits(png.data as Uint8Array, width, height, channels, png.depth);
  return { width, height, channels, data };
}

const CHANNELS_OF_COLOUR_TYPE: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * 8-bit, non-interlaced gray/RGB(A) PNGs: chunks walked, IDAT inflated natively, rows unfiltered in place.
 * Returns null for anything else (or anything odd), which the general decoder then handles or rejects.
 */
function decodeCommonPng(bytes: Uint8Array): DecodedImage | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || view.getUint32(12) !== 0x49484452) return null; // IHDR first
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const channels = CHANNELS_OF_COLOUR_TYPE[bytes[25]];
  if (depth !== 8 || !channels || bytes[28] !== 0 || width === 0 || height === 0) return null;
  const idat: Uint8Array[] = [];
  for (let offset = 8; offset + 12 <= bytes.length; ) {
    const length = view.getUint32(offset);
    const type = view.getUint32(offset + 4);
    if (offset + 12 + length > bytes.length) return null;
    if (type === 0x49444154) idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    if (type === 0x49454e44) break; // IEND
    offset += 12 + length;
  }
  let raw: Buffer;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0] : Buffer.concat(idat));
  } catch {
    return null;
  }
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) return null;
  const data = new Uint8Array(height * stride);
  // One loop per row filter, not a switch per byte: the loops stay small enough for V8 to optimise early, which
  // is most of an ingest's decoding time (a Uint8Array keeps the low 8 bits of each sum by itself).
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = y * (stride + 1) + 1;
    const out = y * stride;
    const up = out - stride;
    if (filter === 0 || (filter === 2 && y === 0)) {
      data.set(raw.subarray(row, row + stride), out);
    } else if (filter === 1) {
      for (let x = 0; x < channels; x++) data[out + x] = raw[row + x];
      for (let x = channels; x < stride; x++) data[out + x] = raw[row + x] + data[out + x - channels];
    } else if (filter === 2) {
      for (let x = 0; x < stride; x++) data[out + x] = raw[row + x] + data[up + x];
    } else if (filter === 3) {
      for (let x = 0; x < channels; x++) data[out + x] = raw[row + x] + (y > 0 ? data[up + x] >> 1 : 0);
      if (y === 0) for (let x = channels; x < stride; x++) data[out + x] = raw[row + x] + (data[out + x - channels] >> 1);
      else for (let x = channels; x < stride; x++) data[out + x] = raw[row + x] + ((data[out + x - channels] + data[up + x]) >> 1);
    } else if (filter === 4) {
      // Paeth; on the first row b = c = 0, so the predictor is a (and a = c = 0 in the first pixel: b).
      if (y === 0) {
        for (let x = 0; x < channels; x++) data[out + x] = raw[row + x];
        for (let x = channels; x < stride; x++) data[out + x] = raw[row + x] + data[out + x - channels];
      } else {
        for (let x = 0; x < channels; x++) data[out + x] = raw[row + x] + data[up + x];
        for (let x = channels; x < stride; x++) {
          const a = data[out + x - channels];
          const b = data[up + x];
          const c = data[up + x - channels];
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          data[out + x] = raw[row + x] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
      }
    } else {
      return null;
    }
  }
  return { width, height, channels, data };
}

/** Converts decoded pixels to `channels` (1 = luminance, 3 = RGB), dropping alpha. */
export function toChannels(image: DecodedImage, channels: 1 | 3): Uint8Array {
  const n = image.width * image.height;
  const src = image.data;
  const from = image.channels;
  if (from === channels) return src;
  const out = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    if (channels === 1) {
      out[i] = from <= 2 ? src[i * from] : Math.round(0.299 * src[i * from] + 0.587 * src[i * from + 1] + 0.114 * src[i * from + 2]);
    } else {
      const gray = from <= 2;
      out[i * 3] = src[i * from];
      out[i * 3 + 1] = gray ? src[i * from] : src[i * from + 1];
      out[i * 3 + 2] = gray ? src[i * from] : src[i * from + 2];
    }
  }
  return out;
}

function unpackBits(packed: Uint8Array, width: number, height: number, channels: number, depth: number): Uint8Array {
  // fast-png keeps 1/2/4-bit rows packed; scale samples to the full 0..255 range.
  const out = new Uint8Array(width * height * channels);
  const perRow = width * channels;
  const bytesPerRow = Math.ceil((perRow * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < perRow; x++) {
      const bit = x * depth;
      const byte = packed[y * bytesPerRow + (bit >> 3)];
      const value = (byte >> (8 - depth - (bit & 7))) & max;
      out[y * perRow + x] = Math.round((value * 255) / max);
    }
  }
  return out;
}

function expandPalette(indices: Uint8Array, palette: number[][], count: number, depth: number): Uint8Array {
  const channels = palette[0].length;
  const out = new Uint8Array(count * channels);
  const perByte = 8 / depth;
  for (let i = 0; i < count; i++) {
    const index = depth === 8 ? indices[i] : (indices[Math.floor(i / perByte)] >> (8 - depth * (1 + (i % perByte)))) & ((1 << depth) - 1);
    const colour = palette[index] ?? palette[0];
    for (let c = 0; c < channels; c++) out[i * channels + c] = colour[c];
  }
  return out;
}
