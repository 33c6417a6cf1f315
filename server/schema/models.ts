import { readFileSync } from 'node:fs';
import path from 'node:path';
import { requirePermission } from '../auth/authenticator.ts';
import { PROJECT_ROOT } from '../config.ts';
import type { BackendInfo, Threading } from '../inference/index.ts';
import { UserInputError } from '../errors.ts';
import type { RegisteredModel } from '../models/model-registry.ts';
import type { Preprocessing } from '../domain/model.ts';
import { builder } from './builder.ts';
import type { ConversionStatus } from '../data/pixel-store-conversion.ts';
import type { QueueCounts, WorkerAnnouncement } from '../cluster/index.ts';

const VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Smallest events-per-class the dashboard offers; the API itself accepts from 1. */
export const DASHBOARD_EVENTS_PER_CLASS = { min: 100, max: 2000 } as const;

const ColorModeEnum = builder.enumType('ColorMode', {
  description: 'Which pixels a model takes.',
  values: {
    GRAYSCALE: { value: 'grayscale', description: 'One channel; RGB images are converted (ITU-R BT.601 luma).' },
    RGB: { value: 'rgb', description: 'Three channels; grayscale images are repeated on each.' },
  } as const,
});

const PreprocessingType = builder.objectRef<Preprocessing>('Preprocessing').implement({
  description: 'How 8-bit pixels become model input: x = (pixel * scale + offset - mean[c]) / std[c].',
  fields: (t) => ({
    colorMode: t.field({ type: ColorModeEnum, description: 'Grayscale or RGB input.', resolve: (p) => p.colorMode }),
    scale: t.exposeFloat('scale', { description: 'Multiplies each 8-bit sample (1/255 maps to [0, 1]).' }),
    offset: t.exposeFloat('offset', { description: 'Added after scaling (-1 with scale 2/255 maps to [-1, 1], as MobileNet expects).' }),
    mean: t.exposeFloatList('mean', { description: 'Subtracted per channel after scale and offset; empty when unused.' }),
    std: t.exposeFloatList('std', { description: 'Divides per channel after the mean; empty when unused.' }),
  }),
});

export const PreprocessingInputType = builder.inputType('PreprocessingInput', {
  description: "A model's preprocessing; what is left out takes the default (the input's colour mode, scale 1/255, offset 0).",
  fields: (t) => ({
    colorMode: t.field({ type: ColorModeEnum, required: false, description: 'GRAYSCALE or RGB; must match the model input channels.' }),
    scale: t.float({ required: false, description: 'Multiplies each 8-bit sample.' }),
    offset: t.float({ required: false, description: 'Added after scaling.' }),
    mean: t.floatList({ required: false, description: 'Per channel mean to subtract (1 or 3 values).' }),
    std: t.floatList({ required: false, description: 'Per channel standard deviation to divide by (1 or 3 values).' }),
  }),
});

export const ModelType = builder.objectRef<RegisteredModel & { active: boolean }>('Model').implement({
  description: 'A registered classifier (Keras .h5 or ONNX file).',
  fields: (t) => ({
    id: t.id({ description: 'Model id, for predict(modelId) and activateModel.', resolve: (model) => String(model.id) }),
    name: t.exposeString('name', { description: 'Display name.' }),
    version: t.exposeString('version', { description: 'Version label (the first characters of the sha256 unless given).' }),
    format: t.exposeString('format', { description: 'keras-h5 or onnx.' }),
    sha256: t.exposeString('sha256', { description: 'Content hash of the model file.' }),
    inputShape: t.exposeIntList('inputShape', { description: 'Model input as [height, width, channels].' }),
    inputLayout: t.exposeString('inputLayout', { description: 'How an image becomes the input: HWC, HW (no channel axis) or FLAT (a vector of H*W*C values).' }),
    outputKind: t.exposeString('outputKind', { description: 'sigmoid (one unit: the probability of the second class), softmax (class probabilities) or other.' }),
    classNames: t.exposeStringList('classNames', { description: 'The classes the outputs score, in output order (two for a sigmoid unit: negative, positive).' }),
    classNamesSource: t.exposeString('classNamesSource', { description: 'Where classNames came from: upload, labels-file, model-metadata, config or default ("0".."N-1").' }),
    outputCount: t.int({ description: 'Classes the outputs score.', resolve: (model) => model.classNames.length }),
    preprocessing: t.field({ type: PreprocessingType, description: 'How 8-bit pixels become the model input.', resolve: (model) => model.preprocessing }),
    gammaClassIndex: t.int({
      description: 'Which output unit is the gamma probability.',
      deprecationReason: 'Classes are data: use classNames (the unit of the class "gamma"). 0 for a sigmoid unit, as before; -1 when no class is named gamma.',
      resolve: (model) => (model.outputKind === 'sigmoid' ? 0 : model.classNames.indexOf('gamma')),
    }),
    pixelScale: t.float({ description: 'Preprocessing: input = pixel * pixelScale.', deprecationReason: 'Use preprocessing (scale, offset, mean, std).', resolve: (model) => model.preprocessing.scale }),
    parameterCount: t.exposeInt('parameterCount', { description: 'Trainable and fixed weights (0 when unknown, for ONNX files).' }),
    kerasVersion: t.exposeString('kerasVersion', { nullable: true, description: 'Keras version that wrote the file.' }),
    sourceUrl: t.exposeString('sourceUrl', { nullable: true, description: 'The s3://bucket/key the model was registered from; null for a file upload or a local file.' }),
    active: t.exposeBoolean('active', { description: 'True for the model predict uses when no modelId is given.' }),
  }),
});

