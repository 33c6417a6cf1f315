// Chooses ONNX Runtime's thread setting batch by batch from what it measures while serving: the load-time timing
// runs on idle cores, but during a run the same cores also read images, score and publish batches (and, on a
// shared machine, run other processes), and one thread can then beat two. Most batches run on the fastest
// setting so far; every few batches another setting is tried, so a change in the machine's load is noticed.
import type { Threading } from './runtime/backend-info.ts';

/** Smaller batches (a run's first ones) run on the chosen setting and are not timed: their per-image cost is not comparable. */
const MIN_TIMED_BATCH = 64;
/** One eligible batch in this many tries another setting. */
const EXPLORE_EVERY = 8;
/** Weight of the newest batch in a setting's moving average of ms per image. */
const SMOOTHING = 0.3;

export class ThreadTuner {
  private readonly msPerImage: number[];
  private readonly servedBatches: number[];
  private chosen: number;
  private eligible = 0;
  private nextToTry = 0;

  constructor(private readonly threading: Threading) {
    this.msPerImage = threading.variants.map((variant) => 1000 / variant.loadImagesPerSecond);
    this.servedBatches = threading.variants.map(() => 0);
    this.chosen = threading.chosen;
  }

  /** The setting to run a batch of `count` images on. */
  pick(count: number): number {
    if (count < MIN_TIMED_BATCH || this.msPerImage.length < 2) return this.chosen;
    this.eligible++;
    if (this.eligible % EXPLORE_EVERY !== 0) return this.chosen;
    this.nextToTry = (this.nextToTry + 1) % this.msPerImage.length;
    if (this.nextToTry === this.chosen) this.nextToTry = (this.nextToTry + 1) % this.msPerImage.length;
    return this.nextToTry;
  }

  /** A batch's compute time on `variant`. */
  record(variant: number, count: number, computeMs: number): void {
    if (count < MIN_TIMED_BATCH) return;
    const perImage = computeMs / count;
    this.msPerImage[variant] = this.servedBatches[variant] === 0 ? perImage : SMOOTHING * perImage + (1 - SMOOTHING) * this.msPerImage[variant];
    this.servedBatches[variant]++;
    this.chosen = this.msPerImage.indexOf(Math.min(...this.msPerImage));
  }

  get chosenVariant(): number {
    return this.chosen;
  }

  snapshot(): Threading {
    return {
      chosen: this.chosen,
      variants: this.threading.variants.map((variant, k) => ({
        ...variant,
        servingImagesPerSecond: this.servedBatches[k] > 0 ? 1000 / this.msPerImage[k] : null,
        servingBatches: this.servedBatches[k],
      })),
    };
  }
}
