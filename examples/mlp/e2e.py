#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""End-to-end data and checks of the bundled MLP (used by the demo and lit).

Subcommands:

  data OUTDIR
      Writes calibration batches cal_b0.npy ... cal_b7.npy (float32, 64
      features, batch sizes between 16 and 64: the batch dimension is
      dynamic) and an evaluation set eval.npy (256 rows). Calibration and
      evaluation data come from one fixed distribution with different seeds.

  check-table --work-dir DIR [--model-dir DIR] [--table FILE]
      Checks the calibration table written by qlinalg-calibrate over DIR's
      cal_b*.npy: format, version, entry, batch count, element counts, and
      min/max of every observed tensor id against numpy (t0, the input,
      exactly; t2 and t4, computed by float32 matmuls whose summation order
      differs, within a tight relative tolerance).

  check --work-dir DIR [--model-dir DIR] [--requantize fixed-point|float]
        [--rounding half-away-from-zero|half-to-even] [--summary]
      Given the float model's output (float.npy) and the quantized model's
      output (q.npy) on eval.npy, both from qlinalg-run, and the table:
        (a) recomputes the whole int8 path with python/qlinalg (quantize the
            input with t0's parameters, layer 1 into t2's parameters, layer 2
            into t4's) and requires the compiled output to equal
            dequantize(q_ref) bit for bit, and rint(y / s) + zp == q_ref;
        (b) requires |quantized - float| <= a rigorous worst-case bound built
            from the quantization steps (see error_bound), elementwise, and
            reports max/mean abs error, relative Frobenius error, the max
            error/bound ratio and the argmax agreement;
        (c) with --summary, prints a few rows of float vs int8 outputs side by
            side for a human.
      Exits non-zero with a message on any failure.

Tensor ids (stable, from the float module; every float tensor that carries
data is numbered): t0 = input x, t1 = x @ W1, t2 = hidden h = x @ W1 + b1,
t3 = h @ W2, t4 = output y = h @ W2 + b2. The table has entries for the
observed ones only: t0, t2 and t4 (the products before the bias belong to
their layer's quantizable unit).
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import re
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "python"))

from qlinalg import numerics as nm  # noqa: E402
from qlinalg import reference as ref  # noqa: E402
from qlinalg.npyio import load_npy, save_npy  # noqa: E402

IN_FEATURES, HIDDEN, OUT_FEATURES = 64, 32, 10
QMIN, QMAX = -128, 127
TABLE_VERSION = 2
# The observed tensor ids: input, hidden (layer 1 with bias), output.
ID_INPUT, ID_HIDDEN, ID_OUTPUT = "t0", "t2", "t4"
OBSERVED_IDS = (ID_INPUT, ID_HIDDEN, ID_OUTPUT)
CAL_SEED, EVAL_SEED = 1001, 2002
CAL_BATCH_SIZES = (16, 24, 64, 37, 48, 17, 56, 32)
EVAL_ROWS = 256

U32 = 2.0 ** -24  # unit roundoff of float32
U64 = 2.0 ** -53  # unit roundoff of float64


