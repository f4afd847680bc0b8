#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""End-to-end data and checks of the digits models (examples/digits, used by lit).

Subcommands:

  data DIR
      From train.py's deterministic split, writes calibration batches
      DIR/mlp_cal<i>.npy (64 x 64) and DIR/cnn_cal<i>.npy (64 x 1x8x8), i = 0..3:
      the same 256 training images, drawn with CAL_SEED; the 360 test images
      DIR/mlp_test.npy, DIR/cnn_test.npy and their labels DIR/labels.npy
      (int32: qlinalg's .npy writer takes float32, int8, uint8 and int32
      only); and random inputs for the bit-exact checks, DIR/mlp_rand.npy and
      DIR/cnn_rand.npy (the same RAND_ROWS uniform [0, 1) images, RAND_SEED);
      and DIR/mlp_narrow.npy, calibration batch 0 scaled by NARROW_SCALE: a
      deliberately bad calibration set (every range half of the real one),
      whose int8 model must fail the accuracy check.

  accuracy --labels L --float F.npy --quant Q.npy --mode NAME
           [--max-drop P] [--min-agreement A] [--json OUT]
      Top-1 accuracy of the float and the int8 logits (both from qlinalg-run
      on the test set) against the labels, and the relative error
      ||q - f||_2 / ||f||_2 over the whole logits array; prints
        NAME: float top-1 97.50%, quantized top-1 97.22% (-0.28 points), logits relative error 1.23%
      (with --min-agreement, also the share of images whose int8 and float
      top-1 agree). Exits 1 if int8 top-1 is more than P points (default 1.0)
      below float, or the agreement is below A. --json writes the figures.

  check-bitexact MODEL TABLE Q.npy X.npy [--requantize fixed-point|float]
                 [--model-file M.mlir]
      Recomputes the static int8 path of MODEL (mlp or cnn; weights parsed
      from examples/digits/MODEL.mlir) on X.npy with python/qlinalg, from the
      qlinalg-calibrate TABLE, as --qlinalg-quantize (requantize=MODE) and
      --qlinalg-fuse build it, and requires the compiled int8 output Q.npy to
      equal it bit for bit; prints "MODEL int8 (MODE): bit-exact (N outputs)".

The int8 paths (tensor ids as --qlinalg-quantize numbers the float models;
every ReLU folds into the clamp of the contraction before it):

  mlp  quantize x (t0) -> dense 64->32 requantized to relu1's type t3
       -> dense 32->10 into t5 -> dequantize.
       t1 and t4 (the products before the bias) are not observed; t2 (fc1
       with bias) is calibrated but unused.
  cnn  quantize x (t0) -> pad with t0's zero point -> conv1 into relu1's t3
       -> 2x2 max pool of t3's integers -> pad with t3's zero point -> conv2
       into relu2's t7 -> flatten -> dense 256->10 into t10 -> dequantize.
       t1, t5 (the pads) and t9 (the dense product) are not observed; t2
       (conv1), t4 (the pool), t6 (conv2) and t8 (the flattened tensor) are
       calibrated but unused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Dict, Sequence

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, os.pardir, os.pardir)
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import train  # noqa: E402
from qlinalg import numerics as nm  # noqa: E402
from qlinalg import reference as qref  # noqa: E402
from qlinalg.npyio import load_npy, save_npy  # noqa: E402

QMIN, QMAX = qref.OUT_QMIN, qref.OUT_QMAX
CAL_SEED, RAND_SEED = 7007, 8008
CAL_BATCHES, CAL_ROWS = 4, 64
RAND_ROWS = 256
NARROW_SCALE = 0.5
OUT = train.OUT
IN_SHAPE = {"mlp": (64,), "cnn": (1, 8, 8)}
# The ids qlinalg-calibrate observes in each model (see the module docstring).
TABLE_IDS = {"mlp": ("t0", "t2", "t3", "t5"),
             "cnn": ("t0", "t2", "t3", "t4", "t6", "t7", "t8", "t10")}


class CheckError(Exception):
    """A failed check; main() prints it and exits with status 1."""


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def cmd_data(args: argparse.Namespace) -> None:
    x_tr, _, x_te, y_te = train.load_split()
    os.makedirs(args.dir, exist_ok=True)
    rows = np.random.default_rng(CAL_SEED).choice(x_tr.shape[0], CAL_BATCHES * CAL_ROWS,
                                                  replace=False)
    rand = np.random.default_rng(RAND_SEED).random((RAND_ROWS, 64)).astype(np.float32)
    for model in train.MODELS:
        for i in range(CAL_BATCHES):
            batch = x_tr[rows[i * CAL_ROWS:(i + 1) * CAL_ROWS]]
            save_npy(os.path.join(args.dir, f"{model}_cal{i}.npy"),
                     train.model_input(model, batch))
        save_npy(os.path.join(args.dir, f"{model}_test.npy"), train.model_input(model, x_te))
        save_npy(os.path.join(args.dir, f"{model}_rand.npy"), train.model_input(model, rand))
    save_npy(os.path.join(args.dir, "labels.npy"), y_te.astype(np.int32))
    narrow = x_tr[rows[:CAL_ROWS]] * np.float32(NARROW_SCALE)
    save_npy(os.path.join(args.dir, "mlp_narrow.npy"), train.model_input("mlp", narrow))
    print(f"wrote {CAL_BATCHES} calibration batches of {CAL_ROWS} training images, "
          f"{x_te.shape[0]} test images with labels and {RAND_ROWS} random images, "
          f"for mlp and cnn, and mlp_narrow.npy, to {args.dir}")


