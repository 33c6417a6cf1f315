// Connections to the Redis that holds the batch queue, the runs' progress feeds and the workers' announcements.
import type { RedisOptions as QueueRedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { UnavailableError } from '../errors.ts';

/** The URL as it may be logged or shown: without its password. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured queue.url';
  }
}

/** Options for BullMQ's connections: commands wait through a reconnect instead of failing (BullMQ requires it). */
export function queueConnection(url: string): QueueRedisOptions {
  return { url, maxRetriesPerRequest: null };
}

/** A client of our own (feeds, announcements, leases); `name` shows in CLIENT LIST. */
export function openRedis(url: string, name: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: null, connectionName: `astri-${name}`, lazyConnect: false });
  // Errors are retried by ioredis' reconnect; without a listener each one would be an unhandled 'error' event.
  client.on('error', () => undefined);
  return client;
}

/**
 * Refuses to start, naming the server, when the queue's Redis does not answer or evicts keys: BullMQ loses
 * jobs on a Redis that may evict them.
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [, policy] = (await client.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
    if (policy !== undefined && policy !== 'noeviction') {
      throw new UnavailableError(`the queue's Redis at ${redactRedisUrl(url)} evicts keys (maxmemory-policy ${policy}): BullMQ needs maxmemory-policy noeviction`);
    }
  } catch (error) {
    if (error instanceof UnavailableError) throw error;
    throw new UnavailableError(`the queue's Redis at ${redactRedisUrl(url)} does not answer: ${(error as Error).message}`);
  } finally {
    client.disconnect();
  }
}
