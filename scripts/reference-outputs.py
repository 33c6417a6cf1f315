#!/usr/bin/python3
"""Writes the model-loader test fixtures into test/fixtures/models/ (run: /usr/bin/python3 scripts/reference-outputs.py).

1. Small Keras-layout .h5 files, written with h5py the way Keras 2.0-2.3, tf.keras 2.x and Keras 3 (legacy .h5)
   write them, plus for each a JSON file with inputs and the outputs computed here with numpy, layer by layer,
   independently of the TypeScript loader. One file per layer family; invalid files for the refusals.
2. Reference outputs of the real Keras files in ../shared/fixtures/keras/, computed by the independent
   PyTorch reader ../shared/baseline/keras_h5_torch.py.

Needs Debian's python3-h5py and python3-torch. CI runs only the TypeScript tests against the committed JSON.
Inputs are 8-bit pixels (as the service feeds them), scaled by PIXEL_SCALE before the model.
"""
import json
import math
import os
import sys

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "models")
SHARED_KERAS = os.path.normpath(os.path.join(ROOT, "..", "shared", "fixtures", "keras"))
BASELINE = os.path.normpath(os.path.join(ROOT, "..", "shared", "baseline"))
PIXEL_SCALE = 1 / 255


# ----------------------------------------------------------------------------------------------
# numpy reference implementations (NHWC, float64 for accuracy, TensorFlow padding rules)

