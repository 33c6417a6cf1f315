import type { RunSummary } from '../predictions/prediction-service.ts';
import type { ClassCounts, PredictionBatch, ProgressMessage, ScoredEvent } from '../predictions/types.ts';
import type { Particle } from '../predictions/types.ts';
import { UnavailableError } from '../errors.ts';
import { builder } from './builder.ts';
import { EnergyBinType } from './bins.ts';
import { EventType, ParticleEnum } from './events.ts';
import { PerformanceMetricsType } from './metrics.ts';
import { ModelType } from './models.ts';

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

const ClassCountsType = builder.objectRef<ClassCounts>('ClassCounts').implement({
  description: 'A count per class.',
  fields: (t) => ({ gamma: t.exposeInt('gamma', { description: 'Gamma events.' }), proton: t.exposeInt('proton', { description: 'Proton events.' }) }),
});

const ScoredEventType = builder.objectRef<ScoredEvent>('ScoredEvent').implement({
  description: "One event's prediction.",
  fields: (t) => ({
    eventId: t.id({ description: 'Id of the event (see Event).', resolve: (event) => String(event.eventId) }),
    particle: t.field({ type: ParticleEnum, description: 'True particle.', resolve: (event) => event.particle }),
    energyTeV: t.exposeFloat('energyTeV', { description: 'True energy in TeV.' }),
    gammaness: t.exposeFloat('gammaness', { nullable: true, description: 'Model probability of gamma, in [0, 1]; null if the image could not be read.' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the event failed, if it did.' }),
  }),
});

const PredictionBatchType = builder.objectRef<PredictionBatch>('PredictionBatch').implement({
  description: 'A finished batch of one class.',
  fields: (t) => ({
    particle: t.field({ type: ParticleEnum, description: 'The class of every event in this batch.', resolve: (batch) => batch.particle }),
    index: t.exposeInt('index', { description: '0-based batch number within its class.' }),
    events: t.field({ type: [ScoredEventType], description: 'The batch\'s events with their scores.', resolve: (batch) => batch.events }),
    inferenceMs: t.exposeFloat('inferenceMs', { description: 'Model time of this batch in milliseconds.' }),
  }),
});

const PredictionProgressType = builder.objectRef<ProgressMessage>('PredictionProgress').implement({
  description: 'One message of a run: a finished batch, or the final message with the metrics.',
  fields: (t) => ({
    runId: t.id({ description: 'The run this message belongs to.', resolve: (m) => m.runId }),
    kind: t.field({ type: ProgressKindEnum, description: 'BATCH for a finished batch, FINISHED for the last message.', resolve: (m) => m.kind }),
    sequence: t.exposeInt('sequence', { description: 'Position of this message in the run, from 0.' }),
    status: t.field({ type: RunStatusEnum, description: 'Status of the run when the message was sent.', resolve: (m) => m.status }),
    batch: t.field({ type: PredictionBatchType, nullable: true, description: 'Set on BATCH messages.', resolve: (m) => m.batch }),
    done: t.field({ type: ClassCountsType, description: 'Events processed so far per class.', resolve: (m) => m.done }),
    total: t.field({ type: ClassCountsType, description: 'Events selected per class.', resolve: (m) => m.total }),
    failed: t.field({ type: ClassCountsType, description: 'Events whose image could not be read, per class.', resolve: (m) => m.failed }),
    elapsedMs: t.exposeFloat('elapsedMs', { description: 'Milliseconds since the run started.' }),
    imagesPerSecond: t.exposeFloat('imagesPerSecond', { description: 'Processed images per second so far.' }),
    metrics: t.field({ type: PerformanceMetricsType, nullable: true, description: 'Set on the FINISHED message (default threshold).', resolve: (m) => m.metrics }),
    error: t.exposeString('error', { nullable: true, description: 'Why the run failed, on a FAILED final message.' }),
  }),
});

const SampleEventType = builder.objectRef<{ eventId: number; gammaness: number | null }>('SampleEvent').implement({
  description: 'An event picked for display, with its score.',
  fields: (t) => ({
    event: t.field({
      type: EventType,
      description: 'The event, with its image URL.',
      resolve: async (sample, _args, { services }) => {
        const [event] = await services.catalog.byIds([sample.eventId]);
        return event;
      },
    }),
    gammaness: t.exposeFloat('gammaness', { nullable: true, description: 'Its score, once known; null before or if unreadable.' }),
  }),
});

const PredictionRunType = builder.objectRef<RunSummary>('PredictionRun').implement({
  description: 'One prediction run: the selection, its status, and (once done) its predictions and metrics.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Run id, for predictionProgress and predictionRun.' }),
    status: t.field({ type: RunStatusEnum, description: 'Where the run is in its lifecycle.', resolve: (run) => run.status }),
    energyBin: t.field({
      type: EnergyBinType,
      resolve: (run) => ({ ...run.energyBin, gammaCount: run.eventsPerClass, protonCount: run.eventsPerClass }),
      description: 'The bin the events were drawn from (counts here are the selected events).',
    }),
    eventsPerClass: t.exposeInt('eventsPerClass', { description: 'Gamma events, and as many proton events, selected.' }),
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
      description: 'Every prediction (empty until the run has finished), gamma first.',
      args: { particle: t.arg({ type: ParticleEnum, required: false }) },
      resolve: (run, args, { services }) => services.predictions.predictions(run.id, (args.particle as Particle | null | undefined) ?? undefined),
    }),
    sampleEvents: t.field({
      type: [SampleEventType],
      description: 'The events picked for display (samples per class), once the run has finished.',
      resolve: (run, _args, { services }) => services.predictions.sampleEventIds(run.id),
    }),
    metrics: t.field({
      type: PerformanceMetricsType,
      nullable: true,
      description: 'Performance at a gammaness threshold; null until both classes have scores.',
      args: { threshold: t.arg.float({ required: false, defaultValue: 0.9, description: 'Events with gammaness >= threshold count as gamma.' }) },
      resolve: (run, args, { services }) => services.predictions.metrics(run.id, args.threshold ?? 0.9),
    }),
  }),
});

