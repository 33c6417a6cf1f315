// A dataset's files and the shared object store (storage.url): after an ingest its folder is copied to
// <store>/datasets/<content sha256>/, and a host that lacks the folder (another API host, a fresh container)
// fetches it from there before it serves an image or runs a prediction on it. Datasets registered in place
// from a local folder are not shared: they live where they were registered.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UnavailableError } from '../errors.ts';
import { asPrefix, childOf, formatObjectUrl, parseObjectUrl, type ObjectLocation, type ObjectStore } from '../storage/index.ts';
import type { Db } from './db.ts';

export interface SharedDataset {
  id: number;
  rootDir: string;
  storeUrl: string | null;
}

export class DatasetFiles {
  private readonly fetching = new Map<number, Promise<void>>();

  constructor(
    private readonly db: Db,
    /** The shared store's location, or null when uploads stay on this host. */
    private readonly shared: ObjectLocation | null,
    private readonly store: () => ObjectStore,
    private readonly concurrency: number,
  ) {}

  get sharing(): boolean {
    return this.shared !== null;
  }

  /** Copies a freshly ingested dataset's folder to the shared store and records where; nothing without one. */
  async share(datasetId: number, rootDir: string, contentSha256: string, signal?: AbortSignal): Promise<void> {
    if (!this.shared) return;
    const target = childOf(this.shared, `datasets/${contentSha256}`);
    const files = await filesUnder(rootDir);
    const store = this.store();
    await inBatches(files, this.concurrency, async (file) => {
      const bytes = await readFile(file);
      await store.put(childOf(target, path.relative(rootDir, file).split(path.sep).join('/')), () => bytes, bytes.length, signal);
    });
    await this.db.dataset.update({ where: { id: datasetId }, data: { storeUrl: formatObjectUrl({ bucket: target.bucket, key: asPrefix(target.key) }) } });
  }

  /** Makes sure the dataset's folder is on this host, fetching it from the shared store once if it is not. */
  async ensureLocal(dataset: SharedDataset): Promise<void> {
    if (!dataset.storeUrl || existsSync(dataset.rootDir)) return;
    let fetching = this.fetching.get(dataset.id);
    if (!fetching) {
      fetching = this.fetch(dataset.storeUrl, dataset.rootDir).finally(() => this.fetching.delete(dataset.id));
      this.fetching.set(dataset.id, fetching);
    }
    await fetching;
  }

  /** The same for the dataset of an event (an image request). */
  async ensureLocalForEvent(eventId: number): Promise<void> {
    const row = await this.db.event.findUnique({ where: { id: eventId }, select: { dataset: { select: { id: true, rootDir: true, storeUrl: true } } } });
    if (row) await this.ensureLocal(row.dataset);
  }

  private async fetch(storeUrl: string, rootDir: string): Promise<void> {
    const location = parseObjectUrl(storeUrl);
    const prefix = asPrefix(location.key);
    const store = this.store();
    // Into a temporary folder first: the dataset's folder appears whole or not at all.
    const partial = `${rootDir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    try {
      const objects = [];
      for await (const object of store.list(location)) objects.push(object);
      if (objects.length === 0) throw new UnavailableError(`the shared store holds no files for this dataset (${storeUrl} is empty)`);
      await inBatches(objects, this.concurrency, async (object) => {
        const relative = object.key.slice(prefix.length);
        const file = path.resolve(partial, relative);
        if (!file.startsWith(partial + path.sep)) return; // a key that would leave the folder is not ours
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, await store.get({ bucket: location.bucket, key: object.key }));
      });
      await mkdir(path.dirname(rootDir), { recursive: true });
      await rename(partial, rootDir);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true });
  const files: string[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    if ((await stat(file)).isFile()) files.push(file);
  }
  return files;
}

async function inBatches<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
