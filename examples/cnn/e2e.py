#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""End-to-end data and checks of the bundled CNN (examples/cnn, used by lit).

Subcommands:

  data OUTDIR
      Writes calibration batches cal_b0.npy ... cal_b3.npy (float32 NCHW
      images ?x3x12x12, batch sizes 16, 24, 32 and 9: the batch dimension is
      dynamic), an evaluation set eval.npy (64 images) from another seed of
      the same distribution, and cal_narrow.npy: one batch scaled by 0.05, a
      deliberately bad calibration set (ranges far too narrow) on which the
      accuracy check must fail.

  check-table --work-dir DIR [--table FILE]
      Checks the table qlinalg-calibrate wrote over DIR's cal_b*.npy: format,
      batch count, the tensor ids, element counts, and min/max of every id
      against the numpy float model (t0, the input, exactly; the others
      within 1e-5 relative).

  check-float --work-dir DIR [--output FILE] [--rtol R]
      Compares the float model's output (float.npy, from qlinalg-run on
      eval.npy) with the numpy float reference: the relative Frobenius error
      and the max abs error divided by max |reference| must both be <= R
      (default 1e-4). The two differ only by float32 rounding and summation
      order.

  check --work-dir DIR [--quant-output FILE] [--table FILE]
        [--requantize fixed-point|float] [--rounding ...]
        [--max-rel-error E] [--min-argmax-agreement A] [--max-abs-error M]
        [--summary]
      Given float.npy and the quantized model's output (q.npy) on eval.npy,
      both from qlinalg-run, and the table:
        (a) recomputes the int8 path with python/qlinalg (quantize the input
            with t0's parameters, pad with its zero point, conv1 into t2,
            dequantize + relu + quantize into t3, conv2 (stride 2) into t4,
            dequantize + relu + quantize into t5, flatten in int8, dense
            into t8, dequantize) and requires the compiled output to equal it bit for
            bit;
        (b) compares the int8 model with the float model: relative Frobenius
            error <= E, argmax agreement >= A, max abs error <= M;
        (c) with --summary, prints a few rows side by side.
      Exits non-zero with a message on any failure.