builder.queryField('predictionRun', (t) =>
  t.field({
    type: PredictionRunType,
    description: 'A prediction run by id (kept across restarts).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, { services }) => services.predictions.get(String(args.id)),
  }),
);

const PredictInputType = builder.inputType('PredictInput', {
  description: 'What to predict: events per class drawn at random from one energy bin.',
  fields: (t) => ({
    energyBin: t.int({ required: true, description: 'Index of the energy bin (see energyBins).' }),
    eventsPerClass: t.int({ required: true, description: 'Gamma events and as many proton events to draw (see serverInfo.limits).' }),
    samples: t.int({ required: false, defaultValue: 0, description: 'Events per class whose images are shown, 0 to 10.' }),
    modelId: t.id({ required: false, description: 'Model to use; the active model if omitted.' }),
    seed: t.int({ required: false, description: 'Seed of the random selection, for reproducible runs.' }),
    datasetId: t.id({ required: false, description: 'Draw from this dataset only (see datasets); from all when omitted.' }),
  }),
});

/** What a client starting a run during start-up is told to wait: loading and warming the model takes seconds. */
const RETRY_AFTER_SECONDS = 5;

builder.mutationField('predict', (t) =>
  t.field({
    type: PredictionRunType,
    description: 'Starts a prediction run and returns at once; follow it with predictionProgress.',
    args: { input: t.arg({ type: PredictInputType, required: true }) },
    resolve: (_root, { input }, { services }) => {
      const starting = services.readiness();
      if (starting) throw new UnavailableError(`the server is starting (${starting}): retry in ${RETRY_AFTER_SECONDS} s`);
      return services.predictions.start({
        ...input,
        modelId: input.modelId == null ? null : String(input.modelId),
        datasetId: input.datasetId == null ? null : String(input.datasetId),
      });
    },
  }),
);

builder.mutationField('cancelPrediction', (t) =>
  t.field({
    type: PredictionRunType,
    description: 'Stops a running prediction after its current batches; the predictions so far are kept.',
    args: { runId: t.arg.id({ required: true }) },
    resolve: (_root, args, { services }) => services.predictions.cancel(String(args.runId)),
  }),
);

builder.subscriptionField('predictionProgress', (t) =>
  t.field({
    type: PredictionProgressType,
    description: 'One message per finished batch, then a FINISHED message with the metrics. Late subscribers first receive every message already sent.',
    args: { runId: t.arg.id({ required: true }) },
    subscribe: async (_root, args, { services }) => {
      await services.predictions.get(String(args.runId));
      return services.predictions.progress(String(args.runId));
    },
    resolve: (message) => message,
  }),
);
