// The one image decoder: PNG bytes -> raw pixels. Pure JS (fast-png) because sharp's per-call
// overhead (~0.4 ms) dominates on 56x56 images; sharp is used only to produce images.
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
