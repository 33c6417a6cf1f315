// The engine's queue of batches: fair between users, then between runs of a user, by images served.
// Start-time fair queuing: each user and each run has a virtual time (images served); the next batch is the
// one of the user, then the run, with the least, ties to the one served longest ago. A lane that becomes busy
// again starts at the least virtual time of those waiting, so a new small run is served within a batch or two
// instead of behind every big run's queued batches, and an idle lane cannot bank credit.

/** Whose batch it is: the run's owner and the run; batches without a lane share one. */
export interface Lane {
  user: string;
  run: string;
}

interface Clock {
  virtual: number;
  lastServed: number;
  seenAt: number;
}

/** Lanes idle this long are forgotten (finished runs). */
const FORGET_AFTER_MS = 60_000;

export class FairQueue<T> {
  private readonly pending = new Map<string, Map<string, T[]>>();
  private readonly userClocks = new Map<string, Clock>();
  private readonly runClocks = new Map<string, Clock>();
  private served = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(lane: Lane, item: T, now = Date.now()): void {
    let runs = this.pending.get(lane.user);
    if (!runs) {
      this.wake(this.userClocks, lane.user, [...this.pending.keys()], now);
      runs = new Map();
      this.pending.set(lane.user, runs);
    }
    const runKey = `${lane.user}\u0000${lane.run}`;
    let items = runs.get(lane.run);
    if (!items) {
      this.wake(this.runClocks, runKey, [...runs.keys()].map((run) => `${lane.user}\u0000${run}`), now);
      items = [];
      runs.set(lane.run, items);
    }
    items.push(item);
    this.count++;
  }

  /** The next item by fair share; `cost` is what serving it adds to its user's and run's virtual time. */
  shift(cost: (item: T) => number = () => 1): T | undefined {
    if (this.count === 0) return undefined;
    const user = this.least(this.userClocks, [...this.pending.keys()], (key) => key);
    const runs = this.pending.get(user)!;
    const run = this.least(this.runClocks, [...runs.keys()], (key) => `${user}\u0000${key}`);
    const items = runs.get(run)!;
    const item = items.shift()!;
    this.count--;
    if (items.length === 0) runs.delete(run);
    if (runs.size === 0) this.pending.delete(user);
    const amount = cost(item);
    this.served++;
    for (const clock of [this.userClocks.get(user)!, this.runClocks.get(`${user}\u0000${run}`)!]) {
      clock.virtual += amount;
      clock.lastServed = this.served;
    }
    return item;
  }

  /** Removes and returns every waiting item (engine shutdown). */
  drain(): T[] {
    const items = [...this.pending.values()].flatMap((runs) => [...runs.values()].flat());
    this.pending.clear();
    this.count = 0;
    return items;
  }

  /** A lane that starts waiting catches up with the least virtual time of those already waiting. */
  private wake(clocks: Map<string, Clock>, key: string, waiting: string[], now: number): void {
    for (const [other, clock] of clocks) if (now - clock.seenAt > FORGET_AFTER_MS && !waiting.includes(other)) clocks.delete(other);
    const floor = waiting.length ? Math.min(...waiting.map((other) => clocks.get(other)!.virtual)) : 0;
    const clock = clocks.get(key);
    if (clock) {
      clock.virtual = Math.max(clock.virtual, floor);
      clock.seenAt = now;
    } else {
      clocks.set(key, { virtual: floor, lastServed: -1, seenAt: now });
    }
  }

  private least(clocks: Map<string, Clock>, keys: string[], clockKey: (key: string) => string): string {
    let best = keys[0];
    let bestClock = clocks.get(clockKey(best))!;
    for (const key of keys.slice(1)) {
      const clock = clocks.get(clockKey(key))!;
      if (clock.virtual < bestClock.virtual || (clock.virtual === bestClock.virtual && clock.lastServed < bestClock.lastServed)) {
        best = key;
        bestClock = clock;
      }
    }
    return best;
  }
}
