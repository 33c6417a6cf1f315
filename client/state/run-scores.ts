// The predictions of one run as they stream in, kept once per event (a late subscriber's replay may
// repeat batches), and read out either as the two score sets of a binary run or as the N-class
// (labels, row-major probabilities) input of the shared metrics module.
import type { ScoredEvent } from '../types.ts';
import type { ScoreSets } from './metrics.ts';

/** N-class input of server/metrics: class index per event and its scores, row-major. */
export interface ClassScoresInput {
  labels: number[];
  probabilities: Float64Array;
  classCount: number;
}

export class RunScores {
  private readonly seen = new Set<string>();
  readonly events: ScoredEvent[] = [];

  /** Adds the events not seen before; returns how many were new. */
  add(events: readonly ScoredEvent[]): number {
    let added = 0;
    for (const event of events) {
      if (this.seen.has(event.eventId)) continue;
      this.seen.add(event.eventId);
      this.events.push(event);
      added += 1;
    }
    return added;
  }

  get size(): number {
    return this.events.length;
  }

  /**
   * The signal class's score of each scored event, split by true class (`gamma` holds the signal class's
   * events, `proton` the other class's: the names of the shared binary metrics module).
   */
  binaryScores(classes: readonly string[], signalClass: string): ScoreSets {
    const signalIndex = classes.indexOf(signalClass);
    const signal: number[] = [];
    const background: number[] = [];
    for (const event of this.events) {
      const score = signalScore(event, signalIndex);
      if (score === null) continue;
      (event.label === signalClass ? signal : background).push(score);
    }
    return { gamma: signal, proton: background };
  }

  /** Events without a usable score, per true class. */
  unscoredByClass(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const event of this.events) {
      if (event.gammaness !== null && event.gammaness !== undefined) continue;
      if (event.scores && event.scores.every(Number.isFinite)) continue;
      counts.set(event.label, (counts.get(event.label) ?? 0) + 1);
    }
    return counts;
  }

  /** Scored events of known classes with one finite score per class. */
  classScores(classes: readonly string[]): ClassScoresInput {
    const index = new Map(classes.map((name, i) => [name, i]));
    const classCount = classes.length;
    const labels: number[] = [];
    const rows: number[][] = [];
    for (const event of this.events) {
      const label = index.get(event.label);
      const scores = event.scores;
      if (label === undefined || !scores || scores.length !== classCount || !scores.every(Number.isFinite)) continue;
      labels.push(label);
      rows.push(scores);
    }
    const probabilities = new Float64Array(labels.length * classCount);
    rows.forEach((row, i) => probabilities.set(row, i * classCount));
    return { labels, probabilities, classCount };
  }
}

/** The gammaness the server sent, else the signal class's entry of the scores. */
function signalScore(event: ScoredEvent, signalIndex: number): number | null {
  if (event.gammaness !== null && event.gammaness !== undefined && Number.isFinite(event.gammaness)) return event.gammaness;
  const score = signalIndex >= 0 ? event.scores?.[signalIndex] : undefined;
  return score !== undefined && Number.isFinite(score) ? score : null;
}
