#!/usr/bin/python3
"""NumPy / scikit-learn answers for the per-energy-bin metrics of server/metrics/ (efficiency cuts, best Q,
bootstrap AUC intervals, paired bootstrap AUC differences, calibration, per-bin N-class accuracy and macro AUC).

Two uses:
    /usr/bin/python3 scripts/energy-metrics-reference.py            # writes test/fixtures/metrics/energy-metrics-cases.json
    /usr/bin/python3 scripts/energy-metrics-reference.py --stdin    # reads cases as JSON, prints the answers (test/api/energy-bins.test.ts)

Needs Debian's python3-numpy and python3-sklearn (CI installs them; the committed JSON serves the unit tests).

Conventions, the same as the TypeScript side's:
- gamma = positive (label 1), hadron = negative (label 0); a cut passes events with gammaness >= cut (pyirf).
- The gammaness cut at gamma efficiency e is np.quantile(gamma, 1 - e) (numpy's default linear method),
  pyirf's calculate_percentile_cut with percentile 100 (1 - e); the cut at hadron efficiency h is
  np.quantile(hadron, 1 - h).
- Best Q: the thresholds of roc_curve(drop_intermediate=False) where fpr > 0; Q = tpr / sqrt(fpr); np.argmax.
- Bootstrap: the project's seeded generator (server/random/rng.ts, xoshiro128**) ported below bit for bit; each
  resample draws len(gamma) indices into np.sort(gamma), then len(hadron) into np.sort(hadron), each
  floor(u * n); the resample's AUC is roc_auc_score; the interval is np.quantile(aucs, [(1-l)/2, (1+l)/2]).
- Paired bootstrap: indices into the events as given (positives, then negatives), the same events scored by
  both models; the statistic is AUC(second) - AUC(first).
"""
import json
import math
import os
import sys

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import accuracy_score, brier_score_loss, roc_auc_score, roc_curve

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "metrics", "energy-metrics-cases.json")
M32 = 0xFFFFFFFF


def imul(a, b):
    return (a * b) & M32


def rotl(x, k):
    x &= M32
    return ((x << k) | (x >> (32 - k))) & M32


def to_uint32(number):
    """JavaScript's `number | 0`, as an unsigned 32-bit pattern."""
    return int(math.trunc(number)) & M32


def hash_seed(*words):
    """server/random/rng.ts hashSeed."""
    h = 0x9E3779B9
    for word in words:
        k = imul(to_uint32(word), 0xCC9E2D51)
        k = rotl(k, 15)
        h ^= imul(k, 0x1B873593)
        h = rotl(h, 13)
        h = (imul(h, 5) + 0xE6546B64) & M32
        high = to_uint32(math.floor(word / 4294967296))
        if high != 0:
            h = imul(h ^ high, 0x85EBCA6B)
    h ^= h >> 16
    h = imul(h, 0x85EBCA6B)
    h ^= h >> 13
    h = imul(h, 0xC2B2AE35)
    h ^= h >> 16
    return h


class Rng:
    """server/random/rng.ts createRng(seed): xoshiro128** seeded through splitmix32."""

    def __init__(self, seed):
        s = hash_seed(seed)
        state = []
        for _ in range(4):
            s = (s + 0x9E3779B9) & M32
            z = s
            z = imul(z ^ (z >> 16), 0x85EBCA6B)
            z = imul(z ^ (z >> 13), 0xC2B2AE35)
            state.append(z ^ (z >> 16))
        self.a, self.b, self.c, self.d = state

    def next_u32(self):
        result = imul(rotl(imul(self.b, 5), 7), 9)
        t = (self.b << 9) & M32
        self.c ^= self.a
        self.d ^= self.b
        self.b ^= self.c
        self.a ^= self.d
        self.c ^= t
        self.d = rotl(self.d, 11)
        return result

    def int(self, n):
        return math.floor((self.next_u32() / 4294967296) * n)

    def indices(self, n):
        return np.array([self.int(n) for _ in range(n)], dtype=np.int64)


def labelled(positive, negative):
    positive = np.asarray(positive, dtype=np.float64)
    negative = np.asarray(negative, dtype=np.float64)
    return np.r_[np.ones(len(positive)), np.zeros(len(negative))], np.r_[positive, negative]


def efficiency_cut(gamma, hadron, cut):
    return {"cut": float(cut), "gammaEfficiency": float(np.mean(gamma >= cut)), "hadronEfficiency": float(np.mean(hadron >= cut))}


