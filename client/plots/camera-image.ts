// Camera images drawn crisp and in a perceptual colour map: the 8-bit grayscale pixels are mapped
// through viridis or inferno into a canvas at native size; CSS scales it up with pixelated rendering.
import { interpolateInferno, interpolateViridis, rgb } from 'd3';

export type ColourMapName = 'viridis' | 'inferno';

const lutCache = new Map<ColourMapName, Uint8ClampedArray>();

/** 256 RGB triplets, index = pixel value. */
export function colourLookupTable(name: ColourMapName): Uint8ClampedArray {
  const cached = lutCache.get(name);
  if (cached) return cached;
  const interpolate = name === 'inferno' ? interpolateInferno : interpolateViridis;
  const lut = new Uint8ClampedArray(256 * 3);
  for (let value = 0; value < 256; value += 1) {
    const colour = rgb(interpolate(value / 255));
    lut[3 * value] = colour.r;
    lut[3 * value + 1] = colour.g;
    lut[3 * value + 2] = colour.b;
  }
  lutCache.set(name, lut);
  return lut;
}

/**
 * How pixel values map to colours: 'image' stretches 0..(the image's brightest pixel) over the whole map,
 * so faint showers stay visible; 'absolute' maps 0..255, so images can be compared with each other.
 */
export type IntensityScale = 'image' | 'absolute';

/** Maps grayscale pixels (one byte each) to RGBA through the colour map, with `peak` mapped to its top. */
export function colourize(
  gray: ArrayLike<number>,
  name: ColourMapName,
  out = new Uint8ClampedArray(gray.length * 4),
  peak = 255,
): Uint8ClampedArray {
  const lut = colourLookupTable(name);
  const gain = 255 / Math.max(1, Math.min(255, peak));
  for (let i = 0; i < gray.length; i += 1) {
    const value = Math.min(255, Math.round((gray[i] & 255) * gain));
    out[4 * i] = lut[3 * value];
    out[4 * i + 1] = lut[3 * value + 1];
    out[4 * i + 2] = lut[3 * value + 2];
    out[4 * i + 3] = 255;
  }
  return out;
}

/** The red channel of decoded RGBA pixels: the value of a grayscale PNG after the browser decoded it. */
export function grayscaleOf(rgba: ArrayLike<number>): Uint8ClampedArray {
  const gray = new Uint8ClampedArray(rgba.length / 4);
  for (let i = 0; i < gray.length; i += 1) gray[i] = rgba[4 * i];
  return gray;
}

/** Draws the pixels into `canvas`, resizing it to the image's native size. */
export function drawCameraImage(
  canvas: HTMLCanvasElement,
  image: { gray: ArrayLike<number>; width: number; height: number },
  colourMap: ColourMapName,
  scale: IntensityScale = 'absolute',
): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  if (!context) return;
  const pixels = context.createImageData(image.width, image.height);
  colourize(image.gray, colourMap, pixels.data, scale === 'image' ? peakOf(image.gray) : 255);
  context.putImageData(pixels, 0, 0);
}

/** The brightest pixel value. */
export function peakOf(gray: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < gray.length; i += 1) if (gray[i] > peak) peak = gray[i];
  return peak;
}

/** Draws decoded RGBA pixels as they are (RGB images: true colour, no colour map). */
export function drawRgbImage(canvas: HTMLCanvasElement, image: { rgba: ArrayLike<number>; width: number; height: number }): void {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  if (!context) return;
  const pixels = context.createImageData(image.width, image.height);
  for (let i = 0; i < pixels.data.length; i += 1) pixels.data[i] = image.rgba[i];
  context.putImageData(pixels, 0, 0);
}
