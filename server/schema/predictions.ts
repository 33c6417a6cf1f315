// Prediction runs: predict, cancel, the run and its predictions and metrics, and live progress.
import { MAX_RUNS_PER_PAGE, type SampleScore } from '../predictions/prediction-service.ts';
import { classificationRunMetrics, signalScore } from '../predictions/run-metrics.ts';
import { bestClass, topClasses } from '../predictions/scoring.ts';
import type { BatchStages, PredictionBatch, ProgressMessage, RunClasses, RunSummary, ScoredEvent } from '../domain/run.ts';
import type { CatalogEvent } from '../data/event-catalog.ts';
import { can, requirePermission } from '../auth/authenticator.ts';
import { ForbiddenError, NotFoundError, UnavailableError, UserInputError } from '../errors.ts';
import { float32ToBase64, float64ToBase64 } from '../util/packed-floats.ts';
import { builder, type Context, type Services } from './builder.ts';
import { classCounts, ClassCountType, ClassScoreType, particleCounts } from './classes.ts';
import { DatasetType, EnergyBinType, type EnergyBinShape } from './datasets.ts';
import { CalibrationType, EnergyBinMetricsType } from './energy-metrics.ts';
import { EventType, PageInfo, ParticleEnum, particleOf, type PageInfoShape } from './events.ts';
import { ClassificationMetricsType, PerformanceMetricsType, type ClassificationShape } from './metrics.ts';
import { ModelType } from './models.ts';

/** Top predictions shown per sample event. */
const TOP_CLASSES = 3;

const RunStatusEnum = builder.enumType('RunStatus', {
  description: 'Lifecycle of a prediction run.',
  values: {
    QUEUED: { value: 'queued', description: 'Accepted, not started.' },
    RUNNING: { value: 'running', description: 'Batches are being inferred.' },
    COMPLETED: { value: 'completed', description: 'Every selected event was processed.' },
    FAILED: { value: 'failed', description: 'Stopped by an error (see error).' },
    CANCELLED: { value: 'cancelled', description: 'Stopped by cancelPrediction.' },
  } as const,
});

const ProgressKindEnum = builder.enumType('ProgressKind', {
  description: 'What a progress message carries.',
  values: {
    BATCH: { value: 'batch', description: 'One finished batch of one class.' },
    FINISHED: { value: 'finished', description: 'The last message of a run, with its metrics.' },
  } as const,
});

const ClassCountsType = builder.objectRef<{ gamma: number; proton: number }>('ClassCounts').implement({
  description: 'A count per class of the gamma/proton datasets.',
  fields: (t) => ({ gamma: t.exposeInt('gamma', { description: 'Gamma events.' }), proton: t.exposeInt('proton', { description: 'Proton events.' }) }),
});

interface ScoredEventShape {
  event: ScoredEvent;
  classes: RunClasses;
}

const ScoredEventType = builder.objectRef<ScoredEventShape>('ScoredEvent').implement({
  description: "One event's prediction.",
  fields: (t) => ({
    eventId: t.id({ description: 'Id of the event (see Event).', resolve: ({ event }) => String(event.eventId) }),
    label: t.string({ description: 'True class.', resolve: ({ event, classes }) => classes.names[event.classIndex] }),
    particle: t.field({
      type: ParticleEnum,
      description: 'True particle.',
      deprecationReason: 'Classes are data: use label. Errors for a class other than gamma or proton.',
      resolve: ({ event, classes }) => particleOf(classes.names[event.classIndex]),
    }),
    trueEnergyTeV: t.float({ nullable: true, description: 'True energy in TeV; null when the dataset has no energies.', resolve: ({ event }) => event.energyTeV }),
    energyTeV: t.float({
      description: 'True energy in TeV.',
      deprecationReason: 'Energy is optional: use trueEnergyTeV. Errors for an event without energy.',
      resolve: ({ event }) => {
        if (event.energyTeV === null) throw new UserInputError(`event ${event.eventId} has no energy: read trueEnergyTeV`, 'energyTeV');
        return event.energyTeV;
      },
    }),
    scores: t.floatList({ nullable: true, description: "Score per class in the run's class order; null if the image could not be read.", resolve: ({ event }) => (event.scores ? Array.from(event.scores) : null) }),
    predictedLabel: t.string({
      nullable: true,
      description: 'The best-scored class (argmax, ties to the first); null if unreadable.',
      resolve: ({ event, classes }) => (event.scores ? classes.names[bestClass(event.scores)] : null),
    }),
    gammaness: t.float({
      nullable: true,
      description: "Score of the signal class of a binary run ('gamma' for ASTRI), in [0, 1]; null for N-class runs or if the image could not be read.",
      resolve: ({ event, classes }) => signalScore(event, classes),
    }),
    error: t.string({ nullable: true, description: 'Why the event failed, if it did.', resolve: ({ event }) => event.error }),
  }),
});

