// Registered models and their running inference engines. Each model file is loaded once and
// shared by every run that uses it; a file that fails to load leaves the current models serving.
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import type { Db, Model } from '../data/db.ts';
import { sha256File } from '../util/file-hash.ts';
import { InsufficientStorageError, isDiskFullError, NotFoundError, UnavailableError, UserInputError } from '../errors.ts';
import { describeModelFile, InferenceEngine, type BackendInfo, type ModelDescription } from '../inference/index.ts';
import type { ClassNamesSource, InputLayout, ModelDescriptor, Preprocessing } from '../domain/model.ts';
import { resolveClassNames, resolvePreprocessing, type ClassNameSources } from './model-classes.ts';
import { childOf, formatObjectUrl, isObjectUrl, ObjectCache, ObjectStoreError, objectStoreFor, parseObjectUrl, sharedStoreLocation, type ObjectStore } from '../storage/index.ts';

export type RegisteredModel = ModelDescriptor;

export interface RegisterOptions extends ClassNameSources {
  name?: string;
  version?: string;
  preprocessing?: Partial<Preprocessing> | null;
  /** s3://... the file was fetched from. */
  sourceUrl?: string | null;
}

export interface ModelRegistryOptions {
  /** Batch sizes each engine warms up on before it reports ready: the sizes real batches will have. */
  warmupBatchSizes: readonly number[];
  /** The object store models are read from and shared through; by default one made from config.storage. */
  objectStore?: ObjectStore;
  /** false on an API replica (server.role api): models are registered and described, never started here. */
  infersHere?: boolean;
  /** Engines kept started at once; the least recently used one is closed beyond this (a queue worker). Default: no limit. */
  maxEngines?: number;
}

const MODEL_EXTENSION = /\.(h5|hdf5|keras|onnx)$/i;