Tensor ids (version 2 tables number every float tensor computed from the
input): t0 = x, t1 = padded x, t2 = conv1 + bias, t3 = relu1, t4 = conv2 +
bias, t5 = relu2, t6 = flattened, t7 = dense product, t8 = dense + bias = y.
The quantizer needs ranges for t0, t2, t3, t4, t5, t6 and t8 (t6, the
dense layer's input, is observed but not used: the flatten runs on relu2's
integers, t5's).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "python"))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ of make_model in the source tree

from qlinalg import numerics as nm  # noqa: E402
from qlinalg.npyio import load_npy, save_npy  # noqa: E402

import make_model as mm  # noqa: E402

IN_SHAPE = (mm.IN_C, mm.IN_HW, mm.IN_HW)
OUT = mm.OUT
QMIN, QMAX = -128, 127
CAL_SEED, EVAL_SEED, NARROW_SEED = 3003, 4004, 5005
CAL_BATCH_SIZES = (16, 24, 32, 9)
EVAL_ROWS = 64
NARROW_SCALE = 0.05
TABLE_IDS = ("t0", "t2", "t3", "t4", "t5", "t6", "t8")


class CheckError(Exception):
    """A failed check; main() prints it and exits with status 1."""


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def sample_images(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` image-like NCHW float32 inputs: smooth structure plus pixel noise.

    A 4x4 N(0, 1) grid per channel blown up to 12x12 (3x3 blocks) and
    smoothed by a 3x3 box filter, plus N(0, 0.3) pixel noise and a per-channel
    offset (0.2, -0.1, 0.0), roughly what normalized natural images look like.
    """
    coarse = rng.standard_normal((n, mm.IN_C, 4, 4))
    up = np.kron(coarse, np.ones((3, 3)))
    padded = np.pad(up, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="edge")
    smooth = sum(padded[:, :, i:i + mm.IN_HW, j:j + mm.IN_HW]
                 for i in range(3) for j in range(3)) / 9.0
    x = smooth + 0.3 * rng.standard_normal(smooth.shape)
    x += np.array([0.2, -0.1, 0.0]).reshape(1, mm.IN_C, 1, 1)
    return x.astype(np.float32)


def cmd_data(args: argparse.Namespace) -> None:
    os.makedirs(args.outdir, exist_ok=True)
    cal = np.random.default_rng(CAL_SEED)
    for i, rows in enumerate(CAL_BATCH_SIZES):
        save_npy(os.path.join(args.outdir, f"cal_b{i}.npy"), sample_images(cal, rows))
    save_npy(os.path.join(args.outdir, "eval.npy"),
             sample_images(np.random.default_rng(EVAL_SEED), EVAL_ROWS))
    narrow = sample_images(np.random.default_rng(NARROW_SEED), 16) * np.float32(NARROW_SCALE)
    save_npy(os.path.join(args.outdir, "cal_narrow.npy"), narrow.astype(np.float32))
    print(f"wrote {len(CAL_BATCH_SIZES)} calibration batches "
          f"({sum(CAL_BATCH_SIZES)} images, sizes {list(CAL_BATCH_SIZES)}), eval.npy "
          f"({EVAL_ROWS} images) and cal_narrow.npy (16 images x {NARROW_SCALE}) "
          f"to {args.outdir}")


def calibration_batches(work_dir: str) -> List[np.ndarray]:
    paths = glob.glob(os.path.join(work_dir, "cal_b*.npy"))
    paths.sort(key=lambda p: int(re.search(r"cal_b(\d+)\.npy$", p).group(1)))
    if not paths:
        raise CheckError(f"no calibration batches cal_b*.npy in {work_dir}")
    return [load_npy(p, np.float32, (None,) + IN_SHAPE) for p in paths]


# --------------------------------------------------------------------------
# Float reference
# --------------------------------------------------------------------------

def float_reference(x: np.ndarray, w: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """The float32 model in numpy, every tensor by its id.

    Each convolution / matmul sums in float64 and rounds once to float32, so
    it differs from the compiled float model by summation-order rounding.
    """
    t = {"t0": x}
    t["t1"] = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    t["t2"] = nm.conv2d_nchw_fchw_f32(t["t1"], w["conv1_w"], bias=w["conv1_b"])
    t["t3"] = np.maximum(t["t2"], np.float32(0))
    t["t4"] = nm.conv2d_nchw_fchw_f32(t["t3"], w["conv2_w"], strides=(mm.C2_STRIDE,) * 2,
                                      bias=w["conv2_b"])
    t["t5"] = np.maximum(t["t4"], np.float32(0))
    t["t6"] = t["t5"].reshape(x.shape[0], mm.FLAT)
    t["t7"] = (t["t6"].astype(np.float64) @ w["fc_w"].T.astype(np.float64)).astype(np.float32)
    t["t8"] = (t["t7"] + w["fc_b"]).astype(np.float32)
    return t


def cmd_check_float(args: argparse.Namespace) -> None:
    w = mm.make_weights()
    x = load_npy(os.path.join(args.work_dir, "eval.npy"), np.float32, (None,) + IN_SHAPE)
    path = args.output or os.path.join(args.work_dir, "float.npy")
    y = load_npy(path, np.float32, (x.shape[0], OUT))
    ref = float_reference(x, w)["t8"].astype(np.float64)
    diff = np.abs(y.astype(np.float64) - ref)
    rel_fro = float(np.linalg.norm(diff) / np.linalg.norm(ref))
    rel_max = float(diff.max() / np.abs(ref).max())
    print(f"float model vs numpy: relative Frobenius error {rel_fro:.3g}, "
          f"max abs error {diff.max():.3g} = {rel_max:.3g} x max|y| "
          f"({x.shape[0]} images, {y.size} outputs)")
    if not (rel_fro <= args.rtol and rel_max <= args.rtol):
        raise CheckError(f"{path}: the float model differs from the numpy reference by more "
                         f"than {args.rtol} relative")
    print(f"float: ok (tolerance {args.rtol:g} relative)")


# --------------------------------------------------------------------------
# Calibration table
# --------------------------------------------------------------------------

def load_table(path: str) -> dict:
    try:
        with open(path) as f:
            table = json.load(f)
    except (OSError, ValueError) as exc:
        raise CheckError(f"{path}: cannot read the calibration table: {exc}") from exc
    if table.get("format") != "qlinalg-calibration" or table.get("version") != 2:
        raise CheckError(f"{path}: not a version 2 qlinalg calibration table")
    return table


def cmd_check_table(args: argparse.Namespace) -> None:
    table_path = args.table or os.path.join(args.work_dir, "table.json")
    table = load_table(table_path)
    batches = calibration_batches(args.work_dir)
    w = mm.make_weights()
    problems = []
    if table.get("entry") != "forward":
        problems.append(f"entry {table.get('entry')!r}, expected 'forward'")
    if table.get("batches") != len(batches):
        problems.append(f"batches {table.get('batches')!r}, expected {len(batches)}")
    tensors = table.get("tensors", {})
    if sorted(tensors) != sorted(TABLE_IDS):
        problems.append(f"tensor ids {sorted(tensors)}, expected {list(TABLE_IDS)}")
    refs = [float_reference(b, w) for b in batches]
    for tid in TABLE_IDS:
        e = tensors.get(tid)
        if e is None:
            continue
        values = np.concatenate([r[tid].ravel() for r in refs])
        rtol = 0.0 if tid == "t0" else 1e-5
        if e.get("count") != values.size:
            problems.append(f"{tid}: count {e.get('count')}, expected {values.size}")
        for key, want in (("min", float(values.min())), ("max", float(values.max()))):
            got = e.get(key)
            if not isinstance(got, (int, float)):
                problems.append(f"{tid}: {key} missing or not a number: {got!r}")
                continue
            tol = rtol * max(1.0, abs(want))
            if (rtol == 0.0 and got != want) or abs(got - want) > tol:
                problems.append(f"{tid}: {key} {got!r}, numpy gives {want!r}")
    if problems:
        raise CheckError(f"{table_path}: calibration table does not match numpy over "
                         f"{len(batches)} batches:\n  " + "\n  ".join(problems))
    print(f"table ok: {len(batches)} batches, {sum(b.shape[0] for b in batches)} images, "
          f"ids {' '.join(TABLE_IDS)}, t0 min/max exact, the others within 1e-5")


def tensor_params(table: dict, tid: str, path: str) -> Tuple[np.float32, int]:
    """(scale, zp) that --qlinalg-quantize derives for an activation (minmax)."""
    entry = table.get("tensors", {}).get(tid)
    if entry is None:
        raise CheckError(f"{path}: no entry for tensor id '{tid}'")
    if "scale" in entry:  # explicit parameters win
        return np.float32(entry["scale"]), int(entry.get("zero_point", 0))
    return nm.choose_asymmetric(np.float32(entry["min"]), np.float32(entry["max"]),
                                QMIN, QMAX)


# --------------------------------------------------------------------------
# The int8 reference path
# --------------------------------------------------------------------------

def quantize_weights_axis0(w: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 [-127, 127], one scale per slice along axis 0 (output channel)."""
    flat = w.reshape(w.shape[0], -1)
    scales, _ = nm.choose_symmetric_per_channel(flat.min(axis=1), flat.max(axis=1))
    w_q = nm.quantize(w, scales, np.zeros(w.shape[0], dtype=np.int64), -127, 127, axis=0,
                      dtype=np.int8)
    return w_q, scales


def requantize_channels(acc: np.ndarray, acc_scale: np.ndarray, axis: int,
                        s_out: np.float32, z_out: int, mode: str,
                        rounding: str) -> np.ndarray:
    """nm.requantize with the per-channel scale along `axis` (moved last and back)."""
    moved = np.moveaxis(acc, axis, -1)
    y = nm.requantize(moved, acc_scale, s_out, z_out, QMIN, QMAX, mode=mode,
                      rounding=rounding)
    return np.ascontiguousarray(np.moveaxis(y, -1, axis))


def int8_path(x: np.ndarray, w: Dict[str, np.ndarray], params: Dict[str, Tuple[np.float32, int]],
              mode: str, rounding: Optional[str]) -> Tuple[np.ndarray, Dict[str, np.ndarray]]:
    """The quantized model exactly as --qlinalg-quantize builds it and the lowering computes it."""
    rounding = rounding or nm.default_rounding(mode)
    q = {}

    def conv(x_q, tid_in, name, strides, tid_out):
        s_in, z_in = params[tid_in]
        w_q, w_s = quantize_weights_axis0(w[f"{name}_w"])
        acc_scale = np.float64(s_in) * w_s.astype(np.float64)
        bias_q = nm.quantize_bias(w[f"{name}_b"], acc_scale)
        acc = nm.qconv2d_nchw_fchw(x_q, z_in, w_q, 0, strides=strides, bias_q=bias_q)
        s_out, z_out = params[tid_out]
        return requantize_channels(acc, acc_scale, 1, s_out, z_out, mode, rounding)

    def relu_requant(y_q, tid_in, tid_out):
        s_in, z_in = params[tid_in]
        r = np.maximum(nm.dequantize(y_q, s_in, z_in), np.float32(0))
        s_out, z_out = params[tid_out]
        return nm.quantize(r, s_out, z_out, QMIN, QMAX)

    s0, z0 = params["t0"]
    q["t0"] = nm.quantize(x, s0, z0, QMIN, QMAX)
    q["t1"] = nm.pad_with_zero_point(q["t0"], [(0, 0), (0, 0), (1, 1), (1, 1)], z0)
    q["t2"] = conv(q["t1"], "t0", "conv1", (1, 1), "t2")
    q["t3"] = relu_requant(q["t2"], "t2", "t3")
    q["t4"] = conv(q["t3"], "t3", "conv2", (mm.C2_STRIDE,) * 2, "t4")
    q["t5"] = relu_requant(q["t4"], "t4", "t5")
    q["t6"] = q["t5"].reshape(x.shape[0], mm.FLAT)
    s6, z6 = params["t5"]
    w_q, w_s = quantize_weights_axis0(w["fc_w"])  # (N, K), one scale per output
    acc_scale = np.float64(s6) * w_s.astype(np.float64)
    bias_q = nm.quantize_bias(w["fc_b"], acc_scale)
    acc = nm.qmatmul(q["t6"], z6, np.ascontiguousarray(w_q.T), 0, bias_q)
    s8, z8 = params["t8"]
    q["t8"] = nm.requantize(acc, acc_scale, s8, z8, QMIN, QMAX, mode=mode, rounding=rounding)
    return nm.dequantize(q["t8"], s8, z8), q


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------

def cmd_check(args: argparse.Namespace) -> None:
    work = args.work_dir
    table_path = args.table or os.path.join(work, "table.json")
    q_path = args.quant_output or os.path.join(work, "q.npy")
    mode = args.requantize
    rounding = None if args.rounding is None else args.rounding.replace("-", "_")

    w = mm.make_weights()
    table = load_table(table_path)
    params = {t: tensor_params(table, t, table_path) for t in TABLE_IDS}
    x = load_npy(os.path.join(work, "eval.npy"), np.float32, (None,) + IN_SHAPE)
    y_float = load_npy(os.path.join(work, "float.npy"), np.float32, (x.shape[0], OUT))
    y_comp = load_npy(q_path, np.float32, (x.shape[0], OUT))

    # (a) bit-exact int8 path.
    y_ref, _ = int8_path(x, w, params, mode, rounding)
    same = y_comp.view(np.uint32) == y_ref.view(np.uint32)
    if not same.all():
        bad = np.argwhere(~same)
        m, n = bad[0]
        raise CheckError(
            f"{q_path}: compiled quantized output differs from the numpy int8 reference "
            f"({mode}) in {len(bad)} of {same.size} elements; first at [{m}, {n}]: "
            f"compiled {y_comp[m, n]!r}, reference {y_ref[m, n]!r}")
    print(f"bit-exact: ok ({y_ref.size} outputs, requantize={mode}, "
          f"rounding={rounding or nm.default_rounding(mode)})")

    # (b) accuracy against the float model.
    sy = float(params["t8"][0])
    err = np.abs(y_comp.astype(np.float64) - y_float.astype(np.float64))
    rel_fro = float(np.linalg.norm(err) / np.linalg.norm(y_float.astype(np.float64)))
    agree_rows = int(np.sum(np.argmax(y_comp, axis=1) == np.argmax(y_float, axis=1)))
    agree = agree_rows / x.shape[0]
    print(f"relative Frobenius error: {rel_fro:.6g}")
    print(f"argmax agreement: {agree:.4f} ({agree_rows}/{x.shape[0]} images)")
    print(f"max abs error: {err.max():.6g} ({err.max() / sy:.2f} output steps of {sy:.4g}), "
          f"mean {err.mean():.4g}, max |float| {np.abs(y_float).max():.4g}")
    failures = []
    if not rel_fro <= args.max_rel_error:
        failures.append(f"relative Frobenius error {rel_fro:.6g} exceeds {args.max_rel_error}")
    if not agree >= args.min_argmax_agreement:
        failures.append(f"argmax agreement {agree:.4f} is below {args.min_argmax_agreement}")
    if not err.max() <= args.max_abs_error:
        failures.append(f"max abs error {err.max():.6g} exceeds {args.max_abs_error}")
    if failures:
        raise CheckError("int8 vs float: " + "; ".join(failures))
    print(f"accuracy: ok (relative Frobenius <= {args.max_rel_error}, argmax agreement >= "
          f"{args.min_argmax_agreement}, max abs error <= {args.max_abs_error})")

    # (c) human summary.
    if args.summary:
        print()
        print(f"first {args.rows} of {x.shape[0]} images: float32 model vs int8 model")
        for m in range(min(args.rows, x.shape[0])):
            fl = " ".join(f"{v:6.2f}" for v in y_float[m])
            qu = " ".join(f"{v:6.2f}" for v in y_comp[m])
            mark = "" if np.argmax(y_float[m]) == np.argmax(y_comp[m]) else "  <- argmax differs"
            print(f"  img {m:3d} f32 : {fl}")
            print(f"          int8: {qu}{mark}")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("data", help="write calibration batches and eval.npy")
    p.add_argument("outdir")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("check-table", help="check the calibration table against numpy")
    p.add_argument("--work-dir", required=True)
    p.add_argument("--table", help="calibration table (default WORK/table.json)")
    p.set_defaults(func=cmd_check_table)

    p = sub.add_parser("check-float", help="float model output vs the numpy float reference")
    p.add_argument("--work-dir", required=True)
    p.add_argument("--output", help="float model output (default WORK/float.npy)")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.set_defaults(func=cmd_check_float)

    p = sub.add_parser("check", help="bit-exact and accuracy checks of the int8 outputs")
    p.add_argument("--work-dir", required=True,
                   help="directory with eval.npy, float.npy, the table and q.npy")
    p.add_argument("--table", help="calibration table (default WORK/table.json)")
    p.add_argument("--quant-output", help="quantized model output (default WORK/q.npy)")
    p.add_argument("--requantize", choices=nm.REQUANT_MODES, default="fixed-point")
    p.add_argument("--rounding", choices=("half-away-from-zero", "half-to-even"))
    p.add_argument("--max-rel-error", type=float, default=0.05,
                   help="largest acceptable relative Frobenius error")
    p.add_argument("--min-argmax-agreement", type=float, default=0.9)
    p.add_argument("--max-abs-error", type=float, default=float("inf"))
    p.add_argument("--summary", action="store_true", help="print a human summary")
    p.add_argument("--rows", type=int, default=5, help="rows shown by --summary")
    p.set_defaults(func=cmd_check)

    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (CheckError, ValueError) as exc:
        sys.stdout.flush()  # what passed comes before the error, also on a shared pipe
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
