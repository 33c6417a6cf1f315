// What a run will do, decided before it starts: the dataset and its classes, the model and the class mapping,
// the energy bins, and the events of each class. Every refusal names what does not fit.
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { DatasetCatalog, RunnableDataset } from '../data/dataset-catalog.ts';
import type { DatasetFiles } from '../data/dataset-files.ts';
import type { Db } from '../data/db.ts';
import { energyBinAt, energyBins } from '../data/energy-bins.ts';
import { CachedEventSelection, NotEnoughEventsError } from '../data/event-selection.ts';
import { imageFile } from '../data/event-images.ts';
import { mapClasses, type ClassMapping } from '../domain/classes.ts';
import { signalClassOf } from '../domain/dataset.ts';
import type { EnergyBin } from '../domain/energy.ts';
import type { ModelDescriptor } from '../domain/model.ts';
import type { PredictInput, RunClasses } from '../domain/run.ts';
import { NotFoundError, UserInputError } from '../errors.ts';
import type { ModelRegistry } from '../models/model-registry.ts';

export interface SelectedEvent {
  id: number;
  classIndex: number;
  energyTeV: number | null;
  /** Absolute path of the image. */
  file: string;
}

export interface RunPlan {
  dataset: RunnableDataset;
  model: ModelDescriptor;
  classes: RunClasses;
  mapping: ClassMapping;
  /** The energy bins in index order (eventsPerClass events of each class drawn in each); empty over all energies. */
  bins: EnergyBin[];
  eventsPerClass: number;
  samples: number;
  seed: number;
  /** Per run class, the selected events: bin after bin, in random order within each; the first `samples` are the samples. */
  selection: SelectedEvent[][];
}

export class RunPlanner {
  private readonly inputSchema;
  private readonly events: CachedEventSelection;

  constructor(
    db: Db,
    private readonly datasets: DatasetCatalog,
    private readonly models: ModelRegistry,
    config: Config,
    /** Fetches a shared dataset's files to this host before its events are read. */
    private readonly files: DatasetFiles,
  ) {
    this.events = new CachedEventSelection(db);
    const { maxEventsPerClass, maxSamples } = config.prediction;
    const between = (name: string, min: number, max: number) => `${name} must be between ${min} and ${max}`;
    this.inputSchema = z.object({
      energyBin: z.number().int().nullish(),
      energyBins: z.array(z.number().int()).nullish(),
      eventsPerClass: z.number().int().min(1, between('eventsPerClass', 1, maxEventsPerClass)).max(maxEventsPerClass, between('eventsPerClass', 1, maxEventsPerClass)),
      samples: z.number().int().min(0, between('samples', 0, maxSamples)).max(maxSamples, between('samples', 0, maxSamples)).default(0),
      modelId: z.string().nullish(),
      seed: z.number().int().nullish(),
      datasetId: z.string().nullish(),
      classMapping: z.array(z.object({ modelClass: z.string(), datasetClass: z.string() })).nullish(),
    });
  }

  /** `fetchFiles: false` plans without fetching a dataset held in object storage (a rehearsal, not a run). */
  async plan(input: PredictInput, options: { fetchFiles?: boolean } = {}): Promise<RunPlan> {
    const parsed = this.inputSchema.safeParse({ ...input, samples: input.samples ?? undefined });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UserInputError(issue.message, String(issue.path[0] ?? 'input'));
    }
    const { eventsPerClass, samples } = parsed.data;
    const model = await this.resolveModel(parsed.data.modelId);
    const dataset = await this.datasets.resolveReady(parsed.data.datasetId);
    checkImageFits(dataset, model);
    if (options.fetchFiles !== false) await this.files.ensureLocal(dataset);
    const names = dataset.classes.map((label) => label.name);
    const mapping = mapClasses(model.classNames, names, parsed.data.classMapping ?? []);
    if (!Array.isArray(mapping)) throw new UserInputError(`model "${model.name}" cannot score dataset "${dataset.name}": ${(mapping as { problem: string }).problem}`, 'classMapping');

