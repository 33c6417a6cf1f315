import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../server/config.ts';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { DatasetCatalog } from '../../server/data/dataset-catalog.ts';
import {
  ACTIVE_PIXEL_COUNT,
  ACTIVE_PIXEL_MASK,
  createRng,
  ensureDemoDataset,
  generateBatch,
  generateEvent,
  isModulePresent,
  writeDemoDataset,
} from '../../server/data/demo/index.ts';
import { runCli } from '../helpers/cli.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const EDGES = [1, 2, 5, 10, 20, 50, 100, 200];
const PER_BIN = 20;

function tempConfig(dir: string): string {
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, 'data:\n  dir: ./data\n  database: ./data/astri.db\n  inferenceDir: ./data/inference\n  pixelStore: ./data/pixels\nlog:\n  level: silent\n');
  return file;
}

function configIn(dir: string, demo: Partial<Config['demo']> = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      data: { dir, database: path.join(dir, 'astri.db'), inferenceDir: path.join(dir, 'inference'), pixelStore: path.join(dir, 'pixels') },
      demo: { seed: 11, eventsPerBin: 4, ...demo },
    },
  });
}

interface ManifestRow {
  file: string;
  particle: string;
  energyTeV: number;
  bin: number;
}

function readManifest(file: string): ManifestRow[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  expect(header.split(',').slice(0, 3)).toEqual(['file', 'particle', 'energy_tev']);
  return lines.map((line) => {
    const [name, particle, energy, bin] = line.split(',');
    return { file: name, particle, energyTeV: Number(energy), bin: Number(bin) };
  });
}