const BatchEventFailureType = builder.objectRef<{ position: number; error: string }>('BatchEventFailure').implement({
  description: 'An event of a batch whose image could not be read (ScoredEventColumns.failures).',
  fields: (t) => ({
    position: t.exposeInt('position', { description: "The event's position in the batch (its index in eventIds)." }),
    error: t.exposeString('error', { description: 'Why it failed (ScoredEvent.error).' }),
  }),
});

const ScoredEventColumnsType = builder.objectRef<{ batch: PredictionBatch; classes: RunClasses }>('ScoredEventColumns').implement({
  description:
    "A batch's events as columns: one list per field of ScoredEvent, each in the order of PredictionBatch.events. The same answers as events for a fraction of the server's and the client's work: a client reading thousands of events should ask for these, and for the numbers packed (scoresBase64, gammanessBase64, trueEnergiesTeVBase64, with failures), cheaper still; the dashboard reads those.",
  fields: (t) => ({
    eventIds: t.idList({ description: 'Id of each event (ScoredEvent.eventId).', resolve: ({ batch }) => batch.events.map((event) => String(event.eventId)) }),
    trueEnergiesTeV: t.floatList({
      nullable: { list: false, items: true },
      description: 'True energy of each event in TeV, null without one (ScoredEvent.trueEnergyTeV).',
      resolve: ({ batch }) => batch.events.map((event) => event.energyTeV),
    }),
    classCount: t.int({ description: "Scores per event: the run's classes.", resolve: ({ classes }) => classes.names.length }),
    scores: t.floatList({
      nullable: { list: false, items: true },
      description: "Every event's scores in one list: event i's score of class c (the run's class order) is at i × classCount + c; classCount nulls for an event whose image could not be read (ScoredEvent.scores).",
      resolve: ({ batch, classes }) => {
        const perEvent = classes.names.length;
        const flat: Array<number | null> = new Array(batch.events.length * perEvent);
        batch.events.forEach((event, i) => {
          for (let k = 0; k < perEvent; k++) flat[i * perEvent + k] = event.scores ? event.scores[k] : null;
        });
        return flat;
      },
    }),
    gammaness: t.floatList({
      nullable: { list: false, items: true },
      description: "Signal-class score of each event of a binary run ('gamma' for ASTRI); null for N-class runs or an unreadable image (ScoredEvent.gammaness).",
      resolve: ({ batch, classes }) => batch.events.map((event) => signalScore(event, classes)),
    }),
    predictedLabels: t.stringList({
      nullable: { list: false, items: true },
      description: 'Best-scored class of each event, null if unreadable (ScoredEvent.predictedLabel).',
      resolve: ({ batch, classes }) => batch.events.map((event) => (event.scores ? classes.names[bestClass(event.scores)] : null)),
    }),
    errors: t.stringList({ nullable: { list: false, items: true }, description: 'Why each event failed, null if it did not (ScoredEvent.error).', resolve: ({ batch }) => batch.events.map((event) => event.error) }),
    scoresBase64: t.string({
      description:
        'scores packed: base64 of little-endian IEEE 754 32-bit floats, event i\'s score of class c at i × classCount + c, NaN (classCount of them) for an event whose image could not be read. The model\'s float32 outputs bit for bit, at a fraction of the cost of a JSON number each: the cheapest way to read a large batch.',
      resolve: ({ batch, classes }) => {
        const perEvent = classes.names.length;
        const flat = new Float32Array(batch.events.length * perEvent).fill(Number.NaN);
        batch.events.forEach((event, i) => {
          if (event.scores) flat.set(event.scores, i * perEvent);
        });
        return float32ToBase64(flat);
      },
    }),
    gammanessBase64: t.string({
      description: 'gammaness packed as scoresBase64 is: one 32-bit float per event, NaN where gammaness is null.',
      resolve: ({ batch, classes }) => float32ToBase64(Float32Array.from(batch.events, (event) => signalScore(event, classes) ?? Number.NaN)),
    }),
    trueEnergiesTeVBase64: t.string({
      description: 'trueEnergiesTeV packed: base64 of little-endian IEEE 754 64-bit floats, one per event, NaN where the event has no energy.',
      resolve: ({ batch }) => float64ToBase64(Float64Array.from(batch.events, (event) => event.energyTeV ?? Number.NaN)),
    }),
    failures: t.field({
      type: [BatchEventFailureType],
      description: 'The events whose image could not be read, with why: errors without a null for every other event.',
      resolve: ({ batch }) => batch.events.flatMap((event, position) => (event.error === null ? [] : [{ position, error: event.error }])),
    }),
  }),
});

