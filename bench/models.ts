// `npm run bench:models`: model load + compile time and throughput of InferenceEngine on each execution backend
// (TensorFlow.js wasm and cpu, ONNX Runtime), for a full-size MobileNetV2 (Teachable Machine's shape, random
// weights, written by scripts/graph-fixtures.py into a temporary folder) and the demo CNN. Prints a markdown
// table; docs/benchmarks.md quotes it by hand. Not part of the tests.
//
//   npm run bench:models [-- --seconds 5 --max-seconds 30 --threads 0 --backends wasm,cpu,onnxruntime --only mobilenet]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../server/config.ts';
import type { ColorMode } from '../server/domain/model.ts';
import { availableCores } from '../server/inference/runtime/backend-info.ts';
import { type BackendRequest } from '../server/inference/index.ts';
import { onnxLoadPhases, type Phase } from './load-phases.ts';
import { busyProcesses, gitCommit, machineFacts } from './machine.ts';
import { rawEngineThroughput, type RawThroughput } from './raw-model.ts';

const HELP = `npm run bench:models -- [options]

  --backends A,B        backends, each requested explicitly (default wasm,cpu,onnxruntime)
  --only NAME           mobilenet or demo (default both)
  --threads N           InferenceEngine threads (default 0: one worker per core for wasm/cpu, ONNX Runtime's intra-op threads)
  --seconds S           timed seconds per measurement, at least 3 batches (default 5)
  --max-seconds S       stop a slow measurement after S seconds of timed batches, at least one (default 30)
  --mobilenet-batch N   batch of MobileNetV2 (default 32: 16 per worker, the engine's smallest split)
  --mobilenet-cpu-batch N  batch of MobileNetV2 on the cpu backend (default 2: its kernels take seconds per image)
  --demo-batch N        batch of the demo CNN (default 256, config inference.batchSize)
  --demo-model FILE     default data/models/astri-demo-cnn.h5
  --no-phases           skip the step-by-step timing of the ONNX Runtime load (in this process, after the engines)
  --keep                keep the generated MobileNetV2 file (its path is printed)
`;

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'wasm,cpu,onnxruntime' },
    only: { type: 'string' },
    threads: { type: 'string', default: '0' },
    seconds: { type: 'string', default: '5' },
    'max-seconds': { type: 'string', default: '30' },
    'mobilenet-batch': { type: 'string', default: '32' },
    'mobilenet-cpu-batch': { type: 'string', default: '2' },
    'demo-batch': { type: 'string', default: '256' },
    'demo-model': { type: 'string' },
    'no-phases': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

/** The engine splits a batch across workers only in parts of at least this many images (engine.ts). */
const MIN_IMAGES_PER_WORKER = 16;

interface ModelCase {
  label: string;
  file: string;
  colorMode: ColorMode;
  batch: (backend: BackendRequest) => number;
  facts: string;
}

interface Row {
  model: string;
  backend: BackendRequest;
  batch: number;
  result: RawThroughput;
}

function say(line: string): void {
  process.stderr.write(`[bench:models] ${line}\n`);
}

