// Dataset upload ingest, end to end: a zip of N demo-camera PNGs (56x56 gray, two class folders) is sent
// to `astri serve` through the real HTTP API (uploadDataset, multipart), then followed over graphql-ws until
// READY. Prints images per second and the server's peak memory during the upload.
//
//   npm run bench:ingest                      # 10,000 images
//   npm run bench:ingest -- --images 2000 --keep
//   npm run bench:ingest -- --no-model        # a server without a model: the ingest's own footprint
import { createWriteStream, mkdtempSync, openAsBlob, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { encode } from 'fast-png';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import yazl from 'yazl';
import { PROJECT_ROOT } from '../server/config.ts';
import { generateBatch } from '../server/data/demo/index.ts';
import { currentRssMiB, watchMemory } from './memory.ts';
import { startProcess } from './processes.ts';

const { values: flags } = parseArgs({ options: { images: { type: 'string', default: '10000' }, keep: { type: 'boolean', default: false }, 'no-model': { type: 'boolean', default: false } } });
const imageCount = Number(flags.images);
const TARGET_PEAK_MB = 500;

interface Progress {
  phase: string;
  state: string;
  filesDone: number;
  filesTotal: number | null;
  error: string | null;
}

async function buildZip(file: string, count: number): Promise<void> {
  const zip = new yazl.ZipFile();
  const written = pipeline(zip.outputStream, createWriteStream(file));
  const chunk = 500;
  for (let first = 0; first < count; first += chunk) {
    const n = Math.min(chunk, count - first);
    const batch = generateBatch({ seed: 1000 + first, count: n, minTeV: 1, maxTeV: 100 });
    for (let k = 0; k < n; k++) {
      const label = (first + k) % 2 === 0 ? 'gamma' : 'proton';
      const png = encode({ width: 56, height: 56, channels: 1, depth: 8, data: batch.pixels.subarray(k * 3136, (k + 1) * 3136) });
      // PNGs are compressed already: stored, as most zip tools do for them.
      zip.addBuffer(Buffer.from(png), `${label}/${String(first + k).padStart(6, '0')}.png`, { compress: false });
    }
  }
  zip.end();
  await written;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'astri-bench-ingest-'));
  const zipFile = path.join(work, `camera-${imageCount}.zip`);
  const t0 = performance.now();
  await buildZip(zipFile, imageCount);
  const zipBytes = statSync(zipFile).size;
  process.stderr.write(`bench: built ${zipFile} (${imageCount} images, ${(zipBytes / 1024 ** 2).toFixed(1)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  const stateDir = path.join(work, 'state');
  const server = startProcess('astri serve', process.execPath, [path.join(PROJECT_ROOT, 'bin', 'astri.js'), 'serve', '--port', '0'], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      ASTRI_DATA__DIR: stateDir,
      ASTRI_DATA__DATABASE: path.join(stateDir, 'astri.db'),
      ASTRI_DATA__INFERENCE_DIR: path.join(stateDir, 'inference'),
      ASTRI_DATA__PIXEL_STORE: path.join(stateDir, 'pixels'),
      ASTRI_DEMO__AUTO_GENERATE: 'false',
      ASTRI_LOG__LEVEL: 'warn',
      ASTRI_SERVER__MAX_UPLOAD_BYTES: String(Math.max(zipBytes * 2, 100 * 1024 ** 2)),
      // No model file: the server serves the API (uploads included) but never loads a model.
      ...(flags['no-model'] ? { ASTRI_INFERENCE__MODEL: path.join(work, 'no-model.h5') } : {}),
    },
  });
  try {
    const [, url] = await server.waitForLine(/^listening on (http:\/\/\S+)/, 180_000);
    if (!flags['no-model']) await server.waitForLine(/^ready: /, 180_000);
    else await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleRssMiB = currentRssMiB(server.pid);
    const ws = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });

    const memory = watchMemory([server.pid]);
    const started = performance.now();
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: 'mutation($file: File!) { uploadDataset(file: $file, name: "bench") { id state } }', variables: { file: null } }));
    form.set('map', JSON.stringify({ 0: ['variables.file'] }));
    form.set('0', await openAsBlob(zipFile), path.basename(zipFile));
    const answer = (await (await fetch(`${url}/graphql`, { method: 'POST', body: form })).json()) as { data?: { uploadDataset: { id: string } }; errors?: unknown };
    if (!answer.data) throw new Error(`uploadDataset failed: ${JSON.stringify(answer.errors)}`);
    const answeredMs = performance.now() - started;
    const phaseStarts = new Map<string, number>();
    // Where the memory goes: the server's RSS at each progress message, the largest per phase.
    const rssByPhase = new Map<string, number>([['receiving', currentRssMiB(server.pid) ?? 0]]);
    const final = await new Promise<Progress>((resolve, reject) => {
      let last: Progress | null = null;
      ws.subscribe<{ datasetIngestProgress: Progress }>(
        { query: 'subscription($id: ID!) { datasetIngestProgress(datasetId: $id) { phase state filesDone filesTotal error } }', variables: { id: answer.data!.uploadDataset.id } },
        {
          next: ({ data }) => {
            last = data!.datasetIngestProgress;
            if (!phaseStarts.has(last.phase)) phaseStarts.set(last.phase, performance.now() - started);
            rssByPhase.set(last.phase, Math.max(rssByPhase.get(last.phase) ?? 0, currentRssMiB(server.pid) ?? 0));
          },
          error: reject,
          complete: () => (last ? resolve(last) : reject(new Error('no progress message'))),
        },
      );
    });
    const totalMs = performance.now() - started;
    const peak = memory();
    await ws.dispose();
    if (final.state !== 'READY') throw new Error(`ingest ended ${final.state}: ${final.error}`);

    const phases = ['unpacking', 'converting', 'registering', 'done'].map((phase) => `${phase} at ${((phaseStarts.get(phase) ?? NaN) / 1000).toFixed(2)} s`).join(', ');
    const peakMiB = peak.vmHwmMiB ?? peak.sampledPeakRssMiB ?? NaN;
    const peakMB = (peakMiB * 1024 ** 2) / 1e6;
    const lines = [
      `images                     ${imageCount} (56x56 gray PNG, 2 classes), zip ${(zipBytes / 1024 ** 2).toFixed(1)} MiB${flags['no-model'] ? '; server without a model' : ''}`,
      `upload answered (INGESTING) ${(answeredMs / 1000).toFixed(2)} s (request sent, received to disk, hashed)`,
      `READY after                ${(totalMs / 1000).toFixed(2)} s  (${phases})`,
      `images per second          ${Math.round((imageCount * 1000) / totalMs)} end to end`,
      `server RSS idle            ${idleRssMiB?.toFixed(0) ?? '?'} MiB`,
      `server peak RSS            ${peakMiB.toFixed(0)} MiB = ${peakMB.toFixed(0)} MB (VmHWM${peak.hwmReset ? ', reset before the upload' : ''}; sampled ${peak.sampledPeakRssMiB?.toFixed(0) ?? '?'} MiB)`,
      `RSS seen per phase         ${[...rssByPhase].map(([phase, mib]) => `${phase} ${mib.toFixed(0)}`).join(', ')} MiB`,
      `target                     peak < ${TARGET_PEAK_MB} MB: ${peakMB < TARGET_PEAK_MB ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await server.stop();
    if (!flags.keep) rmSync(work, { recursive: true, force: true });
    else process.stderr.write(`bench: kept ${work}\n`);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench: ${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