const BatchStagesType = builder.objectRef<BatchStages>('BatchStages').implement({
  description:
    "A batch's timeline through the server's pipeline, in milliseconds since the run's execution started: its image read (queued behind other runs' reads, then reading stored pixels or decoding PNGs), its turn in the inference engine, and its publication (scored, cached, sent). For profiling; the clock is the server's.",
  fields: (t) => ({
    readQueuedAtMs: t.exposeFloat('readQueuedAtMs', { description: 'The image read was asked for.' }),
    readStartedAtMs: t.exposeFloat('readStartedAtMs', { description: 'The image read started (its turn among the runs\' reads).' }),
    readEndedAtMs: t.exposeFloat('readEndedAtMs', { description: 'The pixels were in memory.' }),
    inferStartedAtMs: t.exposeFloat('inferStartedAtMs', { description: 'The inference engine started the batch (equal to readEndedAtMs when every output was cached).' }),
    inferEndedAtMs: t.exposeFloat('inferEndedAtMs', { description: 'The inference engine finished the batch.' }),
    publishedAtMs: t.exposeFloat('publishedAtMs', { description: 'The scored batch was handed to the subscribers.' }),
  }),
});

const PredictionBatchType = builder.objectRef<{ batch: PredictionBatch; classes: RunClasses }>('PredictionBatch').implement({
  description: 'A finished batch of one class.',
  fields: (t) => ({
    label: t.string({ description: 'The true class of every event in this batch.', resolve: ({ batch, classes }) => classes.names[batch.classIndex] }),
    particle: t.field({
      type: ParticleEnum,
      description: 'The class of every event in this batch.',
      deprecationReason: 'Classes are data: use label.',
      resolve: ({ batch, classes }) => particleOf(classes.names[batch.classIndex]),
    }),
    index: t.int({ description: '0-based batch number within its class.', resolve: ({ batch }) => batch.index }),
    events: t.field({ type: [ScoredEventType], description: "The batch's events with their scores.", resolve: ({ batch, classes }) => batch.events.map((event) => ({ event, classes })) }),
    columns: t.field({
      type: ScoredEventColumnsType,
      description: 'The same events as columns, one list per field: far cheaper than events for large batches.',
      resolve: (shape) => shape,
    }),
    inferenceMs: t.float({ description: 'Model time of this batch in milliseconds.', resolve: ({ batch }) => batch.inferenceMs }),
    stages: t.field({
      type: BatchStagesType,
      nullable: true,
      description: "Where the batch's time went on the server (see BatchStages); null on messages replayed from the database after a restart.",
      resolve: ({ batch }) => batch.stages ?? null,
    }),
  }),
});

interface ProgressShape {
  message: ProgressMessage;
  classes: RunClasses;
}

