import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { encode } from 'fast-png';
import sharp from 'sharp';
import * as tar from 'tar';
import { beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import {
  ArchiveAbortedError,
  ArchiveTooLargeError,
  CompressionRatioError,
  CorruptArchiveError,
  DuplicateEntryError,
  EmptyClassError,
  extractDatasetArchive,
  ManifestError,
  TooFewClassesError,
  TooManyEntriesError,
  UnsafeEntryError,
  type ArchiveProgress,
  type ExtractArchiveOptions,
} from '../../server/data/archive/index.ts';
import { generateBatch } from '../../server/data/demo/index.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

let work: string;
let counter = 0;
const fresh = (name: string): string => path.join(work, `${name}-${++counter}`);

/** Real demo-camera PNGs (56x56 gray), as the instrument team would hand them over. */
function cameraPngs(count: number, seed = 5): Buffer[] {
  const batch = generateBatch({ seed, count, minTeV: 2, maxTeV: 5 });
  return Array.from({ length: count }, (_, k) => Buffer.from(encode({ width: 56, height: 56, channels: 1, depth: 8, data: batch.pixels.subarray(k * 3136, (k + 1) * 3136) })));
}

function rgbPng(width: number, height: number): Buffer {
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 7) % 256);
  return Buffer.from(encode({ width, height, channels: 3, depth: 8, data }));
}

type ZipItem = { name: string; body?: Buffer; folder?: boolean; mode?: number; compress?: boolean };

async function writeZip(items: ZipItem[], file = fresh('upload') + '.zip'): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    if (item.folder) zip.addEmptyDirectory(item.name);
    else zip.addBuffer(item.body ?? Buffer.alloc(0), item.name, { ...(item.mode ? { mode: item.mode } : {}), compress: item.compress ?? true });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  writeFileSync(file, Buffer.concat(chunks));
  return file;
}

/** Renames an entry in place (local header and central directory): how a hostile zip gets "../" past yazl. */
function renameInZip(file: string, from: string, to: string): void {
  expect(to.length).toBe(from.length);
  const bytes = readFileSync(file);
  const needle = Buffer.from(from);
  let at = bytes.indexOf(needle);
  expect(at).toBeGreaterThan(0);
  for (; at >= 0; at = bytes.indexOf(needle, at + 1)) bytes.write(to, at, 'utf8');
  writeFileSync(file, bytes);
}

type TarItem = { name: string; body?: Buffer; type?: '0' | '1' | '2' | '5'; link?: string };

