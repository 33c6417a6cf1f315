// The dashboard's decoding of the server's packed columns: the same numbers the server packed, NaN read as none.
import { describe, expect, it } from 'vitest';
import { float32sOrNull, float64sOrNull } from '../../client/graphql/packed-floats.ts';
import { float32ToBase64, float64ToBase64 } from '../../server/util/packed-floats.ts';

describe('packed columns in the dashboard', () => {
  it('reads float32 scores bit for bit, NaN as null', () => {
    const values = Float32Array.of(0.9999999, 1e-30, 0, Number.NaN, 0.5, Math.fround(Math.PI));
    expect(float32sOrNull(float32ToBase64(values))).toEqual([...values].map((value) => (Number.isNaN(value) ? null : value)));
  });

  it('reads float64 energies bit for bit, NaN as null', () => {
    const values = Float64Array.of(12.345678901234567, Number.NaN, 1e-12, 300);
    expect(float64sOrNull(float64ToBase64(values))).toEqual([12.345678901234567, null, 1e-12, 300]);
  });

  it('reads a view into a larger buffer as its own values only', () => {
    const table = Float32Array.of(1, 2, 3, 4, 5, 6);
    expect(float32sOrNull(float32ToBase64(table.subarray(2, 4)))).toEqual([3, 4]);
  });

  it('reads an empty batch as no values', () => {
    expect(float32sOrNull(float32ToBase64(new Float32Array(0)))).toEqual([]);
  });
});
