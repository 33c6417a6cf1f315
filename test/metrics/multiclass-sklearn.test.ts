// N-class metrics against scikit-learn's answers (scripts/sklearn-multiclass-reference.py wrote them).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeClassificationMetrics } from '../../server/metrics/index.ts';

interface SklearnCase {
  name: string;
  classCount: number;
  labels: number[];
  probabilities: number[];
  confusionMatrix: number[][];
  accuracy: number;
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: number[];
  weighted: number[];
  logLoss: number;
  topK: Record<string, number>;
  auc: (number | null)[];
  macroAuc: number | null;
  weightedAuc: number | null;
  averagePrecision: (number | null)[];
}

const { cases } = JSON.parse(readFileSync(new URL('../fixtures/metrics/sklearn-multiclass-cases.json', import.meta.url), 'utf8')) as { cases: SklearnCase[] };
const close = (actual: number | null, expected: number | null) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, 12);
};

describe('N-class metrics equal scikit-learn', () => {
  it('has cases to compare', () => expect(cases.length).toBeGreaterThanOrEqual(10));

  for (const c of cases) {
    it(`matches on ${c.name}`, () => {
      const topK = Object.keys(c.topK).map(Number);
      const metrics = computeClassificationMetrics(c.labels, c.probabilities, c.classCount, { topK });
      expect(metrics.confusionMatrix).toEqual(c.confusionMatrix);
      expect(metrics.support).toEqual(c.support);
      close(metrics.accuracy, c.accuracy);
      metrics.report.perClass.forEach((row, i) => {
        close(row.precision, c.precision[i]);
        close(row.recall, c.recall[i]);
        close(row.f1, c.f1[i]);
      });
      [metrics.report.macro.precision, metrics.report.macro.recall, metrics.report.macro.f1].forEach((v, i) => close(v, c.macro[i]));
      [metrics.report.weighted.precision, metrics.report.weighted.recall, metrics.report.weighted.f1].forEach((v, i) => close(v, c.weighted[i]));
      close(metrics.logLoss, c.logLoss);
      for (const { k, accuracy } of metrics.topKAccuracy) close(accuracy, c.topK[String(k)]);
      metrics.roc.perClass.forEach((row, i) => close(row.auc, c.auc[i]));
      close(metrics.roc.macroAuc, c.macroAuc);
      close(metrics.roc.weightedAuc, c.weightedAuc);
      metrics.precisionRecall.perClass.forEach((row, i) => close(row.averagePrecision, c.averagePrecision[i]));
    });
  }
});
