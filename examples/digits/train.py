#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Train two small classifiers on scikit-learn's digits; write them as float linalg MLIR.

The data: sklearn.datasets.load_digits() (1797 8x8 images, pixel values
0..16), scaled to x / 16 in float32 and split by train_test_split
(stratified, SPLIT_SEED) into 1437 training and 360 test images.

    mlp.mlir  x: ?x64    -> dense 64->32 + bias -> relu -> dense 32->10 + bias
    cnn.mlir  x: ?x1x8x8 (NCHW)
              -> pad 1 -> conv 1->8 3x3 + bias -> relu -> max pool 2x2 stride 2
              -> pad 1 -> conv 8->16 3x3 + bias -> relu
              -> flatten (tensor.collapse_shape to ?x256) -> dense 256->10 + bias

Both are trained here with plain numpy (hand-written backprop, softmax
cross-entropy, Adam, seeded, a fixed number of epochs) and written with the
emitters of examples/cnn/make_model.py (torch-mlir's forms: the dense
layers are nn.Linear's transposed-weight linalg.matmul + bias generic, the
convolutions linalg.conv_2d_nchw_fchw into a broadcast bias), every float
printed with the shortest decimal that MLIR reads back as the same float32.
The header of each file states its float test accuracy.

Training is reproducible from the seeds, but not bit for bit across BLAS
builds (summation order), so the tests never retrain: ``--check`` re-reads
mlp.mlir and cnn.mlir, requires each to be exactly the text this script
writes for the weights parsed from it, and recomputes the stated accuracy
from those weights.

Usage:
    train.py [--out-dir DIR]      train both models, write DIR/{mlp,cnn}.mlir
    train.py --check [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Callable, Dict, List, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "cnn"))
sys.dont_write_bytecode = True  # no __pycache__ of make_model in the source tree

from make_model import (conv_layer, dense_layer, forward_header, max_pool, pad,  # noqa: E402
                        read_model_constants, relu, tensor)

SPLIT_SEED = 20260305
TEST_ROWS = 360
MODELS = ("mlp", "cnn")
INIT_SEED = {"mlp": 1, "cnn": 2}   # weights and batch order
EPOCHS = {"mlp": 60, "cnn": 30}
BATCH = 32
LR = 3e-3                           # Adam, betas (0.9, 0.999), eps 1e-8
HIDDEN, C1, C2, OUT = 32, 8, 16, 10
FLAT = C2 * 4 * 4                   # 256

Weights = Dict[str, np.ndarray]


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def load_split() -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test): x float32 (n, 64) in [0, 1], y int64."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=TEST_ROWS, stratify=y,
                                              random_state=SPLIT_SEED)
    return x_tr, y_tr, x_te, y_te


def model_input(model: str, x: np.ndarray) -> np.ndarray:
    """The rows of x shaped as `model`'s input: (n, 64) or (n, 1, 8, 8)."""
    return np.ascontiguousarray(x.reshape(-1, 64) if model == "mlp" else x.reshape(-1, 1, 8, 8))


# --------------------------------------------------------------------------
# Layers (forward and backward), float32
# --------------------------------------------------------------------------

def im2col(xp: np.ndarray) -> np.ndarray:
    """(N, C, H+2, W+2) padded -> (N, C*9, H*W), rows in (c, kh, kw) order."""
    n, c, hp, wp = xp.shape
    h, w = hp - 2, wp - 2
    cols = np.stack([xp[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=2)
    return cols.reshape(n, c * 9, h * w)


def col2im(dcols: np.ndarray, c: int, h: int, w: int) -> np.ndarray:
    """Adjoint of im2col, cropped to the unpadded (N, C, H, W)."""
    n = dcols.shape[0]
    d = dcols.reshape(n, c, 3, 3, h, w)
    dxp = np.zeros((n, c, h + 2, w + 2), np.float32)
    for i in range(3):
        for j in range(3):
            dxp[:, :, i:i + h, j:j + w] += d[:, :, i, j]
    return dxp[:, :, 1:-1, 1:-1]


def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray):
    """Padding 1, stride 1: (N, C, H, W) -> (N, O, H, W), and its backward."""
    n, c, h, wd = x.shape
    cols = im2col(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))))
    wm = w.reshape(w.shape[0], -1)
    y = (np.matmul(wm, cols) + b[:, None]).reshape(n, -1, h, wd)

    def backward(dy: np.ndarray, need_dx: bool = True):
        dyf = dy.reshape(n, w.shape[0], h * wd)
        dw = np.tensordot(dyf, cols, axes=([0, 2], [0, 2])).reshape(w.shape)
        dx = col2im(np.matmul(wm.T, dyf), c, h, wd) if need_dx else None
        return dx, dw, dyf.sum(axis=(0, 2))
    return y, backward


