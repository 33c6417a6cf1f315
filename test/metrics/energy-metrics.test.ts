// The per-energy-bin metrics of server/metrics/ against NumPy / scikit-learn, recorded by
// scripts/energy-metrics-reference.py (committed JSON): efficiency cuts (pyirf's percentile convention), best Q,
// seeded bootstrap AUC intervals, paired bootstrap AUC differences, calibration, per-bin N-class figures.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bestQualityFactor,
  bootstrapAuc,
  calibrationCurve,
  computeClassificationMetrics,
  cutAtGammaEfficiency,
  cutAtHadronEfficiency,
  pairedBootstrapAucDifference,
  quantileSorted,
  rocAucScore,
  sortClassScores,
} from '../../server/metrics/index.ts';
import { createRng, hashSeed } from '../../server/random/rng.ts';

interface Cut {
  cut: number;
  gammaEfficiency: number;
  hadronEfficiency: number;
  qualityFactor?: number;
}

interface SeparationCase {
  name: string;
  gamma: number[];
  hadron: number[];
  gammaEfficiency: number;
  hadronEfficiency: number;
  bootstrap: { resamples: number; level: number; seed: number; binIndex?: number };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics/energy-metrics-cases.json', import.meta.url), 'utf8')) as {
  draws: { seed: number; n: number; ints: number[]; hashSeed: number };
  request: {
    separation: SeparationCase[];
    classification: Array<{ name: string; labels: number[]; probabilities: number[][] }>;
    calibration: Array<{ name: string; labels: number[]; scores: number[]; bins: number }>;
    paired: Array<{ name: string; first: { positive: number[]; negative: number[] }; second: { positive: number[]; negative: number[] }; resamples: number; level: number; seed: number }>;
  };
  expected: {
    separation: Array<{ auc: number; aucInterval: { lower: number; upper: number }; atGammaEfficiency: Cut; atHadronEfficiency: Cut; bestQualityFactor: Cut | null }>;
    classification: Array<{ accuracy: number; macroAuc: number }>;
    calibration: Array<{ fractionPositive: number[]; meanScore: number[]; brierScore: number }>;
    paired: Array<{ difference: number; lower: number; upper: number }>;
  };
};

/** Sums in a different order than sklearn's trapezoids can differ in the last bits; nothing else may. */
const close = (actual: number | undefined, expected: number) => expect(actual).toBeCloseTo(expected, 12);

describe('the seeded generator the bootstrap draws from', () => {
  it('draws the same integers as the Python port the reference uses', () => {
    const rng = createRng(fixture.draws.seed);
    expect(fixture.draws.ints.map(() => rng.int(fixture.draws.n))).toEqual(fixture.draws.ints);
    expect(hashSeed(2026, 3)).toBe(fixture.draws.hashSeed);
  });
});

