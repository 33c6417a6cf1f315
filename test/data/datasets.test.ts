import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { DatasetCatalog } from '../../server/data/dataset-catalog.ts';
import { registerEvents, DatasetConflictError, type DatasetSpec, type EventRecord } from '../../server/data/datasets.ts';
import { CachedEventSelection, selectRandomEvents, NotEnoughEventsError } from '../../server/data/event-selection.ts';
import { temporaryDir } from '../helpers/temp-dir.ts';

const EDGES = [1, 2, 5, 10];
const GAMMA_PROTON = { classes: [{ name: 'proton', color: null }, { name: 'gamma', color: null }], signalClass: 'gamma', energyEdgesTeV: EDGES };

function spec(name: string, rootDir: string): DatasetSpec {
  return { name, rootDir, source: 'ingest', ...GAMMA_PROTON };
}

function record(imagePath: string, label: string, energyTeV: number | null, contentHash = `hash-of-${imagePath}`): EventRecord {
  return { imagePath, label, energyTeV, width: 56, height: 56, channels: 1, contentHash };
}

describe('dataset registration', () => {
  let db: Db;

  beforeAll(async () => {
    db = await openDatabase(path.join(temporaryDir('astri-datasets-'), 'astri.db'));
  });
  afterAll(() => db?.$disconnect());

  it('inserts new events, leaves identical ones alone, updates truth in place, and gives a changed image a new id', async () => {
    const upserts = spec('upserts', '/data/upserts');
    const first = await registerEvents(db, upserts, [record('a.png', 'gamma', 1.5), record('b.png', 'proton', 2.5), record('c.png', 'gamma', 3.5)]);
    expect(first).toMatchObject({ inserted: 3, updated: 0, unchanged: 0, removed: 0 });
    const ids = Object.fromEntries((await db.event.findMany({ where: { datasetId: first.datasetId } })).map((e) => [e.imagePath, e.id]));

    const second = await registerEvents(db, upserts, [record('a.png', 'gamma', 1.5), record('b.png', 'proton', 2.75), record('c.png', 'gamma', 3.5, 'new-hash')]);
    expect(second).toMatchObject({ datasetId: first.datasetId, inserted: 0, updated: 2, unchanged: 1, removed: 0 });
    const after = Object.fromEntries((await db.event.findMany({ where: { datasetId: first.datasetId } })).map((e) => [e.imagePath, e]));
    expect(after['a.png'].id).toBe(ids['a.png']);
    expect(after['b.png']).toMatchObject({ id: ids['b.png'], energyTeV: 2.75 });
    expect(after['c.png'].id).not.toBe(ids['c.png']);
    expect(after['c.png'].contentHash).toBe('new-hash');
  });

  it('removes events no longer listed only when pruning, and writes nothing on a dry run', async () => {
    const pruned = spec('pruned', '/data/pruned');
    const { datasetId } = await registerEvents(db, pruned, [record('a.png', 'gamma', 1.5), record('b.png', 'gamma', 1.6)]);
    expect(await registerEvents(db, pruned, [record('a.png', 'gamma', 1.5)])).toMatchObject({ unchanged: 1, removed: 0 });
    expect(await registerEvents(db, pruned, [record('a.png', 'gamma', 1.5)], { prune: true, dryRun: true })).toMatchObject({ removed: 1 });
    expect(await db.event.count({ where: { datasetId } })).toBe(2);
    expect(await registerEvents(db, pruned, [record('a.png', 'gamma', 1.5)], { prune: true, chunkSize: 1 })).toMatchObject({ removed: 1 });
    expect(await db.event.count({ where: { datasetId } })).toBe(1);
  });

  it('refuses the same image twice, another root for an existing dataset, and another source under the same name', async () => {
    const strict = spec('strict', '/data/strict');
    await expect(registerEvents(db, strict, [record('a.png', 'gamma', 1.5), record('a.png', 'proton', 1.5)])).rejects.toThrow(/a\.png is listed twice/);
    await registerEvents(db, strict, [record('a.png', 'gamma', 1.5)]);
    await expect(registerEvents(db, { ...strict, rootDir: '/elsewhere' }, [])).rejects.toThrow(DatasetConflictError);
    await expect(registerEvents(db, { ...strict, source: 'demo' }, [])).rejects.toThrow(/already exists as a ingest dataset/);
  });

  it('refuses labels that are not classes of the dataset, and images of mixed sizes, naming them', async () => {
    await expect(registerEvents(db, spec('labels', '/data/labels'), [record('a.png', 'electron', 1), record('b.png', 'muon', 2)])).rejects.toThrow(
      /labels "electron", "muon" are not classes of dataset "labels" \(proton, gamma\)/,
    );
    const odd = { ...record('b.png', 'gamma', 2), width: 28, height: 28 };
    await expect(registerEvents(db, spec('sizes', '/data/sizes'), [record('a.png', 'gamma', 1), odd])).rejects.toThrow(/mixed sizes \(1 of 56x56x1, 1 of 28x28x1\)/);
    expect(await db.dataset.count({ where: { name: { in: ['labels', 'sizes'] } } })).toBe(0);
  });

  it('keeps N classes, their order, no energies and the manifest attributes', async () => {
    const classes = ['gamma', 'proton', 'electron', 'muon'].map((name) => ({ name, color: null }));
    const records = classes.map(({ name }, i) => ({ ...record(`${name}.png`, name, null), attributes: { telescope: `T${i}` } }));
    const { datasetId } = await registerEvents(db, { name: 'four', rootDir: '/data/four', source: 'upload', classes, signalClass: null, energyEdgesTeV: null }, records);
    const dataset = await new DatasetCatalog(db).get(datasetId);
    expect(dataset).toMatchObject({ classes, classCounts: [1, 1, 1, 1], eventCount: 4, energyEdgesTeV: null, image: { width: 56, height: 56, channels: 1 } });
    expect(await new DatasetCatalog(db).countByBin(dataset)).toEqual([]);
    const muon = await db.event.findFirstOrThrow({ where: { datasetId, label: 'muon' } });
    expect(muon).toMatchObject({ energyTeV: null, attributes: '{"telescope":"T3"}' });
  });
});