/** A tar written byte by byte, so that hostile entries (../, absolute, links) can be made. */
function rawTar(items: TarItem[]): Buffer {
  const blocks: Buffer[] = [];
  for (const item of items) {
    const body = item.body ?? Buffer.alloc(0);
    const header = Buffer.alloc(512);
    header.write(item.name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write(item.type ?? '0', 156);
    if (item.link) header.write(item.link, 157, 100, 'utf8');
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function writeTarGz(items: TarItem[], file = fresh('upload') + '.tar.gz'): string {
  writeFileSync(file, gzipSync(rawTar(items)));
  return file;
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Runs the extraction expecting a refusal; checks that nothing was left behind. */
async function refusal(archive: string, options: ExtractArchiveOptions = {}): Promise<Error> {
  const destination = fresh('dest');
  const error = await extractDatasetArchive(archive, destination, options).then(
    () => null,
    (e: Error) => e,
  );
  expect(error, 'the archive should have been refused').toBeInstanceOf(Error);
  expect(existsSync(destination), 'the destination must be removed').toBe(false);
  return error!;
}

let pngs: Buffer[];

beforeAll(() => {
  work = temporaryDir('astri-archive-');
  pngs = cameraPngs(8);
});

describe('extractDatasetArchive: good archives', () => {
  it('reads a zip of class folders under one top folder, skipping macOS litter', async () => {
    const file = await writeZip([
      { name: 'mydata/gamma/g0.png', body: pngs[0] },
      { name: 'mydata/gamma/g1.png', body: pngs[1] },
      { name: 'mydata/proton/p0.png', body: pngs[2] },
      { name: 'mydata/proton/deep/p1.png', body: pngs[3] },
      { name: 'mydata/.DS_Store', body: Buffer.from('litter') },
      { name: '__MACOSX/mydata/gamma/._g0.png', body: Buffer.from('resource fork') },
    ]);
    const destination = fresh('dest');
    const progress: ArchiveProgress[] = [];
    const result = await extractDatasetArchive(file, destination, { onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ format: 'zip', layout: 'folders', root: 'mydata', classes: ['gamma', 'proton'], rejected: [], mixedSizes: false, mixedChannels: false });
    expect(result.sha256).toBe(sha256(readFileSync(file)));
    expect(result.images.map((i) => [i.archivePath, i.label])).toEqual([
      ['mydata/gamma/g0.png', 'gamma'],
      ['mydata/gamma/g1.png', 'gamma'],
      ['mydata/proton/p0.png', 'proton'],
      ['mydata/proton/deep/p1.png', 'proton'],
    ]);
    for (const [k, image] of result.images.entries()) {
      expect(image).toMatchObject({ format: 'png', width: 56, height: 56, channels: 1, attributes: {}, bytes: pngs[k].length, sha256: sha256(pngs[k]) });
      expect(readFileSync(path.join(destination, image.relativePath)).equals(pngs[k])).toBe(true);
    }
    expect(result.sizes).toEqual([{ width: 56, height: 56, channels: 1, count: 4 }]);
    expect(progress.at(-1)).toEqual({ entriesDone: 6, entriesTotal: 6, bytesDone: expect.any(Number), rejectedSoFar: 0 });
    // Litter is skipped without being unpacked.
    expect(progress.at(-1)!.bytesDone).toBe(pngs.slice(0, 4).reduce((sum, b) => sum + b.length, 0));
  });

  it('labels a tar.gz from its manifest: energies, extra columns, quoted fields, class order of first appearance', async () => {
    const manifest = [
      'file,label,energy_tev,run,note',
      'img/a.png,proton,3.5,7,"hadron, clean"',
      'img/b.png,gamma,12,7,"says ""hi"""',
      './img/c.png,proton,,8,',
    ].join('\r\n');
    const file = writeTarGz([
      { name: 'upload/', type: '5' },
      { name: 'upload/events.csv', body: Buffer.from(manifest) },
      { name: 'upload/img/a.png', body: pngs[0] },
      { name: 'upload/img/b.png', body: pngs[1] },
      { name: 'upload/img/c.png', body: pngs[2] },
    ]);
    const result = await extractDatasetArchive(file, fresh('dest'));
    expect(result).toMatchObject({ format: 'tar.gz', layout: 'manifest', manifest: 'upload/events.csv', root: 'upload', classes: ['proton', 'gamma'], rejected: [] });
    expect(result.sha256).toBe(sha256(readFileSync(file)));
    expect(result.images.map(({ archivePath, label, energyTeV, attributes }) => ({ archivePath, label, energyTeV, attributes }))).toEqual([
      { archivePath: 'upload/img/a.png', label: 'proton', energyTeV: 3.5, attributes: { run: '7', note: 'hadron, clean' } },
      { archivePath: 'upload/img/b.png', label: 'gamma', energyTeV: 12, attributes: { run: '7', note: 'says "hi"' } },
      { archivePath: 'upload/img/c.png', label: 'proton', energyTeV: undefined, attributes: { run: '8', note: '' } },
    ]);
  });

  it('reads RGB and gray PNGs and JPEGs from a plain tar made by node-tar, and reports the mixed sizes', async () => {
    const source = fresh('tree');
    mkdirSync(path.join(source, 'gamma'), { recursive: true });
    mkdirSync(path.join(source, 'proton'), { recursive: true });
    writeFileSync(path.join(source, 'gamma', 'gray.png'), pngs[0]);
    writeFileSync(path.join(source, 'gamma', 'colour.png'), rgbPng(64, 48));
    await sharp(Buffer.alloc(40 * 30 * 3, 120), { raw: { width: 40, height: 30, channels: 3 } }).jpeg().toFile(path.join(source, 'proton', 'photo.jpg'));
    // A JPEG named .png and a PNG named .jpeg: the bytes decide, not the name.
    await sharp(Buffer.alloc(20 * 10, 80), { raw: { width: 20, height: 10, channels: 1 } }).toColourspace('b-w').jpeg().toFile(path.join(source, 'proton', 'gray-jpeg.png'));
    writeFileSync(path.join(source, 'proton', 'png.jpeg'), pngs[1]);
    const file = fresh('upload') + '.tar';
    await tar.create({ file, cwd: source, portable: true }, ['gamma', 'proton']);
    const result = await extractDatasetArchive(file, fresh('dest'));
    expect(result.format).toBe('tar');
    const byName = Object.fromEntries(result.images.map((i) => [i.archivePath, [i.format, i.width, i.height, i.channels, path.extname(i.relativePath)]]));
    expect(byName).toEqual({
      'gamma/gray.png': ['png', 56, 56, 1, '.png'],
      'gamma/colour.png': ['png', 64, 48, 3, '.png'],
      'proton/photo.jpg': ['jpeg', 40, 30, 3, '.jpg'],
      'proton/gray-jpeg.png': ['jpeg', 20, 10, 1, '.jpg'],
      'proton/png.jpeg': ['png', 56, 56, 1, '.png'],
    });
    expect(result.mixedSizes).toBe(true);
    expect(result.mixedChannels).toBe(true);
    expect(result.sizes[0]).toEqual({ width: 56, height: 56, channels: 1, count: 2 });
    expect(result.sizes).toHaveLength(4);
  });

  it('recognises the same upload twice by its hash', async () => {
    const items = [
      { name: 'gamma/a.png', body: pngs[0] },
      { name: 'proton/b.png', body: pngs[1] },
    ];
    const first = await writeZip(items);
    const again = fresh('again') + '.zip';
    writeFileSync(again, readFileSync(first));
    const other = await writeZip([...items, { name: 'proton/c.png', body: pngs[2] }]);
    const [a, b, c] = await Promise.all([first, again, other].map((f) => extractDatasetArchive(f, fresh('dest'))));
    expect(a.sha256).toBe(b.sha256);
    expect(c.sha256).not.toBe(a.sha256);
  });

  it('lists non-images, empty and truncated images as rejected, without storing them, and keeps the rest', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: pngs[0] },
      { name: 'gamma/readme.txt', body: Buffer.from('notes') },
      { name: 'gamma/fake.png', body: Buffer.from('this is not an image at all') },
      { name: 'gamma/empty.png', body: Buffer.alloc(0) },
      { name: 'proton/cut.png', body: pngs[1].subarray(0, 200) },
      { name: 'proton/b.png', body: pngs[2] },
      { name: 'stray.png', body: pngs[3] },
    ]);
    const destination = fresh('dest');
    const result = await extractDatasetArchive(file, destination);
    expect(result.images.map((i) => i.archivePath)).toEqual(['gamma/a.png', 'proton/b.png']);
    expect(result.rejected).toEqual([
      { file: 'gamma/empty.png', reason: 'an empty file, not an image' },
      { file: 'gamma/fake.png', reason: expect.stringMatching(/^not a PNG or JPEG image/) },
      { file: 'gamma/readme.txt', reason: expect.stringMatching(/^not a PNG or JPEG image/) },
      { file: 'proton/cut.png', reason: 'truncated PNG: it ends before its IEND chunk' },
      { file: 'stray.png', reason: 'not inside a class folder, so its label is unknown' },
    ]);
    const stored = readFileSync(path.join(destination, result.images[1].relativePath));
    expect(stored.equals(pngs[2])).toBe(true);
    expect(statSync(path.join(destination, 'images')).isDirectory()).toBe(true);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(path.join(destination, 'images'))).toHaveLength(2);
  });
});