describe('astri data demo', () => {
  let dir: string;
  let inference: string;
  let db: Db;
  let firstRun: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    dir = temporaryDir('astri-demo-');
    inference = path.join(dir, 'data', 'inference');
    firstRun = await runCli(['--config', tempConfig(dir), 'data', 'demo', '--per-bin', String(PER_BIN), '--seed', '5']);
    db = await openDatabase(path.join(dir, 'data', 'astri.db'));
  });
  afterAll(() => db?.$disconnect());

  it('writes per-bin events of each class, a manifest, and reports progress on stderr', () => {
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(firstRun.stdout).toMatch(/280 events/);
    expect(firstRun.stderr).toMatch(/generating images 100% \(280\/280/);
    expect(readdirSync(path.join(inference, 'gamma'))).toHaveLength(7 * PER_BIN);
    expect(readdirSync(path.join(inference, 'proton'))).toHaveLength(7 * PER_BIN);
    const rows = readManifest(path.join(inference, 'events.csv'));
    expect(rows).toHaveLength(2 * 7 * PER_BIN);
    expect(rows[0].file).toBe('gamma/gamma_000000.png');
    for (const particle of ['gamma', 'proton']) {
      for (let bin = 0; bin < 7; bin++) expect(rows.filter((r) => r.particle === particle && r.bin === bin)).toHaveLength(PER_BIN);
    }
  });

  it('keeps every energy inside its bin, following a falling power law', () => {
    const rows = readManifest(path.join(inference, 'events.csv'));
    for (const row of rows) {
      expect(row.energyTeV).toBeGreaterThanOrEqual(EDGES[row.bin]);
      expect(row.energyTeV).toBeLessThan(EDGES[row.bin + 1]);
    }
    // A steep spectrum puts most events in the lower half of a wide bin (geometric middle of [1, 2) is ~1.41).
    const firstBin = rows.filter((r) => r.bin === 0);
    expect(firstBin.filter((r) => r.energyTeV < Math.SQRT2).length).toBeGreaterThan(firstBin.length / 2);
  });

  it('writes 56x56 8-bit grayscale PNGs whose missing corner modules are always zero', () => {
    expect(ACTIVE_PIXEL_COUNT).toBe(2368);
    expect(isModulePresent(0, 0) || isModulePresent(1, 0) || isModulePresent(0, 1) || isModulePresent(6, 5)).toBe(false);
    expect(isModulePresent(1, 1) && isModulePresent(2, 0) && isModulePresent(3, 3)).toBe(true);
    for (const particle of ['gamma', 'proton']) {
      for (const name of readdirSync(path.join(inference, particle))) {
        const png = decode(readFileSync(path.join(inference, particle, name)));
        expect([png.width, png.height, png.channels, png.depth]).toEqual([56, 56, 1, 8]);
        for (let i = 0; i < 3136; i++) if (!ACTIVE_PIXEL_MASK[i] && png.data[i] !== 0) throw new Error(`${name}: corner pixel ${i} is ${png.data[i]}`);
        expect(png.data.some((v) => v > 0)).toBe(true);
      }
    }
  });

  it('registers the dataset "demo" with one event per image, hashed', async () => {
    const dataset = await db.dataset.findUniqueOrThrow({ where: { name: 'demo' } });
    expect(dataset).toMatchObject({ source: 'demo', rootDir: inference });
    const events = await db.event.findMany({ where: { datasetId: dataset.id } });
    expect(events).toHaveLength(280);
    const rows = new Map(readManifest(path.join(inference, 'events.csv')).map((row) => [row.file, row]));
    for (const event of events.slice(0, 40)) {
      expect(event).toMatchObject({ width: 56, height: 56, channels: 1, label: rows.get(event.imagePath)!.particle, energyTeV: rows.get(event.imagePath)!.energyTeV });
      expect(event.contentHash).toBe(createHash('sha256').update(readFileSync(path.join(inference, event.imagePath))).digest('hex'));
    }
    const catalog = new DatasetCatalog(db);
    const demo = await catalog.resolve(null);
    expect(demo).toMatchObject({ name: 'demo', classes: [{ name: 'proton' }, { name: 'gamma' }], signalClass: 'gamma', energyEdgesTeV: EDGES });
    const counts = await catalog.countByBin(demo);
    expect(counts.map((bin) => bin.counts)).toEqual(Array.from({ length: 7 }, () => [PER_BIN, PER_BIN]));
  });

  it('gives byte-identical files and manifest for the same seed, and leaves the database untouched on a re-run', async () => {
    const before = await db.event.findMany({ orderBy: { id: 'asc' }, select: { id: true, imagePath: true, contentHash: true } });
    const other = temporaryDir('astri-demo-again-');
    const [again, elsewhere] = await Promise.all([
      runCli(['--config', tempConfig(dir), 'data', 'demo', '--per-bin', String(PER_BIN), '--seed', '5']),
      runCli(['--config', tempConfig(other), 'data', 'demo', '--per-bin', String(PER_BIN), '--seed', '5']),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 new, 0 updated, 280 unchanged, 0 removed/);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    const otherInference = path.join(other, 'data', 'inference');
    expect(readFileSync(path.join(otherInference, 'events.csv'))).toEqual(readFileSync(path.join(inference, 'events.csv')));
    for (const particle of ['gamma', 'proton']) {
      for (const name of readdirSync(path.join(inference, particle))) {
        expect(readFileSync(path.join(otherInference, particle, name)).equals(readFileSync(path.join(inference, particle, name))), name).toBe(true);
      }
    }
    const after = await db.event.findMany({ orderBy: { id: 'asc' }, select: { id: true, imagePath: true, contentHash: true } });
    expect(after).toEqual(before);
  });

  it('replaces the demo dataset for another seed and size, without duplicates or stale files', async () => {
    const result = await runCli(['--config', tempConfig(dir), 'data', 'demo', '--per-bin', '5', '--seed', '6']);
    expect(result.code, result.stderr).toBe(0);
    expect(await db.dataset.count()).toBe(1);
    expect(await db.event.count()).toBe(70);
    expect(readdirSync(path.join(inference, 'gamma'))).toHaveLength(35);
    expect(readManifest(path.join(inference, 'events.csv'))).toHaveLength(70);
    const catalog = new DatasetCatalog(db);
    const counts = await catalog.countByBin(await catalog.resolve(null));
    expect(counts.every((bin) => bin.counts[0] === 5 && bin.counts[1] === 5)).toBe(true);
  });

  it('refuses a non-numeric --per-bin and names the flag', async () => {
    const result = await runCli(['--config', tempConfig(dir), 'data', 'demo', '--per-bin', 'many']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/--per-bin must be an integer >= 1, got "many"/);
  });
});

