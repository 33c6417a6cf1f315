// The object store of a configuration, and the shared store's own location (storage.url) when one is set.
import type { Config } from '../config.ts';
import { ObjectStore } from './object-store.ts';
import { isObjectUrl, parseObjectUrl, type ObjectLocation } from './object-url.ts';

export { ObjectStore, type ObjectInfo } from './object-store.ts';
export { ObjectCache } from './object-cache.ts';
export { ObjectStoreError } from './errors.ts';
export { asPrefix, childOf, formatObjectUrl, isObjectUrl, parseObjectUrl, type ObjectLocation } from './object-url.ts';

export function objectStoreFor(config: Pick<Config, 'storage'>, env: NodeJS.ProcessEnv = process.env): ObjectStore {
  const { endpoint, region, forcePathStyle, maxAttempts, requestTimeoutMs } = config.storage;
  return new ObjectStore({ endpoint, region, forcePathStyle, maxAttempts, requestTimeoutMs }, env);
}

/** Where uploads are shared, or null when the service keeps them in its data folder only. */
export function sharedStoreLocation(config: Pick<Config, 'storage'>): ObjectLocation | null {
  return config.storage.url ? parseObjectUrl(config.storage.url, 'storage.url') : null;
}

/**
 * At start-up: the buckets the configuration names (storage.url, an s3:// inference.model) answer and accept
 * the credentials, or an ObjectStoreError says which does not and why. Nothing to check without them.
 */
export async function checkConfiguredBuckets(config: Pick<Config, 'storage' | 'inference'>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const buckets = new Set<string>();
  const shared = sharedStoreLocation(config);
  if (shared) buckets.add(shared.bucket);
  if (isObjectUrl(config.inference.model)) buckets.add(parseObjectUrl(config.inference.model, 'inference.model').bucket);
  if (buckets.size === 0) return;
  const store = objectStoreFor(config, env);
  try {
    for (const bucket of buckets) await store.checkBucket(bucket);
  } finally {
    store.close();
  }
}
