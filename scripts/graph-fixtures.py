#!/usr/bin/python3
"""Writes the graph-loader test fixtures into test/fixtures/graphs/ (run: /usr/bin/python3 scripts/graph-fixtures.py).

Keras model files the way Keras writes them, built here with h5py and zipfile (TensorFlow is not installable):
Functional graphs with branches, merges, shared layers and several outputs, in the Keras 2 (`inbound_nodes`
lists) and Keras 3 (`args`/`kwargs` with `keras_history`) node formats; nested models (Teachable Machine's
Sequential > Sequential > Functional MobileNetV2-like shape); the layer families of the loader; Keras 3 `.keras`
archives (config.json, metadata.json, model.weights.h5). For each, a JSON with 8-bit inputs and every output
computed by the independent PyTorch reader ../shared/baseline/keras_h5_torch.py.

Needs Debian's python3-h5py and python3-torch. The tests read only the committed files.
"""
import io
import json
import math
import os
import sys
import zipfile

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "graphs")
BASELINE = os.path.normpath(os.path.join(ROOT, "..", "shared", "baseline"))
sys.path.insert(0, BASELINE)
import keras_h5_torch  # noqa: E402  (the independent reference)
import torch  # noqa: E402

PIXEL_SCALE = 1 / 255


# ----------------------------------------------------------------------------------------------
# a small graph description, written out in each Keras dialect

class Layer:
    def __init__(self, cls, name, cfg=None, weights=()):
        self.cls, self.name, self.cfg = cls, name, dict(cfg or {})
        self.weights = list(weights)  # [(short_name, array, trainable)]
        self.calls = []  # one list of refs per call
        self.model = None  # a nested Graph


class Graph:
    """A model: Functional (inputs, calls, outputs) or Sequential (a chain)."""

    def __init__(self, name, kind="Functional"):
        self.name, self.kind = name, kind
        self.layers, self.inputs, self.outputs = [], [], []

    def input(self, name, shape):
        layer = Layer("InputLayer", name, {"shape": [None] + list(shape)})
        self.layers.append(layer)
        self.inputs.append((name, 0, 0))
        return (name, 0, 0)

    def add(self, layer):
        self.layers.append(layer)
        return layer

    def __call__(self, layer, *refs):
        """Calls `layer` (added if new) on refs; returns its output ref (name, call index, 0)."""
        if layer not in self.layers:
            self.layers.append(layer)
        layer.calls.append(list(refs))
        return (layer.name, len(layer.calls) - 1, 0)


def nested(graph):
    layer = Layer(graph.kind, graph.name)
    layer.model = graph
    return layer


def rng_array(rng, shape, scale=0.5):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def dtype_entry(style):
    if style == "keras3":
        return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}
    return "float32"


def layer_config(layer, style):
    if layer.cls == "InputLayer":
        key = "batch_shape" if style == "keras3" else "batch_input_shape"
        return {key: layer.cfg["shape"], "dtype": "float32", "sparse": False, "ragged": False, "name": layer.name}
    cfg = {"name": layer.name, "trainable": True, "dtype": dtype_entry(style)}
    cfg.update(layer.cfg)
    if layer.cls == "LeakyReLU" and style == "keras3":
        cfg["negative_slope"] = cfg.pop("alpha")
    return cfg


def keras_tensor(ref):
    return {"class_name": "__keras_tensor__", "config": {"shape": None, "dtype": "float32", "keras_history": list(ref)}}


def model_entry(graph, style):
    """The config of `graph` as Keras writes it, nested models included."""
    if graph.kind == "Sequential":
        entries = [layer_entry(l, style, functional=False) for l in graph.layers]
        cfg = {"name": graph.name, "layers": entries}
        if style == "keras3":
            cfg.update({"trainable": True, "dtype": dtype_entry(style)})
        return {"class_name": "Sequential", "config": cfg, **({"module": "keras", "registered_name": "Sequential"} if style == "keras3" else {})}
    # Keras 2 references a nested model's calls from node 1 (node 0 is its own); Keras 3 only in
    # input_layers/output_layers, and only for Functional models.
    def shift(ref, outer):
        name, index, tensor = ref
        layer = next(l for l in graph.layers if l.name == name)
        if layer.model is None:
            return [name, index, tensor]
        if style == "keras3":
            return [name, index + (1 if outer and layer.cls == "Functional" else 0), tensor]
        return [name, index + 1, tensor]

    entries = []
    for l in graph.layers:
        entry = layer_entry(l, style, functional=True)
        if style == "keras3":
            nodes = []
            for refs in l.calls:
                args = [keras_tensor(shift(r, False)) for r in refs]
                nodes.append({"args": [args] if len(args) > 1 else args, "kwargs": {}})
            entry["inbound_nodes"] = nodes
        else:
            entry["inbound_nodes"] = [[shift(r, False) + [{}] for r in refs] for refs in l.calls]
        entries.append(entry)
    ins = [shift(r, True) for r in graph.inputs]
    outs = [shift(r, True) for r in graph.outputs]
    if style == "keras3":
        ins = ins[0] if len(ins) == 1 else ins
        outs = outs[0] if len(outs) == 1 else outs
    cls = "Functional" if style == "keras3" else "Functional"
    cfg = {"name": graph.name, "layers": entries, "input_layers": ins, "output_layers": outs}
    if style == "keras3":
        cfg["trainable"] = True
        return {"module": "keras", "class_name": cls, "config": cfg, "registered_name": "Functional"}
    return {"class_name": cls if style != "keras2.1" else "Model", "config": cfg}


