// Who may start a run now: the service-wide bound on runs in flight (a full queue answers SERVER_BUSY at once
// instead of growing memory), and each principal's limits (concurrent runs, events per hour: RATE_LIMITED),
// each refusal saying when to retry.
import type { Db } from '../data/db.ts';
import { countUnfinishedRuns, runsStartedSince } from '../data/prediction-store.ts';
import type { RunLimits } from '../domain/principal.ts';
import { RetryLaterError, UserInputError } from '../errors.ts';

/** Who starts a run: the owner recorded on it, and the limits of their role. */
export interface Requester {
  subject: string;
  limits: RunLimits;
}

const HOUR_MS = 3_600_000;
/** What a client is told to wait when the wait depends on other runs finishing. */
const RUN_WAIT_SECONDS = 5;

export class Admission {
  /** Runs admitted and not finished, per owner (runs being planned included). */
  private readonly inFlight = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly db: Db,
    private readonly maxActiveRuns: number,
    /**
     * Several API replicas share the database (a queue): a principal's concurrent runs are also counted there,
     * so that a load balancer spreading their requests does not multiply their limit (the bound on runs in
     * flight stays per replica: it protects this replica's memory).
     */
    private readonly replicated = false,
  ) {}

  /** Reserves a place for a run of `events` events (every class together), or throws with when to retry. */
  async admit(requester: Requester, events: number): Promise<() => void> {
    // Counted before the first await, so that simultaneous requests cannot all slip under a limit.
    if (this.total >= this.maxActiveRuns) {
      throw new RetryLaterError(`the server is running ${this.total} runs, its limit (prediction.maxActiveRuns): retry in ${RUN_WAIT_SECONDS} s`, 'SERVER_BUSY', RUN_WAIT_SECONDS);
    }
    const { concurrentRuns, eventsPerHour } = requester.limits;
    const mine = this.inFlight.get(requester.subject) ?? 0;
    if (concurrentRuns > 0 && mine >= concurrentRuns) {
      throw new RetryLaterError(
        `you have ${mine} runs in progress, the limit of your role is ${concurrentRuns} concurrent runs: retry when one finishes (in about ${RUN_WAIT_SECONDS} s) or cancel one`,
        'RATE_LIMITED',
        RUN_WAIT_SECONDS,
      );
    }
    const release = this.reserve(requester.subject);
    try {
      if (concurrentRuns > 0 && this.replicated) await this.checkUnfinishedRuns(requester.subject, concurrentRuns);
      if (eventsPerHour > 0) await this.checkHourlyEvents(requester.subject, eventsPerHour, events);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /** A place for a run resumed after a restart: it was admitted before, so no limit refuses it now. */
  reserveForResume(subject: string): () => void {
    return this.reserve(subject);
  }

  /** Runs in flight now, all owners together. */
  get activeRuns(): number {
    return this.total;
  }

  private reserve(subject: string): () => void {
    this.total++;
    this.inFlight.set(subject, (this.inFlight.get(subject) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.inFlight.get(subject) ?? 1) - 1;
      if (left > 0) this.inFlight.set(subject, left);
      else this.inFlight.delete(subject);
    };
  }

  private async checkUnfinishedRuns(subject: string, limit: number): Promise<void> {
    const running = await countUnfinishedRuns(this.db, subject);
    if (running < limit) return;
    throw new RetryLaterError(
      `you have ${running} runs in progress on this service's replicas, the limit of your role is ${limit} concurrent runs: retry when one finishes (in about ${RUN_WAIT_SECONDS} s) or cancel one`,
      'RATE_LIMITED',
      RUN_WAIT_SECONDS,
    );
  }

  private async checkHourlyEvents(subject: string, limit: number, events: number): Promise<void> {
    if (events > limit) throw new UserInputError(`a run of ${events} events exceeds the limit of your role, ${limit} events per hour: ask for fewer events per class`, 'eventsPerClass');
    const now = Date.now();
    const runs = await runsStartedSince(this.db, subject, new Date(now - HOUR_MS));
    const usedInHour = runs.reduce((sum, run) => sum + run.events, 0);
    if (usedInHour + events <= limit) return;
    let used = usedInHour;
    // The earliest moment enough of the past hour's runs have left the window.
    let retryAt = now + HOUR_MS;
    for (const run of runs) {
      used -= run.events;
      if (used + events <= limit) {
        retryAt = run.createdAt.getTime() + HOUR_MS;
        break;
      }
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((retryAt - now) / 1000));
    throw new RetryLaterError(
      `${usedInHour} events started in the past hour plus ${events} would exceed the limit of your role, ${limit} events per hour: retry in ${retryAfterSeconds} s or ask for fewer events`,
      'RATE_LIMITED',
      retryAfterSeconds,
    );
  }
}
