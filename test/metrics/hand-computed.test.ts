// Small examples whose answers are worked out by hand (or quoted from sklearn's docstrings), plus the
// behaviours where this module deliberately differs from sklearn: nulls instead of NaN or exceptions.
import { describe, expect, it } from 'vitest';
import {
  averagePrecisionScore,
  computeMetrics,
  confusionMatrix,
  efficiencies,
  InvalidLabelError,
  InvalidScoreError,
  precisionRecallCurve,
  qualityFactor,
  rocAucScore,
  rocCurve,
  separationHistograms,
} from '../../server/metrics/index.ts';

// sklearn's docstring example for roc_curve and precision_recall_curve.
const docLabels = [0, 0, 1, 1];
const docScores = [0.1, 0.4, 0.35, 0.8];

describe('ROC', () => {
  it('reproduces the roc_curve docstring example, starting at (0, 0) with threshold Infinity', () => {
    expect(rocCurve(docLabels, docScores)).toEqual({
      fpr: [0, 0, 0.5, 0.5, 1],
      tpr: [0, 0.5, 0.5, 1, 1],
      thresholds: [Infinity, 0.8, 0.4, 0.35, 0.1],
    });
    expect(rocAucScore(docLabels, docScores)).toBe(0.75);
  });

  it('drops collinear points by default and keeps them on request', () => {
    // Gammas 0.9, 0.8, 0.7 then protons 0.3, 0.2: two straight runs.
    const labels = [1, 1, 1, 0, 0];
    const scores = [0.9, 0.8, 0.7, 0.3, 0.2];
    expect(rocCurve(labels, scores)).toEqual({
      fpr: [0, 0, 0, 1],
      tpr: [0, 1 / 3, 1, 1],
      thresholds: [Infinity, 0.9, 0.7, 0.2],
    });
    expect(rocCurve(labels, scores, { dropIntermediate: false })?.thresholds).toEqual([Infinity, 0.9, 0.8, 0.7, 0.3, 0.2]);
  });

  it('counts a gamma and a proton with the same score as half a correct ranking', () => {
    expect(rocAucScore([1, 0], [0.5, 0.5])).toBe(0.5);
    // Pairs (gamma, proton): 0.8>0.5, 0.8>0.2, 0.5=0.5 (half), 0.5>0.2  ->  3.5 / 4.
    expect(rocAucScore([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2])).toBe(0.875);
    expect(rocAucScore([1, 1, 0, 0], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it('gives 1 for perfect separation and 0 for inverted separation', () => {
    expect(rocAucScore([1, 1, 0, 0], [0.9, 0.6, 0.4, 0.1])).toBe(1);
    expect(rocAucScore([1, 1, 0, 0], [0.1, 0.4, 0.6, 0.9])).toBe(0);
  });

  it('returns null, not NaN or an exception, while only one class is present or nothing is', () => {
    expect(rocCurve([1, 1], [0.2, 0.9])).toBeNull();
    expect(rocCurve([0, 0], [0.2, 0.9])).toBeNull();
    expect(rocAucScore([1, 1], [0.2, 0.9])).toBeNull();
    expect(rocAucScore([], [])).toBeNull();
  });
});

describe('precision-recall', () => {
  it('reproduces the precision_recall_curve docstring example with its final (1, 0) point', () => {
    expect(precisionRecallCurve(docLabels, docScores)).toEqual({
      precision: [0.5, 2 / 3, 0.5, 1, 1],
      recall: [1, 1, 0.5, 0.5, 0],
      thresholds: [0.1, 0.35, 0.4, 0.8],
    });
    // Step sum: 0.5 * (2/3) + 0.5 * 1.
    expect(averagePrecisionScore(docLabels, docScores)).toBeCloseTo(5 / 6, 15);
  });

  it('keeps only the ends of each vertical run with dropIntermediate (sklearn >= 1.3)', () => {
    const labels = [1, 1, 1, 0, 0, 0];
    const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
    expect(precisionRecallCurve(labels, scores)?.thresholds).toEqual([0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(precisionRecallCurve(labels, scores, { dropIntermediate: true })).toEqual({
      precision: [0.5, 1, 1, 1, 1],
      recall: [1, 1, 2 / 3, 1 / 3, 0],
      thresholds: [0.4, 0.7, 0.8, 0.9],
    });
  });

  it('is defined without protons (precision 1) but null without gammas', () => {
    expect(precisionRecallCurve([1, 1], [0.3, 0.8])).toEqual({ precision: [1, 1, 1], recall: [1, 0.5, 0], thresholds: [0.3, 0.8] });
    expect(averagePrecisionScore([1, 1], [0.3, 0.8])).toBe(1);
    expect(precisionRecallCurve([0, 0], [0.3, 0.8])).toBeNull();
    expect(averagePrecisionScore([0, 0], [0.3, 0.8])).toBeNull();
    expect(precisionRecallCurve([], [])).toBeNull();
  });
});

describe('confusion matrix and efficiencies', () => {
  const labels = [1, 1, 1, 0, 0, 0, 0];
  const scores = [0.95, 0.9, 0.3, 0.9, 0.1, 0.05, 0];

  it('predicts gamma for a score exactly at the threshold and lays out [[tn, fp], [fn, tp]]', () => {
    expect(confusionMatrix(labels, scores, 0.9)).toEqual({
      threshold: 0.9,
      truePositive: 2,
      falsePositive: 1,
      trueNegative: 3,
      falseNegative: 1,
      matrix: [
        [3, 1],
        [1, 2],
      ],
    });
  });

  it('gives gamma efficiency, hadron efficiency and Q = eps_gamma / sqrt(eps_hadron)', () => {
    const result = efficiencies(confusionMatrix(labels, scores, 0.9));
    expect(result.gammaEfficiency).toBe(2 / 3);
    expect(result.hadronEfficiency).toBe(1 / 4);
    expect(result.qualityFactor).toBe(2 / 3 / 0.5);
  });

  it('reports Q as null when no proton passes the cut (unbounded), and efficiencies as null for an absent class', () => {
    const noProtonPasses = efficiencies(confusionMatrix([1, 0, 0], [0.95, 0.5, 0.2], 0.9));
    expect(noProtonPasses).toEqual({ gammaEfficiency: 1, hadronEfficiency: 0, qualityFactor: null });
    expect(efficiencies(confusionMatrix([0, 0], [0.95, 0.2], 0.9))).toEqual({
      gammaEfficiency: null,
      hadronEfficiency: 0.5,
      qualityFactor: null,
    });
    expect(qualityFactor(0.5, 0.25)).toBe(1);
    expect(qualityFactor(0.5, 0)).toBeNull();
  });
});

describe('separation histograms', () => {
  it('uses half-open bins except the last, which includes a gammaness of exactly 1', () => {
    expect(separationHistograms([0, 0.25, 0.5, 0.999, 1], [0.1, 0.2, 0.75], 4)).toEqual({
      edges: [0, 0.25, 0.5, 0.75, 1],
      gamma: [1, 1, 1, 2],
      proton: [2, 0, 0, 1],
    });
  });

  it('has 50 bins over [0, 1] by default', () => {
    const { edges, gamma, proton } = separationHistograms([0.5], []);
    expect(edges).toHaveLength(51);
    expect([edges[0], edges[50]]).toEqual([0, 1]);
    expect(gamma[25]).toBe(1);
    expect(proton.every((count) => count === 0)).toBe(true);
  });

  it('refuses scores outside [0, 1] and a bin count that is not a positive integer', () => {
    expect(() => separationHistograms([1.5], [])).toThrow(/gamma score at index 0 is 1.5: gammaness must lie in \[0, 1\]/);
    expect(() => separationHistograms([], [0.2], 0)).toThrow(InvalidScoreError);
    expect(() => separationHistograms([], [0.2], 2.5)).toThrow(/bin count is 2.5/);
  });
});

describe('computeMetrics', () => {
  it('combines every metric at the default threshold 0.9 and 50 bins', () => {
    const metrics = computeMetrics({ gamma: [0.95, 0.9, 0.3], proton: [0.9, 0.1, 0.05, 0] });
    expect(metrics.threshold).toBe(0.9);
    expect(metrics.eventCounts).toEqual({ gamma: 3, proton: 4 });
    expect(metrics.confusion.matrix).toEqual([
      [3, 1],
      [1, 2],
    ]);
    expect(metrics.gammaEfficiency).toBe(2 / 3);
    expect(metrics.hadronEfficiency).toBe(1 / 4);
    expect(metrics.qualityFactor).toBe(4 / 3);
    expect(metrics.histograms.edges).toHaveLength(51);
    // Pairs above: 0.95 beats all 4, 0.9 beats 3 and ties 1, 0.3 beats 3  ->  (4 + 3.5 + 3) / 12.
    expect(metrics.rocAuc).toBe(10.5 / 12);
    expect(metrics.averagePrecision).not.toBeNull();
  });

  it('accepts typed arrays and leaves the caller arrays untouched', () => {
    const gamma = Float32Array.from([0.9, 0.2, 0.7]);
    const proton = new Float64Array([0.4, 0.1]);
    const metrics = computeMetrics({ gamma, proton }, { threshold: 0.5, histogramBins: 10 });
    expect(Array.from(gamma)).toEqual([Math.fround(0.9), Math.fround(0.2), Math.fround(0.7)]);
    expect(Array.from(proton)).toEqual([0.4, 0.1]);
    expect(metrics.confusion.truePositive).toBe(2);
    expect(metrics.histograms.gamma).toHaveLength(10);
  });

  it('returns zero counts and null metrics for empty input instead of throwing', () => {
    const metrics = computeMetrics({ gamma: [], proton: [] });
    expect(metrics).toMatchObject({
      eventCounts: { gamma: 0, proton: 0 },
      gammaEfficiency: null,
      hadronEfficiency: null,
      qualityFactor: null,
      roc: null,
      rocAuc: null,
      precisionRecall: null,
      averagePrecision: null,
    });
    expect(metrics.confusion.matrix).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(metrics.histograms.gamma.every((count) => count === 0)).toBe(true);
  });

  it('gives the per-class metrics while only protons have arrived', () => {
    const metrics = computeMetrics({ gamma: [], proton: [0.95, 0.2] });
    expect(metrics.hadronEfficiency).toBe(0.5);
    expect(metrics.rocAuc).toBeNull();
    expect(metrics.precisionRecall).toBeNull();
    expect(metrics.histograms.proton.reduce((a, b) => a + b)).toBe(2);
  });

  it('rejects a NaN score, naming the class and index', () => {
    expect(() => computeMetrics({ gamma: [0.5, 0.7], proton: [0.1, Number.NaN] })).toThrow(
      new InvalidScoreError(
        'proton score at index 1 is NaN: scores must be finite numbers (a NaN usually means the model produced no valid output for that event)',
      ),
    );
    expect(() => computeMetrics({ gamma: [-0.1], proton: [] })).toThrow(/gamma score at index 0 is -0.1/);
    expect(() => computeMetrics({ gamma: [0.5], proton: [0.5] }, { threshold: Number.NaN })).toThrow(/threshold is NaN/);
  });
});

describe('input validation of the (labels, scores) functions', () => {
  it('rejects NaN and infinite scores like sklearn, naming the index', () => {
    expect(() => rocCurve([1, 0], [Number.NaN, 0.2])).toThrow(/input score at index 0 is NaN/);
    expect(() => rocAucScore([1, 0], [0.4, Infinity])).toThrow(InvalidScoreError);
    expect(() => precisionRecallCurve([1, 0], [0.4, -Infinity])).toThrow(InvalidScoreError);
  });

  it('accepts any finite score on the curves, as sklearn does for decision functions', () => {
    expect(rocAucScore([1, 0], [3.5, -2])).toBe(1);
  });

  it('rejects labels other than 0 and 1, and length mismatches', () => {
    expect(() => rocCurve([1, 2], [0.1, 0.2])).toThrow(new InvalidLabelError('label at index 1 is 2: labels must be 1 (gamma) or 0 (proton)'));
    expect(() => confusionMatrix([1, 0, 1], [0.1, 0.2], 0.5)).toThrow(/labels \(3\) and scores \(2\) must have the same length/);
  });
});