describe('counting and picking events by energy bin', () => {
  let db: Db;
  let datasetId: number;
  let otherDatasetId: number;

  beforeAll(async () => {
    db = await openDatabase(path.join(temporaryDir('astri-select-'), 'astri.db'));
    const records: EventRecord[] = [];
    // 30 gammas in [1, 2), 12 protons in [2, 5), edge values, and events outside every bin.
    for (let i = 0; i < 30; i++) records.push(record(`g${i}.png`, 'gamma', 1 + i / 30));
    for (let i = 0; i < 12; i++) records.push(record(`p${i}.png`, 'proton', 2 + i / 4));
    records.push(record('edge-2.png', 'gamma', 2), record('edge-10.png', 'proton', 10), record('low.png', 'gamma', 0.5), record('high.png', 'proton', 50));
    ({ datasetId } = await registerEvents(db, spec('bins', '/data/bins'), records));
    ({ datasetId: otherDatasetId } = await registerEvents(db, spec('other', '/data/other'), [record('x.png', 'gamma', 1.2), record('y.png', 'gamma', 6)]));
  });
  afterAll(() => db?.$disconnect());

  it('counts each class per half-open bin, edges in the upper bin, the outside in none, per dataset', async () => {
    const catalog = new DatasetCatalog(db);
    expect(await catalog.countByBin(await catalog.get(datasetId))).toEqual([
      { index: 0, minTeV: 1, maxTeV: 2, label: '1–2 TeV', counts: [0, 30] },
      { index: 1, minTeV: 2, maxTeV: 5, label: '2–5 TeV', counts: [12, 1] },
      { index: 2, minTeV: 5, maxTeV: 10, label: '5–10 TeV', counts: [0, 0] },
    ]);
    expect((await catalog.countByBin(await catalog.get(otherDatasetId))).map((bin) => bin.counts[1])).toEqual([1, 0, 1]);
  });

  it('picks the same events in the same order for the same seed, and others for another seed', async () => {
    const selection = { label: 'gamma', energyTeV: { min: 1, max: 2 }, count: 10, seed: 1234, datasetId };
    const first = await selectRandomEvents(db, selection);
    const again = await selectRandomEvents(db, selection);
    const other = await selectRandomEvents(db, { ...selection, seed: 99 });
    expect(again.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(other.map((e) => e.id)).not.toEqual(first.map((e) => e.id));
    expect(new Set(first.map((e) => e.id)).size).toBe(10);
    for (const event of first) {
      expect(event).toMatchObject({ label: 'gamma' });
      expect(event.energyTeV).toBeGreaterThanOrEqual(1);
      expect(event.energyTeV).toBeLessThan(2);
    }
    // The order is random too, not the id order.
    expect(first.map((e) => e.id)).not.toEqual([...first.map((e) => e.id)].sort((a, b) => a - b));
  });

  it('returns every event when asked for all of them, and draws over all energies without a range', async () => {
    const all = await selectRandomEvents(db, { datasetId, label: 'proton', energyTeV: { min: 2, max: 5 }, count: 12, seed: 5 });
    expect(all).toHaveLength(12);
    const everyGamma = await selectRandomEvents(db, { datasetId, label: 'gamma', count: 32, seed: 5 });
    expect(new Set(everyGamma.map((e) => e.energyTeV))).toContain(0.5);
  });

  it('draws from its memory what the database gives, until the dataset\'s events change in another process', async () => {
    const cached = new CachedEventSelection(db, 25);
    const revision = async (id: number) => (await new DatasetCatalog(db).resolveReady(id)).eventsRevision;
    const selection = { datasetId, label: 'gamma', energyTeV: { min: 1, max: 2 }, count: 10, seed: 77 };
    const before = await revision(datasetId);
    const fromDb = await selectRandomEvents(db, selection);
    expect(await cached.select({ ...selection, eventsRevision: before })).toEqual(fromDb);
    expect(await cached.select({ ...selection, eventsRevision: before, seed: 78 })).toEqual(await selectRandomEvents(db, { ...selection, seed: 78 }));

    // A new sync (astri ingest, in any process) relabels one of the bin's gammas: the revision moves, and the
    // selection at the new revision sees the change.
    const relabelled = fromDb[0];
    const rows = await db.event.findMany({ where: { datasetId }, orderBy: { id: 'asc' } });
    const dataset = await db.dataset.findUniqueOrThrow({ where: { id: datasetId } });
    await registerEvents(
      db,
      spec(dataset.name, dataset.rootDir),
      rows.map((row) => record(row.imagePath, row.id === relabelled.id ? 'proton' : row.label, row.energyTeV, row.contentHash)),
    );
    const after = await revision(datasetId);
    expect(after).toBeGreaterThan(before);
    const fresh = await cached.select({ ...selection, eventsRevision: after, count: 1 });
    expect(await selectRandomEvents(db, { ...selection, count: 1 })).toEqual(fresh);
    expect((await cached.select({ ...selection, eventsRevision: after, count: 29 })).map((e) => e.id)).not.toContain(relabelled.id);
    await expect(cached.select({ ...selection, eventsRevision: after, count: 30 })).rejects.toThrow(/only 29 "gamma" events/);
    // An unchanged sync does not move it.
    await registerEvents(db, spec(dataset.name, dataset.rootDir), (await db.event.findMany({ where: { datasetId } })).map((row) => record(row.imagePath, row.label, row.energyTeV, row.contentHash)));
    expect(await revision(datasetId)).toBe(after);
  });

  it('reads a whole dataset ahead into the same candidates, bin by bin, that select reads one by one', async () => {
    const dataset = await new DatasetCatalog(db).resolveReady(datasetId);
    const ranges = EDGES.slice(0, -1).map((min, i) => ({ min, max: EDGES[i + 1] }));
    const primed = new CachedEventSelection(db);
    await primed.prime({ id: datasetId, eventsRevision: dataset.eventsRevision, classes: ['proton', 'gamma'], energyRangesTeV: ranges });
    // Primed entries answer without the database: an event removed behind the cache's back is still drawn.
    const removed = await db.event.findFirstOrThrow({ where: { datasetId, label: 'proton', energyTeV: { gte: 2, lt: 5 } } });
    const expected = new Map<string, Awaited<ReturnType<typeof selectRandomEvents>>>();
    for (const label of ['proton', 'gamma']) {
      for (const range of [undefined, ...ranges]) {
        const count = await db.event.count({ where: { datasetId, label, ...(range ? { energyTeV: { gte: range.min, lt: range.max } } : {}) } });
        expected.set(JSON.stringify([label, range ?? null]), await selectRandomEvents(db, { datasetId, label, ...(range ? { energyTeV: range } : {}), count, seed: 3 }));
      }
    }
    await db.event.delete({ where: { id: removed.id } });
    try {
      for (const [key, all] of expected) {
        const [label, range] = JSON.parse(key) as [string, { min: number; max: number } | null];
        const selection = { datasetId, eventsRevision: dataset.eventsRevision, label, ...(range ? { energyTeV: range } : {}), count: all.length, seed: 3 };
        expect(await primed.select(selection)).toEqual(all);
      }
    } finally {
      await db.event.create({ data: { ...removed, attributes: removed.attributes ?? undefined } });
    }
  });

  it('says how many events exist when fewer than asked for', async () => {
    const attempt = selectRandomEvents(db, { datasetId, label: 'proton', energyTeV: { min: 2, max: 5 }, count: 13, seed: 5 });
    await expect(attempt).rejects.toThrow(NotEnoughEventsError);
    await expect(attempt).rejects.toThrow(/only 12 "proton" events with an energy in \[2, 5\) TeV are in dataset \d+, 13 were asked for/);
    await expect(attempt).rejects.toMatchObject({ name: 'NotEnoughEventsError', available: 12, requested: 13 });
  });
});
