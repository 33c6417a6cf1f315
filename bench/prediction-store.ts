// `npm run bench:store`: what storing and reading back a run's predictions costs the server's main thread, on a
// fresh SQLite database: N events per class of two classes in batches of 256, stored as the server stores a
// finished run (one row per batch) and loaded as a metrics query or a replay after a restart loads it.
//
//   npm run bench:store                          # 2000 events per class, 10 repetitions
//   npm run bench:store -- --events 20000 --repeats 5
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../server/data/db.ts';
import { registerEvents } from '../server/data/datasets.ts';
import { createRun, insertRunBatches, loadRunBatches, type StoredBatch } from '../server/data/prediction-store.ts';
import { median } from './stats.ts';

const { values: flags } = parseArgs({ options: { events: { type: 'string', default: '2000' }, repeats: { type: 'string', default: '10' } } });
const perClass = Number(flags.events);
const repeats = Number(flags.repeats);
const BATCH = 256;
const CLASSES = ['proton', 'gamma'];

const work = mkdtempSync(path.join(tmpdir(), 'astri-bench-store-'));
try {
  const db = await openDatabase(path.join(work, 'astri.db'));
  const records = CLASSES.flatMap((label) =>
    Array.from({ length: perClass }, (_, i) => ({ imagePath: `${label}/${i}.png`, label, energyTeV: 1 + (i % 97) * 0.731, width: 56, height: 56, channels: 1, contentHash: `${label}-${i}` })),
  );
  const { datasetId } = await registerEvents(db, { name: 'store', rootDir: work, source: 'ingest', classes: CLASSES.map((name) => ({ name, color: null })), signalClass: 'gamma', energyEdgesTeV: null }, records);
  const model = await db.model.create({
    data: { name: 'bench', version: '1', file: '/m.h5', sha256: 'b'.repeat(64), format: 'keras-h5', inputShape: '[56,56,1]', classNames: JSON.stringify(CLASSES), outputKind: 'sigmoid', preprocessing: '{}', parameterCount: 1 },
  });
  const events = await db.event.findMany({ where: { datasetId }, orderBy: { id: 'asc' }, select: { id: true, label: true, energyTeV: true } });
  const batches: StoredBatch[] = CLASSES.flatMap((label, classIndex) => {
    const ofClass = events.filter((event) => event.label === label);
    return Array.from({ length: Math.ceil(ofClass.length / BATCH) }, (_, index) => ({
      classIndex,
      index,
      events: ofClass.slice(index * BATCH, (index + 1) * BATCH).map((event) => {
        const gammaness = Math.random();
        return { eventId: event.id, classIndex, energyTeV: event.energyTeV, scores: Float32Array.of(1 - gammaness, gammaness), error: null };
      }),
    }));
  });

  const store: number[] = [];
  const load: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const run = await createRun(db, { id: `run-${repeat}`, modelId: model.id, datasetId, classes: { names: CLASSES, signalClass: 'gamma' }, classMapping: [0, 1], energyBins: [], eventsPerClass: perClass, samples: 0, seed: 1, status: 'running', owner: null });
    let started = performance.now();
    await insertRunBatches(db, run.id, batches);
    store.push(performance.now() - started);
    started = performance.now();
    const back = await loadRunBatches(db, run.id);
    load.push(performance.now() - started);
    if (back.reduce((sum, batch) => sum + batch.events.length, 0) !== events.length) throw new Error('a stored run did not read back whole');
  }
  await db.$disconnect();
  const summary = (values: number[]) => `median ${median(values).toFixed(1)} ms (min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)})`;
  console.log(`${cpus().length} cores, load ${loadavg().map((value) => value.toFixed(2)).join(' ')}; ${events.length} predictions in ${batches.length} batches, ${repeats} runs`);
  console.log(`| store a finished run | ${summary(store)} |`);
  console.log(`| load it back | ${summary(load)} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
