import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config.ts';
import type { BackendInfo } from '../inference/index.ts';
import { UserInputError } from '../errors.ts';
import type { RegisteredModel } from '../models/model-registry.ts';
import { builder } from './builder.ts';

const VERSION = (JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Smallest events-per-class the dashboard offers; the API itself accepts from 1. */
export const DASHBOARD_EVENTS_PER_CLASS = { min: 100, max: 2000 } as const;

export const ModelType = builder.objectRef<RegisteredModel & { active: boolean }>('Model').implement({
  description: 'A registered classifier (Keras .h5 or ONNX file).',
  fields: (t) => ({
    id: t.id({ description: 'Model id, for predict(modelId) and activateModel.', resolve: (model) => String(model.id) }),
    name: t.exposeString('name', { description: 'Display name.' }),
    version: t.exposeString('version', { description: 'Version label (the first characters of the sha256 unless given).' }),
    format: t.exposeString('format', { description: 'keras-h5 or onnx.' }),
    sha256: t.exposeString('sha256', { description: 'Content hash of the model file.' }),
    inputShape: t.exposeIntList('inputShape', { description: 'Model input as [height, width, channels].' }),
    outputKind: t.exposeString('outputKind', { description: 'sigmoid (one unit = gammaness), softmax (class probabilities) or other.' }),
    classNames: t.exposeStringList('classNames', { description: 'A name per output unit.' }),
    gammaClassIndex: t.exposeInt('gammaClassIndex', { description: 'Which output unit is the gamma probability.' }),
    pixelScale: t.exposeFloat('pixelScale', { description: 'Preprocessing: input = pixel * pixelScale.' }),
    parameterCount: t.exposeInt('parameterCount', { description: 'Trainable and fixed weights (0 when unknown, for ONNX files).' }),
    kerasVersion: t.exposeString('kerasVersion', { nullable: true, description: 'Keras version that wrote the file.' }),
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

const BackendType = builder.objectRef<BackendInfo>('Backend').implement({
  description: 'Where the model runs.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'onnxruntime, tensorflow (tfjs-node), wasm or cpu.' }),
    device: t.exposeString('device', { description: 'The device, e.g. "CPU (wasm SIMD, 2 threads)" or a GPU name.' }),
    threads: t.exposeInt('threads', { description: 'Threads doing inference.' }),
    note: t.exposeString('note', { nullable: true, description: 'Why a faster backend was not used, if one was tried.' }),
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

const ServerInfoType = builder
  .objectRef<{ version: string; backend: BackendInfo | null; batchSize: number; limits: LimitsShape; defaultThreshold: number }>('ServerInfo')
  .implement({
    description: 'Facts about this server.',
    fields: (t) => ({
      version: t.exposeString('version', { description: 'Version of this service.' }),
      backend: t.field({ type: BackendType, nullable: true, description: 'Null until a model is loaded.', resolve: (info) => info.backend }),
      batchSize: t.exposeInt('batchSize', { description: 'Images per inference batch.' }),
      limits: t.field({ type: LimitsType, description: 'What predict accepts.', resolve: (info) => info.limits }),
      defaultThreshold: t.exposeFloat('defaultThreshold', { description: 'Gammaness threshold of the confusion matrix unless asked otherwise.' }),
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
      'Registers a Keras .h5 or .onnx model sent as a multipart upload; with activate (default), predict uses it from now on. A file that cannot be served is refused with the reason, and the active model keeps serving.',
    args: {
      file: t.arg({ type: 'File', required: true }),
      name: t.arg.string({ required: false, description: 'Display name; the file name by default.' }),
      activate: t.arg.boolean({ required: false, defaultValue: true }),
    },
    resolve: async (_root, args, { services }) => {
      const limit = services.config.server.maxUploadBytes;
      if (args.file.size > limit) throw new UserInputError(`the model file is ${args.file.size} bytes; uploads are limited to ${limit} bytes (server.maxUploadBytes)`, 'file');
      const bytes = new Uint8Array(await args.file.arrayBuffer());
      const model = await services.models.upload(bytes, { fileName: args.file.name, name: args.name ?? undefined, activate: args.activate ?? true });
      return { ...model, active: model.id === services.models.defaultModelId };
    },
  }),
);

builder.mutationField('activateModel', (t) =>
  t.field({
    type: ModelType,
    description: 'Makes a registered model the one predict uses when no modelId is given.',
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, { services }) => {
      const model = await services.models.activate(Number(args.id));
      return { ...model, active: true };
    },
  }),
);