describe('ensureDemoDataset', () => {
  it('generates the demo set only when the database has no dataset, and again when its files are gone', async () => {
    const dir = temporaryDir('astri-ensure-');
    const config = configIn(dir);
    const db = await openDatabase(config.data.database);
    try {
      const lines: string[] = [];
      const first = await ensureDemoDataset(config, db, { onProgress: (line) => lines.push(line) });
      expect(first.generated).toBe(true);
      expect(await db.event.count()).toBe(2 * 7 * 4);
      expect(lines.at(-1)).toMatch(/registered 56 demo events/);
      expect((await ensureDemoDataset(config, db)).generated).toBe(false);
      expect((await ensureDemoDataset(configIn(dir, { autoGenerate: false }), db)).generated).toBe(false);
      const { rmSync } = await import('node:fs');
      rmSync(config.data.inferenceDir, { recursive: true });
      expect((await ensureDemoDataset(config, db)).generated).toBe(true);
      expect(existsSync(path.join(config.data.inferenceDir, 'events.csv'))).toBe(true);
      expect(await db.event.count()).toBe(56);
    } finally {
      await db.$disconnect();
    }
  });

  it('writes the same files in worker threads as in the calling thread', async () => {
    const write = async (threads: number): Promise<string> => {
      const dir = temporaryDir(`astri-threads-${threads}-`);
      const config = configIn(dir, { eventsPerBin: 3 });
      const db = await openDatabase(config.data.database);
      try {
        const phases = new Set<string>();
        const result = await writeDemoDataset(config, db, { threads, onProgress: (p) => phases.add(p.phase) });
        expect(result).toMatchObject({ events: 42, inserted: 42, seed: 11, eventsPerBin: 3, threads });
        expect([...phases]).toEqual(['images', 'database']);
        return config.data.inferenceDir;
      } finally {
        await db.$disconnect();
      }
    };
    const [inThread, inWorkers] = [await write(1), await write(2)];
    expect(readFileSync(path.join(inWorkers, 'events.csv'))).toEqual(readFileSync(path.join(inThread, 'events.csv')));
    for (const name of readdirSync(path.join(inThread, 'proton'))) {
      expect(readFileSync(path.join(inWorkers, 'proton', name)).equals(readFileSync(path.join(inThread, 'proton', name))), name).toBe(true);
    }
  });
});

describe('demo pixels in the pixel store', () => {
  /** Event id -> stored bytes, read from the store's files on disk. */
  function stored(storeDir: string): Map<number, Buffer> {
    const base = path.join(storeDir, 'pixels-56x56x1');
    const out = new Map<number, Buffer>();
    if (!existsSync(`${base}.ids`)) return out;
    const ids = readFileSync(`${base}.ids`);
    const data = readFileSync(`${base}.u8`);
    for (let slot = 0; slot < ids.length / 4; slot++) out.set(ids.readInt32LE(slot * 4), data.subarray(slot * 3136, (slot + 1) * 3136));
    return out;
  }

  // 130 per bin: tasks generated in the calling thread run in slices of 100 events, so this joins slices.
  for (const [threads, eventsPerBin] of [
    [1, 130],
    [2, 3],
  ]) {
    it(`stores every generated event as its PNG decodes, from ${threads === 1 ? 'the calling thread' : 'worker threads'}, when given the store`, async () => {
      const dir = temporaryDir('astri-demo-store-');
      const config = configIn(dir, { eventsPerBin });
      const db = await openDatabase(config.data.database);
      try {
        await writeDemoDataset(config, db, { threads, pixelStoreDir: config.data.pixelStore });
        const pixels = stored(config.data.pixelStore);
        const events = await db.event.findMany({ select: { id: true, imagePath: true } });
        expect(events).toHaveLength(14 * eventsPerBin);
        expect(pixels.size).toBe(events.length);
        for (const event of events) {
          const png = decode(readFileSync(path.join(config.data.inferenceDir, event.imagePath)));
          expect(pixels.get(event.id)?.equals(Buffer.from(png.data as Uint8Array)), event.imagePath).toBe(true);
        }
      } finally {
        await db.$disconnect();
      }
    }, 120_000);
  }

  it('leaves the pixel store alone when not given it (the CLI, another process than the server)', async () => {
    const dir = temporaryDir('astri-demo-nostore-');
    const config = configIn(dir, { eventsPerBin: 2 });
    const db = await openDatabase(config.data.database);
    try {
      await writeDemoDataset(config, db, { threads: 1 });
      expect(existsSync(config.data.pixelStore)).toBe(false);
    } finally {
      await db.$disconnect();
    }
  });
});

