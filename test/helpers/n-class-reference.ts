// The N-class reference (scripts/n-class-reference.py): 60 images with labels "0".."9", the outputs of a real
// 10-class Keras file on them from the independent PyTorch reader, and scikit-learn's metrics; and the zip of
// class folders that the API and browser tests upload.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import yazl from 'yazl';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NClassReference {
  /** The Keras file, relative to the project root (in ../shared). */
  model: string;
  classes: string[];
  size: number;
  labels: number[];
  pixels: number[][];
  outputs: number[][];
  sklearn: {
    accuracy: number;
    confusionMatrix: number[][];
    precision: number[];
    recall: number[];
    f1: number[];
    support: number[];
    macroAuc: number;
    weightedAuc: number;
    top3Accuracy: number;
    logLoss: number;
  };
}

export const N_CLASS_REFERENCE = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'uploads', 'n-class-upload.json'), 'utf8')) as NClassReference;

export function nClassModelFile(): string {
  return path.resolve(PROJECT_ROOT, N_CLASS_REFERENCE.model);
}

/** The reference images as PNGs in a zip of class folders (digits/<class>/image-NNN.png), Keras's layout. */
export async function zipOfClassFolders(): Promise<Buffer> {
  const reference = N_CLASS_REFERENCE;
  const archive = new yazl.ZipFile();
  reference.pixels.forEach((pixels, i) => {
    const png = encode({ width: reference.size, height: reference.size, channels: 1, depth: 8, data: Uint8Array.from(pixels) });
    archive.addBuffer(Buffer.from(png), `digits/${reference.classes[reference.labels[i]]}/image-${String(i).padStart(3, '0')}.png`);
  });
  archive.end();
  const chunks: Buffer[] = [];
  for await (const chunk of archive.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