def same_pad(size, k, s):
    out = math.ceil(size / s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def pad_hw(x, kh, kw, s, padding, value=0.0):
    if padding == "valid":
        return x
    ph, pw = same_pad(x.shape[1], kh, s[0]), same_pad(x.shape[2], kw, s[1])
    return np.pad(x, ((0, 0), ph, pw, (0, 0)), constant_values=value)


def windows(x, kh, kw, s, d=(1, 1)):
    """Yields (i, j, patch[N, kh, kw, C]) over output positions of an already padded input."""
    eh, ew = (kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1
    oh, ow = (x.shape[1] - eh) // s[0] + 1, (x.shape[2] - ew) // s[1] + 1
    for i in range(oh):
        for j in range(ow):
            yield i, j, oh, ow, x[:, i * s[0]: i * s[0] + eh: d[0], j * s[1]: j * s[1] + ew: d[1], :]


def conv2d(x, kernel, bias, strides, padding, dilation=(1, 1)):
    kh, kw, _, co = kernel.shape
    xp = pad_hw(x, (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1, strides, padding)
    out = None
    for i, j, oh, ow, patch in windows(xp, kh, kw, strides, dilation):
        if out is None:
            out = np.zeros((x.shape[0], oh, ow, co))
        out[:, i, j, :] = np.einsum("nhwc,hwcf->nf", patch, kernel)
    return out + (bias if bias is not None else 0)


def depthwise2d(x, kernel, bias, strides, padding):
    kh, kw, c, m = kernel.shape
    xp = pad_hw(x, kh, kw, strides, padding)
    out = None
    for i, j, oh, ow, patch in windows(xp, kh, kw, strides):
        if out is None:
            out = np.zeros((x.shape[0], oh, ow, c * m))
        # TensorFlow orders depthwise outputs channel-major: output c * m + k comes from input channel c.
        out[:, i, j, :] = np.einsum("nhwc,hwcm->ncm", patch, kernel).reshape(x.shape[0], c * m)
    return out + (bias if bias is not None else 0)


def pool2d(x, size, strides, padding, kind):
    kh, kw = size
    if kind == "max":
        xp = pad_hw(x, kh, kw, strides, padding, -np.inf)
        return assemble(x, xp, kh, kw, strides, lambda p: p.max(axis=(1, 2)))
    # average pooling with 'same' padding divides by the number of real (unpadded) cells, as TensorFlow does
    xp = pad_hw(x, kh, kw, strides, padding)
    ones = pad_hw(np.ones_like(x[..., :1]), kh, kw, strides, padding)
    sums = assemble(x, xp, kh, kw, strides, lambda p: p.sum(axis=(1, 2)))
    counts = assemble(x[..., :1], ones, kh, kw, strides, lambda p: p.sum(axis=(1, 2)))
    return sums / counts


def assemble(x, xp, kh, kw, strides, reduce):
    out = None
    for i, j, oh, ow, patch in windows(xp, kh, kw, strides):
        if out is None:
            out = np.zeros((x.shape[0], oh, ow, xp.shape[3]))
        out[:, i, j, :] = reduce(patch)
    return out


def activation(x, name):
    if name == "linear":
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(name)


def batchnorm(x, gamma, beta, mean, var, eps):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


# ----------------------------------------------------------------------------------------------
# a tiny model description shared by the numpy forward pass and the Keras config writers

class Layer:
    def __init__(self, cls, name, cfg, weights=(), inputs=None, fn=None):
        self.cls, self.name, self.cfg = cls, name, cfg
        self.weights = list(weights)  # [(short_name, array)]
        self.inputs = inputs  # names of input layers (Functional); None = previous layer
        self.fn = fn  # numpy forward: fn(*input_arrays) -> array


def rng_array(rng, shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def run(layers, x):
    values = {}
    prev = x
    for layer in layers:
        if layer.cls == "InputLayer":
            values[layer.name] = prev = x
            continue
        args = [values[n] for n in layer.inputs] if layer.inputs else [prev]
        values[layer.name] = prev = layer.fn(*args)
    return prev


# ----------------------------------------------------------------------------------------------
# Keras config dialects

def dtype_entry(style):
    if style == "keras3":
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    return "float32"


def initializer(style, name):
    if style == "keras3":
        return {"module": "keras.initializers", "class_name": name, "config": {"seed": None} if name == "GlorotUniform" else {}, "registered_name": None}
    return {"class_name": name, "config": {"seed": None} if name == "GlorotUniform" else {}}


def layer_config(layer, style):
    cfg = {"name": layer.name, "trainable": True, "dtype": dtype_entry(style)}
    if layer.cls == "InputLayer":
        key = "batch_shape" if style == "keras3" else "batch_input_shape"
        return {key: layer.cfg["shape"], "dtype": "float32", "sparse": False, "ragged": False, "name": layer.name}
    cfg.update(layer.cfg)
    if "kernel_size" in cfg or layer.cls == "Dense":
        cfg.setdefault("kernel_initializer", initializer(style, "GlorotUniform"))
        cfg.setdefault("bias_initializer", initializer(style, "Zeros"))
        cfg.setdefault("kernel_regularizer", None)
    if layer.cls == "LeakyReLU" and style == "keras3":
        cfg["negative_slope"] = cfg.pop("alpha")
    return cfg


def keras_tensor(name):
    return {"class_name": "__keras_tensor__", "config": {"shape": None, "dtype": "float32", "keras_history": [name, 0, 0]}}


def model_config(layers, style, functional, model_name):
    if not functional:
        entries = [{"class_name": l.cls, "config": layer_config(l, style)} for l in layers]
        if style == "keras2.0":
            # standalone Keras 2.0-2.2.2: no InputLayer, the first layer carries batch_input_shape, config is a bare list
            first = dict(entries[1]["config"], batch_input_shape=layers[0].cfg["shape"])
            return {"class_name": "Sequential", "config": [dict(entries[1], config=first)] + entries[2:]}
        cfg = {"name": model_name, "layers": entries}
        if style == "keras3":
            cfg.update({"trainable": True, "dtype": dtype_entry(style)})
        return {"class_name": "Sequential", "config": cfg}
    entries = []
    prev = None
    for l in layers:
        ins = l.inputs or ([prev] if prev else [])
        entry = {"class_name": l.cls, "config": layer_config(l, style), "name": l.name}
        if style == "keras3":
            entry["module"] = "keras.layers"
            entry["registered_name"] = None
            args = [keras_tensor(n) for n in ins]
            entry["inbound_nodes"] = [{"args": [args] if len(args) > 1 else args, "kwargs": {}}] if ins else []
        else:
            entry["inbound_nodes"] = [[[n, 0, 0, {}] for n in ins]] if ins else []
        entries.append(entry)
        prev = l.name
    first, last = layers[0].name, layers[-1].name
    if style == "keras3":
        ins, outs = [first, 0, 0], [last, 0, 0]
    else:
        ins, outs = [[first, 0, 0]], [[last, 0, 0]]
    cls = "Model" if style == "keras2.1" else "Functional"
    return {"class_name": cls, "config": {"name": model_name, "layers": entries, "input_layers": ins, "output_layers": outs}}


def as_attr(text, style):
    # Keras 2 stores strings as bytes (fixed length); Keras 3 as Python str (variable-length UTF-8).
    return text if style == "keras3" else text.encode("utf8")


def write_keras_h5(path, layers, style, functional, model_name, extra_groups=None, config_override=None):
    version = {"keras2.0": "2.0.8", "keras2.1": "2.1.6", "keras2": "2.11.0", "keras3": "3.12.0"}[style]
    config = config_override or model_config(layers, style, functional, model_name)
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = as_attr(version, style)
        f.attrs["backend"] = as_attr("tensorflow", style)
        f.attrs["model_config"] = as_attr(json.dumps(config), style)
        mw = f.create_group("model_weights")
        saved = [l for l in layers if not (l.cls == "InputLayer" and not functional)]
        mw.attrs["layer_names"] = np.array([l.name.encode("utf8") for l in saved])
        mw.attrs["backend"] = as_attr("tensorflow", style)
        mw.attrs["keras_version"] = as_attr(version, style)
        for l in saved:
            g = mw.create_group(l.name)
            names = []
            for short, array in l.weights:
                wname = f"{model_name}/{l.name}/{short}" if style == "keras3" else f"{l.name}/{short}:0"
                g.create_dataset(wname, data=array)
                names.append(wname.encode("utf8"))
            g.attrs["weight_names"] = np.array(names) if names else np.array([], dtype=np.float64)
        for name, weights in (extra_groups or {}).items():
            g = mw.create_group(name)
            g.attrs["weight_names"] = np.array([f"{name}/{s}:0".encode() for s, _ in weights])
            for s, a in weights:
                g.create_dataset(f"{name}/{s}:0", data=a)
        if style == "keras3":
            g = mw.create_group("top_level_model_weights")
            g.attrs["weight_names"] = np.array([], dtype=np.float64)


# ----------------------------------------------------------------------------------------------
# the fixture models

def L(cls, name, cfg, weights=(), inputs=None, fn=None):
    return Layer(cls, name, cfg, weights, inputs, fn)


def conv_layer(rng, name, ci, co, k, strides=(1, 1), padding="valid", act="linear", use_bias=True, dilation=(1, 1)):
    kernel = rng_array(rng, (k[0], k[1], ci, co))
    bias = rng_array(rng, (co,), 0.1) if use_bias else None
    cfg = {"filters": co, "kernel_size": list(k), "strides": list(strides), "padding": padding, "data_format": "channels_last",
           "dilation_rate": list(dilation), "groups": 1, "activation": act, "use_bias": use_bias}
    weights = [("kernel", kernel)] + ([("bias", bias)] if use_bias else [])
    return L("Conv2D", name, cfg, weights, fn=lambda x: activation(conv2d(x, kernel, bias, strides, padding, dilation), act))


def dense_layer(rng, name, ci, units, act="linear"):
    kernel, bias = rng_array(rng, (ci, units)), rng_array(rng, (units,), 0.1)
    cfg = {"units": units, "activation": act, "use_bias": True}
    return L("Dense", name, cfg, [("kernel", kernel), ("bias", bias)], fn=lambda x: activation(x @ kernel + bias, act))


def flatten(name):
    return L("Flatten", name, {"data_format": "channels_last"}, fn=lambda x: x.reshape(x.shape[0], -1))


def model_conv_same_strides(rng):
    """'same' padding with strides 2 on odd sizes (asymmetric padding), a valid conv with unequal strides,
    a dilated conv, HWC Flatten order, a sigmoid head."""
    return (7, 7, 2), [
        L("InputLayer", "input_1", {"shape": [None, 7, 7, 2]}),
        conv_layer(rng, "conv_same_s2", 2, 3, (3, 3), (2, 2), "same", "relu"),
        conv_layer(rng, "conv_valid_s21", 3, 4, (2, 2), (2, 1), "valid", "tanh"),
        conv_layer(rng, "conv_same_s1_even", 4, 2, (2, 2), (1, 1), "same", "linear"),
        flatten("flatten"),
        dense_layer(rng, "dense_out", 2 * 3 * 2, 1, "sigmoid"),
    ]


def model_dilated(rng):
    return (9, 9, 1), [
        L("InputLayer", "input_1", {"shape": [None, 9, 9, 1]}),
        conv_layer(rng, "conv_dilated", 1, 3, (3, 3), (1, 1), "same", "relu", dilation=(2, 2)),
        conv_layer(rng, "conv_dilated_valid", 3, 2, (2, 2), (1, 1), "valid", "linear", dilation=(3, 3)),
        flatten("flatten"),
        dense_layer(rng, "dense_out", 6 * 6 * 2, 2, "softmax"),
    ]


def model_batchnorm_pooling(rng):
    """Conv without bias, BatchNormalization (list axis, as tf.keras writes it), pooling with 'same' padding,
    global pooling, a two-way softmax head."""
    gamma, beta = rng_array(rng, (3,), 0.5) + 1, rng_array(rng, (3,), 0.3)
    mean, var = rng_array(rng, (3,), 0.3), np.abs(rng_array(rng, (3,), 0.5)) + 0.2
    eps = 0.001
    return (9, 9, 1), [
        L("InputLayer", "input_1", {"shape": [None, 9, 9, 1]}),
        conv_layer(rng, "conv", 1, 3, (3, 3), (1, 1), "valid", "linear", use_bias=False),
        L("BatchNormalization", "bn", {"axis": [3], "momentum": 0.99, "epsilon": eps, "center": True, "scale": True},
          [("gamma", gamma), ("beta", beta), ("moving_mean", mean), ("moving_variance", var)],
          fn=lambda x: batchnorm(x, gamma, beta, mean, var, eps)),
        L("Activation", "act_relu", {"activation": "relu"}, fn=lambda x: activation(x, "relu")),
        L("MaxPooling2D", "max_same", {"pool_size": [2, 2], "strides": [2, 2], "padding": "same", "data_format": "channels_last"},
          fn=lambda x: pool2d(x, (2, 2), (2, 2), "same", "max")),
        L("AveragePooling2D", "avg_same", {"pool_size": [3, 3], "strides": [2, 2], "padding": "same", "data_format": "channels_last"},
          fn=lambda x: pool2d(x, (3, 3), (2, 2), "same", "avg")),
        L("MaxPooling2D", "max_valid", {"pool_size": [2, 2], "strides": [1, 1], "padding": "valid", "data_format": "channels_last"},
          fn=lambda x: pool2d(x, (2, 2), (1, 1), "valid", "max")),
        L("GlobalAveragePooling2D", "gap", {"data_format": "channels_last"}, fn=lambda x: x.mean(axis=(1, 2))),
        dense_layer(rng, "dense_out", 3, 2, "softmax"),
    ]


def model_depthwise_separable(rng):
    dk, db = rng_array(rng, (3, 3, 2, 2)), rng_array(rng, (4,), 0.1)
    sdk, spk, sb = rng_array(rng, (3, 3, 4, 1)), rng_array(rng, (1, 1, 4, 3)), rng_array(rng, (3,), 0.1)
    return (8, 8, 2), [
        L("InputLayer", "input_1", {"shape": [None, 8, 8, 2]}),
        L("DepthwiseConv2D", "depthwise", {"kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "depth_multiplier": 2,
                                            "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "relu", "use_bias": True},
          [("depthwise_kernel", dk), ("bias", db)],
          fn=lambda x: activation(depthwise2d(x, dk, db, (2, 2), "same"), "relu")),
        L("SeparableConv2D", "separable", {"filters": 3, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "depth_multiplier": 1,
                                           "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear", "use_bias": True},
          [("depthwise_kernel", sdk), ("pointwise_kernel", spk), ("bias", sb)],
          fn=lambda x: conv2d(depthwise2d(x, sdk, None, (1, 1), "valid"), spk, sb, (1, 1), "valid")),
        L("GlobalMaxPooling2D", "gmp", {"data_format": "channels_last"}, fn=lambda x: x.max(axis=(1, 2))),
        dense_layer(rng, "dense_out", 3, 3, "linear"),
    ]


def model_functional_merge(rng):
    """Functional graph: Rescaling, two branches joined by Concatenate, a residual Add, LeakyReLU, ReLU with
    max_value, SpatialDropout2D, Reshape, Dropout."""
    a = conv_layer(rng, "branch_a", 1, 2, (3, 3), (1, 1), "same", "relu")
    b = conv_layer(rng, "branch_b", 1, 2, (1, 1), (1, 1), "same", "linear")
    a.inputs, b.inputs = ["rescale"], ["rescale"]
    c = conv_layer(rng, "conv_c", 4, 4, (3, 3), (1, 1), "same", "linear")
    c.inputs = ["concat"]
    return (6, 6, 1), [
        L("InputLayer", "image", {"shape": [None, 6, 6, 1]}),
        L("Rescaling", "rescale", {"scale": 2.0, "offset": -1.0}, fn=lambda x: x * 2.0 - 1.0),
        a,
        b,
        L("Concatenate", "concat", {"axis": -1}, inputs=["branch_a", "branch_b"], fn=lambda p, q: np.concatenate([p, q], axis=-1)),
        c,
        L("Add", "residual", {}, inputs=["conv_c", "concat"], fn=lambda p, q: p + q),
        L("LeakyReLU", "leaky", {"alpha": 0.1}, fn=lambda x: np.where(x > 0, x, 0.1 * x)),
        L("ReLU", "relu_cap", {"max_value": 0.5, "negative_slope": 0.0, "threshold": 0.0}, fn=lambda x: np.clip(x, 0, 0.5)),
        L("SpatialDropout2D", "spatial_dropout", {"rate": 0.2, "noise_shape": None, "seed": None}, fn=lambda x: x),
        L("Reshape", "reshape", {"target_shape": [36, 4]}, fn=lambda x: x.reshape(x.shape[0], 36, 4)),
        flatten("flatten"),
        L("Dropout", "dropout", {"rate": 0.5, "noise_shape": None, "seed": None}, fn=lambda x: x),
        dense_layer(rng, "dense_out", 144, 2, "softmax"),
    ]


def model_hw_input(rng):
    """An input of shape (H, W) without a channel axis, reshaped inside the model."""
    return (5, 5), [
        L("InputLayer", "input_1", {"shape": [None, 5, 5]}),
        L("Reshape", "add_channel", {"target_shape": [5, 5, 1]}, fn=lambda x: x.reshape(x.shape[0], 5, 5, 1)),
        conv_layer(rng, "conv", 1, 2, (3, 3), (2, 2), "same", "relu"),
        flatten("flatten"),
        dense_layer(rng, "dense_out", 3 * 3 * 2, 1, "sigmoid"),
    ]


def model_rgb(rng):
    return (4, 4, 3), [
        L("InputLayer", "input_1", {"shape": [None, 4, 4, 3]}),
        conv_layer(rng, "conv", 3, 2, (2, 2), (2, 2), "valid", "relu"),
        flatten("flatten"),
        dense_layer(rng, "dense_out", 8, 1, "sigmoid"),
    ]


# (file stem, builder, style, functional, description)
VALID = [
    ("conv_same_strides_keras2", model_conv_same_strides, "keras2", False, "tf.keras 2.11 Sequential: Conv2D same/valid with strides, Flatten, sigmoid"),
    ("conv_dilated_keras2", model_dilated, "keras2", True, "tf.keras 2.11 Functional: dilated Conv2D, softmax(2)"),
    ("batchnorm_pooling_keras2", model_batchnorm_pooling, "keras2", False, "tf.keras 2.11 Sequential: BatchNormalization, Max/AveragePooling2D same, GlobalAveragePooling2D"),
    ("depthwise_separable_keras3", model_depthwise_separable, "keras3", False, "Keras 3 legacy h5 Sequential: DepthwiseConv2D, SeparableConv2D, GlobalMaxPooling2D"),
    ("functional_merge_keras3", model_functional_merge, "keras3", True, "Keras 3 legacy h5 Functional: Rescaling, Concatenate, Add, LeakyReLU, ReLU, SpatialDropout2D, Reshape"),
    ("functional_merge_keras2", model_functional_merge, "keras2.1", True, "Keras 2.1 Functional ('Model' class): same graph"),
    ("hw_input_keras2", model_hw_input, "keras2", False, "tf.keras 2.11 Sequential with an (H, W) input"),
    ("sequential_keras20", model_conv_same_strides, "keras2.0", False, "standalone Keras 2.0 Sequential: config is a bare layer list, no InputLayer"),
    ("rgb_keras2", model_rgb, "keras2", False, "tf.keras 2.11 Sequential with an RGB input"),
]


def random_pixels(seed, count, shape):
    return np.random.RandomState(seed).randint(0, 256, size=(count,) + tuple(shape)).astype(np.uint8)


def fixture_json(path, model, reference, pixels, outputs, description, pixel_scale=PIXEL_SCALE, input_shape=None):
    doc = {
        "model": model,
        "description": description,
        "reference": reference,
        "generator": "scripts/reference-outputs.py",
        "pixelScale": pixel_scale,
        "inputShape": list(input_shape if input_shape is not None else pixels.shape[1:]),
        "pixels": [p.reshape(-1).tolist() for p in pixels],
        "outputs": [[float(f"{v:.8g}") for v in o.reshape(-1)] for o in outputs],
    }
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")


def write_valid_fixtures():
    for index, (stem, build, style, functional, description) in enumerate(VALID):
        rng = np.random.default_rng(1000 + index)
        shape, layers = build(rng)
        h5 = os.path.join(OUT, f"{stem}.h5")
        write_keras_h5(h5, layers, style, functional, "functional" if functional else "sequential")
        pixels = random_pixels(index, 3, shape)
        x = pixels.astype(np.float32) * np.float32(PIXEL_SCALE)
        outputs = run(layers, x.astype(np.float64))
        fixture_json(os.path.join(OUT, f"{stem}.json"), f"test/fixtures/models/{stem}.h5", "numpy (scripts/reference-outputs.py)",
                     pixels, outputs, description)
        print(f"wrote {stem}.h5 ({os.path.getsize(h5)} bytes), outputs {outputs.shape}{cross_check(h5, x, outputs)}")


CHAIN_LAYERS = {"InputLayer", "Conv2D", "MaxPooling2D", "AveragePooling2D", "Flatten", "Dense", "Dropout", "SpatialDropout2D",
                "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "Rescaling", "Reshape"}


def cross_check(h5, x, outputs):
    """Checks this script's numpy layers against the independent PyTorch reader where it supports the model."""
    with h5py.File(h5, "r") as f:
        config = json.loads(f.attrs["model_config"])
    layers = config["config"] if isinstance(config["config"], list) else config["config"]["layers"]
    if any(l["class_name"] not in CHAIN_LAYERS for l in layers) or any(len(l.get("inbound_nodes", [[0]])[0]) > 1 for l in layers if l.get("inbound_nodes")):
        return ""
    sys.path.insert(0, BASELINE)
    import torch
    from keras_h5_torch import load_keras_h5
    try:
        torch_out = load_keras_h5(h5)(torch.from_numpy(x)).numpy().reshape(outputs.shape)
    except RuntimeError as error:  # e.g. the reader permutes the 2-D output of global pooling as if it were NCHW
        return f" (keras_h5_torch cannot run it: {str(error).splitlines()[0][:60]}...)"
    diff = float(np.abs(torch_out - outputs).max())
    if diff > 1e-5:
        raise SystemExit(f"{h5}: numpy and keras_h5_torch disagree by {diff}")
    return f", agrees with keras_h5_torch within {diff:.1e}"


def write_invalid_fixtures():
    rng = np.random.default_rng(7)
    shape, base = model_conv_same_strides(rng)
    folder = os.path.join(OUT, "invalid")
    os.makedirs(folder, exist_ok=True)

    def variant(stem, layers, **kw):
        write_keras_h5(os.path.join(folder, f"{stem}.h5"), layers, "keras2", False, "sequential", **kw)
        print(f"wrote invalid/{stem}.h5")

    lam = L("Lambda", "lambda_1", {"function": ["4wEAAAAAAAAA", None, None], "function_type": "lambda", "output_shape": None, "arguments": {}})
    variant("lambda_layer", base[:2] + [lam] + base[2:])
    custom = L("AttentionPool", "attention_pool", {"heads": 2})
    variant("custom_layer", base[:2] + [custom] + base[2:])
    lstm = L("LSTM", "lstm", {"units": 4})
    variant("unsupported_layer", base[:2] + [lstm] + base[2:])
    first_format = conv_layer(rng, "conv_cf", 2, 3, (3, 3))
    first_format.cfg["data_format"] = "channels_first"
    variant("channels_first", [base[0], first_format] + base[2:])
    wrong = dense_layer(rng, "dense_out", 5, 1, "sigmoid")  # the model needs a (12, 1) kernel
    variant("shape_mismatch", base[:-1] + [wrong])
    variant("extra_weights", base, extra_groups={"dense_removed": [("kernel", rng_array(rng, (2, 2))), ("bias", rng_array(rng, (2,)))]})
    no_weights = conv_layer(rng, "conv_same_s2", 2, 3, (3, 3), (2, 2), "same", "relu")
    no_weights.weights = []
    variant("missing_weights", [base[0], no_weights] + base[2:])


def write_real_references():
    sys.path.insert(0, BASELINE)
    import torch
    from keras_h5_torch import load_keras_h5

    for name in sorted(os.listdir(SHARED_KERAS)):
        if not name.endswith(".h5"):
            continue
        path = os.path.join(SHARED_KERAS, name)
        model = load_keras_h5(path)
        with h5py.File(path, "r") as f:
            config = json.loads(f.attrs["model_config"])
        first = config["config"]["layers"][0]["config"]
        shape = (first.get("batch_input_shape") or first.get("batch_shape"))[1:]
        count = 4 if shape[0] * shape[1] <= 28 * 28 else 2
        seed = sum(map(ord, name)) % 10000
        pixels = random_pixels(seed, count, shape)
        x = torch.from_numpy(pixels.astype(np.float32) * np.float32(PIXEL_SCALE))
        outputs = model(x).numpy().astype(np.float64)
        stem = name[: -len(".h5")]
        fixture_json(os.path.join(OUT, f"real-{stem}.json"), f"../shared/fixtures/keras/{name}", "../shared/baseline/keras_h5_torch.py",
                     pixels, outputs, f"real Keras file {name}")
        print(f"wrote real-{stem}.json, outputs {outputs.shape}")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    write_valid_fixtures()
    write_invalid_fixtures()
    write_real_references()
