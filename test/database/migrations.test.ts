import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { applyMigrations } from '../../server/data/migrate.ts';

describe('metadata database', () => {
  let file: string;
  let db: Db;

  beforeAll(async () => {
    file = path.join(mkdtempSync(path.join(tmpdir(), 'astri-db-')), 'astri.db');
    db = await openDatabase(file);
  });
  afterAll(() => db.$disconnect());

  it('applies each migration once', () => {
    expect(applyMigrations(file).applied).toEqual([]);
  });

  it('has the indexes that make a random pick in an energy range an index scan', () => {
    const sqlite = new Database(file, { readonly: true });
    const plan = sqlite
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM "Event" WHERE particle = ? AND energyTeV >= ? AND energyTeV < ?`)
      .all('gamma', 1, 2) as { detail: string }[];
    sqlite.close();
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/USING (COVERING )?INDEX Event_particle_energyTeV_idx/);
  });

  it('writes and reads back every model of schema.prisma through the migrated tables', async () => {
    const dataset = await db.dataset.create({ data: { name: 'roundtrip', rootDir: '/data', source: 'ingest' } });
    const event = await db.event.create({
      data: { datasetId: dataset.id, particle: 'gamma', energyTeV: 3.5, imagePath: 'gamma/a.png', width: 56, height: 56, channels: 1, contentHash: 'ab'.repeat(32) },
    });
    const model = await db.model.create({
      data: {
        name: 'cnn', version: '1', file: '/m.h5', sha256: 'cd'.repeat(32), format: 'keras-h5', inputShape: '[56,56,1]', classNames: '["proton","gamma"]',
        outputKind: 'sigmoid', gammaClassIndex: 0, pixelScale: 1 / 255, parameterCount: 1234, kerasVersion: '2.11.0',
      },
    });
    const run = await db.predictionRun.create({
      data: { id: 'run-1', modelId: model.id, energyBin: 1, energyMinTeV: 2, energyMaxTeV: 5, eventsPerClass: 1, samples: 1, seed: 7, status: 'completed', elapsedMs: 12.5, finishedAt: new Date() },
    });
    await db.prediction.create({ data: { runId: run.id, eventId: event.id, gammaness: 0.75, isSample: true, batch: 0 } });
    await db.cachedPrediction.create({ data: { modelSha256: model.sha256, eventId: event.id, gammaness: 0.75, outputs: '[0.75]' } });

    const back = await db.predictionRun.findUniqueOrThrow({ where: { id: 'run-1' }, include: { predictions: { include: { event: { include: { dataset: true } } } }, model: true } });
    expect(back.model.sha256).toBe(model.sha256);
    expect(back.predictions[0]).toMatchObject({ gammaness: 0.75, isSample: true, event: { energyTeV: 3.5, dataset: { name: 'roundtrip' } } });
    expect(await db.cachedPrediction.findUnique({ where: { modelSha256_eventId: { modelSha256: model.sha256, eventId: event.id } } })).toMatchObject({ outputs: '[0.75]' });
  });

  it('refuses a second event with the same image in one dataset', async () => {
    const dataset = await db.dataset.create({ data: { name: 'dupes', rootDir: '/data', source: 'ingest' } });
    const data = { datasetId: dataset.id, particle: 'proton', energyTeV: 1, imagePath: 'p.png', width: 56, height: 56, channels: 1, contentHash: 'x' };
    await db.event.create({ data });
    await expect(db.event.create({ data })).rejects.toThrow(/Unique constraint/);
  });
});