def max_pool2(x: np.ndarray):
    """2x2 stride 2 max pooling (N, C, H, W) -> (N, C, H/2, W/2), and its backward."""
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    win = win.reshape(n, c, h // 2, w // 2, 4)
    arg = win.argmax(axis=-1)[..., None]
    y = np.take_along_axis(win, arg, axis=-1)[..., 0]

    def backward(dy: np.ndarray) -> np.ndarray:
        dwin = np.zeros(win.shape, np.float32)
        np.put_along_axis(dwin, arg, dy[..., None], axis=-1)
        d = dwin.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
        return d.reshape(n, c, h, w)
    return y, backward


def mlp_forward(w: Weights, x: np.ndarray):
    """Logits (N, 10) and a backward giving the weight gradients from dlogits."""
    h = x @ w["fc1_w"].T + w["fc1_b"]
    a = np.maximum(h, 0)
    z = a @ w["fc2_w"].T + w["fc2_b"]

    def backward(dz: np.ndarray) -> Weights:
        da = dz @ w["fc2_w"]
        dh = da * (h > 0)
        return {"fc1_w": dh.T @ x, "fc1_b": dh.sum(0),
                "fc2_w": dz.T @ a, "fc2_b": dz.sum(0)}
    return z, backward


def cnn_forward(w: Weights, x: np.ndarray):
    c1, c1_back = conv3x3(x, w["conv1_w"], w["conv1_b"])
    r1 = np.maximum(c1, 0)
    p, pool_back = max_pool2(r1)
    c2, c2_back = conv3x3(p, w["conv2_w"], w["conv2_b"])
    r2 = np.maximum(c2, 0)
    f = r2.reshape(x.shape[0], FLAT)
    z = f @ w["fc_w"].T + w["fc_b"]

    def backward(dz: np.ndarray) -> Weights:
        g = {"fc_w": dz.T @ f, "fc_b": dz.sum(0)}
        dc2 = (dz @ w["fc_w"]).reshape(r2.shape) * (c2 > 0)
        dp, g["conv2_w"], g["conv2_b"] = c2_back(dc2)
        dc1 = pool_back(dp) * (c1 > 0)
        _, g["conv1_w"], g["conv1_b"] = c1_back(dc1, need_dx=False)
        return g
    return z, backward


FORWARD: Dict[str, Callable] = {"mlp": mlp_forward, "cnn": cnn_forward}


def init_weights(model: str, rng: np.random.Generator) -> Weights:
    """He-normal weights ((out, in...) layouts, as the MLIR constants), zero biases."""
    shapes = {"mlp": {"fc1_w": (HIDDEN, 64), "fc2_w": (OUT, HIDDEN)},
              "cnn": {"conv1_w": (C1, 1, 3, 3), "conv2_w": (C2, C1, 3, 3),
                      "fc_w": (OUT, FLAT)}}[model]
    w = {}
    for name, shape in shapes.items():
        fan_in = int(np.prod(shape[1:]))
        w[name] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        w[name[:-1] + "b"] = np.zeros(shape[0], np.float32)
    return w


# --------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------

def train(model: str, x: np.ndarray, y: np.ndarray) -> Weights:
    """Minibatch Adam on the mean softmax cross-entropy; returns float32 weights."""
    rng = np.random.default_rng(INIT_SEED[model])
    w = init_weights(model, rng)
    m = {k: np.zeros_like(v) for k, v in w.items()}
    v2 = {k: np.zeros_like(v) for k, v in w.items()}
    b1, b2, eps, step = 0.9, 0.999, 1e-8, 0
    x = model_input(model, x)
    for _ in range(EPOCHS[model]):
        order = rng.permutation(x.shape[0])
        for start in range(0, x.shape[0], BATCH):
            idx = order[start:start + BATCH]
            z, backward = FORWARD[model](w, x[idx])
            z = z - z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(idx.size), y[idx]] -= 1.0
            grads = backward((p / idx.size).astype(np.float32))
            step += 1
            for k, g in grads.items():
                m[k] = b1 * m[k] + (1 - b1) * g
                v2[k] = b2 * v2[k] + (1 - b2) * g * g
                m_hat = m[k] / (1 - b1 ** step)
                v_hat = v2[k] / (1 - b2 ** step)
                w[k] = (w[k] - LR * m_hat / (np.sqrt(v_hat) + eps)).astype(np.float32)
    return w


def accuracy(model: str, w: Weights, x: np.ndarray, y: np.ndarray) -> Tuple[int, int]:
    """(correct, total) of the float32 model in numpy."""
    z, _ = FORWARD[model](w, model_input(model, x))
    return int(np.sum(np.argmax(z, axis=1) == y)), int(y.size)


# --------------------------------------------------------------------------
# MLIR
# --------------------------------------------------------------------------

def accuracy_line(correct: int, total: int) -> str:
    return f"// float test accuracy: {100.0 * correct / total:.2f}% ({correct}/{total})"