builder.queryField('models', (t) =>
  t.field({
    type: [ModelType],
    description: 'Every registered model.',
    resolve: async (_root, _args, { services }) => (await services.models.list()).map((model) => ({ ...model, active: model.id === services.models.defaultModelId })),
  }),
);

type ThreadVariantShape = Threading['variants'][number] & { chosen: boolean };

const ThreadSettingType = builder.objectRef<ThreadVariantShape>('ThreadSetting').implement({
  description: 'One ONNX Runtime thread setting timed when the model was loaded.',
  fields: (t) => ({
    intraOpThreads: t.exposeInt('intraOpThreads', { description: 'Intra-op threads, the calling thread included.' }),
    spinning: t.exposeBoolean('spinning', { description: "Whether idle pool threads spin (ONNX Runtime's default) or sleep between operators." }),
    loadImagesPerSecond: t.exposeFloat('loadImagesPerSecond', { description: 'The best of a few batches of the largest warm-up size (the batch size) at load, with nothing else running in the server.' }),
    chosen: t.exposeBoolean('chosen', { description: 'The setting the server runs batches on: the fastest at load.' }),
  }),
});

const BackendType = builder.objectRef<BackendInfo>('Backend').implement({
  description: 'Where the model runs.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'onnxruntime, tensorflow (tfjs-node), wasm or cpu.' }),
    device: t.exposeString('device', { description: 'The device, e.g. "CPU (wasm SIMD, 2 threads)" or a GPU name.' }),
    threads: t.exposeInt('threads', { description: 'Threads doing inference.' }),
    note: t.exposeString('note', { nullable: true, description: 'Why a faster backend was not used, if one was tried.' }),
    threadSettings: t.field({
      type: [ThreadSettingType],
      nullable: true,
      description: 'ONNX Runtime with inference.threads 0 on several cores: the thread settings timed at load (threads is the chosen one\'s); null otherwise.',
      resolve: (backend) => backend.threading?.variants.map((variant, k) => ({ ...variant, chosen: k === backend.threading!.chosen })) ?? null,
    }),
  }),
});

interface LimitsShape {
  minEventsPerClass: number;
  maxEventsPerClass: number;
  dashboardMinEventsPerClass: number;
  dashboardMaxEventsPerClass: number;
  maxSamples: number;
}

const LimitsType = builder.objectRef<LimitsShape>('Limits').implement({
  description: 'What predict accepts.',
  fields: (t) => ({
    minEventsPerClass: t.exposeInt('minEventsPerClass', { description: 'Smallest eventsPerClass predict accepts.' }),
    maxEventsPerClass: t.exposeInt('maxEventsPerClass', { description: 'Configurable (prediction.maxEventsPerClass).' }),
    dashboardMinEventsPerClass: t.exposeInt('dashboardMinEventsPerClass', { description: 'Lower end of the dashboard\'s slider.' }),
    dashboardMaxEventsPerClass: t.exposeInt('dashboardMaxEventsPerClass', { description: 'Upper end of the dashboard\'s slider.' }),
    maxSamples: t.exposeInt('maxSamples', { description: 'Sample images per class.' }),
  }),
});

const PixelStoreConversionType = builder.objectRef<ConversionStatus>('PixelStoreConversion').implement({
  description:
    'The one-off decoding, after start, of registered images the pixel store lacks (datasets `astri ingest` registered in place, or ' +
    'registered before the store existed). Runs meanwhile read the PNGs not yet converted.',
  fields: (t) => ({
    state: t.exposeString('state', { description: 'waiting (until the server is ready), running, done, stopped (the server is stopping), failed (see the log) or off (config data.convertAtStart).' }),
    done: t.exposeInt('done', { description: 'Images converted (or found unreadable) so far.' }),
    total: t.exposeInt('total', { description: 'Images the store lacked when the conversion started.' }),
    converted: t.exposeInt('converted', { description: 'Of done, images decoded and stored.' }),
  }),
});

