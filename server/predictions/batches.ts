// How a class's events are cut into inference batches.

/** The first batch of each class is small so that the first results show in a blink. */
export const FIRST_BATCH_SIZE = 16;

/** Batch sizes for engines to warm up on: the small first batch and the full one. */
export function batchSizesToWarmUp(size: number): number[] {
  return [...new Set([FIRST_BATCH_SIZE, size])];
}

/** Batches of `size`, except a small first one so the first results arrive quickly. */
export function splitIntoBatches<T>(items: readonly T[], size: number): T[][] {
  const batches: T[][] = [];
  let start = 0;
  let next = Math.min(FIRST_BATCH_SIZE, size);
  while (start < items.length) {
    batches.push(items.slice(start, start + next));
    start += next;
    next = size;
  }
  return batches;
}