def best_quality_factor(gamma, hadron):
    labels, scores = labelled(gamma, hadron)
    fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
    fpr, tpr, thresholds = fpr[1:], tpr[1:], thresholds[1:]  # the added (0, 0) point has no cut
    keep = fpr > 0
    if not keep.any():
        return None
    q = tpr[keep] / np.sqrt(fpr[keep])
    k = int(np.argmax(q))
    return {"cut": float(thresholds[keep][k]), "gammaEfficiency": float(tpr[keep][k]), "hadronEfficiency": float(fpr[keep][k]), "qualityFactor": float(q[k])}


def bootstrap_auc(gamma, hadron, resamples, level, rng):
    gamma, hadron = np.sort(gamma), np.sort(hadron)
    labels = np.r_[np.ones(len(gamma)), np.zeros(len(hadron))]
    aucs = []
    for _ in range(resamples):
        g = gamma[rng.indices(len(gamma))]
        h = hadron[rng.indices(len(hadron))]
        aucs.append(roc_auc_score(labels, np.r_[g, h]))
    lower, upper = np.quantile(np.array(aucs), [(1 - level) / 2, (1 + level) / 2])
    return {"lower": float(lower), "upper": float(upper)}


def separation(case):
    """One energy bin of a binary run: every figure of EnergyBinMetrics."""
    gamma = np.asarray(case["gamma"], dtype=np.float64)
    hadron = np.asarray(case["hadron"], dtype=np.float64)
    labels, scores = labelled(gamma, hadron)
    boot = case["bootstrap"]
    rng = Rng(boot["seed"]) if "binIndex" not in boot else Rng(hash_seed(boot["seed"], boot["binIndex"]))
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "aucInterval": bootstrap_auc(gamma, hadron, boot["resamples"], boot["level"], rng),
        "atGammaEfficiency": efficiency_cut(gamma, hadron, np.quantile(gamma, 1 - case["gammaEfficiency"])),
        "atHadronEfficiency": efficiency_cut(gamma, hadron, np.quantile(hadron, 1 - case["hadronEfficiency"])),
        "bestQualityFactor": best_quality_factor(gamma, hadron),
    }


def classification(case):
    """Accuracy (argmax) and one-vs-rest macro AUC of N-class scores (rows in class order)."""
    labels = np.asarray(case["labels"], dtype=np.int64)
    probabilities = np.asarray(case["probabilities"], dtype=np.float64)
    classes = probabilities.shape[1]
    aucs = [roc_auc_score(labels == k, probabilities[:, k]) for k in range(classes)]
    return {"accuracy": float(accuracy_score(labels, np.argmax(probabilities, axis=1))), "macroAuc": float(np.mean(aucs))}


def calibration(case):
    labels = np.asarray(case["labels"], dtype=np.int64)
    scores = np.asarray(case["scores"], dtype=np.float64)
    fraction, mean = calibration_curve(labels, scores, n_bins=case["bins"], strategy="uniform")
    return {"fractionPositive": fraction.tolist(), "meanScore": mean.tolist(), "brierScore": float(brier_score_loss(labels, scores))}


def paired(case):
    first, second = case["first"], case["second"]
    rng = Rng(case["seed"])
    n_pos, n_neg = len(first["positive"]), len(first["negative"])
    labels = np.r_[np.ones(n_pos), np.zeros(n_neg)]
    a = np.r_[first["positive"], first["negative"]]
    b = np.r_[second["positive"], second["negative"]]
    differences = []
    for _ in range(case["resamples"]):
        idx = np.r_[rng.indices(n_pos), n_pos + rng.indices(n_neg)]
        differences.append(roc_auc_score(labels, b[idx]) - roc_auc_score(labels, a[idx]))
    lower, upper = np.quantile(np.array(differences), [(1 - case["level"]) / 2, (1 + case["level"]) / 2])
    return {"difference": float(roc_auc_score(labels, b) - roc_auc_score(labels, a)), "lower": float(lower), "upper": float(upper)}


def answer(request):
    return {
        "separation": [separation(case) for case in request.get("separation", [])],
        "classification": [classification(case) for case in request.get("classification", [])],
        "calibration": [calibration(case) for case in request.get("calibration", [])],
        "paired": [paired(case) for case in request.get("paired", [])],
    }


