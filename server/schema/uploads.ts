// Dataset uploads: the mutation that starts one, its cancellation, and its progress (a subscription, and
// Dataset.ingest while it runs).
import { requirePermission } from '../auth/authenticator.ts';
import type { IngestProgress } from '../domain/dataset.ts';
import { NotFoundError } from '../errors.ts';
import { builder } from './builder.ts';
import { DatasetStateEnum, DatasetType } from './datasets.ts';

export const IngestProgressType = builder.objectRef<IngestProgress>('IngestProgress').implement({
  description: 'How far the ingest of an uploaded dataset is.',
  fields: (t) => ({
    datasetId: t.id({ description: 'The dataset being ingested.', resolve: (p) => String(p.datasetId) }),
    state: t.field({ type: DatasetStateEnum, description: 'INGESTING until the last message, which says READY, FAILED or CANCELLED.', resolve: (p) => p.state }),
    phase: t.exposeString('phase', { description: 'receiving, unpacking (or reading a bucket), converting (images made one size and PNG), registering, sharing (copying to the shared object store, storage.url), or done.' }),
    filesDone: t.exposeInt('filesDone', { description: 'Files handled in this phase: archive entries while unpacking, images while converting, events while registering.' }),
    filesTotal: t.exposeInt('filesTotal', { nullable: true, description: 'Files this phase will handle; null while unknown (a tar has no table of contents).' }),
    bytesDone: t.exposeFloat('bytesDone', { description: 'Bytes received (receiving) or unpacked (later phases).' }),
    rejectedSoFar: t.exposeInt('rejectedSoFar', { description: 'Files refused so far (see Dataset.rejectedFiles once ready).' }),
    error: t.exposeString('error', { nullable: true, description: 'Why the ingest failed or stopped, on the last message.' }),
  }),
});

const ImageSizeInput = builder.inputType('ImageSizeInput', {
  description: 'An image size in pixels.',
  fields: (t) => ({
    width: t.int({ required: true, description: 'Width in pixels, 1 to 4096.' }),
    height: t.int({ required: true, description: 'Height in pixels, 1 to 4096.' }),
  }),
});

builder.objectField(DatasetType, 'ingest', (t) =>
  t.field({
    type: IngestProgressType,
    nullable: true,
    description: 'While INGESTING: how far it is; null otherwise.',
    resolve: (dataset, _args, { services }) => (dataset.state === 'ingesting' ? services.uploads.current(dataset.id) : null),
  }),
);

builder.mutationField('uploadDataset', (t) =>
  t.field({
    type: DatasetType,
    description:
      'Multipart upload of a .zip, .tar.gz or .tar: one folder per class (Keras image_dataset_from_directory layout), or a manifest.csv ' +
      '(file,label[,energy_tev], extra columns kept). PNG and JPEG images; JPEGs are converted to PNG, gray stays gray, and a dataset ' +
      'with any colour image becomes RGB. Returns at once with state INGESTING; follow datasetIngestProgress; the dataset is usable when ' +
      'READY. The same content uploaded again returns the existing dataset.',
    args: {
      file: t.arg({ type: 'File', required: true, description: 'The archive (.zip, .tar.gz/.tgz or .tar), at most server.maxUploadBytes.' }),
      name: t.arg.string({ required: false, description: "Dataset name; the archive's file name without its extension by default." }),
      resizeTo: t.arg({ type: ImageSizeInput, required: false, description: 'Resize every image to this size (stretched, as Keras does); without it, images of mixed sizes are refused.' }),
      signalClass: t.arg.string({ required: false, description: 'For a two-class dataset, the class whose score is the signal score ("gamma" for ASTRI).' }),
      colors: t.arg.stringList({ required: false, description: 'One CSS colour (#rrggbb) per class, in the class order (folder names sorted, or first appearance in the manifest).' }),
    },
    resolve: (_root, args, { services, principal }) => {
      requirePermission(principal, 'manage');
      return services.uploads.start(args.file, {
        name: args.name ?? null,
        resizeTo: args.resizeTo ? { width: args.resizeTo.width, height: args.resizeTo.height } : null,
        signalClass: args.signalClass ?? null,
        colors: args.colors ?? null,
      });
    },
  }),
);

builder.mutationField('registerDataset', (t) =>
  t.field({
    type: DatasetType,
    description:
      'Registers a dataset that lives in object storage (S3, MinIO, Ceph RGW): source is s3://bucket/prefix holding one folder per ' +
      'class, or a manifest.csv (file,label[,energy_tev]) and its images, as in an uploaded archive. The prefix is listed at once ' +
      '(an unknown bucket or refused credentials are an error here, and nothing is registered); the images are then read with ' +
      'bounded concurrency and retries, decoded once, and served by this server. Returns INGESTING; follow datasetIngestProgress. ' +
      'The same content registered again returns the existing dataset; after a failure, registering it again resumes from the ' +
      'objects already read.',
    args: {
      source: t.arg.string({ required: true, description: 's3://bucket/prefix; the endpoint, region and credentials are the server\'s (config storage, AWS_* environment).' }),
      name: t.arg.string({ required: false, description: "Dataset name; the prefix's last folder by default." }),
      resizeTo: t.arg({ type: ImageSizeInput, required: false, description: 'Resize every image to this size; without it, images of mixed sizes are refused.' }),
      signalClass: t.arg.string({ required: false, description: 'For a two-class dataset, the class whose score is the signal score ("gamma" for ASTRI).' }),
      colors: t.arg.stringList({ required: false, description: 'One CSS colour (#rrggbb) per class, in the class order.' }),
    },
    resolve: (_root, args, { services, principal }) => {
      requirePermission(principal, 'manage');
      return services.uploads.startFromBucket(args.source, {
        name: args.name ?? null,
        resizeTo: args.resizeTo ? { width: args.resizeTo.width, height: args.resizeTo.height } : null,
        signalClass: args.signalClass ?? null,
        colors: args.colors ?? null,
      });
    },
  }),
);

builder.mutationField('cancelDatasetUpload', (t) =>
  t.field({
    type: DatasetType,
    description: 'Stops the ingest of an upload; it ends CANCELLED with nothing kept. A dataset that is no longer ingesting is returned unchanged.',
    args: { id: t.arg.id({ required: true, description: 'The dataset returned by uploadDataset.' }) },
    resolve: async (_root, args, { services, principal }) => {
      requirePermission(principal, 'manage');
      return services.uploads.cancel(datasetIdOf(args.id));
    },
  }),
);

builder.subscriptionField('datasetIngestProgress', (t) =>
  t.field({
    type: IngestProgressType,
    description: 'Ingest progress of an upload; late subscribers get the messages sent so far first; ends when READY, FAILED or CANCELLED.',
    args: { datasetId: t.arg.id({ required: true, description: 'The dataset returned by uploadDataset.' }) },
    // Looked up before the stream starts, so an unknown id is an error result, not a broken stream.
    subscribe: async (_root, args, { services }) => {
      const id = datasetIdOf(args.datasetId);
      await services.datasets.get(id);
      return services.uploads.progress(id);
    },
    resolve: (message) => message,
  }),
);

function datasetIdOf(id: string | number): number {
  const n = Number(id);
  if (!Number.isSafeInteger(n)) throw new NotFoundError(`unknown dataset "${id}": list them with the "datasets" query`, 'datasetId');
  return n;
}