describe('extractDatasetArchive: refusals', () => {
  it('refuses a zip entry that climbs out with ../ and names it', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: pngs[0] },
      { name: '__/evil.png', body: pngs[1] },
    ]);
    renameInZip(file, '__/evil.png', '../evil.png');
    const error = await refusal(file);
    expect(error).toBeInstanceOf(UnsafeEntryError);
    expect(error.message).toMatch(/^"\.\.\/evil\.png" climbs out of the archive/);
    expect(error.message).not.toContain(work);
  });

  it('refuses an absolute path in a tar.gz', async () => {
    const error = await refusal(writeTarGz([{ name: '/etc/cron.d/x.png', body: pngs[0] }]));
    expect(error).toBeInstanceOf(UnsafeEntryError);
    expect(error.message).toMatch(/"\/etc\/cron\.d\/x\.png" is an absolute path/);
  });

  it('refuses a tar entry with .. in the middle of its path', async () => {
    const error = await refusal(writeTarGz([{ name: 'gamma/../../x.png', body: pngs[0] }]));
    expect(error).toBeInstanceOf(UnsafeEntryError);
  });

  it('refuses a symbolic link in a tar made by node-tar', async () => {
    const source = fresh('tree');
    mkdirSync(path.join(source, 'gamma'), { recursive: true });
    writeFileSync(path.join(source, 'gamma', 'a.png'), pngs[0]);
    symlinkSync('/etc/passwd', path.join(source, 'gamma', 'b.png'));
    const file = fresh('upload') + '.tgz';
    // Synchronously: node-tar's asynchronous gzip pack once threw an uncaught Z_STREAM_ERROR after finishing (a race in its Pack).
    tar.create({ file, cwd: source, gzip: true, sync: true }, ['gamma']);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(UnsafeEntryError);
    expect(error.message).toMatch(/"gamma\/b\.png" is a symbolic link to "\/etc\/passwd"/);
  });

  it('refuses a hard link in a tar made by node-tar', async () => {
    const source = fresh('tree');
    mkdirSync(path.join(source, 'gamma'), { recursive: true });
    writeFileSync(path.join(source, 'gamma', 'a.png'), pngs[0]);
    linkSync(path.join(source, 'gamma', 'a.png'), path.join(source, 'gamma', 'b.png'));
    const file = fresh('upload') + '.tar.gz';
    tar.create({ file, cwd: source, gzip: true, sync: true }, ['gamma']);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(UnsafeEntryError);
    expect(error.message).toMatch(/is a hard link/);
  });

  it('refuses a symbolic link stored in a zip', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: pngs[0] },
      { name: 'proton/link.png', body: Buffer.from('/etc/passwd'), mode: 0o120777 },
    ]);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(UnsafeEntryError);
    expect(error.message).toMatch(/"proton\/link\.png" is a symbolic link/);
  });

  it('refuses a zip whose declared uncompressed size is over the limit, before unpacking', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: pngs[0] },
      { name: 'proton/b.png', body: pngs[1] },
    ]);
    const progress: ArchiveProgress[] = [];
    const error = await refusal(file, { limits: { maxTotalBytes: pngs[0].length + 10 }, onProgress: (p) => progress.push(p) });
    expect(error).toBeInstanceOf(ArchiveTooLargeError);
    expect(error.message).toMatch(/^the archive declares .* of uncompressed content, over the limit of/);
    expect(progress).toEqual([]);
  });

  it('stops a tar.gz as soon as the bytes counted while streaming pass the limit', async () => {
    const big = Array.from({ length: 6 }, (_, k) => ({ name: `gamma/${k}.png`, body: pngs[k % 8] }));
    const progress: ArchiveProgress[] = [];
    const error = await refusal(writeTarGz([...big, { name: 'proton/x.png', body: pngs[7] }]), {
      limits: { maxTotalBytes: pngs[0].length * 2.5 },
      onProgress: (p) => progress.push(p),
    });
    expect(error).toBeInstanceOf(ArchiveTooLargeError);
    expect(error.message).toMatch(/unpacks to more than .*, the limit; stopped while unpacking "gamma\/2\.png"/);
    expect(progress.at(-1)!.entriesDone).toBe(2);
  });

  it('refuses a zip entry that unpacks to more bytes than it declares', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: Buffer.alloc(50_000, 7) },
      { name: 'proton/b.png', body: pngs[1] },
    ]);
    // The central directory's uncompressed size of the first entry (offset 24 of its record) shrinks to 100.
    const bytes = readFileSync(file);
    const central = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes.writeUInt32LE(100, central + 24);
    writeFileSync(file, bytes);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ArchiveTooLargeError);
    expect(error.message).toMatch(/"gamma\/a\.png" unpacks to more bytes than the archive declares/);
  });

  it('refuses a zip entry with an extreme compression ratio', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: pngs[0] },
      { name: 'proton/bomb.png', body: Buffer.alloc(8 * 1024 ** 2) },
    ]);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(CompressionRatioError);
    expect(error.message).toMatch(/^"proton\/bomb\.png" is compressed \d+:1 .* over the 100:1 limit/);
  });

  it('refuses a tar.gz whose stream compresses beyond the ratio limit', async () => {
    const error = await refusal(writeTarGz([{ name: 'gamma/zeros.png', body: Buffer.alloc(4 * 1024 ** 2) }]));
    expect(error).toBeInstanceOf(CompressionRatioError);
    expect(error.message).toMatch(/^the archive is compressed \d+:1.*over the \d+:1 limit/);
  });

  it('refuses too many entries, zip and tar', async () => {
    const items = Array.from({ length: 6 }, (_, k) => ({ name: `${k % 2 ? 'gamma' : 'proton'}/${k}.png`, body: pngs[k] }));
    const zipError = await refusal(await writeZip(items), { limits: { maxEntries: 5 } });
    expect(zipError).toBeInstanceOf(TooManyEntriesError);
    expect(zipError.message).toBe('the archive holds 6 entries, over the limit of 5');
    const tarError = await refusal(writeTarGz(items), { limits: { maxEntries: 5 } });
    expect(tarError).toBeInstanceOf(TooManyEntriesError);
  });

  it('refuses an empty class folder', async () => {
    const file = await writeZip([
      { name: 'data/gamma/a.png', body: pngs[0] },
      { name: 'data/hadron/b.png', body: pngs[1] },
      { name: 'data/proton/', folder: true },
      { name: 'data/proton/.DS_Store', body: Buffer.from('litter') },
    ]);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(EmptyClassError);
    expect(error.message).toMatch(/^the class folder "data\/proton\/" holds no PNG or JPEG images/);
  });

  it('refuses a class folder whose files are all non-images', async () => {
    const error = await refusal(
      await writeZip([
        { name: 'gamma/a.png', body: pngs[0] },
        { name: 'proton/a.txt', body: Buffer.from('x') },
      ]),
    );
    expect(error).toBeInstanceOf(EmptyClassError);
  });

  it('refuses an archive with only one class', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: pngs[0] },
      { name: 'gamma/b.png', body: pngs[1] },
    ]);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(TooFewClassesError);
    expect(error.message).toMatch(/^the archive has only one class \("gamma"\)/);
  });

  it('refuses a manifest row naming a file the archive does not hold', async () => {
    const file = writeTarGz([
      { name: 'manifest.csv', body: Buffer.from('file,label\na.png,gamma\nb.png,proton\ngone.png,proton\n') },
      { name: 'a.png', body: pngs[0] },
      { name: 'b.png', body: pngs[1] },
    ]);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toBe('manifest "manifest.csv" lists 1 file(s) the archive does not hold: "gone.png" (line 4)');
    expect((error as ManifestError).files).toEqual(['gone.png']);
  });

  it('refuses images the manifest does not list', async () => {
    const file = writeTarGz([
      { name: 'manifest.csv', body: Buffer.from('file,label\na.png,gamma\nb.png,proton\n') },
      { name: 'a.png', body: pngs[0] },
      { name: 'b.png', body: pngs[1] },
      { name: 'extra/c.png', body: pngs[2] },
    ]);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toMatch(/^1 image\(s\) of the archive are not listed in manifest "manifest\.csv", so their labels are unknown: "extra\/c\.png"/);
  });

  it('refuses a manifest without a label column', async () => {
    const error = await refusal(writeTarGz([{ name: 'manifest.csv', body: Buffer.from('file,particle\na.png,gamma\n') }, { name: 'a.png', body: pngs[0] }]));
    expect(error).toBeInstanceOf(ManifestError);
    expect(error.message).toMatch(/has no "label" column/);
  });

  it('refuses names that differ only in letter case within a class', async () => {
    const file = await writeZip([
      { name: 'gamma/Shower.png', body: pngs[0] },
      { name: 'gamma/shower.png', body: pngs[1] },
      { name: 'proton/b.png', body: pngs[2] },
    ]);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(DuplicateEntryError);
    expect(error.message).toBe('"gamma/Shower.png" and "gamma/shower.png" differ only in letter case, and would be one file on many systems; rename one');
  });

  it('refuses the same name twice in a tar', async () => {
    const error = await refusal(
      writeTarGz([
        { name: 'gamma/a.png', body: pngs[0] },
        { name: 'gamma/a.png', body: pngs[1] },
        { name: 'proton/b.png', body: pngs[2] },
      ]),
    );
    expect(error).toBeInstanceOf(DuplicateEntryError);
    expect(error.message).toMatch(/^"gamma\/a\.png" appears twice/);
  });

  it('refuses a truncated zip', async () => {
    const file = await writeZip([
      { name: 'gamma/a.png', body: pngs[0] },
      { name: 'proton/b.png', body: pngs[1] },
    ]);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await refusal(file);
    expect(error).toBeInstanceOf(CorruptArchiveError);
    expect(error.message).toMatch(/^the zip archive is truncated or corrupt/);
  });

  it('refuses a truncated tar.gz', async () => {
    const file = writeTarGz(Array.from({ length: 6 }, (_, k) => ({ name: `${k % 2 ? 'gamma' : 'proton'}/${k}.png`, body: pngs[k] })));
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const error = await refusal(file);
    expect(error).toBeInstanceOf(CorruptArchiveError);
    expect(error.message).toMatch(/truncated or corrupt/);
  });

  it('refuses a corrupt zip entry (bad deflate data)', async () => {
    const body = rgbPng(200, 200);
    const file = await writeZip([
      { name: 'gamma/a.png', body },
      { name: 'proton/b.png', body: pngs[1] },
    ]);
    const bytes = readFileSync(file);
    for (let i = 200; i < 400; i++) bytes[i] ^= 0x5a;
    writeFileSync(file, bytes);
    const error = await refusal(file);
    expect(error).toBeInstanceOf(CorruptArchiveError);
    expect(error.message).toMatch(/"gamma\/a\.png" cannot be unpacked/);
  });

  it('stops and cleans up when cancelled', async () => {
    const controller = new AbortController();
    const items = Array.from({ length: 6 }, (_, k) => ({ name: `${k % 2 ? 'gamma' : 'proton'}/${k}.png`, body: pngs[k] }));
    const error = await refusal(writeTarGz(items), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.entriesDone === 2) controller.abort();
      },
    });
    expect(error).toBeInstanceOf(ArchiveAbortedError);
  });
});
