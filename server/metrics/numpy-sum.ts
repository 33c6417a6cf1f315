// Sums in numpy's order so that areas and average precision equal sklearn's bit for bit, not just to
// ~1e-16: `np.add.reduce` on a contiguous float64 array walks it in iterator buffers of 8192 elements,
// and sums each buffer pairwise with 8 accumulators (numpy's `pairwise_sum`).

const BLOCK_SIZE = 128;
const NUMPY_BUFFER_SIZE = 8192;

/** `np.sum(values)` for a contiguous float64 array. */
export function numpySum(values: Float64Array): number {
  let sum = 0;
  for (let start = 0; start < values.length; start += NUMPY_BUFFER_SIZE) {
    sum += pairwiseSum(values, start, Math.min(NUMPY_BUFFER_SIZE, values.length - start));
  }
  return sum;
}

/** `np.sum(values[start:start + count])`, e.g. one row of a row-major matrix as `a.sum(axis=1)` sums it. */
export function numpySumRange(values: ArrayLike<number>, start: number, count: number): number {
  let sum = 0;
  for (let offset = 0; offset < count; offset += NUMPY_BUFFER_SIZE) {
    sum += pairwiseSum(values, start + offset, Math.min(NUMPY_BUFFER_SIZE, count - offset));
  }
  return sum;
}

function pairwiseSum(values: ArrayLike<number>, start: number, count: number): number {
  if (count < 8) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += values[start + i];
    return sum;
  }
  if (count <= BLOCK_SIZE) {
    let r0 = values[start];
    let r1 = values[start + 1];
    let r2 = values[start + 2];
    let r3 = values[start + 3];
    let r4 = values[start + 4];
    let r5 = values[start + 5];
    let r6 = values[start + 6];
    let r7 = values[start + 7];
    let i = 8;
    for (; i < count - (count % 8); i += 8) {
      const at = start + i;
      r0 += values[at];
      r1 += values[at + 1];
      r2 += values[at + 2];
      r3 += values[at + 3];
      r4 += values[at + 4];
      r5 += values[at + 5];
      r6 += values[at + 6];
      r7 += values[at + 7];
    }
    let sum = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < count; i++) sum += values[start + i];
    return sum;
  }
  let half = Math.floor(count / 2);
  half -= half % 8;
  return pairwiseSum(values, start, half) + pairwiseSum(values, start + half, count - half);
}
