// Ingest from object storage against ingest from a local folder, for the same N demo-camera PNGs (56x56 gray,
// two class folders): a real S3 server (s3rver, its own process) on loopback, the real SDK, the service's own
// pipeline (DatasetUploads.startFromBucket, as registerDataset and `astri ingest s3://...` use it) at several
// read concurrencies, and `astri ingest FOLDER`'s in-place registration. Each run starts on a fresh data folder.
//
//   npm run bench:ingest-s3                         # 10,000 images, concurrency 4, 16, 64
//   npm run bench:ingest-s3 -- --images 2000 --concurrency 16
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadConfig } from '../server/config.ts';
import { DatasetCatalog } from '../server/data/dataset-catalog.ts';
import { openDatabase } from '../server/data/db.ts';
import { writeCameraFolder } from './camera-folder.ts';
import { ingestDataset } from '../server/data/ingest.ts';
import { DatasetUploads } from '../server/uploads/dataset-uploads.ts';
import { S3_CREDENTIALS, startS3Server } from '../test/helpers/s3-server.ts';

const { values: flags } = parseArgs({ options: { images: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '4,16,64' } } });
const imageCount = Number(flags.images);
const concurrencies = flags.concurrency.split(',').map(Number);


function freshConfig(work: string, name: string, concurrency = 16) {
  const dir = path.join(work, name);
  return loadConfig({
    env: {},
    overrides: {
      data: { dir, database: path.join(dir, 'astri.db'), inferenceDir: path.join(dir, 'inference'), pixelStore: path.join(dir, 'pixels') },
      storage: { endpoint: null, concurrency },
      log: { level: 'silent' },
    },
  });
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'astri-bench-s3-'));
  const folder = path.join(work, 'camera');
  writeCameraFolder(folder, imageCount);
  const s3 = await startS3Server(path.join(work, 's3'));
  Object.assign(process.env, { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey });
  try {
    await s3.createBucket('bench');
    const putStart = performance.now();
    await s3.putFolder('bench', 'camera', folder);
    process.stderr.write(`bench: ${imageCount} PNGs put in s3://bench/camera/ in ${((performance.now() - putStart) / 1000).toFixed(1)} s\n`);
    const rows: string[] = [];

    {
      const config = freshConfig(work, 'folder');
      const db = await openDatabase(config.data.database);
      const start = performance.now();
      const report = await ingestDataset(db, { classFolders: [{ label: 'gamma', dir: path.join(folder, 'gamma') }, { label: 'proton', dir: path.join(folder, 'proton') }], energyEdgesTeV: [1, 10, 100] });
      const seconds = (performance.now() - start) / 1000;
      rows.push(`| local folder (\`astri ingest DIR\`, registered in place) | - | ${report.registered} | ${seconds.toFixed(1)} | ${Math.round(report.registered / seconds)} |`);
      await db.$disconnect();
    }
    for (const concurrency of concurrencies) {
      const config = freshConfig(work, `s3-${concurrency}`, concurrency);
      const db = await openDatabase(config.data.database);
      const uploads = new DatasetUploads(db, new DatasetCatalog(db), config);
      const start = performance.now();
      const started = await uploads.startFromBucket('s3://bench/camera');
      const dataset = await uploads.finished(started.id);
      const seconds = (performance.now() - start) / 1000;
      if (dataset.state !== 'ready') throw new Error(`the bucket ingest ended ${dataset.state}: ${dataset.error}`);
      rows.push(`| loopback S3 (\`registerDataset\`, decoded into the pixel store) | ${concurrency} | ${dataset.eventCount} | ${seconds.toFixed(1)} | ${Math.round(dataset.eventCount / seconds)} |`);
      await db.$disconnect();
    }
    process.stdout.write(['| source | concurrency | images | seconds | images/s |', '|---|---:|---:|---:|---:|', ...rows].join('\n') + '\n');
  } finally {
    await s3.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
