#!/usr/bin/env python3
"""Writes test/fixtures/metrics/sklearn-cases.json: deterministic score sets and scikit-learn's / numpy's
answers for them, which test/metrics/ compares server/metrics/ against (CI has no sklearn; the JSON is
committed). Run with the system Python after `apt-get install python3-sklearn`:

    /usr/bin/python3 scripts/sklearn-reference.py

Conventions of the fixture (the TypeScript side documents the same choices):
- Labels: 1 = gamma (positive), 0 = proton. Scores are gammaness in [0, 1].
- roc_curve's first threshold is written as Infinity (sklearn >= 1.3); sklearn < 1.3 returns max + 1,
  which this script rewrites.
- Where sklearn raises or warns that a metric is undefined (one class absent), the expected value is
  null and `undefined` records sklearn's message.
- Non-finite floats are written as the strings "Infinity" / "-Infinity" (JSON has no such numbers).
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "metrics", "sklearn-cases.json")
THRESHOLDS = [0.9, 0.5]


def rounded(values, decimals):
    # Fewer digits keep the fixture small; rounding to 1-3 decimals is also what creates heavy ties.
    return np.round(values, decimals)


def beta_scores(rng, n_gamma, n_proton, decimals):
    """Realistic-looking gammaness: gammas skewed to 1, protons to 0, overlapping tails."""
    gamma = rng.beta(5.0, 1.2, n_gamma)
    proton = rng.beta(1.2, 5.0, n_proton)
    return rounded(gamma, decimals), rounded(proton, decimals)


def build_cases():
    rng = np.random.default_rng(20240611)
    cases = []

    def add(name, gamma, proton, thresholds=THRESHOLDS, bins=(50,)):
        cases.append((name, np.asarray(gamma, dtype=np.float64), np.asarray(proton, dtype=np.float64), list(thresholds), list(bins)))

    add("random uniform, n=10", rounded(rng.uniform(size=5), 6), rounded(rng.uniform(size=5), 6))
    g, p = beta_scores(rng, 120, 80, 6)
    add("beta-distributed, n=200", g, p, bins=(50, 7))
    g, p = beta_scores(rng, 250, 250, 1)
    add("heavy ties: rounded to 1 decimal, n=500", g, p, thresholds=[0.9, 0.5, 0.3], bins=(50, 10))
    g, p = beta_scores(rng, 2600, 2400, 2)
    add("ties: rounded to 2 decimals, n=5000", g, p, bins=(50, 100))
    g, p = beta_scores(rng, 1500, 1500, 6)
    add("mostly distinct scores, n=3000", g, p)
    uniform = rng.uniform(size=1000)
    add(
        "float32 model outputs, n=1000",
        uniform[:600].astype(np.float32).astype(np.float64) ** 0.3,
        uniform[600:].astype(np.float32).astype(np.float64) ** 3,
    )
    add("all scores equal, n=50", np.full(30, 0.5), np.full(20, 0.5), thresholds=[0.9, 0.5])
    add("all scores exactly 1, n=12", np.ones(7), np.ones(5), thresholds=[0.9, 1.0], bins=(50, 3))
    add("all scores exactly 0, n=12", np.zeros(5), np.zeros(7), thresholds=[0.9, 0.0])
    add(
        "perfect separation, n=100",
        rounded(rng.uniform(0.6, 1.0, 50), 6),
        rounded(rng.uniform(0.0, 0.4, 50), 6),
    )
    add(
        "inverted separation, n=60",
        rounded(rng.uniform(0.0, 0.4, 30), 6),
        rounded(rng.uniform(0.6, 1.0, 30), 6),
    )
    below, above = np.nextafter(0.9, 0.0), np.nextafter(0.9, 1.0)
    add(
        "scores at exactly the threshold 0.9, n=40",
        [0.9] * 8 + [below, above, 0.95, 0.85, 1.0, 0.9, 0.2, 0.9] + [0.1] * 4,
        [0.9] * 6 + [below, above, 0.9, 0.05, 0.3, 0.9] + [0.0] * 8,
        thresholds=[0.9, float(below), float(above)],
    )
    edges_as_multiples = [k * (1 / 50) for k in range(51)]
    edges_as_quotients = [k / 50 for k in range(51)]
    add(
        "scores on histogram edges, n=204",
        edges_as_multiples + edges_as_quotients,
        edges_as_quotients[::-1] + edges_as_multiples[::-1],
        thresholds=[0.9, 0.02 * 45],
        bins=(50, 10, 3),
    )
    add("one gamma, one proton, n=2", [0.7], [0.3])
    add("tied pair, n=2", [0.4], [0.4])
    add("only gammas, n=20", rounded(rng.uniform(size=20), 6), [])
    add("only protons, n=20", [], rounded(rng.uniform(size=20), 6))
    return cases, rng


def strict(compute):
    """sklearn's answer, or None with the reason when sklearn raises or warns that it is undefined."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedMetricWarning)
        warnings.simplefilter("error", RuntimeWarning)
        # precision_recall_curve without positives: "No positive class found in y_true, recall is set to one".
        warnings.simplefilter("error", UserWarning)
        try:
            return compute(), None
        except (ValueError, UserWarning, RuntimeWarning) as error:
            return None, f"{type(error).__name__}: {error}"


def floats(array):
    return [encode_float(float(v)) for v in array]


