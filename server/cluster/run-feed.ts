// Progress of runs shared between API replicas: each run's messages go to a Redis stream (the history, so a
// late subscriber on any replica replays it) and a publish on the run's channel wakes the replicas that
// follow it. One subscriber connection per process, whatever the number of subscriptions.
import type { Redis } from 'ioredis';
import type { ProgressMessage, ScoredEvent } from '../domain/run.ts';
import { openRedis } from './redis-connection.ts';

/** A finished run's stream stays this long for late subscribers; the database keeps the run for good. */
const FINISHED_FEED_RETENTION_SECONDS = 600;
/** A subscriber also looks without a wake-up this often: a publish lost in a reconnect costs at most this. */
const POLL_MS = 1000;
const streamKey = (runId: string) => `astri:run:${runId}:progress`;
const channelOf = (runId: string) => `astri:run:${runId}:wake`;

export interface FeedWriter {
  /** Appends a message; messages are written in the order given. */
  publish(message: ProgressMessage): void;
  /** Resolves once every message is written and the stream is set to expire. */
  close(): Promise<void>;
}

export class RunFeeds {
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly wakeUps = new Map<string, Set<() => void>>();

  constructor(url: string) {
    this.commands = openRedis(url, 'feeds');
    this.subscriber = openRedis(url, 'feeds-subscriber');
    this.subscriber.on('message', (channel: string) => {
      const runId = channel.slice('astri:run:'.length, -':wake'.length);
      for (const wakeUp of this.wakeUps.get(runId) ?? []) wakeUp();
    });
  }

  writer(runId: string): FeedWriter {
    let written: Promise<unknown> = Promise.resolve();
    let failure: Error | null = null;
    const key = streamKey(runId);
    const then = (step: () => Promise<unknown>) => {
      written = written.then(step).catch((error: Error) => {
        failure ??= error;
      });
    };
    return {
      publish: (message) => {
        const payload = JSON.stringify(toWire(message));
        then(() => this.commands.multi().xadd(key, '*', 'm', payload).publish(channelOf(runId), '1').exec());
      },
      close: async () => {
        then(() => this.commands.expire(key, FINISHED_FEED_RETENTION_SECONDS));
        await written;
        if (failure) throw failure;
      },
    };
  }

  /** Forgets the run's messages: a replica that resumes the run writes them again from the start. */
  async restart(runId: string): Promise<void> {
    await this.commands.del(streamKey(runId));
  }

  /** Whether a replica is running, or recently ran, this run. */
  async has(runId: string): Promise<boolean> {
    return (await this.commands.exists(streamKey(runId))) === 1;
  }

  /** Every message of the run, history first, until its final message or the signal aborts. */
  async *subscribe(runId: string, signal?: AbortSignal): AsyncGenerator<ProgressMessage> {
    let wake: () => void = () => undefined;
    const listeners = this.wakeUps.get(runId) ?? new Set();
    const listener = () => wake();
    if (listeners.size === 0) {
      this.wakeUps.set(runId, listeners);
      await this.subscriber.subscribe(channelOf(runId));
    }
    listeners.add(listener);
    try {
      let after = '-';
      while (!signal?.aborted) {
        // Armed before reading, so that a message written meanwhile still wakes us.
        let timer: NodeJS.Timeout | undefined;
        let onAbort: (() => void) | undefined;
        const woken = new Promise<void>((resolve) => {
          wake = resolve;
          onAbort = resolve;
          timer = setTimeout(resolve, POLL_MS);
          signal?.addEventListener('abort', onAbort, { once: true });
        });
        try {
          const entries = await this.commands.xrange(streamKey(runId), after === '-' ? '-' : `(${after}`, '+', 'COUNT', 500);
          for (const [id, fields] of entries) {
            after = id;
            const message = fromWire(JSON.parse(fields[1]) as WireMessage);
            yield message;
            if (message.kind === 'finished') return;
          }
          if (entries.length === 0) await woken;
        } finally {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort!);
        }
      }
    } finally {
      listeners.delete(listener);
      if (listeners.size === 0) {
        this.wakeUps.delete(runId);
        await this.subscriber.unsubscribe(channelOf(runId)).catch(() => undefined);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
  }
}

type WireEvent = Omit<ScoredEvent, 'scores'> & { scores: number[] | null };
type WireMessage = Omit<ProgressMessage, 'batch'> & { batch: (Omit<NonNullable<ProgressMessage['batch']>, 'events'> & { events: WireEvent[] }) | null };

function toWire(message: ProgressMessage): WireMessage {
  if (!message.batch) return message as WireMessage;
  return { ...message, batch: { ...message.batch, events: message.batch.events.map((event) => ({ ...event, scores: event.scores ? Array.from(event.scores) : null })) } };
}

function fromWire(message: WireMessage): ProgressMessage {
  if (!message.batch) return message as ProgressMessage;
  return { ...message, batch: { ...message.batch, events: message.batch.events.map((event) => ({ ...event, scores: event.scores ? Float32Array.from(event.scores) : null })) } };
}