const WorkerType = builder.objectRef<WorkerAnnouncement>('Worker').implement({
  description: 'An inference process taking batches from the queue: an `astri worker`, or an `astri serve` (role all) that infers too.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Host, process id and a random suffix; the label of its /metrics series.' }),
    host: t.exposeString('host'),
    pid: t.exposeInt('pid'),
    role: t.exposeString('role', { description: 'worker (`astri worker`) or all (`astri serve` with a queue).' }),
    backend: t.exposeString('backend', { nullable: true, description: 'Execution backend of its last batch (onnxruntime, tensorflow, wasm, cpu); null before any.' }),
    device: t.exposeString('device', { nullable: true, description: 'Where it infers, e.g. "CPU (2 cores)" or a GPU.' }),
    threads: t.exposeInt('threads', { nullable: true }),
    startedAt: t.exposeString('startedAt', { description: 'ISO 8601, UTC.' }),
    batches: t.exposeInt('batches', { description: 'Batches inferred since it started.' }),
    images: t.exposeInt('images', { description: 'Images inferred since it started.' }),
    imagesPerSecond: t.exposeFloat('imagesPerSecond', { description: 'Over its last minute (or since start, when younger).' }),
    activeBatches: t.exposeInt('activeBatches', { description: 'Batches it holds now.' }),
  }),
});

const QueueInfoType = builder.objectRef<QueueCounts & { stalledJobs: number }>('QueueInfo').implement({
  description: 'The Redis queue of inference batches (queue.url) that API replicas feed and workers take from.',
  fields: (t) => ({
    waiting: t.exposeInt('waiting', { description: 'Batches no worker has taken yet: the depth to scale workers on.' }),
    active: t.exposeInt('active', { description: 'Batches workers hold now.' }),
    delayed: t.exposeInt('delayed'),
    stalledJobs: t.exposeInt('stalledJobs', { description: 'Batches this replica saw given to another worker because the one holding them stopped, since it started.' }),
  }),
});

const ServerInfoType = builder
  .objectRef<{ version: string; backend: BackendInfo | null; batchSize: number; limits: LimitsShape; defaultThreshold: number; pixelStoreConversion: ConversionStatus }>('ServerInfo')
  .implement({
    description: 'Facts about this server.',
    fields: (t) => ({
      version: t.exposeString('version', { description: 'Version of this service.' }),
      backend: t.field({ type: BackendType, nullable: true, description: 'Null until a model is loaded.', resolve: (info) => info.backend }),
      batchSize: t.exposeInt('batchSize', { description: 'Images per inference batch.' }),
      limits: t.field({ type: LimitsType, description: 'What predict accepts.', resolve: (info) => info.limits }),
      defaultThreshold: t.exposeFloat('defaultThreshold', { description: 'Gammaness threshold of the confusion matrix unless asked otherwise.' }),
      pixelStoreConversion: t.field({ type: PixelStoreConversionType, description: 'Progress of decoding registered images into the pixel store.', resolve: (info) => info.pixelStoreConversion }),
      role: t.string({
        description: 'all: this process serves the API and infers; api: an API replica that hands every batch to the queue\'s workers.',
        resolve: (_info, _args, { services }) => services.config.server.role,
      }),
      queue: t.field({
        type: QueueInfoType,
        nullable: true,
        description: 'The batch queue shared by the replicas and workers; null when this server infers in its own process (no queue.url).',
        resolve: async (_info, _args, { services }) => {
          const cluster = services.cluster;
          return cluster ? { ...(await cluster.queue.counts()), stalledJobs: cluster.queue.stalledJobs } : null;
        },
      }),
      workers: t.field({
        type: [WorkerType],
        description: 'The live inference workers of the queue, with their backend, device and throughput; empty without a queue.',
        resolve: async (_info, _args, { services }) => (services.cluster ? services.cluster.workers() : []),
      }),
    }),
  });

builder.queryField('serverInfo', (t) =>
  t.field({
    type: ServerInfoType,
    description: 'Version, execution backend, batch size and limits.',
    resolve: async (_root, _args, { services }) => ({
      version: VERSION,
      backend: await services.models.backend(),
      batchSize: services.config.inference.batchSize,
      defaultThreshold: services.config.prediction.defaultThreshold,
      pixelStoreConversion: services.pixelStoreConversion.status,
      limits: {
        minEventsPerClass: 1,
        maxEventsPerClass: services.config.prediction.maxEventsPerClass,
        dashboardMinEventsPerClass: DASHBOARD_EVENTS_PER_CLASS.min,
        dashboardMaxEventsPerClass: Math.min(DASHBOARD_EVENTS_PER_CLASS.max, services.config.prediction.maxEventsPerClass),
        maxSamples: services.config.prediction.maxSamples,
      },
    }),
  }),
);