# --------------------------------------------------------------------------
# accuracy
# --------------------------------------------------------------------------

def cmd_accuracy(args: argparse.Namespace) -> None:
    labels = load_npy(args.labels, np.int32, (None,)).astype(np.int64)
    f = load_npy(args.float, np.float32, (labels.size, OUT)).astype(np.float64)
    q = load_npy(args.quant, np.float32, (labels.size, OUT)).astype(np.float64)
    f_top = np.argmax(f, axis=1)
    q_top = np.argmax(q, axis=1)
    f_acc = 100.0 * float(np.mean(f_top == labels))
    q_acc = 100.0 * float(np.mean(q_top == labels))
    agreement = 100.0 * float(np.mean(f_top == q_top))
    rel = 100.0 * float(np.linalg.norm(q - f) / np.linalg.norm(f))
    drop = q_acc - f_acc
    line = (f"{args.mode}: float top-1 {f_acc:.2f}%, quantized top-1 {q_acc:.2f}% "
            f"({drop:+.2f} points), logits relative error {rel:.2f}%")
    if args.min_agreement is not None:
        line += f", top-1 agreement {agreement:.2f}%"
    print(line)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"mode": args.mode, "images": int(labels.size),
                       "float_top1_percent": f_acc, "int8_top1_percent": q_acc,
                       "points": drop, "logits_relative_error_percent": rel,
                       "top1_agreement_percent": agreement}, out, indent=2, sort_keys=True)
            out.write("\n")
    failures = []
    if drop < -args.max_drop:
        failures.append(f"quantized top-1 {q_acc:.2f}% is {-drop:.2f} points below float "
                        f"{f_acc:.2f}% (at most {args.max_drop:g} allowed)")
    if args.min_agreement is not None and agreement < args.min_agreement:
        failures.append(f"int8 and float top-1 agree on {agreement:.2f}% of the images, "
                        f"below {args.min_agreement:g}%")
    if failures:
        raise CheckError(f"{args.mode}: " + "; ".join(failures))


# --------------------------------------------------------------------------
# check-bitexact
# --------------------------------------------------------------------------

def dense(x_q: np.ndarray, tin: str, name: str, tout: str, lo: int,
          w: Dict[str, np.ndarray], p, mode: str) -> np.ndarray:
    """int8 x @ <name>_w^T + <name>_b requantized to tout, clamped to [lo, QMAX]."""
    w_q, w_s = qref.quantize_weights_along(w[f"{name}_w"], 0)  # (out, in), one scale per output
    acc_scale = np.float64(p[tin][0]) * w_s.astype(np.float64)
    bias_q = nm.quantize_bias(w[f"{name}_b"], acc_scale)
    acc = nm.qmatmul(x_q, p[tin][1], np.ascontiguousarray(w_q.T), 0, bias_q)
    return qref.requantize_along(acc, acc_scale, 1, p[tout], lo, mode)


def conv(x_q: np.ndarray, tin: str, name: str, tout: str, lo: int,
         w: Dict[str, np.ndarray], p, mode: str) -> np.ndarray:
    """int8 3x3 convolution (padding 1 with tin's zero point) + bias into tout."""
    w_q, w_s = qref.quantize_weights_along(w[f"{name}_w"], 0)
    acc_scale = np.float64(p[tin][0]) * w_s.astype(np.float64)
    bias_q = nm.quantize_bias(w[f"{name}_b"], acc_scale)
    padded = nm.pad_with_zero_point(x_q, [(0, 0), (0, 0), (1, 1), (1, 1)], p[tin][1])
    acc = nm.qconv2d_nchw_fchw(padded, p[tin][1], w_q, 0, bias_q=bias_q)
    return qref.requantize_along(acc, acc_scale, 1, p[tout], lo, mode)


def int8_path(model: str, x: np.ndarray, w: Dict[str, np.ndarray], table: dict,
              mode: str) -> np.ndarray:
    """The dequantized int8 output of `model` on x, as the compiled module computes it."""
    p = {t: qref.table_params(table, t) for t in TABLE_IDS[model]}
    q = nm.quantize(x, p["t0"][0], p["t0"][1], QMIN, QMAX)
    if model == "mlp":
        q = dense(q, "t0", "fc1", "t3", p["t3"][1], w, p, mode)    # relu1 in the clamp
        out = "t5"
        q = dense(q, "t3", "fc2", out, QMIN, w, p, mode)
    else:
        n = x.shape[0]
        q = conv(q, "t0", "conv1", "t3", p["t3"][1], w, p, mode)   # relu1 in the clamp
        q = q.reshape(n, train.C1, 4, 2, 4, 2).max(axis=(3, 5))   # on t3's integers
        q = conv(q, "t3", "conv2", "t7", p["t7"][1], w, p, mode)   # relu2 in the clamp
        out = "t10"
        q = dense(q.reshape(n, train.FLAT), "t7", "fc", out, QMIN, w, p, mode)
    return nm.dequantize(q, p[out][0], p[out][1])