describe('in-memory generator', () => {
  it('generates the same batch for the same seed and a different one for another seed', () => {
    const a = generateBatch({ seed: 1, count: 6, minTeV: 1, maxTeV: 2 });
    const b = generateBatch({ seed: 1, count: 6, minTeV: 1, maxTeV: 2 });
    const c = generateBatch({ seed: 2, count: 6, minTeV: 1, maxTeV: 2 });
    expect(a.pixels).toEqual(b.pixels);
    expect(Array.from(a.energiesTeV)).toEqual(Array.from(b.energiesTeV));
    expect(a.pixels).not.toEqual(c.pixels);
    expect(a.pixels).toHaveLength(6 * 3136);
    expect(Array.from(a.labels)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(a.particles).toEqual(['gamma', 'proton', 'gamma', 'proton', 'gamma', 'proton']);
  });

  it('makes brighter images at higher energy', () => {
    const rng = createRng(3);
    const sizes = (energyTeV: number): number => {
      let sum = 0;
      for (let i = 0; i < 40; i++) sum += generateEvent(rng, 'gamma', energyTeV).sizePe;
      return sum / 40;
    };
    expect(sizes(100)).toBeGreaterThan(20 * sizes(1.5));
  });

  it('separates gammas from protons by image width far better at 100 TeV than at 1 TeV', () => {
    // Hillas width (minor-axis spread of the cleaned image): a classic, simple discriminant.
    const widthAuc = (minTeV: number, maxTeV: number): number => {
      const batch = generateBatch({ seed: 9, count: 400, minTeV, maxTeV });
      const widths: number[] = [];
      for (let k = 0; k < batch.count; k++) widths.push(hillasWidth(batch.pixels.subarray(k * 3136, (k + 1) * 3136)));
      return auc(widths.map((w) => -w), Array.from(batch.labels));
    };
    const low = widthAuc(1, 2);
    const high = widthAuc(100, 200);
    expect(high).toBeGreaterThan(0.85);
    expect(high).toBeGreaterThan(low + 0.2);
  });

  it('rejects a buffer of the wrong size and a non-positive energy', () => {
    expect(() => generateEvent(createRng(1), 'gamma', 2, new Uint8Array(10))).toThrow(/3136/);
    expect(() => generateEvent(createRng(1), 'proton', 0)).toThrow(/positive/);
  });
});

function hillasWidth(pixels: Uint8Array): number {
  let s = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < 3136; i++) {
    const v = pixels[i];
    const x = i % 56;
    const y = Math.floor(i / 56);
    // Image cleaning: a bright pixel with a lit neighbour, so night-sky noise does not count.
    if (v < 40) continue;
    const lit = (x > 0 && pixels[i - 1] >= 30) || (x < 55 && pixels[i + 1] >= 30) || (y > 0 && pixels[i - 56] >= 30) || (y < 55 && pixels[i + 56] >= 30);
    if (!lit) continue;
    s += v;
    sx += v * x;
    sy += v * y;
    sxx += v * x * x;
    syy += v * y * y;
    sxy += v * x * y;
  }
  if (s === 0) return 0;
  const mx = sx / s, my = sy / s;
  const cxx = sxx / s - mx * mx, cyy = syy / s - my * my, cxy = sxy / s - mx * my;
  return Math.sqrt(Math.max(0, (cxx + cyy - Math.sqrt((cxx - cyy) ** 2 + 4 * cxy * cxy)) / 2));
}

function auc(scores: number[], labels: number[]): number {
  let positive = 0, negative = 0, wins = 0;
  for (let i = 0; i < scores.length; i++) {
    for (let j = 0; j < scores.length; j++) {
      if (labels[i] === 1 && labels[j] === 0) wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
    if (labels[i] === 1) positive++;
    else negative++;
  }
  return wins / (positive * negative);
}