export class ModelRegistry {
  private readonly engines = new Map<number, Promise<InferenceEngine>>();
  private defaultId: number | null = null;
  private store: ObjectStore | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: Config,
    private readonly options: ModelRegistryOptions,
  ) {}

  /**
   * Registers (or finds) a model file by content hash; does not start an engine. The same file registered again
   * keeps its first registration's classes and preprocessing.
   */
  async register(file: string, options: RegisterOptions = {}): Promise<RegisteredModel> {
    const sha256 = await sha256File(file);
    const existing = await this.db.model.findUnique({ where: { sha256 } });
    if (existing) return toRegistered(existing);
    const outputName = this.config.inference.outputName;
    const description: ModelDescription = await describeModelFile(file, outputName !== undefined ? { outputName } : {});
    const { classNames, source } = await resolveClassNames(file, description, options);
    const preprocessing = resolvePreprocessing(description, this.config.inference.pixelScale, options.preprocessing);
    const row = await this.db.model.create({
      data: {
        name: options.name ?? path.basename(file).replace(MODEL_EXTENSION, ''),
        version: options.version ?? sha256.slice(0, 8),
        file: path.resolve(file),
        sha256,
        format: description.format,
        inputShape: JSON.stringify(description.inputShape),
        inputLayout: description.inputLayout,
        classNames: JSON.stringify(classNames),
        classNamesSource: source,
        outputKind: description.outputKind,
        preprocessing: JSON.stringify(preprocessing),
        parameterCount: description.parameterCount,
        kerasVersion: description.kerasVersion,
        sourceUrl: options.sourceUrl ?? null,
      },
    });
    return toRegistered(row);
  }

  /**
   * Registers a model file that lives in a bucket (s3://bucket/key.h5): fetched once per version into the
   * object cache, then registered by content hash as any file. Class names, unless given, come from a
   * labels file beside it in the bucket (key.labels.txt, then labels.txt), as beside a local file.
   */
  async registerFromBucket(url: string, options: Omit<RegisterOptions, 'sourceUrl'> = {}): Promise<RegisteredModel> {
    const location = parseObjectUrl(url, 'source');
    if (location.key === '' || location.key.endsWith('/')) throw new UserInputError(`source must name a model file (s3://bucket/path/model.h5), got ${url}`, 'source');
    const store = this.objectStore();
    const info = await store.head(location);
    if (!info) throw new ObjectStoreError(`${formatObjectUrl(location)} does not exist`, 'no-object', 'source');
    const cache = new ObjectCache(path.join(this.config.data.dir, 'cache', 'models'));
    const extension = MODEL_EXTENSION.exec(location.key)?.[0].toLowerCase() ?? '';
    const file = cache.fileFor(location.bucket, info, extension);
    if (!existsSync(file) || statSync(file).size !== info.size) await cache.write(location.bucket, info, await store.get(location), extension);
    let labelsText = options.labelsText ?? null;
    if (labelsText === null && !options.classNames) {
      const stem = location.key.replace(MODEL_EXTENSION, '');
      const folder = location.key.includes('/') ? location.key.slice(0, location.key.lastIndexOf('/') + 1) : '';
      for (const key of [`${stem}.labels.txt`, `${folder}labels.txt`]) {
        const bytes = await store.getIfExists({ bucket: location.bucket, key });
        if (bytes) {
          labelsText = bytes.toString('utf8');
          break;
        }
      }
    }
    try {
      return await this.register(file, {
        ...options,
        labelsText,
        name: options.name ?? path.posix.basename(location.key).replace(MODEL_EXTENSION, ''),
        sourceUrl: formatObjectUrl(location),
      });
    } catch (error) {
      if (error instanceof UserInputError && error.field !== 'file') throw error;
      const reason = withoutServerPaths((error as Error).message, this.config.data.dir);
      throw new UserInputError(`the model ${formatObjectUrl(location)} cannot be served: ${reason}`, 'source');
    }
  }

  /** Registers the configured model, makes it the default and starts its engine (with warm-up). */
  async loadDefault(): Promise<RegisteredModel> {
    const configured = this.config.inference.model;
    const options = { configClassNames: this.config.inference.classNames };
    const model = isObjectUrl(configured) ? await this.registerFromBucket(configured, options) : await this.register(configured, options);
    if (this.infersHere) await this.engineFor(model.id);
    this.defaultId = model.id;
    return model;
  }

  /**
   * Stores an uploaded model file under data/models/uploads/<sha256>.<ext> (the client's file name never
   * reaches the file system), registers it, and optionally makes it the active model. A file that cannot be
   * served is refused with the loader's message and removed; the active model keeps serving.
   */
  async upload(bytes: Uint8Array, options: { fileName: string; name?: string; activate: boolean } & Omit<RegisterOptions, 'name' | 'configClassNames'>): Promise<RegisteredModel> {
    const extension = modelExtension(bytes, options.fileName);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const dir = path.join(this.config.data.dir, 'models', 'uploads');
    const file = path.join(dir, `${sha256}${extension}`);
    await mkdir(dir, { recursive: true });
    const partial = `${file}.partial`;
    try {
      await writeFile(partial, bytes);
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      if (isDiskFullError(error)) throw new InsufficientStorageError("the server's disk is full: the model was not stored, the active model keeps serving; ask its administrator to free space");
      throw error;
    }
    let model: RegisteredModel;
    try {
      model = await this.register(file, { ...options, name: options.name ?? path.basename(options.fileName).replace(/\.[^.]+$/, '') });
    } catch (error) {
      if (error instanceof UserInputError && error.field !== 'file') {
        await rm(file, { force: true });
        throw error;
      }
      await rm(file, { force: true });
      const reason = withoutServerPaths((error as Error).message, this.config.data.dir);
      throw new UserInputError(`the uploaded model "${options.fileName}" cannot be served: ${reason}`, 'file');
    }
    model = await this.share(model, extension);
    if (options.activate) await this.activate(model.id);
    return model;
  }

  /** With a shared store (storage.url), an uploaded file is put there (once per content) for the other hosts. */
  private async share(model: RegisteredModel, extension: string): Promise<RegisteredModel> {
    const shared = sharedStoreLocation(this.config);
    if (!shared || model.storeUrl) return model;
    const location = childOf(shared, `models/${model.sha256}${extension}`);
    const store = this.objectStore();
    if (!(await store.head(location))) {
      const bytes = await readFile(model.file);
      await store.put(location, () => bytes, bytes.length);
    }
    const row = await this.db.model.update({ where: { id: model.id }, data: { storeUrl: formatObjectUrl(location) } });
    return toRegistered(row);
  }

  /**
   * The model's file on this host: where it was registered, else fetched from the shared store (or the bucket it
   * came from) into the data folder, checked against its content hash.
   */
  private async localFile(model: RegisteredModel): Promise<string> {
    if (existsSync(model.file)) return model.file;
    const url = model.storeUrl ?? model.sourceUrl;
    if (!url) throw new UserInputError(`the file of model ${model.id} ("${model.name}") is missing on this host, and no object store holds a copy`, 'modelId');
    const bytes = await this.objectStore().get(parseObjectUrl(url));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== model.sha256) throw new UserInputError(`${url} no longer holds model ${model.id} ("${model.name}"): its content changed`, 'modelId');
    const file = path.join(this.config.data.dir, 'models', 'uploads', `${model.sha256}${MODEL_EXTENSION.exec(model.file)?.[0] ?? ''}`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(`${file}.partial`, bytes);
    await rename(`${file}.partial`, file);
    return file;
  }

  private objectStore(): ObjectStore {
    this.store ??= this.options.objectStore ?? objectStoreFor(this.config);
    return this.store;
  }

  /** Makes a registered model the one predict uses by default, once its engine has started. */
  async activate(id: number): Promise<RegisteredModel> {
    const model = await this.get(id);
    try {
      if (this.infersHere) await this.engineFor(id);
    } catch (error) {
      const reason = withoutServerPaths((error as Error).message, this.config.data.dir);
      throw new UserInputError(`model ${id} ("${model.name}") cannot be started: ${reason}; the active model is unchanged`, 'modelId');
    }
    this.defaultId = id;
    return model;
  }

  get defaultModelId(): number | null {
    return this.defaultId;
  }

  async list(): Promise<RegisteredModel[]> {
    return (await this.db.model.findMany({ orderBy: { id: 'asc' } })).map(toRegistered);
  }

  async get(id: number): Promise<RegisteredModel> {
    const row = Number.isInteger(id) ? await this.db.model.findUnique({ where: { id } }) : null;
    if (!row) throw new NotFoundError(`unknown model ${id}: list the registered ones with the "models" query`, 'modelId');
    return toRegistered(row);
  }

  /** The running engine of a model, started on first use. */
  async engineFor(id: number): Promise<InferenceEngine> {
    if (!this.infersHere) throw new UnavailableError('this API replica runs no inference (server.role api): batches go to the queue\'s workers');
    let engine = this.engines.get(id);
    if (engine !== undefined) {
      // Most recently used last: the first one is the one to close when too many are started.
      this.engines.delete(id);
      this.engines.set(id, engine);
    } else {
      engine = this.get(id).then(async (model) =>
        InferenceEngine.start({
          modelFile: await this.localFile(model),
          backend: this.config.inference.backend,
          threads: this.config.inference.threads,
          preprocessing: model.preprocessing,
          ...(this.config.inference.outputName !== undefined ? { outputName: this.config.inference.outputName } : {}),
          warmupBatchSizes: [...this.options.warmupBatchSizes],
        }),
      );
      this.engines.set(id, engine);
      // A model that fails to load is forgotten, so that a later request retries it.
      engine.catch(() => this.engines.delete(id));
      this.closeLeastRecentlyUsed();
    }
    return engine;
  }

  private get infersHere(): boolean {
    return this.options.infersHere ?? true;
  }

  /** Beyond maxEngines, the least recently used engine (never the default model's) is closed once its batches end. */
  private closeLeastRecentlyUsed(): void {
    const limit = this.options.maxEngines;
    if (limit === undefined) return;
    for (const [id, engine] of this.engines) {
      if (this.engines.size <= limit) return;
      if (id === this.defaultId) continue;
      this.engines.delete(id);
      void engine.then((started) => started.closeWhenIdle()).catch(() => undefined);
    }
  }

  /** The backend of the default model's engine, for serverInfo. */
  async backend(): Promise<BackendInfo | null> {
    if (this.defaultId === null || !this.infersHere) return null;
    return (await this.engineFor(this.defaultId)).backend;
  }

  async close(): Promise<void> {
    const engines = [...this.engines.values()];
    this.engines.clear();
    await Promise.allSettled(engines.map(async (engine) => (await engine).close()));
    if (!this.options.objectStore) this.store?.close();
  }
}

