// Two classes are scikit-learn's binary case: the N-class figures of a binary run must agree with its gamma/hadron ones.
import { describe, expect, it } from 'vitest';
import { computeClassificationMetrics, computeMetrics, rocAucScore } from '../../server/metrics/index.ts';

describe('N-class metrics of two classes', () => {
  it('give the binary ROC AUC of the second class, as roc_auc_score(y, p[:, 1]) does, even when 1 - p is not exact', () => {
    // Softmax outputs in float32: 1 - p is not exact, so a tie in class 1's scores (0.35) can be broken in class 0's.
    const positive = [0.91, 0.35, 0.35, 0.62, 0.1, 0.8, 0.55, 0.2];
    const labels = [1, 0, 1, 1, 0, 1, 0, 0];
    const probabilities = positive.flatMap((p, i) => [1 - p + (i === 2 ? 1e-7 : 0), p]);
    expect(computeClassificationMetrics(labels, probabilities, 2).roc.perClass[0].auc).not.toBe(rocAucScore(labels, positive));
    const metrics = computeClassificationMetrics(labels, probabilities, 2);
    const binary = rocAucScore(labels, positive);
    expect(metrics.roc.macroAuc).toBe(binary);
    expect(metrics.roc.weightedAuc).toBe(binary);
    const gamma = positive.filter((_, i) => labels[i] === 1);
    const proton = positive.filter((_, i) => labels[i] === 0);
    expect(computeMetrics({ gamma, proton }).rocAuc).toBe(binary);
  });
});