const PredictionProgressType = builder.objectRef<ProgressShape>('PredictionProgress').implement({
  description: 'One message of a run: a finished batch, or the final message with the metrics.',
  fields: (t) => ({
    runId: t.id({ description: 'The run this message belongs to.', resolve: ({ message }) => message.runId }),
    kind: t.field({ type: ProgressKindEnum, description: 'BATCH for a finished batch, FINISHED for the last message.', resolve: ({ message }) => message.kind }),
    sequence: t.int({ description: 'Position of this message in the run, from 0.', resolve: ({ message }) => message.sequence }),
    status: t.field({ type: RunStatusEnum, description: 'Status of the run when the message was sent.', resolve: ({ message }) => message.status }),
    batch: t.field({ type: PredictionBatchType, nullable: true, description: 'Set on BATCH messages.', resolve: ({ message, classes }) => (message.batch ? { batch: message.batch, classes } : null) }),
    doneByClass: t.field({ type: [ClassCountType], description: 'Events processed so far per class.', resolve: ({ message, classes }) => classCounts(classes.names, message.done) }),
    totalByClass: t.field({ type: [ClassCountType], description: 'Events selected per class.', resolve: ({ message, classes }) => classCounts(classes.names, message.total) }),
    failedByClass: t.field({ type: [ClassCountType], description: 'Events whose image could not be read, per class.', resolve: ({ message, classes }) => classCounts(classes.names, message.failed) }),
    done: t.field({ type: ClassCountsType, description: 'Events processed so far per class.', deprecationReason: 'Classes are data: use doneByClass.', resolve: ({ message, classes }) => particleCounts(classes.names, message.done) }),
    total: t.field({ type: ClassCountsType, description: 'Events selected per class.', deprecationReason: 'Classes are data: use totalByClass.', resolve: ({ message, classes }) => particleCounts(classes.names, message.total) }),
    failed: t.field({ type: ClassCountsType, description: 'Events whose image could not be read, per class.', deprecationReason: 'Classes are data: use failedByClass.', resolve: ({ message, classes }) => particleCounts(classes.names, message.failed) }),
    elapsedMs: t.float({ description: 'Milliseconds since the run started.', resolve: ({ message }) => message.elapsedMs }),
    imagesPerSecond: t.float({ description: 'Processed images per second so far.', resolve: ({ message }) => message.imagesPerSecond }),
    metrics: t.field({
      type: PerformanceMetricsType,
      nullable: true,
      description: 'Set on the FINISHED message of a binary run (default threshold).',
      resolve: ({ message }, _args, { services }) => (message.kind === 'finished' && message.status !== 'failed' ? services.predictions.binaryMetrics(message.runId, services.config.prediction.defaultThreshold) : null),
    }),
    classification: t.field({
      type: ClassificationMetricsType,
      nullable: true,
      description: 'Set on the FINISHED message: the N-class metrics (binary runs too).',
      resolve: ({ message }, _args, { services }) => (message.kind === 'finished' && message.status !== 'failed' ? classificationOf(services, message.runId) : null),
    }),
    error: t.string({ nullable: true, description: 'Why the run failed, on a FAILED final message.', resolve: ({ message }) => message.error }),
  }),
});

const SampleEventType = builder.objectRef<SampleScore & { event: CatalogEvent; classes: RunClasses }>('SampleEvent').implement({
  description: 'An event picked for display, with its scores.',
  fields: (t) => ({
    event: t.field({
      type: EventType,
      description: 'The event, with its image URL.',
      resolve: (sample) => sample.event,
    }),
    scores: t.floatList({ nullable: true, description: "Score per class in the run's class order; null before it is known or if unreadable.", resolve: (s) => (s.scores ? Array.from(s.scores) : null) }),
    top: t.field({
      type: [ClassScoreType],
      description: `The ${TOP_CLASSES} best-scored classes, best first; empty before the score is known.`,
      resolve: (s) => (s.scores ? topClasses(s.scores, TOP_CLASSES).map(({ classIndex, score }) => ({ className: s.classes.names[classIndex], score })) : []),
    }),
    gammaness: t.float({
      nullable: true,
      description: "Score of the signal class of a binary run ('gamma' for ASTRI); null for N-class runs, before it is known, or if unreadable.",
      resolve: (s) => signalScore({ eventId: s.eventId, classIndex: s.classIndex, energyTeV: null, scores: s.scores, error: null }, s.classes),
    }),
  }),
});

/** A run's bin as the schema shows it: every class counts the events selected. */
function runBin(run: RunSummary): EnergyBinShape | null {
  return run.energyBin ? { ...run.energyBin, counts: classCounts(run.classes.names, run.classes.names.map(() => run.eventsPerClass)) } : null;
}

/** Events selected of each class over all of a run's bins. */
function selectedPerClass(run: RunSummary): number {
  return run.eventsPerClass * Math.max(1, run.energyBins.length);
}

