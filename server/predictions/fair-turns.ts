// Work shared by every run, done a few jobs at a time in fair turns between users and runs: the reading and
// decoding of image batches. Without it, fifty runs starting together put thousands of file reads in libuv's
// queue at once, and a new run's first batch waits behind all of them.
import { FairQueue, type Lane } from '../inference/index.ts';

export class FairTurns {
  private readonly queue = new FairQueue<() => void>();
  private running = 0;

  constructor(private readonly concurrency: number) {}

  run<T>(lane: Lane, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(lane, () => {
        this.running++;
        work()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.next();
          });
      });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.concurrency) {
      const job = this.queue.shift();
      if (!job) return;
      job();
    }
  }
}