describe('per-energy-bin gamma/hadron figures equal NumPy / scikit-learn', () => {
  fixture.request.separation.forEach((input, i) => {
    const expected = fixture.expected.separation[i];
    const sorted = sortClassScores(input.gamma, input.hadron);
    const seed = input.bootstrap.binIndex === undefined ? input.bootstrap.seed : hashSeed(input.bootstrap.seed, input.bootstrap.binIndex);

    it(`${input.name}: AUC and its seeded percentile-bootstrap interval`, () => {
      const labels = [...input.gamma.map(() => 1), ...input.hadron.map(() => 0)];
      expect(rocAucScore(labels, [...input.gamma, ...input.hadron])).toBe(expected.auc);
      const interval = bootstrapAuc(input.gamma, input.hadron, { resamples: input.bootstrap.resamples, level: input.bootstrap.level, random: createRng(seed) });
      close(interval?.lower, expected.aucInterval.lower);
      close(interval?.upper, expected.aucInterval.upper);
      // Same seed, same interval.
      expect(bootstrapAuc(input.gamma, input.hadron, { resamples: input.bootstrap.resamples, level: input.bootstrap.level, random: createRng(seed) })).toEqual(interval);
    });

    it(`${input.name}: cut at gamma efficiency ${input.gammaEfficiency} (the ${1 - input.gammaEfficiency} quantile of the gammas) and the hadrons it keeps`, () => {
      expect(cutAtGammaEfficiency(sorted, input.gammaEfficiency)).toEqual(expected.atGammaEfficiency);
    });

    it(`${input.name}: gamma efficiency at hadron efficiency ${input.hadronEfficiency}`, () => {
      expect(cutAtHadronEfficiency(sorted, input.hadronEfficiency)).toEqual(expected.atHadronEfficiency);
    });

    it(`${input.name}: best quality factor and its cut`, () => {
      expect(bestQualityFactor(sorted)).toEqual(expected.bestQualityFactor);
    });
  });

  it('refuses an efficiency outside [0, 1], naming it', () => {
    const sorted = sortClassScores([0.9], [0.1]);
    expect(() => cutAtGammaEfficiency(sorted, 1.5)).toThrow('gammaEfficiency must be between 0 and 1, got 1.5');
    expect(() => cutAtHadronEfficiency(sorted, -0.1)).toThrow('hadronEfficiency must be between 0 and 1, got -0.1');
  });

  it('gives no cut for an empty class', () => {
    const sorted = sortClassScores([], [0.1, 0.2]);
    expect(cutAtGammaEfficiency(sorted, 0.7)).toBeNull();
    expect(bestQualityFactor(sorted)).toBeNull();
    expect(bootstrapAuc([], [0.1], { resamples: 10, level: 0.68, random: createRng(1) })).toBeNull();
  });
});

describe('numpy.quantile (linear)', () => {
  it('interpolates as numpy does, from the upper neighbour past one half', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([0, 10], 0.3)).toBe(3);
    expect(quantileSorted([5], 0.7)).toBe(5);
    expect(quantileSorted([], 0.7)).toBeNull();
  });
});

describe('per-bin N-class figures equal scikit-learn', () => {
  fixture.request.classification.forEach((input, i) => {
    it(`${input.name}: accuracy and one-vs-rest macro AUC`, () => {
      const metrics = computeClassificationMetrics(input.labels, input.probabilities.flat(), input.probabilities[0].length);
      expect(metrics.accuracy).toBe(fixture.expected.classification[i].accuracy);
      close(metrics.roc.macroAuc ?? undefined, fixture.expected.classification[i].macroAuc);
    });
  });
});

describe('calibration equals sklearn.calibration.calibration_curve and brier_score_loss', () => {
  fixture.request.calibration.forEach((input, i) => {
    it(input.name, () => {
      const expected = fixture.expected.calibration[i];
      const calibration = calibrationCurve(input.labels, input.scores, input.bins)!;
      expect(calibration.bins.map((bin) => bin.fractionPositive)).toEqual(expected.fractionPositive);
      calibration.bins.forEach((bin, k) => close(bin.meanScore, expected.meanScore[k]));
      close(calibration.brierScore, expected.brierScore);
      expect(calibration.bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(input.scores.length);
    });
  });
});

describe('the paired bootstrap of an AUC difference equals the NumPy / scikit-learn loop', () => {
  fixture.request.paired.forEach((input, i) => {
    it(input.name, () => {
      const expected = fixture.expected.paired[i];
      const result = pairedBootstrapAucDifference({ first: input.first, second: input.second }, { resamples: input.resamples, level: input.level, random: createRng(input.seed) })!;
      close(result.difference, expected.difference);
      close(result.lower, expected.lower);
      close(result.upper, expected.upper);
      expect(result.lower).toBeLessThan(result.upper);
    });
  });

  it('refuses scores of different events for the two models', () => {
    expect(() => pairedBootstrapAucDifference({ first: { positive: [0.9], negative: [0.1] }, second: { positive: [0.9, 0.8], negative: [0.1] } }, { resamples: 5, level: 0.68, random: createRng(1) })).toThrow(
      'same events',
    );
  });
});