def encode_float(value):
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if math.isnan(value):
        raise ValueError("NaN in sklearn output: the fixture cannot represent it")
    return value


def describe(name, gamma, proton, thresholds, bins, shuffle_rng):
    labels = np.concatenate([np.ones(len(gamma), dtype=np.int64), np.zeros(len(proton), dtype=np.int64)])
    scores = np.concatenate([gamma, proton])
    # Shuffle so the implementation's own sort is exercised, not the input order.
    order = shuffle_rng.permutation(len(labels))
    labels, scores = labels[order], scores[order]
    undefined = {}

    def roc(drop_intermediate=True):
        fpr, tpr, thr = roc_curve(labels, scores, drop_intermediate=drop_intermediate)
        thr = thr.astype(np.float64)
        if not math.isinf(thr[0]):
            thr[0] = math.inf  # sklearn < 1.3 wrote max(score) + 1
        return {"fpr": floats(fpr), "tpr": floats(tpr), "thresholds": floats(thr)}

    def pr():
        precision, recall, thr = precision_recall_curve(labels, scores)
        return {"precision": floats(precision), "recall": floats(recall), "thresholds": floats(thr)}

    expected = {}
    for key, compute in [
        ("roc", roc),
        ("rocWithoutDroppingIntermediate", lambda: roc(drop_intermediate=False)),
        ("rocAuc", lambda: float(roc_auc_score(labels, scores))),
        ("precisionRecall", pr),
        ("averagePrecision", lambda: float(average_precision_score(labels, scores))),
    ]:
        expected[key], reason = strict(compute)
        if reason:
            undefined[key] = reason

    confusion = []
    for threshold in thresholds:
        predicted = (scores >= threshold).astype(np.int64)
        (tn, fp), (fn, tp) = confusion_matrix(labels, predicted, labels=[0, 1]).tolist()
        confusion.append({"threshold": threshold, "matrix": [[tn, fp], [fn, tp]]})

    histograms = []
    for bin_count in bins:
        gamma_counts, edges = np.histogram(gamma, bins=bin_count, range=(0.0, 1.0))
        proton_counts, _ = np.histogram(proton, bins=bin_count, range=(0.0, 1.0))
        histograms.append(
            {"binCount": bin_count, "edges": floats(edges), "gamma": gamma_counts.tolist(), "proton": proton_counts.tolist()}
        )

    return {
        "name": name,
        "labels": labels.tolist(),
        "scores": floats(scores),
        "expected": {**expected, "confusion": confusion, "histograms": histograms},
        "undefined": undefined,
    }


def build_scalar_cases(rng):
    """A case too large to store its curves: numpy sums more than 8192 terms (one iterator buffer) buffer
    by buffer, pairwise within each. The average precision of > 8192 distinct scores exercises that, but
    only shows it when the result differs from one pairwise sum over everything: pick the first such set."""
    for _ in range(50):
        gamma = rounded(rng.uniform(size=5000) ** 0.5, 6)
        proton = rounded(rng.uniform(size=5000) ** 2, 6)
        labels = np.r_[np.ones(len(gamma)), np.zeros(len(proton))]
        precision, recall, _ = precision_recall_curve(labels, np.r_[gamma, proton])
        terms = np.diff(recall) * precision[:-1]
        if len(terms) > 8192 and np.sum(terms) != unbuffered_pairwise_sum(terms.tolist()):
            return [("10000 mostly distinct scores, AP sums over two numpy buffers (scalars only)", gamma, proton)]
    raise RuntimeError("no candidate separates buffered from unbuffered summation")


def unbuffered_pairwise_sum(values):
    """numpy's pairwise_sum over the whole array at once (what numpy does within one buffer)."""
    n = len(values)
    if n < 8:
        total = 0.0
        for v in values:
            total += v
        return total
    if n <= 128:
        r = list(values[:8])
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += values[i + j]
            i += 8
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for v in values[i:]:
            total += v
        return total
    half = n // 2
    half -= half % 8
    return unbuffered_pairwise_sum(values[:half]) + unbuffered_pairwise_sum(values[half:])


def describe_scalars(name, gamma, proton):
    labels = np.concatenate([np.ones(len(gamma), dtype=np.int64), np.zeros(len(proton), dtype=np.int64)])
    scores = np.concatenate([gamma, proton])
    _, _, pr_thresholds = precision_recall_curve(labels, scores)
    return {
        "name": name,
        "gamma": floats(gamma),
        "proton": floats(proton),
        "expected": {
            "rocAuc": float(roc_auc_score(labels, scores)),
            "averagePrecision": float(average_precision_score(labels, scores)),
            "precisionRecallPoints": len(pr_thresholds) + 1,
        },
    }


def main():
    cases, rng = build_cases()
    fixture = {
        "generatedBy": "scripts/sklearn-reference.py",
        "versions": {"python": sys.version.split()[0], "sklearn": sklearn.__version__, "numpy": np.__version__},
        "cases": [describe(*case, shuffle_rng=rng) for case in cases],
        "scalarCases": [describe_scalars(*case) for case in build_scalar_cases(rng)],
    }
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w") as file:
        json.dump(fixture, file, separators=(",", ":"), allow_nan=False)
        file.write("\n")
    print(f"wrote {len(cases)} cases, {os.path.getsize(OUTPUT)} bytes to {os.path.relpath(OUTPUT)}")


if __name__ == "__main__":
    main()