builder.scalarType('File', {
  description: 'A file sent with a multipart request (GraphQL multipart request spec).',
  serialize: () => {
    throw new Error('File is an input-only scalar');
  },
});

builder.mutationField('uploadModel', (t) =>
  t.field({
    type: ModelType,
    description:
      'Registers a Keras .h5/.keras or .onnx model sent as a multipart upload (file), or read from object storage (source: ' +
      's3://bucket/key.h5, with the server\'s endpoint and credentials; a key.labels.txt or labels.txt beside it names the classes); ' +
      'give one of the two. With activate (default), predict uses it from now on. A file that cannot be served is refused with the ' +
      'reason, and the active model keeps serving. With a shared store (config storage.url) the file is also kept there for every host.',
    args: {
      file: t.arg({ type: 'File', required: false, description: 'The model file, as a multipart upload; or give source.' }),
      source: t.arg.string({ required: false, description: 's3://bucket/key of a model file in object storage; or give file.' }),
      name: t.arg.string({ required: false, description: 'Display name; the file name by default.' }),
      activate: t.arg.boolean({ required: false, defaultValue: true }),
      classNames: t.arg.stringList({ required: false, description: 'The classes the outputs score, in output order (2 for a sigmoid unit: negative, positive).' }),
      labels: t.arg({ type: 'File', required: false, description: 'A labels.txt (one class per line, in output order; "0 name" lines as Teachable Machine writes them), instead of classNames.' }),
      preprocessing: t.arg({ type: PreprocessingInputType, required: false, description: 'How pixels become input; defaults from the model input.' }),
    },
    resolve: async (_root, args, { services, principal }) => {
      requirePermission(principal, 'manage');
      if ((args.file == null) === (args.source == null)) throw new UserInputError('give the model as file (a multipart upload) or as source (s3://bucket/key), one of the two', 'file');
      const preprocessing = args.preprocessing
        ? {
            ...(args.preprocessing.colorMode ? { colorMode: args.preprocessing.colorMode } : {}),
            ...(args.preprocessing.scale != null ? { scale: args.preprocessing.scale } : {}),
            ...(args.preprocessing.offset != null ? { offset: args.preprocessing.offset } : {}),
            ...(args.preprocessing.mean ? { mean: args.preprocessing.mean } : {}),
            ...(args.preprocessing.std ? { std: args.preprocessing.std } : {}),
          }
        : null;
      const labelsText = args.labels ? await readLabels(args.labels) : null;
      if (args.source != null) {
        const registered = await services.models.registerFromBucket(args.source, { name: args.name ?? undefined, classNames: args.classNames ?? null, labelsText, preprocessing });
        const model = (args.activate ?? true) ? await services.models.activate(registered.id) : registered;
        return { ...model, active: model.id === services.models.defaultModelId };
      }
      const file = args.file!;
      const limit = services.config.server.maxUploadBytes;
      if (file.size > limit) throw new UserInputError(`the model file is ${file.size} bytes; uploads are limited to ${limit} bytes (server.maxUploadBytes)`, 'file');
      const bytes = new Uint8Array(await file.arrayBuffer());
      const model = await services.models.upload(bytes, {
        fileName: file.name,
        name: args.name ?? undefined,
        activate: args.activate ?? true,
        classNames: args.classNames ?? null,
        labelsText,
        preprocessing,
      });
      return { ...model, active: model.id === services.models.defaultModelId };
    },
  }),
);

builder.mutationField('activateModel', (t) =>
  t.field({
    type: ModelType,
    description: 'Makes a registered model the one predict uses when no modelId is given.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, { services, principal }) => {
      requirePermission(principal, 'manage');
      const model = await services.models.activate(Number(args.id));
      return { ...model, active: true };
    },
  }),
);

/** Labels files are a few lines of text: anything larger is not one. */
const MAX_LABELS_BYTES = 1024 * 1024;

async function readLabels(file: File): Promise<string> {
  if (file.size > MAX_LABELS_BYTES) throw new UserInputError(`the labels file is ${file.size} bytes; a labels.txt holds one class name per line (at most ${MAX_LABELS_BYTES} bytes)`, 'labels');
  return new TextDecoder('utf-8', { fatal: false }).decode(await file.arrayBuffer());
}