    const bins = binsOf(dataset, parsed.data.energyBin, parsed.data.energyBins);
    const seed = parsed.data.seed ?? Math.floor(Math.random() * 2 ** 31);
    const selection = names.map((): SelectedEvent[] => []);
    // Each bin is drawn as a one-bin run with the same seed would draw it, so a bin's events do not depend on the other bins.
    for (const bin of bins.length ? bins : [null]) {
      (await this.select(dataset, names, bin, eventsPerClass, seed)).forEach((events, classIndex) => selection[classIndex].push(...events));
    }
    return { dataset, model, classes: { names, signalClass: signalClassOf(dataset) }, mapping: mapping as ClassMapping, bins, eventsPerClass, samples, seed, selection };
  }

  /** Reads the default dataset's events ahead (CachedEventSelection.prime), so that its first predict queries none. */
  async primeDefaultDataset(): Promise<void> {
    const dataset = await this.datasets.resolveReady(null).catch(() => null);
    if (!dataset) return;
    await this.events.prime({
      id: dataset.id,
      eventsRevision: dataset.eventsRevision,
      classes: dataset.classes.map((label) => label.name),
      energyRangesTeV: dataset.energyEdgesTeV ? energyBins(dataset.energyEdgesTeV).map((bin) => ({ min: bin.minTeV, max: bin.maxTeV })) : [],
    });
  }

  private async resolveModel(modelId: string | null | undefined): Promise<ModelDescriptor> {
    if (modelId == null) {
      const id = this.models.defaultModelId;
      if (id === null) throw new NotFoundError('no model is loaded: register one or set inference.model', 'modelId');
      return this.models.get(id);
    }
    const id = Number(modelId);
    if (!Number.isInteger(id)) throw new NotFoundError(`unknown model "${modelId}"`, 'modelId');
    return this.models.get(id);
  }

  private async select(dataset: RunnableDataset, names: readonly string[], bin: EnergyBin | null, count: number, seed: number): Promise<SelectedEvent[][]> {
    const selection: SelectedEvent[][] = [];
    const rootDir = path.resolve(dataset.rootDir);
    for (const [classIndex, label] of names.entries()) {
      const rows = await this.events.select({
        datasetId: dataset.id,
        eventsRevision: dataset.eventsRevision,
        label,
        ...(bin ? { energyTeV: { min: bin.minTeV, max: bin.maxTeV } } : {}),
        count,
        seed: seed + classIndex,
      }).catch((error: unknown) => {
        if (error instanceof NotEnoughEventsError) throw new UserInputError(`${bin ? `energy bin ${bin.index} (${bin.label}): ` : ''}${error.message}`, 'eventsPerClass');
        throw error;
      });
      selection.push(rows.map((row) => ({ id: row.id, classIndex, energyTeV: row.energyTeV, file: imageFile(rootDir, row.imagePath) })));
    }
    return selection;
  }
}

/** The bins a run asks for, in index order: energyBin or energyBins (not both), each a bin of the dataset, none twice. */
function binsOf(dataset: RunnableDataset, energyBin: number | null | undefined, energyBinList: readonly number[] | null | undefined): EnergyBin[] {
  if (energyBin != null && energyBinList != null) throw new UserInputError('give energyBin or energyBins, not both', 'energyBins');
  const field = energyBin != null ? 'energyBin' : 'energyBins';
  const indices = energyBin != null ? [energyBin] : (energyBinList ?? []);
  if (energyBinList != null && energyBinList.length === 0) throw new UserInputError('energyBins is empty: name at least one bin, or leave it out to draw over all energies', 'energyBins');
  if (indices.length === 0) return [];
  if (!dataset.energyEdgesTeV) throw new UserInputError(`dataset "${dataset.name}" has no energies: leave ${field} out to draw over all events`, field);
  const twice = indices.find((index, i) => indices.indexOf(index) !== i);
  if (twice !== undefined) throw new UserInputError(`energyBins names bin ${twice} twice`, 'energyBins');
  const edges = dataset.energyEdgesTeV;
  return indices
    .map((index) => {
      try {
        return energyBinAt(edges, index);
      } catch (error) {
        if (error instanceof UserInputError) throw new UserInputError(error.message, field);
        throw error;
      }
    })
    .sort((a, b) => a.index - b.index);
}

/** A model takes images of one size: a dataset of another size is refused with both sizes named. */
function checkImageFits(dataset: RunnableDataset, model: ModelDescriptor): void {
  const [height, width] = model.inputShape;
  const image = dataset.image;
  if (image && (image.width !== width || image.height !== height)) {
    throw new UserInputError(
      `model "${model.name}" takes ${width}x${height} images, but dataset "${dataset.name}" holds ${image.width}x${image.height} images; upload the dataset again with resizeTo ${width}x${height}, or use a model of that size`,
      'modelId',
    );
  }
}
