// The predictions of one run as they stream in: kept once per event (a late subscriber's replay may
// repeat batches), with the gammaness of each class in growable arrays for the metrics.
import type { ScoredEvent } from '../types.ts';
import type { ScoreSets } from './metrics.ts';

export class RunScores {
  private readonly seen = new Set<string>();
  private readonly gamma: number[] = [];
  private readonly proton: number[] = [];
  readonly events: ScoredEvent[] = [];
  /** Events without a score (unreadable images), per class. */
  readonly unscored = { gamma: 0, proton: 0 };

  /** Adds the events not seen before; returns how many were new. */
  add(events: readonly ScoredEvent[]): number {
    let added = 0;
    for (const event of events) {
      if (this.seen.has(event.eventId)) continue;
      this.seen.add(event.eventId);
      this.events.push(event);
      added += 1;
      const key = event.particle === 'GAMMA' ? 'gamma' : 'proton';
      if (event.gammaness === null || event.gammaness === undefined || !Number.isFinite(event.gammaness)) {
        this.unscored[key] += 1;
      } else {
        this[key].push(event.gammaness);
      }
    }
    return added;
  }

  get size(): number {
    return this.events.length;
  }

  scores(): ScoreSets {
    return { gamma: this.gamma, proton: this.proton };
  }
}
