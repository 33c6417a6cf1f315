// Progress of long CLI jobs on stderr: percent, count and ETA; one redrawn line on a terminal,
// a line per 10% otherwise (logs, CI), so output stays short either way.

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Minimum time between two redraws on a terminal. */
  intervalMs?: number;
}

export class ProgressLine {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly intervalMs: number;
  private startedAt = performance.now();
  private lastDrawAt = -Infinity;
  private lastDecile = -1;
  private drawn = false;
  private label: string;

  constructor(label: string, options: ProgressOptions = {}) {
    this.label = label;
    this.stream = options.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.intervalMs = options.intervalMs ?? 200;
  }

  /** Starts a new phase (resets the clock used for the ETA). */
  phase(label: string): void {
    if (this.drawn && this.tty) this.stream.write('\n');
    this.label = label;
    this.startedAt = performance.now();
    this.lastDrawAt = -Infinity;
    this.lastDecile = -1;
    this.drawn = false;
  }

  update(done: number, total: number): void {
    const now = performance.now();
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    if (this.tty) {
      if (now - this.lastDrawAt < this.intervalMs && done < total) return;
      this.lastDrawAt = now;
      this.stream.write(`\r\x1b[2K${this.describe(done, total, fraction, now)}`);
      this.drawn = true;
    } else {
      const decile = Math.floor(fraction * 10);
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      this.stream.write(`${this.describe(done, total, fraction, now)}\n`);
    }
  }

  /**
   * A progress callback for jobs that report { phase, done, total }: the first phase keeps this line's
   * label, any later phase is shown as `laterPhaseLabel`.
   */
  follow(laterPhaseLabel: string): (update: { phase: string; done: number; total: number }) => void {
    let phase: string | null = null;
    return (update) => {
      if (phase !== null && update.phase !== phase) this.phase(laterPhaseLabel);
      phase = update.phase;
      this.update(update.done, update.total);
    };
  }

  /** Ends the line on a terminal. */
  done(): void {
    if (this.drawn && this.tty) this.stream.write('\n');
    this.drawn = false;
  }

  private describe(done: number, total: number, fraction: number, now: number): string {
    const elapsedS = (now - this.startedAt) / 1000;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    let eta = '';
    if (done > 0 && done < total && elapsedS > 0.5) eta = `, ETA ${formatSeconds((elapsedS / done) * (total - done))}`;
    else if (done >= total) eta = `, ${formatSeconds(elapsedS)}`;
    return `astri: ${this.label} ${percent} (${done}/${total}${eta})`;
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
