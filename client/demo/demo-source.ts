// The demo mode's backend (?demo=sample): replays data/sample_predictions.json (the binary ASTRI case)
// and a seeded synthetic 4-class RGB dataset as if a server were scoring them batch by batch, so the page
// can be developed and shown without a server or a model. Uploads are simulated (demo-uploads.ts): an
// uploaded archive becomes a copy of the shapes dataset, an uploaded model predicts the classes it names.
import { computeMetrics } from '../../server/metrics/index.ts';
import { createRng } from '../../server/random/rng.ts';
import { classMappingFor } from '../state/class-mapping.ts';
import { computeClassification } from '../state/classification.ts';
import { DashboardError } from '../state/errors.ts';
import { RunScores } from '../state/run-scores.ts';
import type { DashboardSource, ProgressObserver, StreamObserver } from '../state/source.ts';
import type {
  Catalog,
  ClassCount,
  DatasetDetail,
  DatasetSummary,
  DatasetUploadOptions,
  IngestProgress,
  ModelSummary,
  ModelUploadOptions,
  RunProgress,
  RunRequest,
  RunResult,
  RunStatus,
  SampleEvent,
  ScoredEvent,
  TransferProgress,
} from '../types.ts';
import { DemoIngests, simulateSending } from './demo-uploads.ts';
import { syntheticCameraImage, syntheticShapeImage } from './synthetic-image.ts';

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

const ASTRI_DATASET_ID = 'sample';
const MULTICLASS_DATASET_ID = 'shapes';
/** The synthetic N-class dataset: four shapes in random colours, 32x32 RGB. */
const MULTICLASS_CLASSES = ['disc', 'ring', 'bar', 'cross'] as const;
const MULTICLASS_EVENTS_PER_CLASS = 600;

/** A demo event before it is scored: its scores are already known (recorded or synthetic). */
interface PoolEvent {
  eventId: string;
  label: string;
  trueEnergyTeV: number | null;
  scores: number[];
  gammaness: number | null;
}

interface DemoDataset {
  summary: DatasetSummary;
  model: ModelSummary;
  /** Events per class, in class order. */
  pool: PoolEvent[][];
  image(event: PoolEvent): string;
  /** Describes the selection in errors: "energy bin 2 (5–10 TeV)" or "dataset shapes". */
  where: string;
}

interface DemoRun {
  runId: string;
  request: RunRequest;
  dataset: DemoDataset;
  events: ScoredEvent[][];
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
  private datasets: Promise<DemoDataset[]> | null = null;
  private readonly uploadedModels: ModelSummary[] = [];
  private readonly ingests = new DemoIngests();
  private nextUploadNumber = 1;

  constructor(private readonly load: () => Promise<SamplePredictionsFile> = loadSamplePredictions) {}

  async loadCatalog(): Promise<Catalog> {
    const datasets = await this.demoDatasets();
    const astri = datasets[0];
    const smallest = Math.min(...astri.pool.map((events) => events.length));
    return {
      datasets: datasets.map((d) => d.summary),
      models: this.models(datasets),
      server: {
        version: 'demo',
        backendName: 'recorded predictions',
        device: 'no server',
        batchSize: BATCH_SIZE,
        limits: { ...DEMO_LIMITS, dashboardMaxEventsPerClass: Math.max(smallest, MULTICLASS_EVENTS_PER_CLASS) },
        defaultThreshold: 0.9,
      },
    };
  }