async function classificationOf(services: Services, runId: string): Promise<ClassificationShape | null> {
  const summary = await services.predictions.get(runId);
  const scored = await services.predictions.predictions(runId);
  const metrics = classificationRunMetrics(scored, summary.classes.names.length);
  return metrics ? { metrics, classes: summary.classes.names, scored } : null;
}

const RunClassType = builder.objectRef<{ index: number; name: string; color: string | null; selected: number }>('RunClass').implement({
  description: 'A class of a run: the dataset class, with the events selected of it.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: "Position in the run's class order (of scores and matrices)." }),
    name: t.exposeString('name', { description: 'The class name.' }),
    color: t.exposeString('color', { nullable: true, description: 'CSS colour the dataset declares for it, if any.' }),
    selected: t.exposeInt('selected', { description: 'Events of this class the run selected.' }),
  }),
});

export const PredictionRunType = builder.objectRef<RunSummary>('PredictionRun').implement({
  description: 'One prediction run: the selection, its status, and (once done) its predictions and metrics.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Run id, for predictionProgress and predictionRun.' }),
    status: t.field({ type: RunStatusEnum, description: 'Where the run is in its lifecycle.', resolve: (run) => run.status }),
    dataset: t.field({
      type: DatasetType,
      nullable: true,
      description: 'The dataset the events were drawn from; null if it was deleted since.',
      resolve: (run, _args, { services }) => (run.datasetId === null ? null : services.datasets.get(run.datasetId).catch(() => null)),
    }),
    classes: t.field({
      type: [RunClassType],
      description: "The run's classes in order: the dataset's.",
      resolve: async (run, _args, { services }) => {
        const dataset = run.datasetId === null ? null : await services.datasets.get(run.datasetId).catch(() => null);
        return run.classes.names.map((name, index) => ({ index, name, color: dataset?.classes.find((c) => c.name === name)?.color ?? null, selected: selectedPerClass(run) }));
      },
    }),
    signalClass: t.string({ nullable: true, description: "The signal class of a binary run ('gamma' for ASTRI): its score is the gammaness.", resolve: (run) => run.classes.signalClass }),
    bin: t.field({
      type: EnergyBinType,
      nullable: true,
      description: 'The energy bin the events were drawn from (counts: the events selected); null when drawn over all energies or over several bins (see bins).',
      resolve: runBin,
    }),
    bins: t.field({
      type: [EnergyBinType],
      description: 'Every energy bin the events were drawn from, in index order, eventsPerClass events of each class in each (counts: the events selected); empty when drawn over all energies.',
      resolve: (run) => run.energyBins.map((bin) => ({ ...bin, counts: classCounts(run.classes.names, run.classes.names.map(() => run.eventsPerClass)) })),
    }),
    energyBin: t.field({
      type: EnergyBinType,
      description: 'The bin the events were drawn from (counts here are the selected events).',
      deprecationReason: 'Energy is optional: use bin, which is null for runs over all energies. Errors for such runs.',
      resolve: (run) => {
        const bin = runBin(run);
        if (!bin) throw new UserInputError('this run was drawn over all energies: read bin', 'energyBin');
        return bin;
      },
    }),
    eventsPerClass: t.exposeInt('eventsPerClass', { description: 'Events selected of each class in each energy bin (in all, for a run over all energies).' }),
    totalByClass: t.field({ type: [ClassCountType], description: 'Events selected per class, over all bins.', resolve: (run) => classCounts(run.classes.names, run.classes.names.map(() => selectedPerClass(run))) }),
    samples: t.exposeInt('samples', { description: 'Sample images per class.' }),
    seed: t.exposeInt('seed', { description: 'Seed of the random selection; the same seed selects the same events.' }),
    model: t.field({
      type: ModelType,
      description: 'The model that scored the events.',
      resolve: async (run, _args, { services }) => ({ ...(await services.models.get(run.modelId)), active: run.modelId === services.models.defaultModelId }),
    }),
    createdAt: t.string({ description: 'When the run was started (ISO 8601, UTC).', resolve: (run) => run.createdAt.toISOString() }),
    finishedAt: t.string({ nullable: true, description: 'When the run ended (ISO 8601, UTC).', resolve: (run) => run.finishedAt?.toISOString() ?? null }),
    elapsedMs: t.exposeFloat('elapsedMs', { nullable: true, description: 'Milliseconds from the start of the run to its last batch.' }),
    failedCount: t.exposeInt('failedCount', { description: 'Events whose image could not be read.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the run failed, if it did.' }),
    predictions: t.field({
      type: [ScoredEventType],
      description: "Every prediction (empty until the run has finished), class by class in the run's order.",
      args: {
        label: t.arg.string({ required: false, description: 'Only the events of this class.' }),
        particle: t.arg({ type: ParticleEnum, required: false, deprecationReason: 'Classes are data: use label.' }),
      },
      resolve: async (run, args, { services }) => {
        const label = args.label ?? (args.particle as string | null | undefined) ?? null;
        const classIndex = label === null ? undefined : run.classes.names.indexOf(label);
        if (classIndex === -1) throw new UserInputError(`"${label}" is not a class of this run (${run.classes.names.join(', ')})`, 'label');
        return (await services.predictions.predictions(run.id, classIndex)).map((event) => ({ event, classes: run.classes }));
      },
    }),
    sampleEvents: t.field({
      type: [SampleEventType],
      description: 'The events picked for display (samples per class), with their scores as far as known.',
      resolve: async (run, _args, { services }) => {
        const samples = await services.predictions.samples(run.id);
        // One query for every sample's event. A run keeps its scores when a later ingest removes one of its events;
        // such an event, with no image to show, leaves the list.
        const events = new Map((await services.catalog.byIds(samples.map((sample) => sample.eventId))).map((event) => [event.id, event]));
        return samples.flatMap((sample) => {
          const event = events.get(sample.eventId);
          return event ? [{ ...sample, event, classes: run.classes }] : [];
        });
      },
    }),
    metrics: t.field({
      type: PerformanceMetricsType,
      nullable: true,
      description: "Gamma/hadron performance of a binary run at a cut on the signal class's score (gammaness); null for N-class runs and until both classes have scores.",
      args: { threshold: t.arg.float({ required: false, defaultValue: 0.9, description: 'Events with gammaness >= threshold count as gamma (the signal class).' }) },
      resolve: (run, args, { services }) => services.predictions.binaryMetrics(run.id, args.threshold ?? 0.9),
    }),
    classification: t.field({
      type: ClassificationMetricsType,
      nullable: true,
      description: 'N-class metrics (argmax), for every run; null until an event has a score.',
      resolve: (run, _args, { services }) => classificationOf(services, run.id),
    }),
    calibration: t.field({
      type: CalibrationType,
      nullable: true,
      description: 'Reliability diagram and Brier score of the gammaness of a binary run (see Calibration); null for N-class runs and before any score.',
      args: { bins: t.arg.int({ required: false, defaultValue: 10, description: 'Equal-width gammaness bins over [0, 1], 2 to 100.' }) },
      resolve: (run, args, { services }) => services.predictions.calibration(run.id, args.bins ?? 10),
    }),
    energyMetrics: t.field({
      type: [EnergyBinMetricsType],
      description:
        "Separation power against energy: one item per energy bin of the run (see bins), in index order, from the events scored so far; one item with bin null for a run over all energies. See EnergyBinMetrics for each figure's definition.",
      args: {
        gammaEfficiency: t.arg.float({ required: false, defaultValue: 0.7, description: 'Fixed gamma efficiency of atGammaEfficiency, in [0, 1].' }),
        hadronEfficiency: t.arg.float({ required: false, defaultValue: 0.1, description: 'Fixed hadron efficiency of atHadronEfficiency, in [0, 1].' }),
        resamples: t.arg.int({ required: false, defaultValue: 200, description: 'Bootstrap resamples of the AUC interval, 1 to 10000.' }),
        confidenceLevel: t.arg.float({ required: false, defaultValue: 0.68, description: 'Confidence level of the AUC interval, in (0, 1).' }),
        bootstrapSeed: t.arg.int({ required: false, description: "Seed of the bootstrap; the run's seed when omitted, so a rerun gives the same interval." }),
      },
      resolve: async (run, args, { services }) => {
        const gammaEfficiency = args.gammaEfficiency ?? 0.7;
        const hadronEfficiency = args.hadronEfficiency ?? 0.1;
        const seed = args.bootstrapSeed ?? run.seed;
        const figures = await services.predictions.energyMetrics(run.id, { gammaEfficiency, hadronEfficiency, resamples: args.resamples ?? 200, level: args.confidenceLevel ?? 0.68, seed });
        return figures.map((item) => ({ figures: item, classes: run.classes.names, seed, gammaEfficiency, hadronEfficiency }));
      },
    }),
  }),
});

