// server/metrics against scikit-learn's and numpy's answers recorded by scripts/sklearn-reference.py
// (committed JSON: CI has no Python). Floats are compared exactly, not within a tolerance.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  averagePrecisionScore,
  computeMetrics,
  confusionMatrix,
  precisionRecallCurve,
  rocAucScore,
  rocCurve,
  separationHistograms,
} from '../../server/metrics/index.ts';

type JsonFloat = number | 'Infinity' | '-Infinity';

interface Curve {
  [array: string]: JsonFloat[];
}

interface SklearnCase {
  name: string;
  labels: number[];
  scores: number[];
  expected: {
    roc: Curve | null;
    rocWithoutDroppingIntermediate: Curve | null;
    rocAuc: number | null;
    precisionRecall: Curve | null;
    averagePrecision: number | null;
    confusion: { threshold: number; matrix: [[number, number], [number, number]] }[];
    histograms: { binCount: number; edges: number[]; gamma: number[]; proton: number[] }[];
  };
  undefined: Record<string, string>;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/metrics/sklearn-cases.json', import.meta.url), 'utf8'),
) as {
  versions: Record<string, string>;
  cases: SklearnCase[];
  scalarCases: {
    name: string;
    gamma: number[];
    proton: number[];
    expected: { rocAuc: number; averagePrecision: number; precisionRecallPoints: number };
  }[];
};

function decode(values: JsonFloat[]): number[] {
  return values.map((v) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
}

function decodeCurve(curve: Curve | null): Record<string, number[]> | null {
  return curve && Object.fromEntries(Object.entries(curve).map(([key, values]) => [key, decode(values)]));
}

/** Exact equality, reporting the first differing index rather than two long arrays. */
function expectSameNumbers(actual: readonly number[], expected: readonly number[], what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const index = actual.findIndex((value, i) => value !== expected[i]);
  expect(index === -1 ? null : { index, actual: actual[index], expected: expected[index] }, what).toBeNull();
}

function expectSameCurve(actual: object | null, expected: Curve | null, what: string): void {
  const decoded = decodeCurve(expected);
  if (decoded === null) {
    expect(actual, `${what} is null where sklearn calls it undefined`).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  const curve = actual as Record<string, number[]>;
  expect(Object.keys(curve).sort()).toEqual(Object.keys(decoded).sort());
  for (const key of Object.keys(decoded)) expectSameNumbers(curve[key], decoded[key], `${what}.${key}`);
}

function splitByClass(c: SklearnCase): { gamma: number[]; proton: number[] } {
  return {
    gamma: c.scores.filter((_, i) => c.labels[i] === 1),
    proton: c.scores.filter((_, i) => c.labels[i] === 0),
  };
}

describe(`metrics equal scikit-learn ${fixture.versions.sklearn} / numpy ${fixture.versions.numpy}`, () => {
  it('has reference cases to compare against', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(15);
  });

  describe.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('gives roc_curve with drop_intermediate', () => {
      expectSameCurve(rocCurve(c.labels, c.scores), c.expected.roc, 'roc');
    });

    it('gives roc_curve without drop_intermediate', () => {
      expectSameCurve(
        rocCurve(c.labels, c.scores, { dropIntermediate: false }),
        c.expected.rocWithoutDroppingIntermediate,
        'roc (all points)',
      );
    });

    it('gives roc_auc_score, or null where sklearn raises', () => {
      expect(rocAucScore(c.labels, c.scores)).toBe(c.expected.rocAuc);
    });

    it('gives precision_recall_curve', () => {
      expectSameCurve(precisionRecallCurve(c.labels, c.scores), c.expected.precisionRecall, 'precisionRecall');
    });

    it('gives average_precision_score', () => {
      expect(averagePrecisionScore(c.labels, c.scores)).toBe(c.expected.averagePrecision);
    });

    it('gives confusion_matrix(labels, scores >= threshold)', () => {
      for (const { threshold, matrix } of c.expected.confusion) {
        const actual = confusionMatrix(c.labels, c.scores, threshold);
        expect(actual.matrix, `threshold ${threshold}`).toEqual(matrix);
        expect([actual.trueNegative, actual.falsePositive, actual.falseNegative, actual.truePositive]).toEqual(matrix.flat());
      }
    });

    it('gives numpy.histogram over [0, 1] for each class', () => {
      const { gamma, proton } = splitByClass(c);
      for (const expected of c.expected.histograms) {
        const actual = separationHistograms(gamma, proton, expected.binCount);
        expectSameNumbers(actual.edges, expected.edges, `edges (${expected.binCount} bins)`);
        expect(actual.gamma, `gamma counts (${expected.binCount} bins)`).toEqual(expected.gamma);
        expect(actual.proton, `proton counts (${expected.binCount} bins)`).toEqual(expected.proton);
      }
    });

    it('computeMetrics from the per-class arrays agrees with every reference value', () => {
      const { gamma, proton } = splitByClass(c);
      const [{ threshold, matrix }] = c.expected.confusion;
      const [histogram] = c.expected.histograms;
      const metrics = computeMetrics(
        { gamma: Float64Array.from(gamma), proton: proton },
        { threshold, histogramBins: histogram.binCount },
      );
      expect(metrics.eventCounts).toEqual({ gamma: gamma.length, proton: proton.length });
      expect(metrics.confusion.matrix).toEqual(matrix);
      expectSameCurve(metrics.roc, c.expected.roc, 'roc');
      expect(metrics.rocAuc).toBe(c.expected.rocAuc);
      expectSameCurve(metrics.precisionRecall, c.expected.precisionRecall, 'precisionRecall');
      expect(metrics.averagePrecision).toBe(c.expected.averagePrecision);
      expect(metrics.histograms.gamma).toEqual(histogram.gamma);
      expect(metrics.histograms.proton).toEqual(histogram.proton);
      const [[tn, fp], [fn, tp]] = matrix;
      expect(metrics.gammaEfficiency).toBe(tp + fn === 0 ? null : tp / (tp + fn));
      expect(metrics.hadronEfficiency).toBe(fp + tn === 0 ? null : fp / (fp + tn));
    });
  });

  describe.each(fixture.scalarCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    it('sums more than one numpy buffer (8192 terms) in numpy order', () => {
      const metrics = computeMetrics({ gamma: c.gamma, proton: c.proton });
      expect(metrics.precisionRecall?.recall.length).toBe(c.expected.precisionRecallPoints);
      expect(c.expected.precisionRecallPoints).toBeGreaterThan(8192);
      expect(metrics.averagePrecision).toBe(c.expected.averagePrecision);
      expect(metrics.rocAuc).toBe(c.expected.rocAuc);
    });
  });
});
