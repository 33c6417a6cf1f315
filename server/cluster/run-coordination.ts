// Which API replica conducts a run, and requests addressed to it. A replica holds a lease on each run it
// conducts and renews it; a run whose lease lapsed (its replica died) is taken over by another replica, which
// resumes it. A cancel asked of any replica reaches the one conducting the run.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { openRedis } from './redis-connection.ts';

/** A lease not renewed for this long is free: the replica that held it is taken for dead. */
const LEASE_MS = 15_000;
const RENEW_MS = 5_000;
const CANCEL_CHANNEL = 'astri:run-cancel';
const leaseKey = (runId: string) => `astri:run:${runId}:lease`;

export class RunCoordination {
  /** This replica, as written in its leases. */
  readonly replicaId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly held = new Set<string>();
  private readonly renewal: NodeJS.Timeout;
  private onCancel: (runId: string) => void = () => undefined;

  constructor(url: string) {
    this.commands = openRedis(url, 'coordination');
    this.subscriber = openRedis(url, 'coordination-subscriber');
    this.subscriber.on('message', (_channel: string, runId: string) => this.onCancel(runId));
    void this.subscriber.subscribe(CANCEL_CHANNEL).catch(() => undefined);
    this.renewal = setInterval(() => void this.renew(), RENEW_MS).unref();
  }

  /** Called with the id of every run some replica was asked to cancel. */
  whenCancelAsked(handler: (runId: string) => void): void {
    this.onCancel = handler;
  }

  /** Takes the run's lease if nobody holds it; true when this replica now conducts the run. */
  async acquire(runId: string): Promise<boolean> {
    const taken = (await this.commands.set(leaseKey(runId), this.replicaId, 'PX', LEASE_MS, 'NX')) === 'OK';
    if (taken) this.held.add(runId);
    return taken;
  }

  async release(runId: string): Promise<void> {
    this.held.delete(runId);
    // Only our own lease: compare and delete in one step.
    await this.commands.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, leaseKey(runId), this.replicaId);
  }

  async askToCancel(runId: string): Promise<void> {
    await this.commands.publish(CANCEL_CHANNEL, runId);
  }

  private async renew(): Promise<void> {
    for (const runId of this.held) {
      await this.commands
        .eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0", 1, leaseKey(runId), this.replicaId, LEASE_MS)
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.renewal);
    await Promise.allSettled([...this.held].map((runId) => this.release(runId)));
    await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
  }
}
