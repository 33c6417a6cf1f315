// A bucket prefix read as if it were an archive: its objects, in key order, are the entries, so a dataset in
// object storage goes through the same checks, layouts and limits as an uploaded .zip. Objects are fetched
// ahead of the reader with bounded concurrency; what was fetched before a failure is kept in the object
// cache, so reading the same prefix again resumes rather than starts over.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { UserInputError } from '../../errors.ts';
import type { ObjectCache } from '../../storage/object-cache.ts';
import type { ObjectInfo, ObjectStore } from '../../storage/object-store.ts';
import { asPrefix, formatObjectUrl, type ObjectLocation } from '../../storage/object-url.ts';
import type { ArchiveReader, RawEntry } from './readers.ts';

export interface BucketListing {
  location: ObjectLocation;
  /** The objects under the prefix (folder markers included), in the store's key order. */
  objects: ObjectInfo[];
  /** sha256 of the listing (keys, sizes, version tags): the same content listed twice has the same hash. */
  sha256: string;
}

/** Lists a prefix for a dataset; refuses an empty one, and one of more objects than an archive may hold. */
export async function listBucketDataset(store: ObjectStore, location: ObjectLocation, limits: { maxEntries: number }, signal?: AbortSignal): Promise<BucketListing> {
  const url = formatObjectUrl({ bucket: location.bucket, key: asPrefix(location.key) });
  const objects: ObjectInfo[] = [];
  const hash = createHash('sha256').update(`${location.bucket}\n${asPrefix(location.key)}\n`);
  for await (const object of store.list(location, signal)) {
    if (objects.length >= limits.maxEntries) {
      throw new UserInputError(`${url} holds more than ${limits.maxEntries} objects, the limit for one dataset`, 'source');
    }
    objects.push(object);
    hash.update(`${object.key}\t${object.size}\t${object.etag}\n`);
  }
  if (objects.length === 0) throw new UserInputError(`${url} holds no objects: expected one folder per class, or a manifest.csv and its images`, 'source');
  return { location, objects, sha256: hash.digest('hex') };
}

export interface BucketReaderOptions {
  /** Objects fetched at once, ahead of the reader. */
  concurrency: number;
  cache: ObjectCache | null;
  signal?: AbortSignal;
}

type Fetched = { bytes: Buffer } | { error: unknown };

export function openBucketReader(store: ObjectStore, listing: BucketListing, options: BucketReaderOptions): ArchiveReader & { objectsFetched(): number } {
  const { bucket } = listing.location;
  const prefix = asPrefix(listing.location.key);
  const objects = listing.objects.filter((object) => object.key !== prefix);
  let bytesRead = 0;
  let fetched = 0;
  const fetchOne = async (object: ObjectInfo): Promise<Fetched> => {
    try {
      let bytes = await options.cache?.read(bucket, object);
      if (!bytes) {
        bytes = await store.get({ bucket, key: object.key }, options.signal);
        fetched++;
        await options.cache?.write(bucket, object, bytes);
      }
      bytesRead += bytes.length;
      return { bytes };
    } catch (error) {
      return { error };
    }
  };
  return {
    format: 'bucket',
    entryCount: objects.length,
    declaredBytes: objects.reduce((sum, object) => sum + object.size, 0),
    archiveBytesRead: () => bytesRead,
    objectsFetched: () => fetched,
    async *entries(): AsyncGenerator<RawEntry> {
      const ahead = new Map<number, Promise<Fetched>>();
      let next = 0;
      for (let i = 0; i < objects.length; i++) {
        for (; next < objects.length && next < i + Math.max(1, options.concurrency); next++) {
          if (!objects[next].key.endsWith('/')) ahead.set(next, fetchOne(objects[next]));
        }
        const object = objects[i];
        const name = object.key.slice(prefix.length);
        if (object.key.endsWith('/')) {
          yield { name, kind: 'directory', declaredBytes: 0, open: async () => Readable.from([]), skip() {} };
          continue;
        }
        const result = ahead.get(i)!;
        ahead.delete(i);
        yield {
          name,
          kind: 'file',
          declaredBytes: object.size,
          async open() {
            const outcome = await result;
            if ('error' in outcome) throw outcome.error;
            return Readable.from([outcome.bytes]);
          },
          skip() {},
        };
      }
    },
    sha256: async () => listing.sha256,
    close() {},
  };
}
