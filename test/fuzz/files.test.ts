// Mutated real files (a Keras .h5 model, PNG images, a zip upload): every case ends with a result or a named
// error within the time bound, never a crash, a hang or another kind of error.
import { readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import yazl from 'yazl';
import { PROJECT_ROOT } from '../../server/config.ts';
import { ArchiveError, extractDatasetArchive } from '../../server/data/archive/index.ts';
import { convertImage, ImageConversionError } from '../../server/data/image-normalise.ts';
import { decodePng, ImageDecodeError, toChannels } from '../../server/data/png.ts';
import { InferenceError } from '../../server/inference/errors.ts';
import { describeModelFile } from '../../server/inference/index.ts';
import { fuzzParameters, mutate, mutations, withinBound } from './fuzz.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const scratch = temporaryDir('astri-fuzz-');

function noisePng(width: number, height: number, channels: 1 | 3, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0, x = seed; i < data.length; i++) data[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return encode({ width, height, data, channels, depth: 8 });
}

async function zip(entries: Array<{ name: string; body: Uint8Array }>): Promise<Uint8Array> {
  const archive = new yazl.ZipFile();
  for (const entry of entries) archive.addBuffer(Buffer.from(entry.body), entry.name);
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

describe('fuzzing the PNG decoder', () => {
  const originals = [noisePng(56, 56, 1, 1), noisePng(20, 12, 3, 2)];

  it('decodes a mutated PNG to an image of the size it declares, or refuses it with ImageDecodeError', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1), mutations(originals[0].length, 256), (which, steps) => {
        const bytes = mutate(originals[which], steps);
        try {
          const image = decodePng(bytes, 'fuzzed.png');
          expect(image.width * image.height).toBeGreaterThan(0);
          expect(toChannels(image, 1).length).toBe(image.width * image.height);
        } catch (error) {
          if (!(error instanceof ImageDecodeError)) throw error;
          expect(error.message.length).toBeGreaterThan(0);
        }
      }),
      fuzzParameters(300),
    );
  });
});

describe('fuzzing JPEG conversion (uploads)', () => {
  it('converts a mutated JPEG to the dataset geometry, or refuses it with ImageConversionError naming the image', async () => {
    const original = new Uint8Array(await sharp(Buffer.from(noisePng(40, 30, 3, 5))).jpeg({ quality: 80 }).toBuffer());
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutations(original.length, 1024), async (steps) => {
        const file = path.join(scratch, `image-${n}.jpg`);
        const convertedFile = path.join(scratch, `image-${n++}.png`);
        writeFileSync(file, mutate(original, steps));
        try {
          const image = await withinBound(convertImage({ file, format: 'jpeg', width: 40, height: 30, channels: 3, convertedFile, name: 'cat/7.jpg' }, { width: 28, height: 28, channels: 1 }), 'converting a mutated JPEG');
          expect(image.pixels.length).toBe(28 * 28);
        } catch (error) {
          if (!(error instanceof ImageConversionError)) throw error;
          expect(error.message).toContain('cat/7.jpg');
          expect(error.message).not.toContain(scratch);
        } finally {
          rmSync(file, { force: true });
          rmSync(convertedFile, { force: true });
        }
      }),
      fuzzParameters(100),
    );
  }, 300_000);
});

describe('fuzzing the Keras .h5 reader', () => {
  const original = new Uint8Array(readFileSync(path.join(PROJECT_ROOT, 'data', 'models', 'astri-demo-cnn.h5')));

  it('describes a mutated model file or refuses it with a named InferenceError', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutations(original.length, 8192), async (steps) => {
        const file = path.join(scratch, `model-${n++}.h5`);
        writeFileSync(file, mutate(original, steps));
        try {
          const description = await withinBound(describeModelFile(file), 'describing a mutated .h5');
          expect(description.inputShape.length).toBeGreaterThan(0);
        } catch (error) {
          if (!(error instanceof InferenceError)) throw error;
          expect(error.message).not.toMatch(/\n\s+at /);
        } finally {
          rmSync(file, { force: true });
        }
      }),
      fuzzParameters(8),
    );
  }, 300_000);
});

describe('fuzzing dataset archives', () => {
  it('extracts a mutated zip upload or refuses it with an ArchiveError, leaving nothing behind', async () => {
    const images = ['cat', 'dog'].flatMap((label) => [0, 1, 2].map((i) => ({ name: `${label}/${i}.png`, body: noisePng(16, 16, 1, i + (label === 'cat' ? 10 : 20)) })));
    const original = await zip([...images, { name: 'manifest.csv', body: new TextEncoder().encode('file,label\ncat/0.png,cat\n') }]);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(mutations(original.length, original.length), async (steps) => {
        const file = path.join(scratch, `upload-${n}.zip`);
        const destination = path.join(scratch, `dataset-${n++}`);
        writeFileSync(file, mutate(original, steps));
        try {
          const dataset = await withinBound(extractDatasetArchive(file, destination), 'extracting a mutated zip');
          expect(dataset).toBeTruthy();
        } catch (error) {
          if (!(error instanceof ArchiveError)) throw error;
          expect(!existsSync(destination) || readdirSync(destination).length === 0).toBe(true);
        } finally {
          rmSync(file, { force: true });
          rmSync(destination, { recursive: true, force: true });
        }
      }),
      fuzzParameters(200),
    );
  }, 300_000);
});
