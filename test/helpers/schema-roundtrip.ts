// What the SQLite and the PostgreSQL schema tests check alike: every model of schema.prisma written and read
// back through the migrated tables, and the constraint that keeps one event per image in a dataset.
import { expect } from 'vitest';
import type { Db } from '../../server/data/db.ts';

export async function expectEveryModelRoundTrips(db: Db): Promise<void> {
  const dataset = await db.dataset.create({ data: { name: 'roundtrip', rootDir: '/data', source: 'ingest' } });
  const event = await db.event.create({
    data: { datasetId: dataset.id, label: 'gamma', energyTeV: 3.5, attributes: '{"run":"7"}', imagePath: 'gamma/a.png', width: 56, height: 56, channels: 1, contentHash: 'ab'.repeat(32) },
  });
  const model = await db.model.create({
    data: {
      name: 'cnn', version: '1', file: '/m.h5', sha256: 'cd'.repeat(32), format: 'keras-h5', inputShape: '[56,56,1]', classNames: '["proton","gamma"]',
      outputKind: 'sigmoid', preprocessing: '{"colorMode":"grayscale","scale":0.00392156862745098,"offset":0,"mean":[],"std":[]}', parameterCount: 1234, kerasVersion: '2.11.0',
    },
  });
  const run = await db.predictionRun.create({
    data: { id: 'run-1', modelId: model.id, datasetId: dataset.id, classes: '["proton","gamma"]', signalClass: 'gamma', classMapping: '[0,1]', energyBin: 1, energyMinTeV: 2, energyMaxTeV: 5, eventsPerClass: 1, samples: 1, seed: 7, status: 'completed', elapsedMs: 12.5, finishedAt: new Date(), owner: 'local' },
  });
  await db.runBatch.create({ data: { runId: run.id, classIndex: 1, batch: 0, eventIds: `[${event.id}]`, energiesTeV: '[3.5]', scores: '[[0.25,0.75]]', errors: '[null]' } });
  await db.cachedPrediction.create({ data: { modelSha256: model.sha256, eventId: event.id, outputs: '[0.75]' } });
  await db.apiToken.create({ data: { name: 'ci', role: 'runner', secretSha256: 'ef'.repeat(32), prefix: 'astri_ab' } });

  const back = await db.predictionRun.findUniqueOrThrow({ where: { id: 'run-1' }, include: { batches: true, model: true, dataset: true } });
  expect(back.model.sha256).toBe(model.sha256);
  expect(back.dataset).toMatchObject({ name: 'roundtrip' });
  expect(back.batches).toEqual([{ runId: 'run-1', classIndex: 1, batch: 0, eventIds: `[${event.id}]`, energiesTeV: '[3.5]', scores: '[[0.25,0.75]]', errors: '[null]' }]);
  expect(await db.event.findUniqueOrThrow({ where: { id: event.id } })).toMatchObject({ energyTeV: 3.5, attributes: '{"run":"7"}' });
  expect(await db.cachedPrediction.findUnique({ where: { modelSha256_eventId: { modelSha256: model.sha256, eventId: event.id } } })).toMatchObject({ outputs: '[0.75]' });
  expect(await db.apiToken.findUnique({ where: { secretSha256: 'ef'.repeat(32) } })).toMatchObject({ name: 'ci', role: 'runner' });
}

export async function expectDuplicateImageRefused(db: Db): Promise<void> {
  const dataset = await db.dataset.create({ data: { name: 'dupes', rootDir: '/data', source: 'ingest' } });
  const data = { datasetId: dataset.id, label: 'proton', energyTeV: null, imagePath: 'p.png', width: 56, height: 56, channels: 1, contentHash: 'x' };
  await db.event.create({ data });
  await expect(db.event.create({ data })).rejects.toThrow(/Unique constraint/);
}