class CheckError(Exception):
    """A failed check; main() prints it and exits with status 1."""


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def sample_inputs(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Draw `rows` feature vectors from the fixed input distribution.

    Standard normal features, except: features 1-3 are correlated with
    feature 0 (rho = 0.9, 0.7, -0.5), feature 4 has standard deviation 2,
    and feature 5 is a shifted half-normal (never below -0.5), so the range
    is not symmetric around 0.
    """
    x = rng.standard_normal((rows, IN_FEATURES))
    for j, rho in ((1, 0.9), (2, 0.7), (3, -0.5)):
        x[:, j] = rho * x[:, 0] + math.sqrt(1.0 - rho * rho) * x[:, j]
    x[:, 4] *= 2.0
    x[:, 5] = np.abs(x[:, 5]) - 0.5
    return x.astype(np.float32)


def cmd_data(args: argparse.Namespace) -> None:
    os.makedirs(args.outdir, exist_ok=True)
    cal = np.random.default_rng(CAL_SEED)
    for i, rows in enumerate(CAL_BATCH_SIZES):
        save_npy(os.path.join(args.outdir, f"cal_b{i}.npy"), sample_inputs(cal, rows))
    save_npy(os.path.join(args.outdir, "eval.npy"),
             sample_inputs(np.random.default_rng(EVAL_SEED), EVAL_ROWS))
    print(f"wrote {len(CAL_BATCH_SIZES)} calibration batches "
          f"({sum(CAL_BATCH_SIZES)} rows, sizes {list(CAL_BATCH_SIZES)}) and eval.npy "
          f"({EVAL_ROWS} rows) to {args.outdir}")


def calibration_batches(work_dir: str) -> List[np.ndarray]:
    paths = glob.glob(os.path.join(work_dir, "cal_b*.npy"))
    paths.sort(key=lambda p: int(re.search(r"cal_b(\d+)\.npy$", p).group(1)))
    if not paths:
        raise CheckError(f"no calibration batches cal_b*.npy in {work_dir}")
    return [load_npy(p, np.float32, (None, IN_FEATURES)) for p in paths]


# --------------------------------------------------------------------------
# Model, table and parameters
# --------------------------------------------------------------------------

def load_weights(model_dir: str) -> Dict[str, np.ndarray]:
    path = os.path.join(model_dir, "weights.npz")
    with np.load(path) as z:
        w = {k: z[k] for k in z.files}
    shapes = {"w1": (IN_FEATURES, HIDDEN), "b1": (HIDDEN,),
              "w2": (HIDDEN, OUT_FEATURES), "b2": (OUT_FEATURES,)}
    for name, shape in shapes.items():
        if name not in w or w[name].shape != shape or w[name].dtype != np.float32:
            raise CheckError(f"{path}: expected float32 '{name}' of shape {shape}")
    return w


def load_table(path: str) -> dict:
    try:
        with open(path) as f:
            table = json.load(f)
    except (OSError, ValueError) as exc:
        raise CheckError(f"{path}: cannot read the calibration table: {exc}") from exc
    if table.get("format") != "qlinalg-calibration" or table.get("version") != TABLE_VERSION:
        raise CheckError(f"{path}: not a version {TABLE_VERSION} qlinalg calibration table")
    return table


def tensor_params(table: dict, tid: str, path: str) -> Tuple[np.float32, int]:
    """(scale, zp) that --qlinalg-quantize derives for an activation."""
    entry = table.get("tensors", {}).get(tid)
    if entry is None:
        raise CheckError(f"{path}: no entry for tensor id '{tid}'")
    if "scale" in entry:  # explicit parameters win
        return np.float32(entry["scale"]), int(entry.get("zero_point", 0))
    return nm.choose_asymmetric(np.float32(entry["min"]), np.float32(entry["max"]),
                                QMIN, QMAX)


def float_reference(x: np.ndarray, w: Dict[str, np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """float32 numpy model (summation order differs from the compiled one)."""
    return ref.two_layer_f32(x, w["w1"], w["b1"], w["w2"], w["b2"])


# --------------------------------------------------------------------------
# check-table
# --------------------------------------------------------------------------

def cmd_check_table(args: argparse.Namespace) -> None:
    table_path = args.table or os.path.join(args.work_dir, "table.json")
    table = load_table(table_path)
    w = load_weights(args.model_dir)
    batches = calibration_batches(args.work_dir)
    rows = sum(b.shape[0] for b in batches)
    if len({b.shape[0] for b in batches}) < 2:
        raise CheckError("the calibration batches should have different sizes")
    problems = []
    if table.get("entry") != "forward":
        problems.append(f"entry is {table.get('entry')!r}, expected 'forward'")
    if table.get("batches") != len(batches):
        problems.append(f"batches is {table.get('batches')!r}, expected {len(batches)}")
    tensors = table.get("tensors", {})
    if sorted(tensors) != sorted(OBSERVED_IDS):
        problems.append(f"tensor ids {sorted(tensors)}, expected {sorted(OBSERVED_IDS)}")
    x = np.concatenate(batches)
    hs, ys = zip(*(float_reference(b, w) for b in batches))
    expected = {ID_INPUT: (x, 0.0), ID_HIDDEN: (np.concatenate(hs), 1e-5),
                ID_OUTPUT: (np.concatenate(ys), 1e-5)}
    for tid, (values, rtol) in expected.items():
        e = tensors.get(tid)
        if e is None:
            continue
        if e.get("count") != values.size:
            problems.append(f"{tid}: count {e.get('count')}, expected {values.size} "
                            f"({rows} rows x {values.shape[1]})")
        for key, want in (("min", float(values.min())), ("max", float(values.max()))):
            got = e.get(key)
            if not isinstance(got, (int, float)):
                problems.append(f"{tid}: {key} missing or not a number: {got!r}")
                continue
            tol = rtol * max(1.0, abs(want))
            if (rtol == 0.0 and got != want) or abs(got - want) > tol:
                problems.append(f"{tid}: {key} {got!r}, numpy gives {want!r}"
                                + ("" if rtol == 0.0 else f" (tolerance {tol:.3g})"))
    if problems:
        raise CheckError(f"{table_path}: calibration table does not match numpy over "
                         f"{len(batches)} batches:\n  " + "\n  ".join(problems))
    print(f"table ok: {len(batches)} batches, {rows} rows, {ID_INPUT} min/max exact, "
          f"{ID_HIDDEN}/{ID_OUTPUT} min/max within 1e-5")


# --------------------------------------------------------------------------
# The int8 reference path
# --------------------------------------------------------------------------

def quantized_layer(x_q: np.ndarray, s_in: np.float32, z_in: int, w_f32: np.ndarray,
                    b_f32: np.ndarray, s_out: np.float32, z_out: int, mode: str,
                    rounding: str) -> Tuple[np.ndarray, dict]:
    """One layer exactly as --qlinalg-quantize builds it and the lowering computes it."""
    w_q, w_scales = ref.quantize_weights_per_channel(w_f32)
    acc_scale = np.float64(s_in) * w_scales.astype(np.float64)
    bias_q = nm.quantize_bias(b_f32, acc_scale)
    acc = nm.qmatmul(x_q, z_in, w_q, 0, bias_q)
    y_q = nm.requantize(acc, acc_scale, s_out, z_out, QMIN, QMAX, mode=mode,
                        rounding=rounding)
    return y_q, {"w_q": w_q, "w_scales": w_scales, "acc_scale": acc_scale,
                 "bias_q": bias_q, "acc": acc}


def int8_path(x: np.ndarray, w: Dict[str, np.ndarray], params: Sequence[Tuple[np.float32, int]],
              mode: str, rounding: Optional[str]) -> Tuple[np.ndarray, dict]:
    (sx, zx), (sh, zh), (sy, zy) = params
    rounding = rounding or nm.default_rounding(mode)
    x_q = nm.quantize(x, sx, zx, QMIN, QMAX)
    h_q, l1 = quantized_layer(x_q, sx, zx, w["w1"], w["b1"], sh, zh, mode, rounding)
    y_q, l2 = quantized_layer(h_q, sh, zh, w["w2"], w["b2"], sy, zy, mode, rounding)
    if rounding == nm.default_rounding(mode):
        # Cross-check against the packaged two-layer reference.
        y_ref, d = ref.two_layer_q(x_q, sx, zx, w["w1"], w["b1"], sh, zh, w["w2"], w["b2"],
                                   sy, zy, mode)
        assert np.array_equal(y_ref, y_q) and np.array_equal(d["h_q"], h_q)
    return y_q, {"x_q": x_q, "h_q": h_q, "layer1": l1, "layer2": l2}


# --------------------------------------------------------------------------
# The worst-case error bound
# --------------------------------------------------------------------------

def gamma(n: int) -> float:
    """Higham's gamma_n for float32: any n-term dot product/sum order."""
    return n * U32 / (1.0 - n * U32)


def clip_excess(t: np.ndarray) -> np.ndarray:
    """How far the (unclamped, zero-point shifted) value t lies outside [QMIN, QMAX]."""
    return np.maximum(0.0, np.maximum(t - QMAX, QMIN - t))


def requant_rounding_error(acc: np.ndarray, multiplier: np.ndarray, zp: int, mode: str) -> np.ndarray:
    """Bound on |round(acc * M) - acc * M| (output units) before clamping.

    fixed-point: M ~ mult * 2^(shift-31); the doubling high multiply rounds
    to within 1/2 + 2^-31 of acc*mult*2^(left-31), the rounding right shift
    by `right` bits adds at most 1/2; plus |acc| * |M~ - M|.
    float: f32(acc) * f32(M) rounded to f32, then to an integer (1/2), and
    the f32 addition of the zero point.
    """
    acc64 = acc.astype(np.float64)
    m64 = multiplier.astype(np.float64)
    m_err = np.abs(m64) * 2 * U64  # the float64 division s_acc / s_out
    if mode == "fixed-point":
        rho = np.empty(multiplier.shape)
        for n, m in enumerate(m64):
            mult, shift = nm.quantize_multiplier(m)
            approx = mult * 2.0 ** (shift - 31)
            left, right = max(shift, 0), max(-shift, 0)
            if left and np.abs(acc64[:, n]).max() * 2.0 ** left > nm.INT32_MAX:
                raise CheckError(f"column {n}: the left shift by {left} saturates; "
                                 "the bound does not cover that")
            step = (0.5 + 2.0 ** -31) / 2.0 ** right
            rho[n] = 0.5 + step if right else step
            m_err[n] += abs(approx - m)
        return rho[np.newaxis, :] + np.abs(acc64) * m_err[np.newaxis, :]
    m32 = multiplier.astype(np.float32).astype(np.float64)
    fa = acc.astype(np.float32).astype(np.float64)
    prod = np.abs(fa * m32)
    return (0.5 + prod * U32 + np.abs(fa - acc64) * m32
            + np.abs(acc64) * (np.abs(m32 - m64) + m_err)[np.newaxis, :]
            + (prod + abs(zp) + 1.0) * U32)


def error_bound(x: np.ndarray, w: Dict[str, np.ndarray], params, path: dict,
                mode: str, float_h: np.ndarray) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
    """Elementwise bound on |compiled int8 output - compiled float output|.

    Every quantity is a real number: x^ = s_x (x_q - z_x), W^ = s_w q_w,
    b^ = s_acc q_b, h^ = s_h (h_q - z_h), y^ = s_y (y_q - z_y) (exact in
    float64, as products of float32 scales and small integers). With
    h = x W1 + b1 and y = h W2 + b2 in exact arithmetic:

      |x^ - x|      <= s_x (1/2 + |x/s_x| u + clip_x)         input step (+ clipping)
      |W^ - W|      <= s_w[n] (1/2 + 128 u)                    weight step per column
      |b^ - b|      <= s_acc[n] / 2                            bias step
      |acc1 s_acc - h| <= |x^| dW1 + |x^ - x| |W1| + db1 =: E1
      |h^ - h|      <= s_h (rho1 + clip_h) + E1 =: E_h          hidden requantization
      |acc2 s_acc - y| <= |h^| dW2 + E_h |W2| + db2 =: E2
      |y^ - y|      <= s_y (rho2 + clip_y) + E2                 output requantization
      |out - y^|    <= |y^| u                                   f32 dequantize
      |float - y|   <= |h_f - h| |W2| + gamma_33 (|h_f| |W2| + |b2|),
                       |h_f - h| <= gamma_65 (|x| |W1| + |b1|)  float model rounding

    rho is the rounding-plus-multiplier error of requant_rounding_error;
    clip_* is the distance by which the value falls outside the int8 range
    (0 when it is inside, which is the usual case). The sum is inflated by
    1e-9 relative to cover the float64 evaluation of the bound itself.
    """
    (sx, zx), (sh, zh), (sy, zy) = [(np.float64(s), z) for s, z in params]
    x64 = x.astype(np.float64)
    l1, l2 = path["layer1"], path["layer2"]

    t = x64 / sx
    dx = sx * (0.5 + np.abs(t) * U32 + clip_excess(t + zx))
    xh = sx * (path["x_q"].astype(np.float64) - zx)

    def weight_step(layer: dict, w_f32: np.ndarray, name: str) -> np.ndarray:
        s = layer["w_scales"].astype(np.float64)
        d = s * (0.5 + 128 * U32)
        actual = np.abs(s * layer["w_q"].astype(np.float64) - w_f32.astype(np.float64))
        if np.any(actual > d):
            raise CheckError(f"weights {name}: quantization error exceeds s_w/2")
        return d

    def bias_step(layer: dict, b_f32: np.ndarray) -> np.ndarray:
        return layer["acc_scale"] * 0.5 + np.abs(b_f32.astype(np.float64)) * 4 * U64

    def requant(layer: dict, s_out: np.float64, z_out: int) -> np.ndarray:
        m = layer["acc_scale"] / s_out
        r = layer["acc"].astype(np.float64) * m[np.newaxis, :]
        return requant_rounding_error(layer["acc"], m, z_out, mode) + clip_excess(r + z_out)

    dw1 = weight_step(l1, w["w1"], "w1")
    e1 = (np.abs(xh).sum(axis=1, keepdims=True) * dw1[np.newaxis, :]
          + dx @ np.abs(w["w1"].astype(np.float64)) + bias_step(l1, w["b1"])[np.newaxis, :])
    e_h = sh * requant(l1, sh, zh) + e1
    hh = sh * (path["h_q"].astype(np.float64) - zh)

    dw2 = weight_step(l2, w["w2"], "w2")
    e2 = (np.abs(hh).sum(axis=1, keepdims=True) * dw2[np.newaxis, :]
          + e_h @ np.abs(w["w2"].astype(np.float64)) + bias_step(l2, w["b2"])[np.newaxis, :])
    y_q = path["y_q"].astype(np.float64)
    yh = sy * (y_q - zy)
    e_out = sy * requant(l2, sy, zy) + e2 + np.abs(yh) * U32

    # The float model's own rounding, in any summation order.
    aw1, aw2 = np.abs(w["w1"].astype(np.float64)), np.abs(w["w2"].astype(np.float64))
    dh_f = gamma(IN_FEATURES + 1) * (np.abs(x64) @ aw1 + np.abs(w["b1"].astype(np.float64)))
    # |compiled h_f| <= |h| + dh_f <= |numpy h_f| + 2 dh_f.
    hf = np.abs(float_h.astype(np.float64)) + 2 * dh_f
    e_float = dh_f @ aw2 + gamma(HIDDEN + 1) * (hf @ aw2 + np.abs(w["b2"].astype(np.float64)))

    bound = (e_out + e_float) * (1.0 + 1e-9)
    clip_x = clip_excess(t + zx) > 0
    clip_h = clip_excess(l1["acc"].astype(np.float64)
                         * (l1["acc_scale"] / sh)[np.newaxis, :] + zh) > 0
    clip_y = clip_excess(l2["acc"].astype(np.float64)
                         * (l2["acc_scale"] / sy)[np.newaxis, :] + zy) > 0
    parts = {"input_clipped": int(np.count_nonzero(clip_x)),
             "hidden_clipped": int(np.count_nonzero(clip_h)),
             "output_clipped": int(np.count_nonzero(clip_y)),
             # Rows in which no tensor leaves its calibrated range.
             "unclipped_rows": ~(clip_x.any(axis=1) | clip_h.any(axis=1) | clip_y.any(axis=1)),
             "float_term_max": float(e_float.max())}
    return bound, parts


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------

def cmd_check(args: argparse.Namespace) -> None:
    work = args.work_dir
    table_path = args.table or os.path.join(work, "table.json")
    x_path = args.input or os.path.join(work, "eval.npy")
    f_path = args.float_output or os.path.join(work, "float.npy")
    q_path = args.quant_output or os.path.join(work, "q.npy")
    mode = args.requantize
    rounding = None if args.rounding is None else args.rounding.replace("-", "_")

    w = load_weights(args.model_dir)
    table = load_table(table_path)
    params = [tensor_params(table, t, table_path) for t in OBSERVED_IDS]
    x = load_npy(x_path, np.float32, (None, IN_FEATURES))
    y_float = load_npy(f_path, np.float32, (x.shape[0], OUT_FEATURES))
    y_comp = load_npy(q_path, np.float32, (x.shape[0], OUT_FEATURES))

    # (a) bit-exact int8 path.
    y_q, path = int8_path(x, w, params, mode, rounding)
    path["y_q"] = y_q
    sy, zy = params[2]
    y_deq = nm.dequantize(y_q, sy, zy)
    same = y_comp.view(np.uint32) == y_deq.view(np.uint32)
    if not same.all():
        bad = np.argwhere(~same)
        m, n = bad[0]
        raise CheckError(
            f"{q_path}: compiled quantized output differs from the numpy int8 reference "
            f"({mode}) in {len(bad)} of {same.size} elements; first at [{m}, {n}]: "
            f"compiled {y_comp[m, n]!r}, reference dequantize(q={y_q[m, n]}) = {y_deq[m, n]!r}")
    with np.errstate(invalid="ignore"):
        q_back = np.rint(y_comp / sy) + np.float32(zy)
    if not np.array_equal(q_back, y_q.astype(np.float32)):
        raise CheckError(f"{q_path}: rint(y / scale) + zp does not give back the reference "
                         f"int8 outputs")
    print(f"bit-exact: ok ({y_q.size} outputs, requantize={mode}, "
          f"rounding={rounding or nm.default_rounding(mode)}; "
          f"{ID_INPUT} = ({float(params[0][0])!r}, {params[0][1]}), "
          f"{ID_HIDDEN} = ({float(params[1][0])!r}, {params[1][1]}), "
          f"{ID_OUTPUT} = ({float(params[2][0])!r}, {params[2][1]}))")

    # (b) worst-case bound and error figures.
    h_float, _ = float_reference(x, w)
    bound, parts = error_bound(x, w, params, path, mode, h_float)
    err = np.abs(y_comp.astype(np.float64) - y_float.astype(np.float64))
    ratio = err / bound
    worst = np.unravel_index(np.argmax(ratio), ratio.shape)
    rel_fro = float(np.linalg.norm(y_comp.astype(np.float64) - y_float)
                    / np.linalg.norm(y_float.astype(np.float64)))
    agree = float(np.mean(np.argmax(y_comp, axis=1) == np.argmax(y_float, axis=1)))
    print(f"max abs error: {err.max():.6g}")
    print(f"mean abs error: {err.mean():.6g}")
    print(f"relative Frobenius error: {rel_fro:.6g}")
    print(f"max error / bound: {ratio.max():.6g} (bound at that element {bound[worst]:.6g}, "
          f"median bound {np.median(bound):.6g})")
    print(f"argmax agreement: {agree:.4f} ({int(round(agree * x.shape[0]))}/{x.shape[0]} rows)")
    rows = parts["unclipped_rows"]
    print(f"clipped: input {parts['input_clipped']}, hidden {parts['hidden_clipped']}, "
          f"output {parts['output_clipped']} elements; float rounding term <= "
          f"{parts['float_term_max']:.3g}")
    if rows.any():
        print(f"max abs error in the {int(rows.sum())} rows where nothing clips: "
              f"{err[rows].max():.6g} ({err[rows].max() / float(sy):.2f} output steps)")
    if not np.all(err <= bound):
        m, n = worst
        raise CheckError(f"quantized output exceeds the worst-case bound in "
                         f"{int(np.count_nonzero(err > bound))} elements; worst at [{m}, {n}]: "
                         f"|{y_comp[m, n]!r} - {y_float[m, n]!r}| = {err[m, n]:.6g} > "
                         f"{bound[m, n]:.6g}")
    print("bound: ok")
    if rel_fro > args.max_rel_error:
        raise CheckError(f"relative Frobenius error {rel_fro:.6g} exceeds "
                         f"{args.max_rel_error} (is the calibration table sane?)")
    if agree < args.min_argmax_agreement:
        raise CheckError(f"argmax agreement {agree:.4f} is below {args.min_argmax_agreement}")
    print("accuracy: ok")

    # (c) human summary.
    if args.summary:
        print()
        print(f"first {args.rows} of {x.shape[0]} rows: float32 model vs int8 model "
              f"(requantize={mode})")
        for m in range(min(args.rows, x.shape[0])):
            fl = " ".join(f"{v:6.2f}" for v in y_float[m])
            qu = " ".join(f"{v:6.2f}" for v in y_comp[m])
            mark = "" if np.argmax(y_float[m]) == np.argmax(y_comp[m]) else "  <- argmax differs"
            print(f"  row {m:3d} f32 : {fl}")
            print(f"          int8: {qu}{mark}")
        print(f"output step s_y = {float(sy):.4g}: max abs error {err.max():.4g} "
              f"({err.max() / float(sy):.2f} steps), mean {err.mean():.4g}, "
              f"relative Frobenius {rel_fro:.3%}, argmax agreement {agree:.1%}, "
              f"worst error/bound {ratio.max():.3f}")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("data", help="write calibration batches and eval.npy")
    p.add_argument("outdir")
    p.set_defaults(func=cmd_data)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model-dir", default=HERE,
                       help="directory with weights.npz (default: this script's)")
        p.add_argument("--work-dir", required=True,
                       help="directory with the data, table and outputs")
        p.add_argument("--table", help="calibration table (default WORK/table.json)")

    p = sub.add_parser("check-table", help="check the calibration table against numpy")
    common(p)
    p.set_defaults(func=cmd_check_table)

    p = sub.add_parser("check", help="bit-exact and bound checks of the quantized outputs")
    common(p)
    p.add_argument("--input", help="evaluation input (default WORK/eval.npy)")
    p.add_argument("--float-output", help="float model output (default WORK/float.npy)")
    p.add_argument("--quant-output", help="quantized model output (default WORK/q.npy)")
    p.add_argument("--requantize", choices=nm.REQUANT_MODES, default="fixed-point")
    p.add_argument("--rounding", choices=("half-away-from-zero", "half-to-even"))
    p.add_argument("--max-rel-error", type=float, default=0.05,
                   help="largest acceptable relative Frobenius error")
    p.add_argument("--min-argmax-agreement", type=float, default=0.9)
    p.add_argument("--summary", action="store_true", help="print a human summary")
    p.add_argument("--rows", type=int, default=5, help="rows shown by --summary")
    p.set_defaults(func=cmd_check)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (CheckError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
