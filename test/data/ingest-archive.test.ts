// `astri ingest ARCHIVE`: the upload pipeline from the command line, run as the real command.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { runCli } from '../helpers/cli.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

async function jpeg(seed: number): Promise<Buffer> {
  const data = Buffer.alloc(24 * 24 * 3).map((_, i) => (i * seed) % 256);
  return sharp(data, { raw: { width: 24, height: 24, channels: 3 } }).jpeg().toBuffer();
}

async function writeZip(file: string, items: Array<{ name: string; body: Buffer }>): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const { name, body } of items) zip.addBuffer(body, name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  writeFileSync(file, Buffer.concat(chunks));
  return file;
}

describe('astri ingest ARCHIVE', () => {
  let work: string;
  let config: string;
  let db: Db;

  beforeAll(async () => {
    work = temporaryDir('astri-ingest-archive-');
    config = path.join(work, 'config.yaml');
    writeFileSync(config, `data:\n  dir: ${work}\n  database: ${path.join(work, 'astri.db')}\n  inferenceDir: ${path.join(work, 'inference')}\n  pixelStore: ${path.join(work, 'pixels')}\nlog:\n  level: silent\n`);
    db = await openDatabase(path.join(work, 'astri.db'));
  });
  afterAll(() => db?.$disconnect());

  const ingest = (...args: string[]) => runCli(['--config', config, 'ingest', ...args]);

  it('registers a zip of JPEG class folders as RGB PNGs, and lists the refused files', async () => {
    const items = [];
    for (const label of ['cat', 'dog']) for (let k = 0; k < 6; k++) items.push({ name: `${label}/${k}.jpg`, body: await jpeg(k + (label === 'cat' ? 1 : 7)) });
    items.push({ name: 'notes.txt', body: Buffer.from('taken at the zoo') });
    const archive = await writeZip(path.join(work, 'pets.zip'), items);

    const result = await ingest(archive, '--dataset', 'pets');
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/refused:\n {2}notes\.txt: not a PNG or JPEG image/);
    expect(result.stdout).toMatch(/dataset "pets" \(id \d+\): 12 events \(cat 6, dog 6\), images 24x24, RGB/);
    const dataset = await db.dataset.findUniqueOrThrow({ where: { name: 'pets' } });
    expect(dataset).toMatchObject({ state: 'ready', imageChannels: 3, source: 'ingest' });
    expect(readdirSync(path.join(dataset.rootDir, 'images')).every((name) => name.endsWith('.png'))).toBe(true);
    // The archive given on the command line is the user's: read in place, never removed.
    expect(existsSync(archive)).toBe(true);

    const again = await ingest(archive, '--dataset', 'pets-again');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already ingested: dataset "pets"/);
  });

  it('registers a folder of RGB and gray PNGs as one RGB dataset, and names the JPEG it cannot serve in place', async () => {
    const root = path.join(work, 'colour-folder');
    for (const label of ['red', 'blue']) {
      mkdirSync(path.join(root, label), { recursive: true });
      for (let k = 0; k < 3; k++) {
        const data = Buffer.alloc(16 * 16 * 3, label === 'red' ? 200 - k : 40 + k);
        await sharp(data, { raw: { width: 16, height: 16, channels: 3 } }).png().toFile(path.join(root, label, `${k}.png`));
      }
    }
    await sharp(Buffer.alloc(16 * 16, 90), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(path.join(root, 'blue', 'gray.png'));
    await sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } }).jpeg().toFile(path.join(root, 'red', 'photo.jpg'));

    const result = await ingest(root, '--dataset', 'colours');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/photo\.jpg.*a JPEG image: .*astri ingest DATA\.zip/);
    expect(result.stdout).toMatch(/registered 7 \(7 new/);
    const dataset = await db.dataset.findUniqueOrThrow({ where: { name: 'colours' } });
    expect(dataset.imageChannels).toBe(3);
  });

  it('exits 1 with the reason when nothing is usable, and keeps nothing', async () => {
    const archive = await writeZip(path.join(work, 'one-class.zip'), [
      { name: 'cat/1.jpg', body: await jpeg(3) },
      { name: 'cat/2.jpg', body: await jpeg(4) },
    ]);
    const before = readdirSync(path.join(work, 'datasets')).length;
    const result = await ingest(archive, '--dataset', 'lonely');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/only one class \("cat"\)/);
    expect(readdirSync(path.join(work, 'datasets')).length).toBe(before);
    expect(await db.event.count({ where: { dataset: { name: 'lonely' } } })).toBe(0);
  });
});