def dynamic_path(model: str, x: np.ndarray, w: Dict[str, np.ndarray]) -> np.ndarray:
    """The output of `model` quantized with mode=dynamic, as the compiled module
    computes it: before each contraction its f32 input is quantized to uint8
    from its own range (ONNX DynamicQuantizeLinear), the exact int32 product
    with the per-channel symmetric int8 weights is scaled back to f32, and the
    bias add, ReLU, pooling and flatten stay float ops."""
    def layer(xf: np.ndarray, name: str) -> np.ndarray:
        w_q, w_s = qref.quantize_weights_along(w[f"{name}_w"], 0)
        q, s, z = nm.dynamic_quantize(xf)
        if xf.ndim == 2:
            acc = nm.qmatmul(q, z, np.ascontiguousarray(w_q.T), 0)
        else:
            padded = np.pad(xf, [(0, 0), (0, 0), (1, 1), (1, 1)])
            q, s, z = nm.dynamic_quantize(padded)
            acc = nm.qconv2d_nchw_fchw(q, z, w_q, 0)
        y = nm.dequantize_dynamic(acc, s, w_s, axis=1)
        bias = w[f"{name}_b"].reshape((1, -1) + (1,) * (xf.ndim - 2))
        return (y + bias).astype(np.float32)

    relu = lambda v: np.maximum(v, np.float32(0))  # noqa: E731
    n = x.shape[0]
    if model == "mlp":
        return layer(relu(layer(x, "fc1")), "fc2")
    h = relu(layer(x, "conv1"))
    h = h.reshape(n, train.C1, 4, 2, 4, 2).max(axis=(3, 5))
    h = relu(layer(h, "conv2"))
    return layer(h.reshape(n, train.FLAT), "fc")


def cmd_check_bitexact(args: argparse.Namespace) -> int:
    model_file = args.model_file or os.path.join(HERE, f"{args.model}.mlir")
    if args.table == "dynamic":
        x = load_npy(args.x, np.float32, (None,) + IN_SHAPE[args.model])
        got = load_npy(args.q, np.float32, (x.shape[0], OUT))
        ref = dynamic_path(args.model, x, train.read_weights(model_file))
        return qref.report_bitexact(f"{args.model} int8 (dynamic)", got, ref)
    table = qref.load_table(args.table)
    ids = sorted(table.get("tensors", {}), key=lambda t: int(t[1:]))
    if ids != sorted(TABLE_IDS[args.model], key=lambda t: int(t[1:])):
        raise CheckError(f"{args.table}: observed tensor ids {' '.join(ids)}, expected "
                         f"{' '.join(TABLE_IDS[args.model])} for {args.model} (did the "
                         f"quantizer's numbering change?)")
    x = load_npy(args.x, np.float32, (None,) + IN_SHAPE[args.model])
    got = load_npy(args.q, np.float32, (x.shape[0], OUT))
    ref = int8_path(args.model, x, train.read_weights(model_file), table, args.requantize)
    return qref.report_bitexact(f"{args.model} int8 ({args.requantize})", got, ref)


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("data", help="write calibration, test and random inputs")
    p.add_argument("dir")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("accuracy", help="float vs int8 top-1 accuracy on the test set")
    p.add_argument("--labels", required=True, help="labels.npy from `data`")
    p.add_argument("--float", required=True, help="float model logits on the test set")
    p.add_argument("--quant", required=True, help="int8 model logits on the test set")
    p.add_argument("--mode", required=True, help="label of the printed line, e.g. 'cnn float'")
    p.add_argument("--max-drop", type=float, default=1.0,
                   help="largest accepted int8 top-1 loss in percentage points")
    p.add_argument("--min-agreement", type=float,
                   help="smallest accepted share (percent) of images whose int8 and "
                        "float top-1 agree")
    p.add_argument("--json", help="also write the figures to this file")
    p.set_defaults(func=cmd_accuracy)

    p = sub.add_parser("check-bitexact", help="compiled int8 output vs the numpy int8 path")
    p.add_argument("model", choices=train.MODELS)
    p.add_argument("table", help="qlinalg-calibrate output, or 'dynamic' for the "
                                 "mode=dynamic path (no table)")
    p.add_argument("q", help="the int8 model's output on X.npy")
    p.add_argument("x", help="the input")
    p.add_argument("--requantize", choices=nm.REQUANT_MODES, default="fixed-point")
    p.add_argument("--model-file", help="float model (default examples/digits/MODEL.mlir)")
    p.set_defaults(func=cmd_check_bitexact)

    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except (CheckError, ValueError) as exc:
        sys.stdout.flush()  # what passed comes before the error, also on a shared pipe
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
