// A replayable stream: every message is kept, so a subscriber who comes late first gets the
// history, then the live messages, and nothing is missed. One channel per prediction run or dataset upload.

export class ProgressChannel<T> {
  private readonly history: T[] = [];
  private wakeUps: Array<() => void> = [];
  private closed = false;
  private markReadToEnd!: () => void;
  /** Settles once a subscriber has read every message of the closed channel: work that can wait for that, waits. */
  readonly readToEnd = new Promise<void>((resolve) => (this.markReadToEnd = resolve));

  publish(message: T): void {
    if (this.closed) throw new Error('cannot publish on a closed progress channel');
    this.history.push(message);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  /** History first, then live messages until the channel closes or the signal aborts. */
  async *subscribe(signal?: AbortSignal): AsyncGenerator<T> {
    let next = 0;
    while (!signal?.aborted) {
      while (next < this.history.length) yield this.history[next++];
      if (this.closed) {
        this.markReadToEnd();
        return;
      }
      await new Promise<void>((resolve) => {
        this.wakeUps.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  private wake(): void {
    const wakeUps = this.wakeUps;
    this.wakeUps = [];
    for (const wakeUp of wakeUps) wakeUp();
  }
}