def beta_scores(rng, n_gamma, n_hadron, decimals, strength=1.0):
    gamma = np.round(rng.beta(1 + 4 * strength, 1.2, n_gamma), decimals)
    hadron = np.round(rng.beta(1.2, 1 + 4 * strength, n_hadron), decimals)
    return gamma.tolist(), hadron.tolist()


def build_request():
    rng = np.random.default_rng(20261203)
    separation_cases = []
    for name, n_gamma, n_hadron, decimals, strength, eff_g, eff_h, boot in [
        ("weak separation, distinct scores, 150/170", 150, 170, 6, 0.2, 0.7, 0.1, {"resamples": 200, "level": 0.68, "seed": 11}),
        ("strong separation, ties (2 decimals), 300/250", 300, 250, 2, 1.5, 0.9, 0.01, {"resamples": 150, "level": 0.95, "seed": 12}),
        ("heavy ties (1 decimal), 80/90, bin-seeded", 80, 90, 1, 0.8, 0.5, 0.3, {"resamples": 101, "level": 0.9, "seed": 2026, "binIndex": 3}),
        ("tiny bin, 5/4", 5, 4, 3, 0.5, 0.7, 0.25, {"resamples": 50, "level": 0.68, "seed": -5}),
    ]:
        gamma, hadron = beta_scores(rng, n_gamma, n_hadron, decimals, strength)
        separation_cases.append({"name": name, "gamma": gamma, "hadron": hadron, "gammaEfficiency": eff_g, "hadronEfficiency": eff_h, "bootstrap": boot})
    separation_cases.append({
        "name": "perfect separation: no cut lets a hadron through above the gammas",
        "gamma": [0.9, 0.95, 0.99, 1.0], "hadron": [0.1, 0.2, 0.3],
        "gammaEfficiency": 0.7, "hadronEfficiency": 0.5, "bootstrap": {"resamples": 20, "level": 0.68, "seed": 1},
    })

    classification_cases = []
    for name, n, k in [("4 classes, 200 events", 200, 4), ("binary as two columns, 90 events", 90, 2)]:
        labels = rng.integers(0, k, n)
        logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[labels]
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        probabilities = probabilities.astype(np.float32).astype(np.float64)
        classification_cases.append({"name": name, "labels": labels.tolist(), "probabilities": probabilities.tolist()})

    calibration_cases = []
    gamma, hadron = beta_scores(rng, 400, 380, 6)
    edges = [k / 10 for k in range(11)] + [k * 0.1 for k in range(11)]
    for name, g, h, bins in [
        ("beta scores, 10 bins", gamma, hadron, 10),
        ("beta scores, 7 bins", gamma, hadron, 7),
        ("scores on the bin edges, 10 bins", edges[:11], edges[11:], 10),
    ]:
        labels, scores = labelled(g, h)
        calibration_cases.append({"name": name, "labels": labels.astype(int).tolist(), "scores": scores.tolist(), "bins": bins})

    paired_cases = []
    gamma1, hadron1 = beta_scores(rng, 120, 110, 4, 0.6)
    noise = rng.normal(0, 0.1, 230)
    gamma2 = np.clip(np.array(gamma1) + noise[:120] + 0.05, 0, 1).round(4).tolist()
    hadron2 = np.clip(np.array(hadron1) + noise[120:] - 0.05, 0, 1).round(4).tolist()
    paired_cases.append({
        "name": "second model a little better, 120/110",
        "first": {"positive": gamma1, "negative": hadron1},
        "second": {"positive": gamma2, "negative": hadron2},
        "resamples": 200, "level": 0.68, "seed": 99,
    })
    return {"separation": separation_cases, "classification": classification_cases, "calibration": calibration_cases, "paired": paired_cases}


def main():
    if "--stdin" in sys.argv:
        json.dump(answer(json.load(sys.stdin)), sys.stdout)
        return
    request = build_request()
    import sklearn
    # The first draws of the ported generator, so a test can tell a broken port from a broken metric.
    draws = {"seed": 7, "n": 1000, "hashSeed": hash_seed(2026, 3)}
    rng = Rng(7)
    draws["ints"] = [rng.int(1000) for _ in range(8)]
    fixture = {"versions": {"numpy": np.__version__, "sklearn": sklearn.__version__}, "draws": draws, "request": request, "expected": answer(request)}
    with open(OUTPUT, "w") as out:
        json.dump(fixture, out)
        out.write("\n")
    print(f"wrote {os.path.relpath(OUTPUT)}")


if __name__ == "__main__":
    main()
