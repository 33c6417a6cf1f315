// The demo mode's backend (?demo=sample): replays data/sample_predictions.json as if a server were
// scoring it batch by batch, so the page can be developed and shown without a server or a model.
import { computeMetrics } from '../../server/metrics/index.ts';
import { DashboardError } from '../state/errors.ts';
import type { DashboardSource, ProgressObserver } from '../state/source.ts';
import type { Catalog, ClassCounts, Particle, RunProgress, RunRequest, RunResult, RunStatus, SampleEvent, ScoredEvent } from '../types.ts';
import { syntheticCameraImage } from './synthetic-image.ts';
import { createRng } from '../../server/random/rng.ts';

/** data/sample_predictions.json, written by `astri` from a real run. */
export interface SamplePredictionsFile {
  energyBin: { index: number; minTeV: number; maxTeV: number; label: string };
  model: { name: string; version?: string };
  gamma: { eventId: string | number; energyTeV: number; gammaness: number }[];
  proton: { eventId: string | number; energyTeV: number; gammaness: number }[];
}

// A glob rather than an import: the build still succeeds (and the demo says why it cannot run) when
// the file is absent, and the data is a separate chunk that only the demo mode downloads.
const SAMPLE_FILES = import.meta.glob<SamplePredictionsFile>('../../data/sample_predictions.json', { import: 'default' });

export async function loadSamplePredictions(): Promise<SamplePredictionsFile> {
  const load = Object.values(SAMPLE_FILES)[0];
  if (!load) {
    throw new DashboardError(
      'the demo needs data/sample_predictions.json, which was not present when the page was built; create it and rebuild (npm run build:client)',
      'NOT_FOUND',
    );
  }
  return load();
}

const BATCH_SIZE = 64;
const BATCH_INTERVAL_MS = 45;
const DEMO_LIMITS = { minEventsPerClass: 1, maxEventsPerClass: 2000, maxSamples: 10, dashboardMinEventsPerClass: 100, dashboardMaxEventsPerClass: 2000 };

interface DemoRun {
  runId: string;
  request: RunRequest;
  events: { GAMMA: ScoredEvent[]; PROTON: ScoredEvent[] };
  samples: SampleEvent[];
  history: RunProgress[];
  status: RunStatus;
  startedAt: number;
  listeners: Set<ProgressObserver>;
  timer: ReturnType<typeof setTimeout> | null;
}

export class DemoSource implements DashboardSource {
  readonly kind = 'demo' as const;
  private readonly runs = new Map<string, DemoRun>();
  private nextRunNumber = 1;

  constructor(private readonly load: () => Promise<SamplePredictionsFile> = loadSamplePredictions) {}

  async loadCatalog(): Promise<Catalog> {
    const file = await this.load();
    return {
      bins: [{ ...file.energyBin, gammaCount: file.gamma.length, protonCount: file.proton.length }],
      models: [{ id: 'sample', name: file.model.name, version: file.model.version ?? 'sample', format: 'recorded', active: true }],
      server: {
        version: 'demo',
        backendName: 'recorded predictions',
        device: 'no server',
        batchSize: BATCH_SIZE,
        limits: { ...DEMO_LIMITS, dashboardMaxEventsPerClass: Math.min(file.gamma.length, file.proton.length) },
        defaultThreshold: 0.9,
      },
    };
  }

  async startRun(request: RunRequest): Promise<{ runId: string }> {
    const file = await this.load();
    if (request.energyBin !== file.energyBin.index) {
      throw new DashboardError(`the demo holds energy bin ${file.energyBin.index} (${file.energyBin.label}) only`, 'BAD_USER_INPUT', 'energyBin');
    }
    const available = Math.min(file.gamma.length, file.proton.length);
    if (request.eventsPerClass > available) {
      throw new DashboardError(
        `energy bin ${file.energyBin.index} (${file.energyBin.label}) holds only ${available} events per class in the demo data; choose at most ${available}`,
        'BAD_USER_INPUT',
        'eventsPerClass',
      );
    }
    if (request.samples < 0 || request.samples > DEMO_LIMITS.maxSamples) {
      throw new DashboardError(`samples must be between 0 and ${DEMO_LIMITS.maxSamples}`, 'BAD_USER_INPUT', 'samples');
    }
    const runId = `demo-${this.nextRunNumber++}`;
    const rng = createRng(this.nextRunNumber * 7919);
    const random = () => rng.uniform();
    const pick = (rows: SamplePredictionsFile['gamma'], particle: Particle): ScoredEvent[] =>
      shuffle(rows.slice(), random)
        .slice(0, request.eventsPerClass)
        .map((row) => ({ eventId: String(row.eventId), particle, energyTeV: row.energyTeV, gammaness: row.gammaness, error: null }));
    const events = { GAMMA: pick(file.gamma, 'GAMMA'), PROTON: pick(file.proton, 'PROTON') };
    const samples = (['GAMMA', 'PROTON'] as const).flatMap((particle) =>
      events[particle].slice(0, request.samples).map((event) => ({
        eventId: event.eventId,
        particle,
        energyTeV: event.energyTeV,
        imageUrl: syntheticCameraImage(event.eventId, particle, event.energyTeV),
        width: 56,
        height: 56,
        gammaness: event.gammaness,
      })),
    );
    const run: DemoRun = {
      runId,
      request,
      events,
      samples,
      history: [],
      status: 'RUNNING',
      startedAt: performance.now(),
      listeners: new Set(),
      timer: null,
    };
    this.runs.set(runId, run);
    this.scheduleBatches(run);
    return { runId };
  }

