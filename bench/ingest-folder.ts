// `npm run bench:ingest-folder`: registering a local folder of PNGs, every image read, hashed and decoded once
// (what `astri ingest DIR` does; the images stay where they are). Writes N demo-camera PNGs (56x56 gray, two
// class folders), then times the ingest in this process a few times, each on a fresh SQLite database (the first
// pays for V8 warming up the decoder), and `astri ingest DIR` once as a user runs it (a new process, start-up
// included).
//
//   npm run bench:ingest-folder                     # 10,000 images, 3 in-process repetitions
//   npm run bench:ingest-folder -- --images 20000 --repeats 5
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../server/config.ts';
import { openDatabase } from '../server/data/db.ts';
import { writeCameraFolder } from './camera-folder.ts';
import { ingestDataset } from '../server/data/ingest.ts';

const { values: flags } = parseArgs({ options: { images: { type: 'string', default: '10000' }, repeats: { type: 'string', default: '3' } } });
const imageCount = Number(flags.images);
const repeats = Number(flags.repeats);


const work = mkdtempSync(path.join(tmpdir(), 'astri-bench-folder-'));
try {
  const folder = path.join(work, 'camera');
  writeCameraFolder(folder, imageCount);
  const rows: string[] = [];
  for (let repeat = 1; repeat <= repeats; repeat++) {
    const db = await openDatabase(path.join(work, `in-process-${repeat}.db`));
    const started = performance.now();
    const report = await ingestDataset(db, { classFolders: [{ label: 'gamma', dir: path.join(folder, 'gamma') }, { label: 'proton', dir: path.join(folder, 'proton') }], energyEdgesTeV: [] });
    const seconds = (performance.now() - started) / 1000;
    await db.$disconnect();
    rows.push(`| in this process, repetition ${repeat} | ${report.registered} | ${seconds.toFixed(2)} | ${Math.round(report.registered / seconds)} |`);
  }
  const started = performance.now();
  execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'astri.js'), 'ingest', folder, '--dataset', 'camera'], {
    env: { ...process.env, ASTRI_DATA__DATABASE: path.join(work, 'cli.db'), ASTRI_LOG__LEVEL: 'warn' },
    stdio: 'ignore',
  });
  const seconds = (performance.now() - started) / 1000;
  rows.push(`| \`astri ingest DIR\` (a new process, start-up included) | ${imageCount} | ${seconds.toFixed(2)} | ${Math.round(imageCount / seconds)} |`);
  process.stdout.write(`\nnpm run bench:ingest-folder -- --images ${imageCount} --repeats ${repeats}   (${cpus().length} cores, load average ${loadavg()[0].toFixed(1)})\n\n`);
  process.stdout.write('| ingest of a local folder (read, hash, decode every PNG; register) | images | seconds | images/s |\n|---|---:|---:|---:|\n');
  process.stdout.write(`${rows.join('\n')}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
