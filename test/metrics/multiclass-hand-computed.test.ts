// N-class metrics on inputs small enough to compute by hand.
import { describe, expect, it } from 'vitest';
import {
  accuracyScore,
  computeClassificationMetrics,
  InvalidLabelError,
  InvalidScoreError,
  logLoss,
  multiclassConfusionMatrix,
  topKAccuracyScore,
} from '../../server/metrics/index.ts';

// 4 samples, 3 classes. argmax: 0, 1, 0 (tie 0/2 -> lowest), 2.
const labels = [0, 1, 2, 2];
const probabilities = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.4, 0.2, 0.4, 0.1, 0.3, 0.6]);

describe('N-class metrics by hand', () => {
  it('breaks argmax ties toward the lowest class index, as numpy', () => {
    expect(multiclassConfusionMatrix(labels, probabilities, 3)).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(accuracyScore(labels, probabilities, 3)).toBe(0.75);
  });

  it('ranks the higher class index first among tied scores in top-k, as sklearn', () => {
    expect(topKAccuracyScore(labels, probabilities, 3, 1)).toBe(1);
    expect(topKAccuracyScore([0], [0.5, 0.5, 0], 3, 1)).toBe(0);
    expect(topKAccuracyScore([0], [0.5, 0.5, 0], 3, 2)).toBe(1);
  });

  it('gives precision, recall and F1 with zero_division=0 and records what is undefined', () => {
    const metrics = computeClassificationMetrics([0, 0, 1], [0.9, 0.1, 0, 0.8, 0.2, 0, 0.6, 0.4, 0], 3);
    const [first, second, third] = metrics.report.perClass;
    expect(first).toMatchObject({ precision: 2 / 3, recall: 1, support: 2, predicted: 3, undefined: [] });
    expect(second).toMatchObject({ precision: 0, recall: 0, f1: 0, undefined: ['precision', 'f1'] });
    expect(third.undefined).toEqual(['precision', 'recall', 'f1']);
    expect(metrics.roc.macroAuc).toBeNull();
    expect(metrics.roc.undefinedReason).toMatch(/class 2 has no samples/);
    expect(metrics.precisionRecall.macroAveragePrecision).toBeNull();
  });

  it('gives the mean of -log p(true class) as log loss', () => {
    expect(logLoss([0, 1], [0.5, 0.5, 0.25, 0.75], 2)).toBeCloseTo(-(Math.log(0.5) + Math.log(0.75)) / 2, 15);
  });

  it('names the wrong row length, label and probability', () => {
    expect(() => computeClassificationMetrics([0, 1], [0.5, 0.5, 1], 2)).toThrow(InvalidScoreError);
    expect(() => computeClassificationMetrics([0, 1], [0.5, 0.5, 1], 2)).toThrow(/expected labels.length \(2\) × classCount \(2\) = 4/);
    expect(() => computeClassificationMetrics([0, 3], [0.5, 0.5, 1, 0], 2)).toThrow(InvalidLabelError);
    expect(() => computeClassificationMetrics([0, 3], [0.5, 0.5, 1, 0], 2)).toThrow(/label at index 1 is 3/);
    expect(() => computeClassificationMetrics([0, 1], [0.5, 0.5, NaN, 0], 2)).toThrow(/class 0 for sample 1/);
  });
});
