import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { countEventsByBin, registerEvents, selectRandomEvents, NotEnoughEventsError, DatasetConflictError, type EventRecord } from '../../server/data/datasets.ts';

const EDGES = [1, 2, 5, 10];

function record(imagePath: string, particle: 'gamma' | 'proton', energyTeV: number, contentHash = `hash-of-${imagePath}`): EventRecord {
  return { imagePath, particle, energyTeV, width: 56, height: 56, channels: 1, contentHash };
}

describe('dataset registration', () => {
  let db: Db;

  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'astri-datasets-')), 'astri.db'));
  });
  afterAll(() => db?.$disconnect());

  it('inserts new events, leaves identical ones alone, updates truth in place, and gives a changed image a new id', async () => {
    const spec = { name: 'upserts', rootDir: '/data/upserts', source: 'ingest' as const };
    const first = await registerEvents(db, spec, [record('a.png', 'gamma', 1.5), record('b.png', 'proton', 2.5), record('c.png', 'gamma', 3.5)]);
    expect(first).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, removed: 0 });
    const ids = Object.fromEntries((await db.event.findMany({ where: { datasetId: first.datasetId } })).map((e) => [e.imagePath, e.id]));

    const second = await registerEvents(db, spec, [record('a.png', 'gamma', 1.5), record('b.png', 'proton', 2.75), record('c.png', 'gamma', 3.5, 'new-hash')]);
    expect(second).toMatchObject({ datasetId: first.datasetId, inserted: 0, updated: 2, unchanged: 1, removed: 0 });
    const after = Object.fromEntries((await db.event.findMany({ where: { datasetId: first.datasetId } })).map((e) => [e.imagePath, e]));
    expect(after['a.png'].id).toBe(ids['a.png']);
    expect(after['b.png']).toMatchObject({ id: ids['b.png'], energyTeV: 2.75 });
    expect(after['c.png'].id).not.toBe(ids['c.png']);
    expect(after['c.png'].contentHash).toBe('new-hash');
  });

  it('removes events no longer listed only when pruning, and writes nothing on a dry run', async () => {
    const spec = { name: 'pruned', rootDir: '/data/pruned', source: 'ingest' as const };
    const { datasetId } = await registerEvents(db, spec, [record('a.png', 'gamma', 1.5), record('b.png', 'gamma', 1.6)]);
    expect(await registerEvents(db, spec, [record('a.png', 'gamma', 1.5)])).toMatchObject({ unchanged: 1, removed: 0 });
    expect(await registerEvents(db, spec, [record('a.png', 'gamma', 1.5)], { prune: true, dryRun: true })).toMatchObject({ removed: 1 });
    expect(await db.event.count({ where: { datasetId } })).toBe(2);
    expect(await registerEvents(db, spec, [record('a.png', 'gamma', 1.5)], { prune: true, chunkSize: 1 })).toMatchObject({ removed: 1 });
    expect(await db.event.count({ where: { datasetId } })).toBe(1);
  });

  it('refuses the same image twice, another root for an existing dataset, and another source under the same name', async () => {
    const spec = { name: 'strict', rootDir: '/data/strict', source: 'ingest' as const };
    await expect(registerEvents(db, spec, [record('a.png', 'gamma', 1.5), record('a.png', 'proton', 1.5)])).rejects.toThrow(/a\.png is listed twice/);
    await registerEvents(db, spec, [record('a.png', 'gamma', 1.5)]);
    await expect(registerEvents(db, { ...spec, rootDir: '/elsewhere' }, [])).rejects.toThrow(DatasetConflictError);
    await expect(registerEvents(db, { ...spec, source: 'demo' }, [])).rejects.toThrow(/already exists as a ingest dataset/);
  });
});

describe('counting and picking events by energy bin', () => {
  let db: Db;
  let datasetId: number;
  let otherDatasetId: number;

  beforeAll(async () => {
    db = await openDatabase(path.join(mkdtempSync(path.join(tmpdir(), 'astri-select-')), 'astri.db'));
    const records: EventRecord[] = [];
    // 30 gammas in [1, 2), 12 protons in [2, 5), edge values, and events outside every bin.
    for (let i = 0; i < 30; i++) records.push(record(`g${i}.png`, 'gamma', 1 + i / 30));
    for (let i = 0; i < 12; i++) records.push(record(`p${i}.png`, 'proton', 2 + i / 4));
    records.push(record('edge-2.png', 'gamma', 2), record('edge-10.png', 'proton', 10), record('low.png', 'gamma', 0.5), record('high.png', 'proton', 50));
    ({ datasetId } = await registerEvents(db, { name: 'bins', rootDir: '/data/bins', source: 'ingest' }, records));
    ({ datasetId: otherDatasetId } = await registerEvents(db, { name: 'other', rootDir: '/data/other', source: 'ingest' }, [record('x.png', 'gamma', 1.2), record('y.png', 'gamma', 6)]));
  });
  afterAll(() => db?.$disconnect());

  it('counts each particle per half-open bin, edges in the upper bin, the outside in none', async () => {
    expect(await countEventsByBin(db, EDGES)).toEqual([
      { index: 0, minTeV: 1, maxTeV: 2, gamma: 31, proton: 0 },
      { index: 1, minTeV: 2, maxTeV: 5, gamma: 1, proton: 12 },
      { index: 2, minTeV: 5, maxTeV: 10, gamma: 1, proton: 0 },
    ]);
    expect((await countEventsByBin(db, EDGES, { datasetId: otherDatasetId })).map((bin) => bin.gamma)).toEqual([1, 0, 1]);
  });

  it('picks the same events in the same order for the same seed, and others for another seed', async () => {
    const selection = { particle: 'gamma' as const, minTeV: 1, maxTeV: 2, count: 10, seed: 1234, datasetId };
    const first = await selectRandomEvents(db, selection);
    const again = await selectRandomEvents(db, selection);
    const other = await selectRandomEvents(db, { ...selection, seed: 99 });
    expect(again.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(other.map((e) => e.id)).not.toEqual(first.map((e) => e.id));
    expect(new Set(first.map((e) => e.id)).size).toBe(10);
    for (const event of first) {
      expect(event).toMatchObject({ particle: 'gamma', datasetId });
      expect(event.energyTeV).toBeGreaterThanOrEqual(1);
      expect(event.energyTeV).toBeLessThan(2);
    }
    // The order is random too, not the id order.
    expect(first.map((e) => e.id)).not.toEqual([...first.map((e) => e.id)].sort((a, b) => a - b));
  });

  it('returns every event when asked for all of them, and searches all datasets by default', async () => {
    const all = await selectRandomEvents(db, { particle: 'proton', minTeV: 2, maxTeV: 5, count: 12, seed: 5 });
    expect(all).toHaveLength(12);
    const gammas = await selectRandomEvents(db, { particle: 'gamma', minTeV: 1, maxTeV: 2, count: 31, seed: 5 });
    expect(new Set(gammas.map((e) => e.datasetId))).toEqual(new Set([datasetId, otherDatasetId]));
  });

  it('says how many events exist when fewer than asked for', async () => {
    const attempt = selectRandomEvents(db, { particle: 'proton', minTeV: 2, maxTeV: 5, count: 13, seed: 5, datasetId });
    await expect(attempt).rejects.toThrow(NotEnoughEventsError);
    await expect(attempt).rejects.toThrow(/only 12 proton events have an energy in \[2, 5\) TeV in dataset \d+, 13 were asked for/);
    await expect(attempt).rejects.toMatchObject({ name: 'NotEnoughEventsError', available: 12, requested: 13 });
  });
});
