// Read access to datasets: their descriptors, class counts per energy bin, and the default dataset.
import { Prisma, type Db } from './db.ts';
import type { ClassLabel } from '../domain/classes.ts';
import type { DatasetDescriptor, DatasetSource, DatasetState, RejectedFile } from '../domain/dataset.ts';
import { energyBins, type EnergyBin } from '../domain/energy.ts';
import { NotFoundError, UserInputError } from '../errors.ts';

/** A dataset as a run needs it: its descriptor and where its files are, without the class counts. */
export type RunnableDataset = Omit<DatasetSummary, 'classCounts' | 'eventCount'>;

export interface DatasetSummary extends DatasetDescriptor {
  rootDir: string;
  contentSha256: string | null;
  /** s3://bucket/prefix of a dataset read from an object store. */
  sourceUrl: string | null;
  /** Where the shared store keeps the dataset's files, when storage.url is set. */
  storeUrl: string | null;
  /** Raised by every write to the dataset's events (event-selection.ts keys its cache on it). */
  eventsRevision: number;
  /** Events per class, in the dataset's class order. */
  classCounts: number[];
  eventCount: number;
}

/** An energy bin with its events per class (dataset order). */
export interface BinCounts extends EnergyBin {
  counts: number[];
}

type DatasetRow = NonNullable<Awaited<ReturnType<Db['dataset']['findUnique']>>>;

export function toDatasetDescriptor(row: DatasetRow): DatasetDescriptor {
  return {
    id: row.id,
    name: row.name,
    source: row.source as DatasetSource,
    state: row.state as DatasetState,
    classes: JSON.parse(row.classes) as ClassLabel[],
    signalClass: row.signalClass,
    energyEdgesTeV: row.energyEdgesTeV ? (JSON.parse(row.energyEdgesTeV) as number[]) : null,
    image: row.imageWidth && row.imageHeight && row.imageChannels ? { width: row.imageWidth, height: row.imageHeight, channels: row.imageChannels } : null,
    rejectedFiles: JSON.parse(row.rejectedFiles) as RejectedFile[],
    error: row.error,
    createdAt: row.createdAt,
  };
}

export class DatasetCatalog {
  constructor(private readonly db: Db) {}

  async list(): Promise<DatasetSummary[]> {
    const rows = await this.db.dataset.findMany({ orderBy: { id: 'asc' } });
    const counts = await this.classCounts();
    return rows.map((row) => this.summarise(row, counts.get(row.id)));
  }

  async get(id: number): Promise<DatasetSummary> {
    const row = Number.isSafeInteger(id) ? await this.db.dataset.findUnique({ where: { id } }) : null;
    if (!row) throw new NotFoundError(`unknown dataset "${id}": list them with the "datasets" query`, 'datasetId');
    return this.summarise(row, (await this.classCounts(id)).get(id));
  }

  /** The dataset a request means: the given id, or the default (the first ready dataset, the demo on a fresh install). */
  async resolve(datasetId: string | number | null | undefined): Promise<DatasetSummary> {
    const row = await this.resolveRow(datasetId);
    return this.summarise(row, (await this.classCounts(row.id)).get(row.id));
  }

  /**
   * A dataset predict may use: ready, with images of one size. Without the class counts (a GROUP BY over the
   * dataset's events, not needed by a run): one query.
   */
  async resolveReady(datasetId: string | number | null | undefined): Promise<RunnableDataset> {
    const row = await this.resolveRow(datasetId);
    const dataset = { ...toDatasetDescriptor(row), ...locationOf(row) };
    if (dataset.state !== 'ready') {
      throw new UserInputError(`dataset "${dataset.name}" is ${dataset.state}${dataset.error ? ` (${dataset.error})` : ''}; only ready datasets can be used`, 'datasetId');
    }
    return dataset;
  }

  private async resolveRow(datasetId: string | number | null | undefined): Promise<DatasetRow> {
    if (datasetId != null) {
      const id = Number(datasetId);
      const row = Number.isSafeInteger(id) ? await this.db.dataset.findUnique({ where: { id } }) : null;
      if (!row) throw new NotFoundError(`unknown dataset "${datasetId}": list them with the "datasets" query`, 'datasetId');
      return row;
    }
    const first = await this.db.dataset.findFirst({ where: { state: 'ready' }, orderBy: { id: 'asc' } });
    if (!first) throw new NotFoundError('no dataset is registered yet: upload one (uploadDataset) or run `astri ingest`', 'datasetId');
    return first;
  }

  /** Events per energy bin [edge_i, edge_i+1) and class, in one GROUP BY query; [] for a dataset without energies. */
  async countByBin(dataset: DatasetDescriptor): Promise<BinCounts[]> {
    if (!dataset.energyEdgesTeV) return [];
    const names = dataset.classes.map((label) => label.name);
    const bins: BinCounts[] = energyBins(dataset.energyEdgesTeV).map((bin) => ({ ...bin, counts: names.map(() => 0) }));
    if (bins.length === 0) return bins;
    // Bin indexes are written into the SQL (integers of our own): a bound value's type would be text to PostgreSQL.
    const cases = Prisma.join(
      bins.map((bin) => Prisma.sql`WHEN "energyTeV" < ${bin.maxTeV} THEN ${Prisma.raw(String(Math.trunc(bin.index)))}`),
      ' ',
    );
    const rows = await this.db.$queryRaw<Array<{ bin: number | bigint; label: string; n: number | bigint }>>(
      Prisma.sql`SELECT CASE ${cases} END AS "bin", "label", COUNT(*) AS "n" FROM "Event"
        WHERE "datasetId" = ${dataset.id} AND "energyTeV" >= ${bins[0].minTeV} AND "energyTeV" < ${bins[bins.length - 1].maxTeV}
        GROUP BY 1, 2`,
    );
    for (const row of rows) {
      const bin = bins[Number(row.bin)];
      const k = names.indexOf(row.label);
      if (bin && k >= 0) bin.counts[k] = Number(row.n);
    }
    return bins;
  }

  private async classCounts(datasetId?: number): Promise<Map<number, Map<string, number>>> {
    const rows = await this.db.$queryRaw<Array<{ datasetId: number | bigint; label: string; n: number | bigint }>>(
      Prisma.sql`SELECT "datasetId", "label", COUNT(*) AS "n" FROM "Event"${datasetId === undefined ? Prisma.empty : Prisma.sql` WHERE "datasetId" = ${datasetId}`} GROUP BY "datasetId", "label"`,
    );
    const counts = new Map<number, Map<string, number>>();
    for (const row of rows) {
      const id = Number(row.datasetId);
      if (!counts.has(id)) counts.set(id, new Map());
      counts.get(id)!.set(row.label, Number(row.n));
    }
    return counts;
  }

  private summarise(row: DatasetRow, counts: Map<string, number> | undefined): DatasetSummary {
    const descriptor = toDatasetDescriptor(row);
    const classCounts = descriptor.classes.map((label) => counts?.get(label.name) ?? 0);
    return { ...descriptor, ...locationOf(row), classCounts, eventCount: classCounts.reduce((a, b) => a + b, 0) };
  }
}

function locationOf(row: DatasetRow): Omit<RunnableDataset, keyof DatasetDescriptor> {
  return { rootDir: row.rootDir, contentSha256: row.contentSha256, sourceUrl: row.sourceUrl, storeUrl: row.storeUrl, eventsRevision: row.eventsRevision };
}