def header(model: str, what: List[str], acc: Tuple[int, int]) -> List[str]:
    return ([f"// Generated by examples/digits/train.py ({model}); do not edit, rerun it."]
            + [f"// {line}" for line in what]
            + [f"// Trained on the digits split (seed {SPLIT_SEED}, {TEST_ROWS} test images): "
               f"Adam lr {LR:g}, batch {BATCH},",
               f"// {EPOCHS[model]} epochs, seed {INIT_SEED[model]}.",
               accuracy_line(*acc)])


def mlp_text(w: Weights, acc: Tuple[int, int]) -> str:
    t_x, t_h, t_y = tensor(("?", 64)), tensor(("?", HIDDEN)), tensor(("?", OUT))
    lines = header("mlp", ["MLP on 8x8 digits scaled to [0, 1], flattened: dense 64->32 + bias "
                           "-> relu ->", "dense 32->10 + bias (nn.Linear-style transposed "
                           "weights)."], acc)
    lines += forward_header(t_x, t_y)
    lines += dense_layer("%x", t_x, t_h, w, name="fc1", result="%fc1")
    lines += relu("relu1", "%fc1", t_h, rank=2)
    lines += dense_layer("%relu1", t_h, t_y, w, name="fc2", result="%y")
    lines += [f"    return %y : {t_y}", "  }", "}", ""]
    return "\n".join(lines)


def cnn_text(w: Weights, acc: Tuple[int, int]) -> str:
    t_x, t_xp = tensor(("?", 1, 8, 8)), tensor(("?", 1, 10, 10))
    t_c1, t_p, t_pp = tensor(("?", C1, 8, 8)), tensor(("?", C1, 4, 4)), tensor(("?", C1, 6, 6))
    t_c2, t_f, t_y = tensor(("?", C2, 4, 4)), tensor(("?", FLAT)), tensor(("?", OUT))
    lines = header("cnn", ["CNN (NCHW) on 8x8 digits scaled to [0, 1]: pad 1 -> conv 1->8 3x3 "
                           "+ bias -> relu ->", "max pool 2x2 -> pad 1 -> conv 8->16 3x3 + bias "
                           "-> relu -> flatten -> dense 256->10 + bias."], acc)
    lines += forward_header(t_x, t_y, ninf=True)
    lines += pad("x_pad", "%x", t_x, t_xp)
    lines += conv_layer("conv1", "%x_pad", t_xp, t_c1, 1, w)
    lines += relu("relu1", "%conv1", t_c1)
    lines += max_pool("pool", "%relu1", t_c1, t_p, 2)
    lines += pad("pool_pad", "%pool", t_p, t_pp)
    lines += conv_layer("conv2", "%pool_pad", t_pp, t_c2, 1, w)
    lines += relu("relu2", "%conv2", t_c2)
    lines += [f"    %flat = tensor.collapse_shape %relu2 [[0], [1, 2, 3]] : {t_c2} into {t_f}"]
    lines += dense_layer("%flat", t_f, t_y, w)
    lines += [f"    return %y : {t_y}", "  }", "}", ""]
    return "\n".join(lines)


MODEL_TEXT: Dict[str, Callable] = {"mlp": mlp_text, "cnn": cnn_text}


def read_weights(path: str) -> Weights:
    """The float32 constants of a written model, parsed as MLIR parses them."""
    return read_model_constants(path)


def check(out_dir: str) -> None:
    _, _, x_te, y_te = load_split()
    for model in MODELS:
        path = os.path.join(out_dir, f"{model}.mlir")
        with open(path) as f:
            text = f.read()
        w = read_weights(path)
        acc = accuracy(model, w, x_te, y_te)
        stated = re.search(r"^// float test accuracy: .*$", text, re.M)
        if stated is None or stated.group(0) != accuracy_line(*acc):
            raise SystemExit(f"error: {path}: its weights give '{accuracy_line(*acc)}', the "
                             f"file states '{stated.group(0) if stated else None}'")
        if text != MODEL_TEXT[model](w, acc):
            raise SystemExit(f"error: {path} is not the text train.py writes for its own "
                             f"weights (float printing or layout differs)")
        print(f"ok: {model}.mlir: {len(w)} constants round-trip exactly, "
              f"{accuracy_line(*acc)[3:]}")


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=HERE)
    parser.add_argument("--check", action="store_true",
                        help="verify the written models instead of training")
    args = parser.parse_args(argv)
    if not args.check:
        x_tr, y_tr, x_te, y_te = load_split()
        os.makedirs(args.out_dir, exist_ok=True)
        for model in MODELS:
            w = train(model, x_tr, y_tr)
            acc = accuracy(model, w, x_te, y_te)
            with open(os.path.join(args.out_dir, f"{model}.mlir"), "w") as f:
                f.write(MODEL_TEXT[model](w, acc))
            correct, total = accuracy(model, w, x_tr, y_tr)
            print(f"{model}: train accuracy {100.0 * correct / total:.2f}%, "
                  f"{accuracy_line(*acc)[3:]}")
    check(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
