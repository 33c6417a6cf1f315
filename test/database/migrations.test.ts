import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/data/db.ts';
import { applyMigrations, MIGRATIONS_DIR } from '../../server/data/migrate.ts';
import { expectDuplicateImageRefused, expectEveryModelRoundTrips } from '../helpers/schema-roundtrip.ts';
import { expectRunBatchesFromPerEventRows, PER_EVENT_PREDICTIONS_SQL, RUN_BATCHES_MIGRATION } from '../helpers/run-batches-upgrade.ts';
import { cpSync, readdirSync } from 'node:fs';
import { temporaryDir } from '../helpers/temp-dir.ts';

describe('metadata database', () => {
  let file: string;
  let db: Db;

  beforeAll(async () => {
    file = path.join(temporaryDir('astri-db-'), 'astri.db');
    db = await openDatabase(file);
  });
  afterAll(() => db.$disconnect());

  it('applies each migration once', () => {
    expect(applyMigrations(file).applied).toEqual([]);
  });

  it('has the indexes that make a random pick in an energy range an index scan', () => {
    const sqlite = new Database(file, { readonly: true });
    const plan = sqlite
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM "Event" WHERE datasetId = ? AND label = ? AND energyTeV >= ? AND energyTeV < ?`)
      .all(1, 'gamma', 1, 2) as { detail: string }[];
    sqlite.close();
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/USING (COVERING )?INDEX Event_datasetId_label_energyTeV_idx/);
  });

  it('writes and reads back every model of schema.prisma through the migrated tables', () => expectEveryModelRoundTrips(db));

  it('refuses a second event with the same image in one dataset', () => expectDuplicateImageRefused(db));
});

describe('upgrading a database of the gamma/proton release', () => {
  it('keeps every dataset, event, run and prediction, with classes and per-class scores', () => {
    const dir = temporaryDir('astri-upgrade-');
    const first = path.join(dir, 'migrations');
    const [init] = readdirSync(MIGRATIONS_DIR).sort();
    cpSync(path.join(MIGRATIONS_DIR, init), path.join(first, init), { recursive: true });
    const file = path.join(dir, 'old.db');
    applyMigrations(file, first);
    const old = new Database(file);
    old.exec(`INSERT INTO "Dataset" (id, name, rootDir, source) VALUES (1, 'demo', '/d', 'demo');
      INSERT INTO "Event" (id, datasetId, particle, energyTeV, imagePath, width, height, channels, contentHash) VALUES (5, 1, 'gamma', 2.5, 'g.png', 56, 56, 1, 'h');
      INSERT INTO "Model" (id, name, version, file, sha256, format, inputShape, classNames, outputKind, gammaClassIndex, pixelScale, parameterCount)
        VALUES (1, 'cnn', '1', '/m.h5', 's', 'keras-h5', '[56,56,1]', '["gamma"]', 'sigmoid', 0, 0.5, 10);
      INSERT INTO "PredictionRun" (id, modelId, energyBin, energyMinTeV, energyMaxTeV, eventsPerClass, samples, seed, status) VALUES ('r', 1, 1, 2, 5, 1, 0, 1, 'completed');
      INSERT INTO "Prediction" (runId, eventId, gammaness, batch) VALUES ('r', 5, 0.75, 0);
      INSERT INTO "CachedPrediction" (modelSha256, eventId, gammaness, outputs) VALUES ('s', 5, 0.75, '[0.75]');`);
    old.close();

    expect(applyMigrations(file).applied).toHaveLength(readdirSync(MIGRATIONS_DIR).length - 1);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT label, energyTeV FROM "Event"').get()).toEqual({ label: 'gamma', energyTeV: 2.5 });
    expect(db.prepare('SELECT classes, signalClass, state FROM "Dataset"').get()).toEqual({
      classes: '[{"name":"proton","color":null},{"name":"gamma","color":null}]',
      signalClass: 'gamma',
      state: 'ready',
    });
    const model = db.prepare('SELECT classNames, preprocessing FROM "Model"').get() as { classNames: string; preprocessing: string };
    expect(JSON.parse(model.classNames)).toEqual(['proton', 'gamma']);
    expect(JSON.parse(model.preprocessing)).toEqual({ colorMode: 'grayscale', scale: 0.5, offset: 0, mean: [], std: [] });
    expect(db.prepare('SELECT classes, classMapping FROM "PredictionRun"').get()).toEqual({ classes: '["proton","gamma"]', classMapping: '[0,1]' });
    expect(db.prepare('SELECT classIndex, batch, eventIds, energiesTeV, scores, errors FROM "RunBatch"').get()).toEqual({
      classIndex: 1,
      batch: 0,
      eventIds: '[5]',
      energiesTeV: '[2.5]',
      scores: '[[0.25,0.75]]',
      errors: '[null]',
    });
    expect(db.prepare('SELECT outputs FROM "CachedPrediction"').get()).toEqual({ outputs: '[0.75]' });
    db.close();
  });
});

describe('upgrading a database that stored one prediction per row', () => {
  it('moves the predictions into one row per batch, samples first, with energies and errors, and drops the old table', () => {
    const dir = temporaryDir('astri-upgrade-');
    const before = path.join(dir, 'migrations');
    for (const name of readdirSync(MIGRATIONS_DIR).filter((name) => name < RUN_BATCHES_MIGRATION)) cpSync(path.join(MIGRATIONS_DIR, name), path.join(before, name), { recursive: true });
    const file = path.join(dir, 'old.db');
    applyMigrations(file, before);
    const old = new Database(file);
    for (const statement of PER_EVENT_PREDICTIONS_SQL) old.exec(statement);
    old.close();

    expect(applyMigrations(file).applied).toContain(RUN_BATCHES_MIGRATION);
    const db = new Database(file, { readonly: true });
    expectRunBatchesFromPerEventRows(db.prepare('SELECT * FROM "RunBatch"').all() as Array<Record<string, unknown>>);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'Prediction'`).get()).toBeUndefined();
    db.close();
  });
});