def layer_entry(layer, style, functional):
    if layer.model is not None:
        entry = model_entry(layer.model, style)
        entry["name"] = layer.name
        return entry
    entry = {"class_name": layer.cls, "config": layer_config(layer, style)}
    if functional:
        entry["name"] = layer.name
    if style == "keras3":
        entry["module"] = "keras.layers"
        entry["registered_name"] = None
    return entry


def leaves(graph):
    """(path of nested model names, layer) for every leaf layer with weights, depth first, each once."""
    seen = []
    for l in graph.layers:
        if l.model is not None:
            for path, leaf in leaves(l.model):
                yield [l.name] + path, leaf
        elif l.weights and l not in seen:
            seen.append(l)
            yield [], l


# ----------------------------------------------------------------------------------------------
# files

VERSIONS = {"keras2": "2.13.1", "keras3": "3.12.0"}


def write_legacy_h5(path, graph, style):
    version = VERSIONS[style]
    as_attr = (lambda t: t) if style == "keras3" else (lambda t: t.encode("utf8"))
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = as_attr(version)
        f.attrs["backend"] = as_attr("tensorflow")
        f.attrs["model_config"] = as_attr(json.dumps(model_entry(graph, style)))
        mw = f.create_group("model_weights")
        top = [l for l in graph.layers if not (l.cls == "InputLayer" and graph.kind == "Sequential")]
        mw.attrs["layer_names"] = np.array([l.name.encode("utf8") for l in top])
        mw.attrs["backend"] = as_attr("tensorflow")
        mw.attrs["keras_version"] = as_attr(version)
        for l in top:
            g = mw.create_group(l.name)
            if l.model is not None:
                # A nested model's group holds all its layers' weights, trainable ones first (as Keras's
                # model.weights orders them), named "<scope>/<layer>/<weight>:0" with varying scopes.
                pairs = []
                for path, leaf in leaves(l.model):
                    for short, array, trainable in leaf.weights:
                        scope = "/".join(path[-1:]) + "/" if path and len(leaf.name) % 2 else ""
                        pairs.append((not trainable, f"{scope}{leaf.name}/{short}:0", array))
                pairs.sort(key=lambda p: p[0])
                entries = [(n, a) for _, n, a in pairs]
            else:
                entries = [(f"{graph.name}/{l.name}/{s}" if style == "keras3" else f"{l.name}/{s}:0", a) for s, a, _ in l.weights]
            for name, array in entries:
                g.create_dataset(name, data=array)
            g.attrs["weight_names"] = np.array([n.encode("utf8") for n, _ in entries]) if entries else np.array([], dtype=np.float64)


def snake_case(name):
    return keras_h5_torch._snake_case(name)


def write_v3_weights(group, graph):
    used = {}
    for l in graph.layers:
        key = snake_case(l.cls)
        used[key] = used.get(key, -1) + 1
        if l.cls == "InputLayer":
            continue
        g = group.require_group("layers").create_group(key + (f"_{used[key]}" if used[key] else ""))
        v = g.create_group("vars")
        if l.model is not None:
            write_v3_weights(g, l.model)
        else:
            v.attrs["name"] = l.name
            for i, (_, array, _) in enumerate(l.weights):
                v.create_dataset(str(i), data=array)


def write_keras_archive(path, graph):
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        write_v3_weights(f, graph)
        f.create_group("vars")
    # Fixed member dates keep regenerated archives byte-identical.
    def member(name):
        return zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(member("metadata.json"), json.dumps({"keras_version": VERSIONS["keras3"], "date_saved": "2026-01-01@00:00:00"}))
        z.writestr(member("config.json"), json.dumps(model_entry(graph, "keras3")))
        z.writestr(member("model.weights.h5"), weights.getvalue())


# ----------------------------------------------------------------------------------------------
# layers with weights

