#!/usr/bin/python3
"""Writes test/fixtures/uploads/n-class-upload.json for the end-to-end N-class test (test/api/n-class.test.ts):
60 deterministic 28x28 stroke images with labels "0".."9", the outputs of the real 10-class Keras file
../shared/fixtures/keras/digits_cnn_keras2.11.h5 on them computed by the independent PyTorch reader
../shared/baseline/keras_h5_torch.py, and scikit-learn's metrics on those outputs. The test makes PNGs of the
images, zips them as class folders, uploads model and zip over GraphQL and compares both.

Needs Debian's python3-h5py, python3-torch and python3-sklearn; CI uses the committed JSON:

    /usr/bin/python3 scripts/n-class-reference.py
"""
import json
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "uploads", "n-class-upload.json")
MODEL = "digits_cnn_keras2.11.h5"
SHARED_KERAS = os.path.normpath(os.path.join(ROOT, "..", "shared", "fixtures", "keras"))
BASELINE = os.path.normpath(os.path.join(ROOT, "..", "shared", "baseline"))
CLASSES = [str(d) for d in range(10)]
PER_CLASS = 6
SIZE = 28


def stroke_image(rng):
    """A few thick bright strokes on black: digit-like enough that the model's answers spread over classes."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    image = np.zeros((SIZE, SIZE))
    for _ in range(rng.integers(1, 4)):
        (y0, x0), (y1, x1) = rng.uniform(5, 23, size=(2, 2))
        t = np.clip(((yy - y0) * (y1 - y0) + (xx - x0) * (x1 - x0)) / max((y1 - y0) ** 2 + (x1 - x0) ** 2, 1e-9), 0, 1)
        distance = np.hypot(yy - (y0 + t * (y1 - y0)), xx - (x0 + t * (x1 - x0)))
        image = np.maximum(image, np.clip(2.2 - distance, 0, 1))
    return np.round(image * 255).astype(np.uint8)


def main():
    sys.path.insert(0, BASELINE)
    import torch
    from keras_h5_torch import load_keras_h5
    from sklearn.metrics import accuracy_score, confusion_matrix, log_loss, precision_recall_fscore_support, roc_auc_score, top_k_accuracy_score

    rng = np.random.default_rng(20261203)
    labels = [k for k in range(len(CLASSES)) for _ in range(PER_CLASS)]
    pixels = np.stack([stroke_image(rng) for _ in labels])
    model = load_keras_h5(os.path.join(SHARED_KERAS, MODEL))
    x = torch.from_numpy(pixels[..., None].astype(np.float32) / np.float32(255))
    outputs = model(x).detach().numpy().astype(np.float64)
    y = np.array(labels)
    predicted = outputs.argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(y, predicted, labels=list(range(10)), zero_division=0)
        metrics = {
            "accuracy": accuracy_score(y, predicted),
            "confusionMatrix": confusion_matrix(y, predicted, labels=list(range(10))).tolist(),
            "precision": p.tolist(),
            "recall": r.tolist(),
            "f1": f.tolist(),
            "support": s.tolist(),
            # The rows sum to 1 within float32 rounding, inside the tolerance of sklearn's check.
            "macroAuc": roc_auc_score(y, outputs, multi_class="ovr", average="macro"),
            "weightedAuc": roc_auc_score(y, outputs, multi_class="ovr", average="weighted"),
            "top3Accuracy": top_k_accuracy_score(y, outputs, k=3, labels=list(range(10))),
            "logLoss": log_loss(y, outputs, labels=list(range(10))),
        }
    doc = {
        "model": f"../shared/fixtures/keras/{MODEL}",
        "reference": "../shared/baseline/keras_h5_torch.py",
        "classes": CLASSES,
        "size": SIZE,
        "labels": labels,
        "pixels": pixels.reshape(len(labels), -1).tolist(),
        "outputs": outputs.tolist(),
        "sklearn": metrics,
    }
    with open(OUT, "w") as out:
        json.dump(doc, out)
    print(f"wrote {OUT}: accuracy {metrics['accuracy']:.3f}, macro AUC {metrics['macroAuc']:.3f}, predicted classes {sorted(set(predicted.tolist()))}")


if __name__ == "__main__":
    main()
