import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodePng, ImageDecodeError } from '../../server/data/png.ts';

/** A smooth image with noise, so that sharp's adaptive filtering picks every PNG row filter. */
function pattern(width: number, height: number, channels: number): Buffer {
  const data = Buffer.alloc(width * height * channels);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const x = Math.floor(i / channels) % width;
    const y = Math.floor(i / channels / width);
    data[i] = (x * 3 + y * 5 + (i % channels) * 40 + (seed >>> 28)) & 0xff;
  }
  return data;
}

describe('decodePng', () => {
  it.each([
    [1, 'gray'],
    [3, 'RGB'],
    [4, 'RGBA'],
  ])('decodes %i-channel (%s) PNGs exactly, whatever row filters the encoder chose', async (channels) => {
    const [width, height] = [57, 31];
    const raw = pattern(width, height, channels);
    for (const adaptiveFiltering of [true, false]) {
      let encoder = sharp(raw, { raw: { width, height, channels: channels as 1 | 3 | 4 } });
      if (channels === 1) encoder = encoder.toColourspace('b-w');
      const png = await encoder.png({ adaptiveFiltering, compressionLevel: 9 }).toBuffer();
      const image = decodePng(png);
      expect(image).toMatchObject({ width, height, channels });
      expect(Buffer.from(image.data).equals(raw)).toBe(true);
    }
  });

  it('decodes 16-bit and palette PNGs through the general decoder', async () => {
    const raw = pattern(8, 8, 1);
    const sixteen = await sharp(raw, { raw: { width: 8, height: 8, channels: 1 } }).png().toColourspace('grey16').toBuffer();
    expect(decodePng(sixteen)).toMatchObject({ width: 8, height: 8 });
    const palette = await sharp(pattern(8, 8, 3), { raw: { width: 8, height: 8, channels: 3 } }).png({ palette: true, colours: 16 }).toBuffer();
    expect(decodePng(palette)).toMatchObject({ width: 8, height: 8, channels: 3 });
  });

  it('refuses a file that is not a PNG, and a truncated one, naming the file', async () => {
    expect(() => decodePng(new TextEncoder().encode('GIF89a....'), 'gamma/x.png')).toThrow(new ImageDecodeError('gamma/x.png is not a PNG file (bad signature)'));
    const png = await sharp(pattern(20, 20, 1), { raw: { width: 20, height: 20, channels: 1 } }).png().toBuffer();
    expect(() => decodePng(png.subarray(0, png.length - 40), 'gamma/y.png')).toThrow(/gamma\/y.png is not a readable PNG/);
  });
});