interface RunEdgeShape {
  cursor: string;
  node: RunSummary;
}

const PredictionRunEdge = builder.objectRef<RunEdgeShape>('PredictionRunEdge').implement({
  description: 'A prediction run and its cursor.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Opaque; pass as `after` to continue after this run.' }),
    node: t.field({ type: PredictionRunType, description: 'The run.', resolve: (edge) => edge.node }),
  }),
});

const PredictionRunConnection = builder.objectRef<{ edges: RunEdgeShape[]; pageInfo: PageInfoShape }>('PredictionRunConnection').implement({
  description: 'A page of prediction runs, newest first (Relay connection).',
  fields: (t) => ({
    edges: t.field({ type: [PredictionRunEdge], description: 'The runs of this page, newest first, with their cursors.', resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfo, description: 'Where this page stands.', resolve: (c) => c.pageInfo }),
  }),
});

const encodeRunCursor = (run: RunSummary) => Buffer.from(`run:${run.createdAt.getTime()}:${run.id}`).toString('base64url');
function decodeRunCursor(cursor: string): { createdAt: Date; id: string } {
  const match = /^run:(\d+):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new UserInputError(`invalid cursor "${cursor}": pass an endCursor or edge cursor from a previous page of predictionRuns`, 'after');
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}

function numericId(value: string | number | null | undefined, field: string, what: string): number | undefined {
  if (value == null) return undefined;
  const id = Number(value);
  if (!Number.isInteger(id)) throw new NotFoundError(`unknown ${what} "${value}"`, field);
  return id;
}

