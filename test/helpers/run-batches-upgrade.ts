// What the SQLite and the PostgreSQL upgrade tests check alike: predictions stored one row per event (before
// migration 20261203190000_run_batches) come out one row per batch, each class in its run's class order, the
// sample events first in their batch (the samples are the first events of a class), energies and errors kept.
import { expect } from 'vitest';

export const RUN_BATCHES_MIGRATION = '20261203190000_run_batches';

/** Rows of the schema just before the migration; TRUE/FALSE and NULL read the same in both dialects. */
export const PER_EVENT_PREDICTIONS_SQL = [
  `INSERT INTO "Dataset" ("id", "name", "rootDir", "source") VALUES (1, 'demo', '/d', 'demo')`,
  ...[
    [10, 'gamma', 2.5],
    [11, 'gamma', 3.25],
    [12, 'proton', null],
    [13, 'gamma', 4.0000000000000036],
  ].map(([id, label, energy]) => `INSERT INTO "Event" ("id", "datasetId", "label", "energyTeV", "imagePath", "width", "height", "channels", "contentHash") VALUES (${id}, 1, '${label}', ${energy ?? 'NULL'}, '${id}.png', 56, 56, 1, 'h')`),
  `INSERT INTO "Model" ("id", "name", "version", "file", "sha256", "format", "inputShape", "classNames", "outputKind", "preprocessing", "parameterCount") VALUES (1, 'cnn', '1', '/m.h5', 's', 'keras-h5', '[56,56,1]', '["proton","gamma"]', 'sigmoid', '{}', 10)`,
  `INSERT INTO "PredictionRun" ("id", "modelId", "datasetId", "classes", "classMapping", "eventsPerClass", "samples", "seed", "status") VALUES ('r', 1, 1, '["proton","gamma"]', '[0,1]', 1, 1, 1, 'completed')`,
  `INSERT INTO "Prediction" ("runId", "eventId", "scores", "error", "isSample", "batch") VALUES
     ('r', 10, '[0.25,0.75]', NULL, FALSE, 0), ('r', 11, '[0.5,0.5]', NULL, TRUE, 0), ('r', 12, NULL, 'not a PNG', TRUE, 0), ('r', 13, '[0.125,0.875]', NULL, FALSE, 1)`,
];

export function expectRunBatchesFromPerEventRows(rows: ReadonlyArray<Record<string, unknown>>): void {
  const parsed = rows.map((row) => ({
    classIndex: Number(row.classIndex),
    batch: Number(row.batch),
    eventIds: JSON.parse(String(row.eventIds)),
    energiesTeV: JSON.parse(String(row.energiesTeV)),
    scores: JSON.parse(String(row.scores)),
    errors: JSON.parse(String(row.errors)),
  }));
  expect(parsed.sort((a, b) => a.classIndex - b.classIndex || a.batch - b.batch)).toEqual([
    { classIndex: 0, batch: 0, eventIds: [12], energiesTeV: [null], scores: [null], errors: ['not a PNG'] },
    { classIndex: 1, batch: 0, eventIds: [11, 10], energiesTeV: [3.25, 2.5], scores: [[0.5, 0.5], [0.25, 0.75]], errors: [null, null] },
    { classIndex: 1, batch: 1, eventIds: [13], energiesTeV: [4.0000000000000036], scores: [[0.125, 0.875]], errors: [null] },
  ]);
}