  watchRun(runId: string, observer: ProgressObserver): () => void {
    const run = this.runs.get(runId);
    if (!run) {
      queueMicrotask(() => observer.error(new DashboardError(`run ${runId} does not exist`, 'NOT_FOUND')));
      return () => {};
    }
    // Like the server: a late subscriber receives the history first.
    for (const message of run.history) observer.next(message);
    if (run.status === 'RUNNING') run.listeners.add(observer);
    else observer.complete();
    return () => run.listeners.delete(observer);
  }

  async cancelRun(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run || run.status !== 'RUNNING') return;
    if (run.timer) clearTimeout(run.timer);
    this.finish(run, 'CANCELLED', doneCounts(run.history));
  }

  async loadRun(runId: string): Promise<RunResult> {
    const run = this.runs.get(runId);
    if (!run) throw new DashboardError(`run ${runId} does not exist in this demo session`, 'NOT_FOUND');
    const scored = run.history.flatMap((message) => message.batch?.events ?? []);
    const finished = run.history.find((message) => message.kind === 'FINISHED');
    return {
      runId,
      status: run.status,
      request: run.request,
      predictions: scored,
      samples: run.samples.filter((sample) => scored.some((event) => event.eventId === sample.eventId)),
      serverMetrics: finished?.metrics ?? null,
      error: null,
    };
  }

  /** Alternates gamma and proton batches, as the server's two concurrent queues would deliver them. */
  private scheduleBatches(run: DemoRun): void {
    const queue: { particle: Particle; index: number; events: ScoredEvent[] }[] = [];
    const batchCount = Math.ceil(run.request.eventsPerClass / BATCH_SIZE);
    for (let index = 0; index < batchCount; index += 1) {
      for (const particle of ['GAMMA', 'PROTON'] as const) {
        queue.push({ particle, index, events: run.events[particle].slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE) });
      }
    }
    const done: ClassCounts = { gamma: 0, proton: 0 };
    const step = () => {
      const batch = queue.shift();
      if (!batch) {
        this.finish(run, 'COMPLETED', done);
        return;
      }
      done[batch.particle === 'GAMMA' ? 'gamma' : 'proton'] += batch.events.length;
      this.emit(run, {
        kind: 'BATCH',
        status: 'RUNNING',
        batch: { ...batch, inferenceMs: BATCH_INTERVAL_MS * 0.8 },
        done: { ...done },
        metrics: null,
      });
      run.timer = setTimeout(step, BATCH_INTERVAL_MS);
    };
    run.timer = setTimeout(step, BATCH_INTERVAL_MS);
  }

  private finish(run: DemoRun, status: RunStatus, done: ClassCounts): void {
    run.status = status;
    run.timer = null;
    const scored = run.history.flatMap((message) => message.batch?.events ?? []);
    const gamma = scored.filter((e) => e.particle === 'GAMMA').map((e) => e.gammaness ?? 0);
    const proton = scored.filter((e) => e.particle === 'PROTON').map((e) => e.gammaness ?? 0);
    const metrics = computeMetrics({ gamma, proton }, { threshold: 0.9 });
    this.emit(run, {
      kind: 'FINISHED',
      status,
      batch: null,
      done: { ...done },
      metrics: { auc: metrics.rocAuc, averagePrecision: metrics.averagePrecision },
    });
    for (const listener of run.listeners) listener.complete();
    run.listeners.clear();
  }

  private emit(run: DemoRun, message: Pick<RunProgress, 'kind' | 'status' | 'batch' | 'done' | 'metrics'>): void {
    const elapsedMs = performance.now() - run.startedAt;
    const full: RunProgress = {
      ...message,
      runId: run.runId,
      sequence: run.history.length,
      total: { gamma: run.events.GAMMA.length, proton: run.events.PROTON.length },
      failed: { gamma: 0, proton: 0 },
      elapsedMs,
      imagesPerSecond: elapsedMs > 0 ? ((message.done.gamma + message.done.proton) * 1000) / elapsedMs : 0,
      error: null,
    };
    run.history.push(full);
    for (const listener of run.listeners) listener.next(full);
  }
}

function doneCounts(history: RunProgress[]): ClassCounts {
  const last = history[history.length - 1];
  return last ? { ...last.done } : { gamma: 0, proton: 0 };
}


function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