  async startRun(request: RunRequest): Promise<{ runId: string }> {
    const datasets = await this.demoDatasets();
    const datasetId = request.datasetId ?? ASTRI_DATASET_ID;
    const dataset = datasets.find((d) => d.summary.id === datasetId);
    if (!dataset) throw new DashboardError(`dataset ${datasetId} does not exist in the demo`, 'NOT_FOUND', 'datasetId');
    if (dataset.summary.state !== 'READY') {
      throw new DashboardError(`dataset ${dataset.summary.name} is ${dataset.summary.state.toLowerCase()}, not ready`, 'BAD_USER_INPUT', 'datasetId');
    }
    const model = request.modelId ? this.models(datasets).find((m) => m.id === request.modelId) : dataset.model;
    if (!model) throw new DashboardError(`model ${request.modelId} does not exist in the demo`, 'NOT_FOUND', 'modelId');
    const classNames = dataset.summary.classes.map((c) => c.name);
    // As the server: each dataset class needs its own model output, by the mapping or by name.
    const mapped = classMappingFor(model.classNames, classNames, request.classMapping);
    const outputs = [...mapped.values()];
    if (outputs.some((output) => output === '') || new Set(outputs).size !== outputs.length) {
      throw new DashboardError(
        `model ${model.name} predicts ${model.classNames.join(', ')}; dataset ${dataset.summary.name} has ${classNames.join(', ')}: give each dataset class its own model class (class mapping) or choose a model for this dataset`,
        'BAD_USER_INPUT',
        request.classMapping?.length ? 'classMapping' : 'modelId',
      );
    }
    const bin = dataset.summary.energyBins[0];
    if (dataset.summary.hasEnergies && request.energyBin !== null && request.energyBin !== bin?.index) {
      throw new DashboardError(`the demo holds energy bin ${bin?.index} (${bin?.label}) only`, 'BAD_USER_INPUT', 'energyBin');
    }
    const available = Math.min(...dataset.pool.map((events) => events.length));
    if (request.eventsPerClass > available) {
      throw new DashboardError(
        `${dataset.where} holds only ${available} events per class in the demo data; choose at most ${available}`,
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
    const events = dataset.pool.map((pool) =>
      shuffle(pool.slice(), random)
        .slice(0, request.eventsPerClass)
        .map((event): ScoredEvent => ({ ...event, scores: [...event.scores], predictedLabel: argmaxName(event.scores, classNames), error: null })),
    );
    const samples = events.flatMap((classEvents) =>
      classEvents.slice(0, request.samples).map((event): SampleEvent => ({
        eventId: event.eventId,
        label: event.label,
        trueEnergyTeV: event.trueEnergyTeV,
        imageUrl: dataset.image(event as PoolEvent),
        width: dataset.summary.imageWidth ?? 0,
        height: dataset.summary.imageHeight ?? 0,
        channels: dataset.summary.channels ?? 1,
        scores: event.scores,
        top: topScores(event.scores ?? [], classNames, 3),
        gammaness: event.gammaness,
      })),
    );
    const run: DemoRun = {
      runId,
      request: { ...request, datasetId, modelId: model.id },
      dataset,
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
    this.finish(run, 'CANCELLED', lastDone(run));
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
      classes: run.dataset.summary.classes.map(({ index, name, color }) => ({ index, name, color })),
      signalClass: run.dataset.summary.signalClass,
      predictions: scored,
      samples: run.samples.filter((sample) => scored.some((event) => event.eventId === sample.eventId)),
      serverMetrics: finished?.metrics ?? null,
      classification: finished?.classification ?? null,
      error: null,
    };
  }

  async uploadDataset(
    file: File,
    options: DatasetUploadOptions,
    onProgress: (progress: TransferProgress) => void,
    signal?: AbortSignal,
  ): Promise<DatasetDetail> {
    if (!/\.(zip|tar|tar\.gz|tgz)$/i.test(file.name)) {
      throw new DashboardError(`${file.name} is not a .zip, .tar.gz or .tar archive`, 'BAD_USER_INPUT');
    }
    await simulateSending(file, onProgress, signal);
    const datasets = await this.demoDatasets();
    const shapes = datasets.find((d) => d.summary.id === MULTICLASS_DATASET_ID)!;
    const id = `upload-${this.nextUploadNumber++}`;
    const summary: DatasetSummary = {
      ...shapes.summary,
      id,
      name: options.name || file.name.replace(/\.(zip|tar|tar\.gz|tgz)$/i, ''),
      source: 'upload',
      state: 'INGESTING',
    };
    datasets.push({ ...shapes, summary, where: `dataset ${summary.name}` });
    const filesTotal = shapes.summary.classes.reduce((sum, c) => sum + c.eventCount, 0) + 2;
    const detail: DatasetDetail = { ...summary, rejectedFiles: [], error: null, ingest: null };
    const ingest = this.ingests.start(detail, filesTotal, (end) => (summary.state = end.state));
    return { ...detail, ingest };
  }

  watchIngest(datasetId: string, observer: StreamObserver<IngestProgress>): () => void {
    return this.ingests.watch(datasetId, observer);
  }

  async loadDataset(datasetId: string): Promise<DatasetDetail> {
    const uploaded = this.ingests.detail(datasetId);
    if (uploaded) return uploaded;
    const dataset = (await this.demoDatasets()).find((d) => d.summary.id === datasetId);
    if (!dataset) throw new DashboardError(`dataset ${datasetId} does not exist in the demo`, 'NOT_FOUND');
    return { ...dataset.summary, rejectedFiles: [], error: null, ingest: null };
  }

  async cancelDatasetUpload(datasetId: string): Promise<void> {
    const datasets = await this.demoDatasets();
    this.ingests.cancel(datasetId, () => {
      const summary = datasets.find((d) => d.summary.id === datasetId)?.summary;
      if (summary) summary.state = 'CANCELLED';
    });
  }

  async uploadModel(
    file: File,
    options: ModelUploadOptions,
    onProgress: (progress: TransferProgress) => void,
    signal?: AbortSignal,
  ): Promise<ModelSummary> {
    const format = /\.onnx$/i.test(file.name) ? 'onnx' : /\.(h5|keras)$/i.test(file.name) ? 'keras-h5' : null;
    if (!format) throw new DashboardError(`${file.name} is neither a Keras .h5/.keras nor an .onnx file`, 'BAD_USER_INPUT');
    const classNames = options.classNames?.length
      ? options.classNames
      : options.labels
        ? (await options.labels.text()).split(/\r?\n/).map((line) => line.trim()).filter(Boolean)
        : [];
    if (classNames.length < 2) {
      throw new DashboardError(
        `${file.name} names no classes: give the class names (in the model's output order) or a labels.txt`,
        'BAD_USER_INPUT',
      );
    }
    await simulateSending(file, onProgress, signal);
    const active = options.activate ?? true;
    if (active) for (const model of this.uploadedModels) model.active = false;
    const model: ModelSummary = {
      id: `model-${this.nextUploadNumber++}`,
      name: options.name || file.name.replace(/\.[^.]+$/, ''),
      version: 'upload',
      format,
      active,
      classNames,
    };
    this.uploadedModels.push(model);
    return { ...model };
  }

  /** The demo's models, then the uploaded ones; the last uploaded with activate is the active one. */
  private models(datasets: DemoDataset[]): ModelSummary[] {
    const uploadedActive = this.uploadedModels.some((m) => m.active);
    const own = datasets
      .filter((d, i) => datasets.findIndex((other) => other.model.id === d.model.id) === i)
      .map((d) => ({ ...d.model, active: d.model.active && !uploadedActive }));
    return [...own, ...this.uploadedModels.map((m) => ({ ...m }))];
  }

  private demoDatasets(): Promise<DemoDataset[]> {
    this.datasets ??= this.load().then((file) => [astriDataset(file), multiclassDataset()]);
    // A failed load (no sample file) is retried on the next call, as the page's Retry button expects.
    this.datasets.catch(() => (this.datasets = null));
    return this.datasets;
  }

  /** Cycles through the classes batch by batch, as the server's per-class queues would deliver them. */
  private scheduleBatches(run: DemoRun): void {
    const classes = run.dataset.summary.classes;
    const queue: { label: string; index: number; events: ScoredEvent[] }[] = [];
    const batchCount = Math.ceil(run.request.eventsPerClass / BATCH_SIZE);
    for (let index = 0; index < batchCount; index += 1) {
      classes.forEach((c, i) => {
        queue.push({ label: c.name, index, events: run.events[i].slice(index * BATCH_SIZE, (index + 1) * BATCH_SIZE) });
      });
    }
    const done: ClassCount[] = classes.map((c) => ({ className: c.name, count: 0 }));
    const step = () => {
      const batch = queue.shift();
      if (!batch) {
        this.finish(run, 'COMPLETED', done);
        return;
      }
      const row = done.find((d) => d.className === batch.label);
      if (row) row.count += batch.events.length;
      this.emit(run, {
        kind: 'BATCH',
        status: 'RUNNING',
        batch: { ...batch, inferenceMs: BATCH_INTERVAL_MS * 0.8 },
        done: done.map((d) => ({ ...d })),
        metrics: null,
        classification: null,
      });
      run.timer = setTimeout(step, BATCH_INTERVAL_MS);
    };
    run.timer = setTimeout(step, BATCH_INTERVAL_MS);
  }

  private finish(run: DemoRun, status: RunStatus, done: ClassCount[]): void {
    run.status = status;
    run.timer = null;
    const scores = new RunScores();
    scores.add(run.history.flatMap((message) => message.batch?.events ?? []));
    const classNames = run.dataset.summary.classes.map((c) => c.name);
    const signalClass = run.dataset.summary.signalClass;
    let metrics: RunProgress['metrics'] = null;
    if (signalClass && classNames.length === 2) {
      const computed = computeMetrics(scores.binaryScores(classNames, signalClass), { threshold: 0.9 });
      metrics = { auc: computed.rocAuc, averagePrecision: computed.averagePrecision };
    }
    this.emit(run, {
      kind: 'FINISHED',
      status,
      batch: null,
      done: done.map((d) => ({ ...d })),
      metrics,
      classification: computeClassification(scores.classScores(classNames), classNames),
    });
    for (const listener of run.listeners) listener.complete();
    run.listeners.clear();
  }

  private emit(run: DemoRun, message: Pick<RunProgress, 'kind' | 'status' | 'batch' | 'done' | 'metrics' | 'classification'>): void {
    const elapsedMs = performance.now() - run.startedAt;
    const doneTotal = message.done.reduce((sum, d) => sum + d.count, 0);
    const full: RunProgress = {
      ...message,
      runId: run.runId,
      sequence: run.history.length,
      total: run.dataset.summary.classes.map((c, i) => ({ className: c.name, count: run.events[i].length })),
      failed: run.dataset.summary.classes.map((c) => ({ className: c.name, count: 0 })),
      elapsedMs,
      imagesPerSecond: elapsedMs > 0 ? (doneTotal * 1000) / elapsedMs : 0,
      error: null,
    };
    run.history.push(full);
    for (const listener of run.listeners) listener.next(full);
  }
}

function astriDataset(file: SamplePredictionsFile): DemoDataset {
  const toEvent = (label: 'gamma' | 'proton') => (row: SamplePredictionsFile['gamma'][number]): PoolEvent => ({
    eventId: String(row.eventId),
    label,
    trueEnergyTeV: row.energyTeV,
    scores: [row.gammaness, 1 - row.gammaness],
    gammaness: row.gammaness,
  });
  const pool = [file.gamma.map(toEvent('gamma')), file.proton.map(toEvent('proton'))];
  const summary: DatasetSummary = {
    id: ASTRI_DATASET_ID,
    name: 'ASTRI sample (recorded)',
    source: 'demo',
    state: 'READY',
    classes: [
      { index: 0, name: 'gamma', color: null, eventCount: pool[0].length },
      { index: 1, name: 'proton', color: null, eventCount: pool[1].length },
    ],
    signalClass: 'gamma',
    hasEnergies: true,
    energyBins: [
      {
        ...file.energyBin,
        counts: [
          { className: 'gamma', count: pool[0].length },
          { className: 'proton', count: pool[1].length },
        ],
      },
    ],
    imageWidth: 56,
    imageHeight: 56,
    channels: 1,
  };
  return {
    summary,
    model: { id: 'sample', name: file.model.name, version: file.model.version ?? 'sample', format: 'recorded', active: true, classNames: ['gamma', 'proton'] },
    pool,
    image: (event) => syntheticCameraImage(event.eventId, event.label === 'gamma' ? 'GAMMA' : 'PROTON', event.trueEnergyTeV ?? 1),
    where: `energy bin ${file.energyBin.index} (${file.energyBin.label})`,
  };
}

/** Softmax scores of a classifier that is good on discs and bars and confuses rings with discs. */
function multiclassDataset(): DemoDataset {
  const rng = createRng(20_26);
  const classCount = MULTICLASS_CLASSES.length;
  const skill = [2.6, 1.5, 2.2, 1.1];
  const pool = MULTICLASS_CLASSES.map((label, t) =>
    Array.from({ length: MULTICLASS_EVENTS_PER_CLASS }, (_, i): PoolEvent => {
      const logits = Array.from({ length: classCount }, (_, c) => rng.normal() * 1.1 + (c === t ? skill[t] : 0));
      if (t === 1) logits[0] += 1.2; // rings look like discs
      if (t === 3) logits[2] += 0.9; // crosses like bars
      return { eventId: `${label}-${i + 1}`, label, trueEnergyTeV: null, scores: softmax(logits), gammaness: null };
    }),
  );
  const summary: DatasetSummary = {
    id: MULTICLASS_DATASET_ID,
    name: 'Shapes (synthetic, 4 classes, RGB)',
    source: 'demo',
    state: 'READY',
    classes: MULTICLASS_CLASSES.map((name, index) => ({ index, name, color: null, eventCount: MULTICLASS_EVENTS_PER_CLASS })),
    signalClass: null,
    hasEnergies: false,
    energyBins: [],
    imageWidth: 32,
    imageHeight: 32,
    channels: 3,
  };
  return {
    summary,
    model: { id: 'shapes-cnn', name: 'shapes-cnn (synthetic)', version: 'demo', format: 'synthetic', active: false, classNames: [...MULTICLASS_CLASSES] },
    pool,
    image: (event) => syntheticShapeImage(event.eventId, MULTICLASS_CLASSES.indexOf(event.label as (typeof MULTICLASS_CLASSES)[number])),
    where: `dataset ${summary.name}`,
  };
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function argmaxName(scores: readonly number[], classes: readonly string[]): string | null {
  if (scores.length === 0) return null;
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
  return classes[best] ?? null;
}

function topScores(scores: readonly number[], classes: readonly string[], k: number): { className: string; score: number }[] {
  return scores
    .map((score, i) => ({ className: classes[i], score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

function lastDone(run: DemoRun): ClassCount[] {
  const last = run.history[run.history.length - 1];
  return last ? last.done.map((d) => ({ ...d })) : run.dataset.summary.classes.map((c) => ({ className: c.name, count: 0 }));
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