builder.queryField('predictionRuns', (t) =>
  t.field({
    type: PredictionRunConnection,
    description: 'The run history, newest first (Relay connection; runs are kept across restarts until deleted), optionally only the runs of a model, a dataset or a status.',
    args: {
      first: t.arg.int({ required: false, defaultValue: 20, description: 'Page size, 1 to 100 (default 20).' }),
      after: t.arg.string({ required: false, description: 'An endCursor from a previous page: the runs older than it.' }),
      modelId: t.arg.id({ required: false, description: 'Only the runs of this model.' }),
      datasetId: t.arg.id({ required: false, description: 'Only the runs on this dataset.' }),
      status: t.arg({ type: RunStatusEnum, required: false, description: 'Only the runs in this status.' }),
    },
    resolve: async (_root, args, { services }) => {
      const first = args.first ?? 20;
      const after = args.after ? decodeRunCursor(args.after) : null;
      const filter = {
        modelId: numericId(args.modelId, 'modelId', 'model'),
        datasetId: numericId(args.datasetId, 'datasetId', 'dataset'),
        status: args.status ?? undefined,
      };
      if (!Number.isInteger(first) || first < 1 || first > MAX_RUNS_PER_PAGE) throw new UserInputError(`first must be between 1 and ${MAX_RUNS_PER_PAGE}, got ${first}`, 'first');
      // One more than asked tells whether another page follows.
      const runs = await services.predictions.list(filter, first + 1, after);
      const page = runs.slice(0, first);
      const edges = page.map((node) => ({ cursor: encodeRunCursor(node), node }));
      return {
        edges,
        pageInfo: { hasNextPage: runs.length > first, hasPreviousPage: after !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  }),
);

builder.queryField('predictionRun', (t) =>
  t.field({
    type: PredictionRunType,
    description: 'A prediction run by id (kept across restarts).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, { services }) => services.predictions.get(String(args.id)),
  }),
);

const ClassMappingInputType = builder.inputType('ClassMappingInput', {
  description: 'Which dataset class a model class scores, when their names differ.',
  fields: (t) => ({
    modelClass: t.string({ required: true, description: "A class name of the model's outputs (see Model.classNames)." }),
    datasetClass: t.string({ required: true, description: 'A class name of the dataset (see Dataset.classes).' }),
  }),
});

const PredictInputType = builder.inputType('PredictInput', {
  description: 'What to predict: events per class drawn at random from a dataset, optionally from one energy bin.',
  fields: (t) => ({
    energyBin: t.int({ required: false, description: "Index of one of the dataset's energy bins (see energyBins); every energy when omitted (and energyBins too)." }),
    energyBins: t.intList({
      required: false,
      description:
        "Several of the dataset's energy bins (indices, each once), instead of energyBin: eventsPerClass events of each class are drawn in each bin, each bin as a one-bin run with the same seed would draw it; one run, streamed as usual, with its figures per bin in PredictionRun.energyMetrics.",
    }),
    eventsPerClass: t.int({ required: true, description: 'Events to draw of each class (see serverInfo.limits).' }),
    samples: t.int({ required: false, defaultValue: 0, description: 'Events per class whose images are shown, 0 to 10.' }),
    modelId: t.id({ required: false, description: 'Model to use; the active model if omitted.' }),
    seed: t.int({ required: false, description: 'Seed of the random selection, for reproducible runs.' }),
    datasetId: t.id({ required: false, description: 'The dataset to draw from (see datasets); the default dataset (the first ready one, the demo) when omitted.' }),
    classMapping: t.field({
      type: [ClassMappingInputType],
      required: false,
      description: 'Model class -> dataset class, where the names differ; other classes match by name. Needed when the model has more classes than the dataset.',
    }),
  }),
});

/** What a client starting a run during start-up is told to wait: loading and warming the model takes seconds. */
const RETRY_AFTER_SECONDS = 5;

builder.mutationField('predict', (t) =>
  t.field({
    type: PredictionRunType,
    description: 'Starts a prediction run and returns at once; follow it with predictionProgress.',
    args: { input: t.arg({ type: PredictInputType, required: true }) },
    resolve: (_root, { input }, { services, principal }) => {
      requirePermission(principal, 'predict');
      const starting = services.readiness();
      if (starting) throw new UnavailableError(`the server is starting (${starting}): retry in ${RETRY_AFTER_SECONDS} s`);
      return services.predictions.start(
        {
          ...input,
          modelId: input.modelId == null ? null : String(input.modelId),
          datasetId: input.datasetId == null ? null : String(input.datasetId),
        },
        { subject: principal.subject, limits: principal.limits },
      );
    },
  }),
);

/** Runners act on their own runs only; admins on any run. */
async function requireOwnRun(services: Services, principal: Context['principal'], runId: string, verb: string): Promise<void> {
  requirePermission(principal, 'predict');
  if (can(principal, 'cancelAny')) return;
  const run = await services.predictions.get(runId);
  if (run.owner !== principal.subject) throw new ForbiddenError(`run "${run.id}" was started by somebody else: the ${principal.role} role may ${verb} only its own runs`);
}

builder.mutationField('cancelPrediction', (t) =>
  t.field({
    type: PredictionRunType,
    description: 'Stops a running prediction after its current batches; the predictions so far are kept. Runners may cancel their own runs, admins any run.',
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (_root, args, { services, principal }) => {
      await requireOwnRun(services, principal, String(args.runId), 'cancel');
      return services.predictions.cancel(String(args.runId));
    },
  }),
);

builder.mutationField('deletePredictionRun', (t) =>
  t.field({
    type: PredictionRunType,
    description:
      'Deletes a finished (completed, failed or cancelled) run and its predictions, and returns it as it was; a running run must be cancelled first (CONFLICT). Cached model outputs are kept. Runners may delete their own runs, admins any run.',
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (_root, args, { services, principal }) => {
      await requireOwnRun(services, principal, String(args.runId), 'delete');
      return services.predictions.delete(String(args.runId));
    },
  }),
);

builder.subscriptionField('predictionProgress', (t) =>
  t.field({
    type: PredictionProgressType,
    description: 'One message per finished batch, then a FINISHED message with the metrics. Late subscribers first receive every message already sent.',
    args: {
      runId: t.arg.id({ required: true }),
      afterSequence: t.arg.int({ required: false, description: 'Only the messages after this sequence number: a client that reconnects passes the last sequence it received.' }),
    },
    // The run is looked up before the stream starts, so an unknown id is an error result, not a broken stream.
    subscribe: async (_root, args, { services }) => {
      const summary = await services.predictions.get(String(args.runId));
      const messages = services.predictions.progress(String(args.runId), { afterSequence: args.afterSequence ?? undefined });
      return (async function* () {
        for await (const message of messages) yield { message, classes: summary.classes };
      })();
    },
    resolve: (shape) => shape,
  }),
);
