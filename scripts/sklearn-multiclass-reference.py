#!/usr/bin/env python3
"""Writes test/fixtures/metrics/sklearn-multiclass-cases.json: deterministic N-class probability sets and
scikit-learn's answers for them, which test/metrics/multiclass-sklearn.test.ts compares server/metrics/
against (CI has no sklearn; the JSON is committed). Run with the system Python after
`apt-get install python3-sklearn`:

    /usr/bin/python3 scripts/sklearn-multiclass-reference.py
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, log_loss,
                             precision_recall_fscore_support, roc_auc_score, top_k_accuracy_score)

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'metrics', 'sklearn-multiclass-cases.json')


def case(name, labels, probs, k):
    labels = np.asarray(labels, dtype=int)
    probs = np.asarray(probs, dtype=np.float64)
    present = len(np.unique(labels)) == k
    predicted = probs.argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        p, r, f, s = precision_recall_fscore_support(labels, predicted, labels=list(range(k)), zero_division=0)
        macro = precision_recall_fscore_support(labels, predicted, labels=list(range(k)), average='macro', zero_division=0)
        weighted = precision_recall_fscore_support(labels, predicted, labels=list(range(k)), average='weighted', zero_division=0)
    out = {
        'name': name, 'classCount': k, 'labels': labels.tolist(), 'probabilities': probs.ravel().tolist(),
        'confusionMatrix': confusion_matrix(labels, predicted, labels=list(range(k))).tolist(),
        'accuracy': accuracy_score(labels, predicted),
        'precision': p.tolist(), 'recall': r.tolist(), 'f1': f.tolist(), 'support': s.tolist(),
        'macro': list(macro[:3]), 'weighted': list(weighted[:3]),
        'logLoss': log_loss(labels, probs, labels=list(range(k))),
        'topK': {str(t): top_k_accuracy_score(labels, probs, k=t, labels=list(range(k))) for t in (1, 2, 3) if t < k} if present else {},
        'auc': None, 'macroAuc': None, 'weightedAuc': None, 'averagePrecision': [],
    }
    onehot = np.eye(k)[labels]
    out['auc'] = [roc_auc_score(onehot[:, c], probs[:, c]) if 0 < onehot[:, c].sum() < len(labels) else None for c in range(k)]
    out['averagePrecision'] = [average_precision_score(onehot[:, c], probs[:, c]) if onehot[:, c].sum() > 0 else None for c in range(k)]
    if present and np.allclose(probs.sum(axis=1), 1):
        out['macroAuc'] = roc_auc_score(labels, probs, multi_class='ovr', average='macro')
        out['weightedAuc'] = roc_auc_score(labels, probs, multi_class='ovr', average='weighted')
    return out


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    rng = np.random.default_rng(12)
    cases = []
    for k, n in ((3, 40), (4, 120), (10, 300)):
        labels = rng.integers(0, k, n)
        labels[:k] = np.arange(k)
        logits = rng.normal(size=(n, k)) + 2.0 * np.eye(k)[labels]
        cases.append(case(f'{k} classes, informative scores', labels, softmax(logits), k))
        cases.append(case(f'{k} classes, random scores', labels, softmax(rng.normal(size=(n, k))), k))
        # Ties: scores rounded to one decimal, so many samples share values.
        cases.append(case(f'{k} classes, tied scores', labels, np.round(softmax(logits * 0.5), 1) / np.round(softmax(logits * 0.5), 1).sum(axis=1, keepdims=True), k))
    labels = np.array([0, 1, 2, 0, 1, 2])
    cases.append(case('perfect scores', labels, np.eye(3)[labels] * 0.9 + 0.1 / 3, 3))
    cases.append(case('a class absent', np.array([0, 1, 0, 1, 1]), softmax(rng.normal(size=(5, 3))), 3))
    cases.append(case('tiny n', np.array([2, 0, 1]), softmax(rng.normal(size=(3, 3))), 3))
    with open(OUT, 'w') as fh:
        json.dump({'sklearn': sklearn.__version__, 'cases': cases}, fh)
    print(f'wrote {len(cases)} cases with scikit-learn {sklearn.__version__}')


main()