def conv(rng, name, ci, co, k=3, strides=1, padding="same", act="linear", bias=True, dilation=1, groups=1):
    w = [("kernel", rng_array(rng, (k, k, ci // groups, co), 1 / math.sqrt(k * k * ci / groups)), True)]
    if bias:
        w.append(("bias", rng_array(rng, (co,), 0.1), True))
    cfg = {"filters": co, "kernel_size": [k, k], "strides": [strides, strides], "padding": padding,
           "dilation_rate": [dilation, dilation], "groups": groups, "activation": act, "use_bias": bias,
           "data_format": "channels_last"}
    return Layer("Conv2D", name, cfg, w)


def depthwise(rng, name, ci, k=3, strides=1, multiplier=1, act="linear", bias=True, padding="same", dilation=1):
    w = [("depthwise_kernel", rng_array(rng, (k, k, ci, multiplier), 1 / k), True)]
    if bias:
        w.append(("bias", rng_array(rng, (ci * multiplier,), 0.1), True))
    cfg = {"kernel_size": [k, k], "strides": [strides, strides], "padding": padding, "depth_multiplier": multiplier,
           "activation": act, "use_bias": bias, "data_format": "channels_last", "dilation_rate": [dilation, dilation]}
    return Layer("DepthwiseConv2D", name, cfg, w)


def separable(rng, name, ci, co, k=3, multiplier=1, act="linear"):
    w = [("depthwise_kernel", rng_array(rng, (k, k, ci, multiplier), 1 / k), True),
         ("pointwise_kernel", rng_array(rng, (1, 1, ci * multiplier, co), 1 / math.sqrt(ci * multiplier)), True),
         ("bias", rng_array(rng, (co,), 0.1), True)]
    cfg = {"filters": co, "kernel_size": [k, k], "strides": [1, 1], "padding": "same", "depth_multiplier": multiplier,
           "activation": act, "use_bias": True, "data_format": "channels_last", "dilation_rate": [1, 1]}
    return Layer("SeparableConv2D", name, cfg, w)


def conv_transpose(rng, name, ci, co, k, strides, padding, act="linear"):
    w = [("kernel", rng_array(rng, (k, k, co, ci), 1 / math.sqrt(k * k * ci)), True), ("bias", rng_array(rng, (co,), 0.1), True)]
    cfg = {"filters": co, "kernel_size": [k, k], "strides": [strides, strides], "padding": padding, "output_padding": None,
           "activation": act, "use_bias": True, "data_format": "channels_last", "dilation_rate": [1, 1]}
    return Layer("Conv2DTranspose", name, cfg, w)


def dense(rng, name, ci, units, act="linear"):
    w = [("kernel", rng_array(rng, (ci, units), 1 / math.sqrt(ci)), True), ("bias", rng_array(rng, (units,), 0.1), True)]
    return Layer("Dense", name, {"units": units, "activation": act, "use_bias": True}, w)


def batchnorm(rng, name, channels, axis=-1, epsilon=1e-3):
    w = [("gamma", (0.5 + rng.random(channels)).astype(np.float32), True),
         ("beta", rng_array(rng, (channels,), 0.2), True),
         ("moving_mean", rng_array(rng, (channels,), 0.3), False),
         ("moving_variance", (0.5 + rng.random(channels)).astype(np.float32), False)]
    return Layer("BatchNormalization", name, {"axis": axis, "epsilon": epsilon, "momentum": 0.99, "center": True, "scale": True}, w)


def plain(cls, name, **cfg):
    return Layer(cls, name, cfg)


# ----------------------------------------------------------------------------------------------
# the fixture models

def model_branching(rng):
    """Branches, every merge, a tensor used by several layers, a shared layer at two nodes, two outputs."""
    g = Graph("branching")
    x = g.input("image", (10, 10, 3))
    stem = g(conv(rng, "stem", 3, 6, act="relu"), x)
    a = g(conv(rng, "branch_a", 6, 6, k=1), stem)
    b = g(conv(rng, "branch_b", 6, 6, k=3, act="tanh"), stem)
    shared = conv(rng, "shared_conv", 6, 6, k=3)
    sa, sb = g(shared, a), g(shared, b)
    merged = [
        g(plain("Add", "add"), sa, sb, stem),
        g(plain("Subtract", "subtract"), sa, sb),
        g(plain("Multiply", "multiply"), a, b),
        g(plain("Average", "average"), a, b, sa),
        g(plain("Maximum", "maximum"), a, b),
        g(plain("Minimum", "minimum"), sa, b),
    ]
    cat = g(plain("Concatenate", "concat", axis=-1), *merged)
    bn_rows = g(batchnorm(rng, "bn_rows", 10, axis=1), cat)
    bn = g(batchnorm(rng, "bn_channels", 36), bn_rows)
    pooled = g(plain("GlobalAveragePooling2D", "gap", data_format="channels_last", keepdims=True), bn)
    flat = g(plain("Flatten", "flatten", data_format="channels_last"), pooled)
    aux = g(dense(rng, "aux_regression", 36, 3), flat)
    head = g(dense(rng, "class_probabilities", 36, 2, act="softmax"), flat)
    g.outputs = [aux, head]
    return g


def model_layers(rng):
    """The convolution, reshaping and activation layer families, in one Sequential chain."""
    g = Graph("layer_families", kind="Sequential")
    g.input("pixels", (12, 12, 2))
    g.add(conv(rng, "dilated", 2, 4, k=3, dilation=2, padding="same", act="relu6"))
    g.add(conv(rng, "grouped", 4, 6, k=3, groups=2, act="hard_swish"))
    g.add(depthwise(rng, "depthwise_x2", 6, multiplier=2, act="gelu"))
    g.add(separable(rng, "separable", 12, 6, multiplier=2, act="mish"))
    g.add(plain("ZeroPadding2D", "pad", padding=[[1, 2], [0, 1]], data_format="channels_last"))
    g.add(plain("Cropping2D", "crop", cropping=[[2, 1], [1, 0]], data_format="channels_last"))
    g.add(plain("ReLU", "relu_all", max_value=1.5, negative_slope=0.1, threshold=-0.2))
    g.add(conv_transpose(rng, "up_same", 6, 4, 3, 2, "same"))
    g.add(conv_transpose(rng, "up_valid", 4, 3, 2, 3, "valid", act="elu"))
    g.add(plain("MaxPooling2D", "pool", pool_size=[3, 3], strides=[3, 3], padding="same", data_format="channels_last"))
    g.add(plain("UpSampling2D", "upsample", size=[2, 1], interpolation="nearest", data_format="channels_last"))
    prelu_alpha = (rng.random((1, 1, 3)) * 0.5).astype(np.float32)
    g.add(Layer("PReLU", "prelu", {"shared_axes": [1, 2]}, [("alpha", prelu_alpha, True)]))
    g.add(plain("ELU", "elu", alpha=0.5))
    g.add(plain("LeakyReLU", "leaky", alpha=0.2))
    g.add(plain("GaussianNoise", "noise", stddev=0.1))
    g.add(plain("Permute", "permute", dims=[2, 1, 3]))
    g.add(plain("Reshape", "reshape", target_shape=[-1, 6]))
    ln_shape = 6
    g.add(Layer("LayerNormalization", "layer_norm", {"axis": [-1], "epsilon": 1e-3, "center": True, "scale": True},
                [("gamma", (0.5 + rng.random(ln_shape)).astype(np.float32), True), ("beta", rng_array(rng, (ln_shape,), 0.2), True)]))
    g.add(plain("Flatten", "flatten", data_format="channels_last"))
    g.add(plain("Dropout", "dropout", rate=0.5))
    g.add(dense(rng, "logits", 24 * 48 * 3, 4))  # 576 rows of 6, flattened
    g.add(plain("Softmax", "softmax", axis=-1))
    return g


def model_preprocessing(rng):
    """Normalization (stored statistics), Rescaling, BatchNormalization off the last axis, ReLU max_value."""
    g = Graph("preprocessing", kind="Sequential")
    g.input("pixels", (6, 6, 3))
    g.add(Layer("Normalization", "normalize", {"axis": -1, "invert": False},
                [("mean", np.array([0.4, 0.5, 0.6], np.float32), False), ("variance", np.array([0.04, 0.09, 0.01], np.float32), False),
                 ("count", np.array(100, np.int64).astype(np.float32), False)]))
    g.add(plain("Rescaling", "rescale", scale=0.5, offset=-0.25))
    g.add(batchnorm(rng, "bn_width", 6, axis=2))
    g.add(plain("ReLU", "relu_cap", max_value=1.0))
    g.add(conv(rng, "conv", 3, 4, act="hard_sigmoid"))
    g.add(plain("GlobalMaxPooling2D", "gmp", data_format="channels_last", keepdims=False))
    g.add(dense(rng, "gamma_unit", 4, 1, act="sigmoid"))
    return g


def model_odds_and_ends(rng):
    """Settings the other fixtures leave out: several axes, config statistics, keepdims max, no-op resizes."""
    g = Graph("odds_and_ends")
    x = g.input("image", (6, 6, 4))
    x1 = g(plain("SpatialDropout2D", "spatial_dropout", rate=0.3), x)
    x2 = g(plain("RandomFlip", "random_flip", mode="horizontal"), x1)
    x3 = g(plain("Resizing", "resize_same", height=6, width=6, interpolation="bilinear", crop_to_aspect_ratio=False, data_format="channels_last"), x2)
    x4 = g(plain("CenterCrop", "crop_same", height=6, width=6, data_format="channels_last"), x3)
    a = g(conv(rng, "grouped_4", 4, 4, k=3, groups=4, act="leaky_relu"), x4)
    ln = Layer("LayerNormalization", "ln_hwc", {"axis": [1, 2, 3], "epsilon": 1e-3, "center": True, "scale": True},
               [("gamma", (0.5 + rng.random((6, 6, 4))).astype(np.float32), True), ("beta", rng_array(rng, (6, 6, 4), 0.2), True)])
    b = g(ln, x4)
    bn = Layer("BatchNormalization", "bn_wc", {"axis": [2, 3], "epsilon": 1e-3, "center": True, "scale": False},
               [("beta", rng_array(rng, (6, 4), 0.2), True), ("moving_mean", rng_array(rng, (6, 4), 0.3), False),
                ("moving_variance", (0.5 + rng.random((6, 4))).astype(np.float32), False)])
    c = g(bn, x4)
    d = g(plain("Softmax", "softmax_hw", axis=[1, 2]), x4)
    m1 = g(plain("Concatenate", "rows_ab", axis=1), a, b)
    m2 = g(plain("Concatenate", "rows_cd", axis=1), c, d)
    m3 = g(plain("Add", "sum"), m1, m2)
    r = g(plain("ReLU", "relu_threshold", threshold=0.1), m3)
    dd = g(depthwise(rng, "depthwise_dilated", 4, k=3, multiplier=2, dilation=2), r)
    pooled = g(plain("GlobalMaxPooling2D", "gmp_keep", data_format="channels_last", keepdims=True), dd)
    flat = g(plain("Flatten", "flatten", data_format="channels_last"), pooled)
    out1 = g(dense(rng, "log_probabilities", 8, 3, act="log_softmax"), flat)
    e = g(plain("Normalization", "normalize_inverse", axis=-1, mean=[0.1, 0.2, 0.3, 0.4], variance=[1.0, 4.0, 0.25, 2.0], invert=True), x4)
    e2 = g(plain("GlobalAveragePooling2D", "gap", data_format="channels_last"), e)
    out2 = g(dense(rng, "exponential_head", 4, 2, act="exponential"), e2)
    g.outputs = [out1, out2]
    return g


def model_broadcast_merges(rng):
    """Merges of inputs of different shapes: a vector gets axes at 1 (Keras's _Merge), then numpy broadcasting."""
    g = Graph("broadcast_merges")
    x = g.input("image", (5, 5, 3))
    feature_map = g(conv(rng, "conv", 3, 4, k=3, act="tanh"), x)
    vector = g(dense(rng, "gate", 3, 4, act="sigmoid"), g(plain("GlobalAveragePooling2D", "gap", data_format="channels_last"), x))
    pooled = g(plain("GlobalMaxPooling2D", "gmp_keep", data_format="channels_last", keepdims=True), feature_map)
    total = g(plain("Add", "add_vector"), feature_map, vector)
    scaled = g(plain("Multiply", "multiply_keepdims"), total, pooled)
    top = g(plain("Maximum", "maximum_vector"), scaled, vector)
    mean = g(plain("Average", "average_three"), top, vector, pooled)
    flat = g(plain("Flatten", "flatten", data_format="channels_last"), mean)
    g.outputs = [g(dense(rng, "probability", 100, 1, act="sigmoid"), flat)]
    return g


def model_bn_epsilon(rng):
    """Variances near epsilon: tf.keras (2.4+) raises epsilon to 1.001e-5 for a fused 4D batch norm, Keras 3 not."""
    g = Graph("bn_epsilon", kind="Sequential")
    g.input("pixels", (4, 4, 3))
    tiny = batchnorm(rng, "bn_tiny_variance", 3, epsilon=1e-6)
    tiny.weights[2] = ("moving_mean", np.array([0.5, 0.4, 0.6], np.float32), False)
    tiny.weights[3] = ("moving_variance", np.array([2e-6, 1e-5, 4e-5], np.float32), False)
    g.add(tiny)
    g.add(plain("Flatten", "flatten", data_format="channels_last"))
    return g


def inverted_residual(rng, g, x, name, ci, co, expand, stride):
    h = x
    if expand != 1:
        h = g(conv(rng, f"{name}_expand", ci, ci * expand, k=1, bias=False), h)
        h = g(batchnorm(rng, f"{name}_expand_BN", ci * expand), h)
        h = g(plain("ReLU", f"{name}_expand_relu", max_value=6.0), h)
    if stride == 2:
        h = g(plain("ZeroPadding2D", f"{name}_pad", padding=[[0, 1], [0, 1]], data_format="channels_last"), h)
    h = g(depthwise(rng, f"{name}_depthwise", ci * expand, strides=stride, bias=False, padding="same" if stride == 1 else "valid"), h)
    h = g(batchnorm(rng, f"{name}_depthwise_BN", ci * expand), h)
    h = g(plain("ReLU", f"{name}_depthwise_relu", max_value=6.0), h)
    h = g(conv(rng, f"{name}_project", ci * expand, co, k=1, bias=False), h)
    h = g(batchnorm(rng, f"{name}_project_BN", co), h)
    if ci == co and stride == 1:
        h = g(plain("Add", f"{name}_add"), x, h)
    return h


def mobilenet_like(rng, name, size, channels, blocks):
    g = Graph(name)
    x = g.input(f"input_{name}", (size, size, 3))
    h = g(conv(rng, "Conv1", 3, channels[0], k=3, strides=2, bias=False), x)
    h = g(batchnorm(rng, "bn_Conv1", channels[0]), h)
    h = g(plain("ReLU", "Conv1_relu", max_value=6.0), h)
    ci = channels[0]
    for i, (co, expand, stride) in enumerate(blocks):
        h = inverted_residual(rng, g, h, f"block_{i}", ci, co, expand, stride)
        ci = co
    h = g(conv(rng, "Conv_1", ci, channels[1], k=1, bias=False), h)
    h = g(batchnorm(rng, "Conv_1_bn", channels[1]), h)
    h = g(plain("ReLU", "out_relu", max_value=6.0), h)
    g.outputs = [h]
    return g, channels[1]


def model_teachable(rng):
    """Teachable Machine's shape: Sequential > [Sequential > [Functional MobileNetV2-like, GAP], Sequential > head]."""
    backbone, features = mobilenet_like(rng, "mobilenetv2_0.35_32", 32, (8, 24), [(8, 1, 1), (12, 3, 2), (12, 3, 1)])
    body = Graph("sequential_1", kind="Sequential")
    body.input("input_body", (32, 32, 3))
    body.add(nested(backbone))
    body.add(plain("GlobalAveragePooling2D", "global_average_pooling2d_GlobalAveragePooling2D1", data_format="channels_last"))
    head = Graph("sequential_3", kind="Sequential")
    head.input("input_head", (features,))
    head.add(dense(rng, "dense_Dense1", features, 10, act="relu"))
    head.add(dense(rng, "dense_Dense2", 10, 3, act="softmax"))
    outer = Graph("sequential_4", kind="Sequential")
    outer.add(nested(body))
    outer.add(nested(head))
    return outer


def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def mobilenet_v2(rng, alpha=0.35, size=96, hidden=16, classes=2):
    """keras.applications.MobileNetV2(alpha, input size x size x 3, no top) inside Teachable Machine's Sequentials,
    with a Dense(hidden, relu) > Dense(classes, softmax) head."""
    g = Graph(f"mobilenetv2_{alpha:.2f}_{size}")
    x = g.input("input_1", (size, size, 3))
    first = make_divisible(32 * alpha)
    h = g(conv(rng, "Conv1", 3, first, k=3, strides=2, bias=False), x)
    h = g(batchnorm(rng, "bn_Conv1", first), h)
    h = g(plain("ReLU", "Conv1_relu", max_value=6.0), h)
    ci = first
    settings = [(16, 1, 1)] + [(24, 2, 6), (24, 1, 6)] + [(32, 2, 6)] + [(32, 1, 6)] * 2 + [(64, 2, 6)] + [(64, 1, 6)] * 3 \
        + [(96, 1, 6)] * 3 + [(160, 2, 6)] + [(160, 1, 6)] * 2 + [(320, 1, 6)]
    for i, (filters, stride, expansion) in enumerate(settings):
        co = make_divisible(filters * alpha)
        h = inverted_residual(rng, g, h, f"block_{i}" if i else "expanded_conv", ci, co, expansion, stride)
        ci = co
    last = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
    h = g(conv(rng, "Conv_1", ci, last, k=1, bias=False), h)
    h = g(batchnorm(rng, "Conv_1_bn", last), h)
    g.outputs = [g(plain("ReLU", "out_relu", max_value=6.0), h)]
    body = Graph("sequential_1", kind="Sequential")
    body.input("input_body", (size, size, 3))
    body.add(nested(g))
    body.add(plain("GlobalAveragePooling2D", "global_average_pooling2d", data_format="channels_last"))
    head = Graph("sequential_3", kind="Sequential")
    head.input("input_head", (last,))
    head.add(dense(rng, "dense_Dense1", last, hidden, act="relu"))
    head.add(dense(rng, "dense_Dense2", hidden, classes, act="softmax"))
    outer = Graph("sequential_4", kind="Sequential")
    outer.add(nested(body))
    outer.add(nested(head))
    return outer


def model_mobilenet_v2(rng):
    """keras.applications.MobileNetV2(alpha=0.35, input 96x96, no top) inside Teachable Machine's Sequentials."""
    return mobilenet_v2(rng, alpha=0.35, size=96, hidden=16, classes=2)


def model_nested_shared(rng):
    """A Functional model called twice (shared weights) and a nested Sequential, inside a Functional model."""
    inner = Graph("encoder")
    x = inner.input("encoder_in", (8, 8, 2))
    h = inner(conv(rng, "enc_conv", 2, 4, act="relu"), x)
    h = inner(batchnorm(rng, "enc_bn", 4), h)
    inner.outputs = [inner(plain("GlobalAveragePooling2D", "enc_gap", data_format="channels_last"), h)]
    classifier = Graph("classifier", kind="Sequential")
    classifier.input("classifier_in", (8,))
    classifier.add(dense(rng, "hidden", 8, 6, act="selu"))
    classifier.add(dense(rng, "probabilities", 6, 2, act="softmax"))
    g = Graph("twin")
    image = g.input("image", (8, 8, 2))
    flipped = g(plain("Multiply", "times"), image, image)
    encoder = nested(inner)
    e1, e2 = g(encoder, image), g(encoder, flipped)
    cat = g(plain("Concatenate", "features", axis=-1), e1, e2)
    g.outputs = [g(nested(classifier), cat), e1]
    return g


FIXTURES = [
    # stem, builder, container, description
    ("branching_keras2", model_branching, "keras2", "Keras 2 Functional: branches, Add/Subtract/Multiply/Average/Maximum/Minimum/Concatenate, a shared Conv2D at two nodes, BatchNormalization on axis 1, GlobalAveragePooling2D keepdims, two outputs"),
    ("branching_keras3", model_branching, "keras3", "the same graph in the Keras 3 node format (legacy .h5)"),
    ("branching_keras3_archive", model_branching, "archive", "the same graph as a Keras 3 .keras archive"),
    ("layer_families_keras2", model_layers, "keras2", "Keras 2 Sequential: dilated and grouped Conv2D, DepthwiseConv2D x2, SeparableConv2D, ZeroPadding2D, Cropping2D, ReLU(max_value, negative_slope, threshold), Conv2DTranspose same/valid, UpSampling2D, PReLU, ELU, LeakyReLU, Permute, Reshape -1, LayerNormalization, Softmax; relu6, hard_swish, gelu, mish, elu"),
    ("layer_families_archive", model_layers, "archive", "the layer families as a Keras 3 .keras archive (LeakyReLU negative_slope)"),
    ("preprocessing_keras2", model_preprocessing, "keras2", "Keras 2 Sequential: Normalization with adapted statistics, Rescaling, BatchNormalization on the width axis, ReLU max_value, hard_sigmoid (Keras 2), GlobalMaxPooling2D, one sigmoid unit"),
    ("preprocessing_archive", model_preprocessing, "archive", "the same as a .keras archive (hard_sigmoid as Keras 3 defines it)"),
    ("odds_and_ends_keras2", model_odds_and_ends, "keras2", "Keras 2 Functional: grouped Conv2D (4 groups), LayerNormalization and BatchNormalization on several axes, Softmax over two axes, thresholded ReLU, dilated DepthwiseConv2D, GlobalMaxPooling2D keepdims, Normalization from config with invert, same-size Resizing/CenterCrop, augmentation as identity; leaky_relu, log_softmax, exponential"),
    ("broadcast_merges_keras2", model_broadcast_merges, "keras2", "Keras 2 Functional: Add, Multiply, Maximum, Average of a feature map with a vector and a keepdims pooling (broadcast)"),
    ("bn_epsilon_keras2", model_bn_epsilon, "keras2", "tf.keras 2.13 BatchNormalization with epsilon 1e-6 and variances near it: the fused kernel's 1.001e-5 floor applies"),
    ("bn_epsilon_archive", model_bn_epsilon, "archive", "the same from Keras 3 (.keras): no floor"),
    ("teachable_keras2", model_teachable, "keras2", "Teachable Machine shape: Sequential > Sequential > Functional MobileNetV2-like (ZeroPadding2D, DepthwiseConv2D stride 2, ReLU6, residual Add), nested weights in one group"),
    ("teachable_archive", model_teachable, "archive", "the Teachable Machine shape as a .keras archive"),
    ("nested_shared_keras2", model_nested_shared, "keras2", "Keras 2 Functional: a nested Functional model called twice, a nested Sequential head, two outputs"),
    ("nested_shared_keras3", model_nested_shared, "keras3", "the same in the Keras 3 node format (legacy .h5)"),
    ("nested_shared_archive", model_nested_shared, "archive", "the same as a .keras archive"),
    ("mobilenet_v2_035_archive", model_mobilenet_v2, "archive", "scale test: MobileNetV2 (alpha 0.35, 96x96, all 17 blocks) in Teachable Machine's Sequentials, random weights, .keras"),
]


def input_shape_of(graph):
    first = graph.layers[0]
    if first.model is not None:
        return input_shape_of(first.model)
    return tuple(first.cfg["shape"][1:])


def main():
    os.makedirs(OUT, exist_ok=True)
    for index, (stem, build, container, description) in enumerate(FIXTURES):
        rng = np.random.default_rng(2000 + FIXTURES.index(next(f for f in FIXTURES if f[1] is build)))
        graph = build(rng)
        shape = input_shape_of(graph)
        if container == "archive":
            model_file = f"{stem}.keras"
            write_keras_archive(os.path.join(OUT, model_file), graph)
        else:
            model_file = f"{stem}.h5"
            write_legacy_h5(os.path.join(OUT, model_file), graph, container)
        model = keras_h5_torch.load_keras(os.path.join(OUT, model_file))
        pixels = np.random.RandomState(index).randint(0, 256, size=(2 if shape[0] > 32 else 3,) + shape).astype(np.uint8)
        x = torch.from_numpy(pixels.astype(np.float32) * np.float32(PIXEL_SCALE))
        outs = model(x)
        outs = outs if isinstance(outs, list) else [outs]
        names = [r[0] for r in graph.outputs] if graph.kind == "Functional" else [last_leaf_name(graph)]
        doc = {
            "model": f"test/fixtures/graphs/{model_file}",
            "description": description,
            "reference": "../shared/baseline/keras_h5_torch.py",
            "generator": "scripts/graph-fixtures.py",
            "pixelScale": PIXEL_SCALE,
            "inputShape": list(shape),
            "pixels": [p.reshape(-1).tolist() for p in pixels],
            "outputs": [{"layer": name, "shape": list(o.shape[1:]), "values": [[float(f"{v:.8g}") for v in row.reshape(-1).tolist()] for row in o]}
                        for name, o in zip(names, outs)],
        }
        with open(os.path.join(OUT, f"{stem}.json"), "w") as f:
            json.dump(doc, f, separators=(",", ":"))
            f.write("\n")
        print(f"wrote {model_file} ({os.path.getsize(os.path.join(OUT, model_file))} bytes), outputs {[tuple(o.shape) for o in outs]}")


def last_leaf_name(graph):
    last = graph.layers[-1]
    return last.name if last.model is None else last_leaf_name(last.model)


def write_mobilenet_v2(path, alpha, size, hidden, classes, seed=2026):
    """Writes one MobileNetV2 in Teachable Machine's shape (random weights) as .keras (archive) or .h5 (Keras 2)."""
    graph = mobilenet_v2(np.random.default_rng(seed), alpha=alpha, size=size, hidden=hidden, classes=classes)
    if path.endswith(".keras"):
        write_keras_archive(path, graph)
    else:
        write_legacy_h5(path, graph, "keras2")
    params = sum(int(np.prod(a.shape)) for _, layer in leaves(graph) for _, a, _ in layer.weights)
    print(json.dumps({"file": path, "bytes": os.path.getsize(path), "parameters": params, "inputShape": [size, size, 3]}))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        # scripts/graph-fixtures.py --mobilenet-v2 OUT.keras|OUT.h5 [--alpha 1.0] [--size 224] [--hidden 100] [--classes 2]
        import argparse
        parser = argparse.ArgumentParser(description="Writes one MobileNetV2 (Teachable Machine's shape, random weights); without arguments, the test fixtures.")
        parser.add_argument("--mobilenet-v2", required=True, metavar="FILE")
        parser.add_argument("--alpha", type=float, default=1.0)
        parser.add_argument("--size", type=int, default=224)
        parser.add_argument("--hidden", type=int, default=100)
        parser.add_argument("--classes", type=int, default=2)
        parser.add_argument("--seed", type=int, default=2026)
        a = parser.parse_args()
        write_mobilenet_v2(a.mobilenet_v2, a.alpha, a.size, a.hidden, a.classes, a.seed)
    else:
        main()