function number(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${flag} must be a number >= ${min}, got ${value}`);
  return n;
}

/** Writes keras.applications.MobileNetV2(alpha 1.0, 224x224x3) with Teachable Machine's head, random weights. */
function writeMobileNetV2(file: string): { parameters: number; bytes: number } {
  const out = execFileSync('/usr/bin/python3', [path.join(PROJECT_ROOT, 'scripts', 'graph-fixtures.py'), '--mobilenet-v2', file, '--alpha', '1.0', '--size', '224', '--hidden', '100', '--classes', '2'], { encoding: 'utf8' });
  const facts = JSON.parse(out.trim().split('\n').pop()!) as { parameters: number; bytes: number };
  return facts;
}

/** What each worker receives of a batch of `batch` (the engine's split), so its warm-up runs the same shape. */
function perWorkerBatch(backend: BackendRequest, batch: number, threads: number): number {
  if (backend === 'onnxruntime') return batch;
  const shards = Math.max(1, Math.min(threads, Math.floor(batch / MIN_IMAGES_PER_WORKER)));
  return Math.ceil(batch / shards);
}

function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function sig(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return value >= 100 ? fmt(value, 0) : value >= 10 ? fmt(value, 1) : fmt(value, 2);
}

function renderPhases(phases: Array<{ model: string; phases: Phase[] }>): string {
  if (phases.length === 0) return '';
  const lines = [
    'Where the `onnxruntime` load time goes (the worker\'s steps timed one by one in the main thread; * = one batch timed, times 6, as the worker runs 6):',
    '',
    `| Step | ${phases.map((p) => p.model).join(' | ')} |`,
    `|---|${phases.map(() => '---:').join('|')}|`,
  ];
  phases[0].phases.forEach((phase, i) => {
    const step = phase.step.replace(/ \(\d+ batches of \d+\)$/, ' (6 × 128 images)').replace(/warm-up batch of \d+/, 'warm-up batch');
    lines.push(`| ${step} | ${phases.map((p) => (p.phases[i] ? `${fmt(p.phases[i].ms)} ms${p.phases[i].estimated ? '*' : ''}` : '—')).join(' | ')} |`);
  });
  lines.push(`| **sum** | ${phases.map((p) => `**${fmt(p.phases.reduce((a, b) => a + b.ms, 0))} ms**`).join(' | ')} |`);
  return lines.join('\n');
}

function renderTable(rows: Row[]): string {
  const lines = [
    '| Model | Backend (requested → serving) | Threads | Load + compile + warm-up to ready | First batch | Batch | Timed batches | ms per batch | ms per image | Images/s |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { model, backend, batch, result: r } of rows) {
    if (r.reason) {
      lines.push(`| ${model} | ${backend}: **could not start** — ${r.reason.replace(/\|/g, '\\|').replace(/\n/g, ' ')} | — | ${fmt(r.startMs)} ms (until the failure) | — | ${batch} | — | — | — | — |`);
      continue;
    }
    const serving = r.runtime.replace(/^astri /, '');
    lines.push(
      `| ${model} | ${backend} → ${serving} | ${r.threads} | ${fmt(r.startMs)} ms | ${fmt(r.firstBatchMs)} ms | ${batch} | ${r.batches} | ${fmt(r.msPerBatch)} | ${sig(r.msPerBatch === null ? null : r.msPerBatch / batch)} | ${sig(r.imagesPerSecond)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (args.help) {
    process.stdout.write(HELP);
    return;
  }
  const backends = args.backends.split(',').map((b) => b.trim()) as BackendRequest[];
  const threadsArg = number('threads', args.threads, 0);
  const threads = threadsArg > 0 ? threadsArg : availableCores();
  const minDurationMs = number('seconds', args.seconds, 0) * 1000;
  const maxDurationMs = number('max-seconds', args['max-seconds'], 0) * 1000;
  const mobilenetBatch = number('mobilenet-batch', args['mobilenet-batch'], 1);
  const mobilenetCpuBatch = number('mobilenet-cpu-batch', args['mobilenet-cpu-batch'], 1);
  const demoBatch = number('demo-batch', args['demo-batch'], 1);
  const demoModel = path.resolve(args['demo-model'] ?? path.join(PROJECT_ROOT, 'data', 'models', 'astri-demo-cnn.h5'));

  const machine = machineFacts();
  machine.busyProcesses = await busyProcesses();
  const startedAt = new Date();
  say(`machine: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadBefore.map((v) => v.toFixed(2)).join(' ')}`);

  const tmp = mkdtempSync(path.join(os.tmpdir(), 'astri-bench-models-'));
  const cases: ModelCase[] = [];
  try {
    if (!args.only || args.only === 'mobilenet') {
      const file = path.join(tmp, 'mobilenetv2_1.00_224_teachable.keras');
      const written = Date.now();
      const { parameters, bytes } = writeMobileNetV2(file);
      say(`wrote ${file} (${(bytes / 2 ** 20).toFixed(1)} MiB, ${parameters} parameters) in ${Date.now() - written} ms`);
      cases.push({
        label: 'MobileNetV2 1.0 224×224×3',
        file,
        colorMode: 'rgb',
        batch: (backend) => (backend === 'cpu' ? mobilenetCpuBatch : mobilenetBatch),
        facts: `keras.applications.MobileNetV2 (alpha 1.0, 224×224×3, no top) > GlobalAveragePooling2D > Dense(100, relu) > Dense(2, softmax), nested as Teachable Machine saves it; random weights; ${parameters.toLocaleString('en-US')} parameters (Keras counts BatchNormalization statistics too); ${(bytes / 2 ** 20).toFixed(1)} MiB .keras written by \`scripts/graph-fixtures.py --mobilenet-v2\``,
      });
    }
    if (!args.only || args.only === 'demo') {
      if (!existsSync(demoModel)) throw new Error(`${demoModel} does not exist (node bin/astri.js model train-demo)`);
      cases.push({
        label: 'demo CNN 56×56×1',
        file: demoModel,
        colorMode: 'grayscale',
        batch: () => demoBatch,
        facts: `\`${path.relative(PROJECT_ROOT, demoModel)}\` (${(statSync(demoModel).size / 2 ** 10).toFixed(0)} KiB .h5)`,
      });
    }

    const rows: Row[] = [];
    for (const model of cases) {
      for (const backend of backends) {
        const batch = model.batch(backend);
        say(`${model.label} on ${backend}: batch ${batch}, load average ${os.loadavg()[0].toFixed(2)}`);
        const result = await rawEngineThroughput(backend, {
          modelFile: model.file,
          batch,
          minDurationMs,
          maxDurationMs,
          minBatches: 3,
          extraWarmupBatches: 0,
          pixelScale: 1 / 255,
          threads: threadsArg,
          colorMode: model.colorMode,
          warmupBatchSizes: [perWorkerBatch(backend, batch, threads)],
        });
        say(
          result.reason
            ? `  could not start after ${fmt(result.startMs)} ms: ${result.reason}`
            : `  ${result.runtime} ready in ${fmt(result.startMs)} ms, first batch ${fmt(result.firstBatchMs)} ms, ${sig(result.imagesPerSecond)} images/s (${fmt(result.msPerBatch)} ms per batch of ${batch}, ${result.batches} batches)`,
        );
        rows.push({ model: model.label, backend, batch, result });
      }
    }

    const phases: Array<{ model: string; phases: Phase[] }> = [];
    if (!args['no-phases'] && backends.includes('onnxruntime')) {
      for (const model of cases) {
        const batch = model.batch('onnxruntime');
        say(`${model.label}: the onnxruntime load step by step, load average ${os.loadavg()[0].toFixed(2)}`);
        try {
          const steps = await onnxLoadPhases(model.file, { threads: threadsArg, preprocessing: { colorMode: model.colorMode, scale: 1 / 255, offset: 0, mean: [], std: [] }, warmupBatch: batch });
          for (const step of steps) say(`  ${step.step}: ${fmt(step.ms)} ms${step.estimated ? ' (estimated)' : ''}`);
          phases.push({ model: model.label, phases: steps });
        } catch (error) {
          say(`  failed: ${(error as Error).name}: ${(error as Error).message}`);
        }
      }
    }

    const loadAfter = os.loadavg();
    const out = [
      `Run ${startedAt.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, commit ${gitCommit() ?? 'unknown'} (plus uncommitted changes), \`npm run bench:models${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\``,
      '',
      `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB RAM, Linux ${machine.kernel}, Node ${machine.node}`,
      `- Load average (1/5/15 min) before: ${machine.loadBefore.map((v) => v.toFixed(2)).join(' / ')}, after: ${loadAfter.map((v) => v.toFixed(2)).join(' / ')} — shared machine${machine.busyProcesses.length ? `; other busy processes at the start: ${machine.busyProcesses.join('; ')}` : ''}`,
      `- Engine threads: ${threadsArg === 0 ? `0 (one per core: ${threads})` : threads}; each engine warms up with the batch each worker will receive; timed batches: at least ${minDurationMs / 1000} s and 3 batches, stopped after ${maxDurationMs / 1000} s`,
      ...cases.map((c) => `- ${c.label}: ${c.facts}`),
      '',
      renderTable(rows),
      '',
      ...rows.filter((r) => r.result.device).map((r) => `- ${r.model}, ${r.result.runtime.replace(/^astri /, '')}: ${r.result.device}`),
      '',
      ...(phases.length ? [renderPhases(phases), ''] : []),
    ].join('\n');
    process.stdout.write(out);
  } finally {
    if (args.keep) say(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench:models: ${error.name}: ${error.message}\n`);
  if (process.env.ASTRI_DEBUG) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