function toRegistered(row: Model): RegisteredModel {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    file: row.file,
    sha256: row.sha256,
    format: row.format,
    inputShape: JSON.parse(row.inputShape) as [number, number, number],
    inputLayout: row.inputLayout as InputLayout,
    outputKind: row.outputKind,
    classNames: JSON.parse(row.classNames) as string[],
    classNamesSource: row.classNamesSource as ClassNamesSource,
    preprocessing: JSON.parse(row.preprocessing) as Preprocessing,
    parameterCount: row.parameterCount,
    kerasVersion: row.kerasVersion,
    sourceUrl: row.sourceUrl,
    storeUrl: row.storeUrl,
  };
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

/** .h5 for HDF5 content, .keras for a zip (Keras 3's archive), .onnx for a file named so; anything else is refused before it is stored. */
function modelExtension(bytes: Uint8Array, fileName: string): '.h5' | '.keras' | '.onnx' {
  if (HDF5_SIGNATURE.every((b, i) => bytes[i] === b)) return '.h5';
  if (ZIP_SIGNATURE.every((b, i) => bytes[i] === b)) return '.keras';
  // The content decides, not the name: an ONNX ModelProto opens with its ir_version (field 1, varint: 0x08).
  if (/\.onnx$/i.test(fileName) && bytes[0] === 0x08) return '.onnx';
  throw new UserInputError(`"${fileName}" is neither a Keras HDF5 file (.h5) nor an ONNX model (.onnx) nor a Keras archive (.keras)`, 'file');
}

/**
 * A loader's message names the file where the server keeps it; a client is told what is wrong with its
 * file, not where the server stores files (logs keep the full path).
 */
function withoutServerPaths(message: string, dataDir: string): string {
  const absolute = path.resolve(dataDir);
  return message
    .replaceAll(/(?:\/[^\s"':,;]+)+\.(?:h5|hdf5|keras|onnx)(?:\.partial)?/g, 'the file')
    .replaceAll(absolute, '<data>')
    .replace(/^the file: /, '');
}
