// numpy.quantile(values, q) with numpy's default method ("linear", type 7), bit for bit: the virtual index
// (n - 1) * q, then numpy's `_lerp`, which interpolates from the upper neighbour when the weight is >= 0.5.

/** numpy.quantile(ascending, q, method="linear") of values already sorted ascending; null when there are none. */
export function quantileSorted(ascending: ArrayLike<number>, q: number): number | null {
  const n = ascending.length;
  if (n === 0) return null;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be between 0 and 1, got ${q}`);
  const virtual = (n - 1) * q;
  const below = Math.floor(virtual);
  const above = Math.min(below + 1, n - 1);
  const t = virtual - below;
  const a = ascending[below];
  const b = ascending[above];
  const difference = b - a;
  return t >= 0.5 ? b - difference * (1 - t) : a + difference * t;
}
