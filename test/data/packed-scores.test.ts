import { describe, expect, it } from 'vitest';
import { packScores, unpackScores } from '../../server/data/packed-scores.ts';

describe('packed scores of a stored batch', () => {
  it('read back bit for bit, with the events without scores where they were', () => {
    const scores = [Float32Array.of(0.1, 0.9), null, Float32Array.of(1e-30, 1 - 1e-7), Float32Array.of(0.333333343, 0.666666687), null];
    const back = unpackScores(packScores(scores, 2), scores.length);
    expect(back.map((row) => (row ? Array.from(row) : null))).toEqual(scores.map((row) => (row ? Array.from(row) : null)));
    expect(unpackScores(packScores([null, null], 0), 2)).toEqual([null, null]);
  });

  it('read the JSON lists stored before the packed form', () => {
    const back = unpackScores('[[0.25,0.75],null]', 2);
    expect(back.map((row) => (row ? Array.from(row) : null))).toEqual([[0.25, 0.75], null]);
  });

  it('refuse a row whose values do not fit its events', () => {
    const packed = packScores([Float32Array.of(0.5, 0.5)], 2);
    expect(() => unpackScores(packed, 2)).toThrow(/hold 2 values, 2 events of 2 classes need 4/);
    expect(() => packScores([Float32Array.of(0.5, 0.5, 0)], 2)).toThrow(/3 scores, the batch 2/);
  });
});
