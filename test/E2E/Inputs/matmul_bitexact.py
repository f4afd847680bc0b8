#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Hand-written quantized modules vs the numpy reference, bit for bit.

    matmul_bitexact.py gen DIR       write DIR/<case>.mlir, its inputs
                                     <case>.in<i>.npy and the expected results
                                     <case>.expected<j>.npy
    matmul_bitexact.py compare DIR   compare every <case>.out<j>.npy (written by
                                     qlinalg-run) with <case>.expected<j>.npy
    matmul_bitexact.py list          print the cases

Every module is written from the same numbers as its reference: scales are
float32 values printed as exact decimal doubles, accumulator scales are the
float64 products lhs_scale * rhs_scale[n] (as the verifier wants and as
python/qlinalg computes them). Data is random with fixed seeds.

Coverage: the i32 accumulator result; requantization in fixed_point x
{half_away_from_zero, half_to_even} and float x {half_to_even,
half_away_from_zero}, as a separate qlinalg.requantize and fused into
qlinalg.matmul; per-tensor rhs with a non-zero zero point; per-channel rhs
with mixed zero points; u8 lhs (and a u8 result); rhs as a function argument
and as a constant (arith.constant + quant.scast); bias as an argument and as a
constant; dynamic M; standalone qlinalg.quantize / qlinalg.dequantize per
tensor and per axis, on exact ties (k + 1/2) * scale, saturating values,
infinities and NaN. The generator asserts that the data really exercises what
each case is about (ties present and the two rounding modes disagreeing, most
outputs inside the range, some saturated).
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                *[os.pardir] * 3, "python"))
from qlinalg import numerics as nm  # noqa: E402
from qlinalg.npyio import load_npy, save_npy  # noqa: E402

M, K, N = 33, 64, 24
SEED = 7


# --------------------------------------------------------------------------
# Type text
# --------------------------------------------------------------------------

def num(v: float) -> str:
    """A double as MLIR float text that parses back to exactly the same double."""
    text = f"{float(v):.16e}"
    assert float(text) == float(v)
    return text


class QType:
    """A !quant.uniform element type and its numpy view."""

    def __init__(self, storage: str, scales, zps, axis: Optional[int] = None,
                 narrow: bool = False):
        self.storage = storage  # 'i8', 'u8', 'i32'
        self.scales = np.atleast_1d(np.asarray(scales, dtype=np.float64))
        self.zps = np.atleast_1d(np.asarray(zps, dtype=np.int64))
        self.axis = axis
        self.narrow = narrow
        if axis is None:
            assert self.scales.size == 1 and self.zps.size == 1
        else:
            assert self.scales.shape == self.zps.shape

    @property
    def qrange(self) -> Tuple[int, int]:
        return nm.storage_range(self.storage, narrow=self.narrow)

    @property
    def dtype(self):
        return {"i8": np.int8, "u8": np.uint8, "i32": np.int32}[self.storage]

    def text(self) -> str:
        st = self.storage
        if self.narrow:
            lo, hi = self.qrange
            st = f"{st}<{lo}:{hi}>"
        if self.axis is None:
            return f"!quant.uniform<{st}:f32, {num(self.scales[0])}:{int(self.zps[0])}>"
        body = ", ".join(f"{num(s)}:{int(z)}" for s, z in zip(self.scales, self.zps))
        return f"!quant.uniform<{st}:f32:{self.axis}, {{{body}}}>"

    # Parameters as the reference wants them: float32 scales, int zps.
    def scale(self):
        return np.float32(self.scales[0]) if self.axis is None else self.scales.astype(np.float32)

    def zp(self):
        return int(self.zps[0]) if self.axis is None else self.zps


def tensor(shape: Sequence[Optional[int]], elem: str) -> str:
    dims = "x".join("?" if d is None else str(d) for d in shape)
    return f"tensor<{dims}x{elem}>"


def dense_int(array: np.ndarray) -> str:
    if array.ndim == 1:
        return "[" + ", ".join(str(int(v)) for v in array) + "]"
    return "[" + ", ".join(dense_int(row) for row in array) + "]"


def f32_scale(rng: np.random.Generator, lo: float, hi: float, size=None):
    """Random scales that are float32 values (kept as float64)."""
    return np.float32(rng.uniform(lo, hi, size)).astype(np.float64)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

class Case:
    def __init__(self, name: str, mlir: str, inputs: List[np.ndarray],
                 expected: List[np.ndarray], about: str):
        self.name, self.mlir, self.inputs, self.expected, self.about = \
            name, mlir, inputs, expected, about


def acc_scales(lhs: QType, rhs: QType) -> np.ndarray:
    """float64 lhs_scale * rhs_scale[n], per column (or one value)."""
    return np.float64(lhs.scales[0]) * rhs.scales


def random_storage(rng: np.random.Generator, qt: QType, shape,
                   spread: Optional[int] = None) -> np.ndarray:
    """Uniform storage values over the whole range, or within +-spread of the
    zero point (of each column for a per-axis-1 type)."""
    lo, hi = qt.qrange
    if spread is None:
        return rng.integers(lo, hi + 1, size=shape, dtype=np.int64).astype(qt.dtype)
    z = qt.zps if qt.axis == 1 else qt.zps[0]
    v = z + rng.integers(-spread, spread + 1, size=shape, dtype=np.int64)
    return np.clip(v, lo, hi).astype(qt.dtype)


def matmul_case(name: str, rng: np.random.Generator, *, lhs: QType, rhs: QType,
                rhs_const: bool, bias: Optional[str], out: Optional[QType],
                mode: Optional[str] = None, rounding: Optional[str] = None,
                fused: bool = False, also_acc: bool = False, about: str = "",
                spread: Optional[int] = None, bias_range: int = 60000,
                min_inside: float = 0.5, rounding_matters: bool = True) -> Case:
    """qlinalg.matmul (and a requantization) on argument / constant operands.

    bias: None, 'arg' or 'const'. out: None for the i32 accumulator result.
    also_acc: return the accumulator as a second result.
    """
    a = random_storage(rng, lhs, (M, K), spread)
    b = random_storage(rng, rhs, (K, N), spread)
    per_channel = rhs.axis is not None
    acc_s = acc_scales(lhs, rhs)  # (N,) per channel
    acc_ref = acc_s if per_channel else acc_s[0]  # what python/qlinalg wants
    acc_t = QType("i32", acc_s, np.zeros(acc_s.shape, np.int64), axis=1 if per_channel else None)
    bias_t = QType("i32", acc_s, np.zeros(acc_s.shape, np.int64), axis=0 if per_channel else None)
    bias_q = None
    if bias:
        bias_q = rng.integers(-bias_range, bias_range + 1, size=N).astype(np.int32)

    t_lhs = tensor((None, K), lhs.text())
    t_rhs = tensor((K, N), rhs.text())
    t_bias = tensor((N,), bias_t.text())
    t_acc = tensor((None, N), acc_t.text())
    args, inputs, body = [f"%a: {t_lhs}"], [a], []
    if rhs_const:
        body.append(f"%wd = arith.constant dense<{dense_int(b)}> : {tensor((K, N), rhs.storage)}")
        body.append(f"%w = quant.scast %wd : {tensor((K, N), rhs.storage)} to {t_rhs}")
    else:
        args.append(f"%w: {t_rhs}")
        inputs.append(b)
    bias_op, bias_ty = "", ""
    if bias == "arg":
        args.append(f"%b: {t_bias}")
        inputs.append(bias_q)
    elif bias == "const":
        body.append(f"%bd = arith.constant dense<{dense_int(bias_q)}> : {tensor((N,), 'i32')}")
        body.append(f"%b = quant.scast %bd : {tensor((N,), 'i32')} to {t_bias}")
    if bias:
        bias_op, bias_ty = " bias %b", f", {t_bias}"

    acc = nm.qmatmul(a, lhs.zp(), b, rhs.zp(), bias_q)
    results, expected = [], []
    if out is None:
        body.append(f"%acc = qlinalg.matmul %a, %w{bias_op} : {t_lhs}, {t_rhs}{bias_ty} -> {t_acc}")
        results.append(("%acc", t_acc))
        expected.append(acc)
    else:
        t_out = tensor((None, N), out.text())
        lo, hi = out.qrange
        y = nm.requantize(acc, acc_ref, out.scale(), out.zp(), lo, hi, mode=mode,
                          rounding=rounding, dtype=out.dtype)
        mult = {"fixed-point": "fixed_point", "float": "float"}[mode]
        if fused:
            assert not also_acc
            body.append(f"%y = qlinalg.matmul %a, %w{bias_op} multiplier({mult}) "
                        f"rounding({rounding}) : {t_lhs}, {t_rhs}{bias_ty} -> {t_out}")
        else:
            body.append(f"%acc = qlinalg.matmul %a, %w{bias_op} : {t_lhs}, {t_rhs}{bias_ty} "
                        f"-> {t_acc}")
            body.append(f"%y = qlinalg.requantize %acc multiplier({mult}) rounding({rounding}) "
                        f": {t_acc} -> {t_out}")
        results.append(("%y", t_out))
        expected.append(y)
        if also_acc:
            results.append(("%acc", t_acc))
            expected.append(acc)
        # The data must exercise the requantization: mostly inside the range,
        # some saturated, and for the tie cases the two rounding rules differ.
        inside = np.mean((y > lo) & (y < hi))
        assert inside >= min_inside, f"{name}: only {inside:.0%} of outputs inside the range"
        assert np.any((y == lo) | (y == hi)), f"{name}: nothing saturates"
        other = {"half_away_from_zero": "half_to_even",
                 "half_to_even": "half_away_from_zero"}[rounding]
        y_other = nm.requantize(acc, acc_ref, out.scale(), out.zp(), lo, hi, mode=mode,
                                rounding=other, dtype=out.dtype)
        assert np.array_equal(y, y_other) != rounding_matters, \
            f"{name}: ties {'do not ' if rounding_matters else ''}decide the rounding"
    mlir = "\n".join(
        [f"// {about}", f"func.func @main({', '.join(args)}) -> ("
         + ", ".join(t for _, t in results) + ") {"]
        + [f"  {line}" for line in body]
        + [f"  return {', '.join(v for v, _ in results)} : {', '.join(t for _, t in results)}",
           "}", ""])
    return Case(name, mlir, inputs, expected, about)


# Requantization cases draw operands within +-REQ_SPREAD of their zero points
# and biases within +-REQ_BIAS, so that with M = 2^REQ_EXP the outputs spread
# over most of the int8 range and acc * M hits exact ties often enough.
REQ_SPREAD, REQ_BIAS, REQ_EXP = 24, 2000, -5


def pow2_mixed_rhs_scales(rng: np.random.Generator, sa: float, so: float) -> np.ndarray:
    """Per-column rhs scales: even columns give M = sa*sb/so = 2^REQ_EXP
    exactly (so that acc * M has exact ties), odd columns arbitrary float32
    values around the same magnitude."""
    sb = f32_scale(rng, 0.6, 1.6, N) * (2.0 ** REQ_EXP) * so / sa
    sb[0::2] = (2.0 ** REQ_EXP) * so / sa
    return sb


def requant_cases(rng: np.random.Generator) -> List[Case]:
    cases = []
    # so / sa is a power of two, so the even columns' M is exactly 2^REQ_EXP.
    sa = float(np.float32(0.05))
    so = 4 * sa
    za = -5
    variants = [
        ("rq_fixed_away", "fixed-point", "half_away_from_zero", False),
        ("rq_fixed_even", "fixed-point", "half_to_even", True),
        ("rq_float_even", "float", "half_to_even", False),
        ("rq_float_away", "float", "half_away_from_zero", True),
    ]
    for name, mode, rounding, fused in variants:
        lhs = QType("i8", sa, za)
        zb = rng.integers(-20, 21, size=N)
        zb[::3] = 0
        rhs = QType("i8", pow2_mixed_rhs_scales(rng, sa, so), zb, axis=1)
        out = QType("i8", so, -7)
        form = "fused into qlinalg.matmul" if fused else "separate qlinalg.requantize"
        cases.append(matmul_case(
            name, rng, lhs=lhs, rhs=rhs, rhs_const=not fused, bias="const" if fused else "arg",
            out=out, mode=mode, rounding=rounding, fused=fused, also_acc=not fused,
            spread=REQ_SPREAD, bias_range=REQ_BIAS,
            about=f"requantize {mode} {rounding}, {form}; per-channel rhs with mixed "
                  f"zero points ({'constant' if not fused else 'argument'})"))
    return cases


def matmul_cases(rng: np.random.Generator) -> List[Case]:
    cases = []
    # i32 accumulator, per-tensor rhs argument with a non-zero zero point.
    cases.append(matmul_case(
        "acc_pt_rhs_arg", rng, lhs=QType("i8", np.float32(0.05), 3),
        rhs=QType("i8", np.float32(0.02), -7), rhs_const=False, bias=None, out=None,
        about="i32 accumulator; per-tensor rhs argument, zero point -7; no bias"))
    # i32 accumulator, per-channel constant narrow-range rhs with mixed zps, bias arg.
    zb = rng.integers(-30, 31, size=N)
    zb[::4] = 0
    cases.append(matmul_case(
        "acc_pc_rhs_const", rng, lhs=QType("i8", np.float32(0.03), -11),
        rhs=QType("i8", f32_scale(rng, 0.001, 0.01, N), zb, axis=1, narrow=True),
        rhs_const=True, bias="arg", out=None,
        about="i32 accumulator; per-channel constant narrow-range rhs with mixed zero "
              "points; bias argument"))
    # Per-tensor constant rhs with non-zero zp and float requantization.
    sa = float(np.float32(0.03))
    so = 2 * sa
    cases.append(matmul_case(
        "rq_pt_rhs_const", rng, lhs=QType("i8", sa, 9),
        rhs=QType("i8", (2.0 ** REQ_EXP) * so / sa, 13), rhs_const=True, bias="const",
        out=QType("i8", so, 4), mode="float", rounding="half_to_even",
        spread=REQ_SPREAD, bias_range=REQ_BIAS,
        about="per-tensor constant rhs, zero point 13; float requantization"))
    cases += requant_cases(rng)
    # M = 2.5 > 1: fixed point shifts left by 2 and rounds only in the doubling
    # high multiply (gemmlowp: positive ties away from zero, negative ones
    # toward zero), so the rounding attribute has no effect here.
    sa = float(np.float32(0.5))
    cases.append(matmul_case(
        "rq_fixed_left_shift", rng, lhs=QType("i8", sa, 2),
        rhs=QType("i8", np.float32(0.5), -3), rhs_const=False, bias="arg",
        out=QType("i8", np.float32(0.1), 6), mode="fixed-point", rounding="half_to_even",
        spread=3, bias_range=10, rounding_matters=False,
        about="fixed_point with a multiplier above 1 (left shift), per-tensor rhs argument"))
    # u8 lhs: accumulator, and requantized into u8.
    cases.append(matmul_case(
        "u8_lhs_acc", rng, lhs=QType("u8", np.float32(0.04), 131),
        rhs=QType("i8", np.float32(0.015), 5), rhs_const=False, bias="arg", out=None,
        about="u8 lhs (zero point 131), per-tensor rhs argument with zero point 5"))
    sa = float(np.float32(0.04))
    so = 8 * sa
    zb = rng.integers(-9, 10, size=N)
    cases.append(matmul_case(
        "u8_lhs_u8_out", rng, lhs=QType("u8", sa, 100),
        rhs=QType("i8", pow2_mixed_rhs_scales(rng, sa, so), zb, axis=1), rhs_const=True,
        bias="const", out=QType("u8", so, 120), mode="fixed-point",
        rounding="half_to_even", fused=True, spread=REQ_SPREAD, bias_range=REQ_BIAS,
        about="u8 lhs, per-channel constant rhs, fixed_point into a u8 result"))
    return cases


def quantize_inputs(rng: np.random.Generator, rows: int, cols: int, scales, zps,
                    qrange: Tuple[int, int]) -> np.ndarray:
    """Float inputs: exact ties (k + 1/2) * scale, near-ties, in-range random
    values, values that saturate at both ends, +-Inf, NaN and -0.0."""
    lo, hi = qrange
    s = np.broadcast_to(np.asarray(scales, np.float64), (cols,))
    z = np.broadcast_to(np.asarray(zps, np.float64), (cols,))
    k = rng.integers(lo, hi, size=(rows, cols)) - z
    x = ((k + 0.5) * s).astype(np.float32)  # ties (exact for power-of-two scales)
    kind = rng.integers(0, 8, size=(rows, cols))
    rand = (rng.uniform(lo - 0.5, hi + 0.5, size=(rows, cols)) - z) * s
    x = np.where(kind == 1, rand.astype(np.float32), x)
    near = np.nextafter(x, np.float32(np.inf) * rng.choice([-1, 1], size=(rows, cols)))
    x = np.where(kind == 2, near, x)
    x = np.where(kind == 3, ((hi - z + rng.uniform(1, 50, size=(rows, cols))) * s), x)
    x = np.where(kind == 4, ((lo - z - rng.uniform(1, 50, size=(rows, cols))) * s), x)
    x = x.astype(np.float32)
    flat = x.reshape(-1)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e30, -1e30, np.float32(1e-30)],
                        dtype=np.float32)
    idx = rng.choice(flat.size, size=3 * specials.size, replace=False)
    flat[idx] = np.tile(specials, 3)
    return x


def border_cases(rng: np.random.Generator) -> List[Case]:
    cases = []

    def quantize_case(name, shape, qt: QType, about):
        rows, cols = shape
        if qt.axis == 0:
            x = quantize_inputs(rng, cols, rows, qt.scale(), qt.zps, qt.qrange).T.copy()
        else:
            x = quantize_inputs(rng, rows, cols,
                                qt.scale() if qt.axis is not None else qt.scales[0],
                                qt.zps if qt.axis is not None else qt.zps[0], qt.qrange)
        lo, hi = qt.qrange
        q = nm.quantize(x, qt.scale(), qt.zp(), lo, hi, axis=qt.axis, dtype=qt.dtype)
        # Ties must decide something: rint differs from rounding away from zero.
        s = np.float32(qt.scales[0]) if qt.axis is None else np.expand_dims(
            qt.scale(), 1 - qt.axis)
        with np.errstate(invalid="ignore", over="ignore"):
            r = x / s
            frac = np.abs(r - np.trunc(r))
        assert np.count_nonzero(frac == 0.5) > 20, name
        assert np.any(q == lo) and np.any(q == hi), name
        dyn = (None, cols) if qt.axis != 0 else (rows, cols)
        t_in, t_out = tensor(dyn, "f32"), tensor(dyn, qt.text())
        mlir = (f"// {about}\nfunc.func @main(%x: {t_in}) -> {t_out} {{\n"
                f"  %q = qlinalg.quantize %x : {t_in} to {t_out}\n"
                f"  return %q : {t_out}\n}}\n")
        cases.append(Case(name, mlir, [x], [q], about))

    def dequantize_case(name, shape, qt: QType, about):
        rows, cols = shape
        q = random_storage(rng, qt, shape)
        x = nm.dequantize(q, qt.scale(), qt.zp(), axis=qt.axis)
        dyn = (None, cols) if qt.axis != 0 else (rows, cols)
        t_in, t_out = tensor(dyn, qt.text()), tensor(dyn, "f32")
        mlir = (f"// {about}\nfunc.func @main(%q: {t_in}) -> {t_out} {{\n"
                f"  %x = qlinalg.dequantize %q : {t_in} to {t_out}\n"
                f"  return %x : {t_out}\n}}\n")
        cases.append(Case(name, mlir, [q], [x], about))

    cols = 16
    quantize_case("quantize_pt_pow2", (M, cols), QType("i8", 0.25, -3),
                  "quantize per tensor, scale 0.25: exact ties, saturation, Inf, NaN")
    quantize_case("quantize_pt", (M, cols), QType("i8", np.float32(0.1), 17),
                  "quantize per tensor, scale 0.1 (ties rounded in f32)")
    quantize_case("quantize_u8", (M, cols), QType("u8", 0.125, 128),
                  "quantize to u8, zero point 128")
    scales = 2.0 ** rng.integers(-6, 0, size=cols).astype(np.float64)
    scales[1::2] = f32_scale(rng, 0.01, 0.2, cols)[1::2]
    zps = rng.integers(-40, 41, size=cols)
    quantize_case("quantize_axis1", (M, cols), QType("i8", scales, zps, axis=1),
                  "quantize per axis 1 (mixed power-of-two and other scales, mixed zps)")
    rows0 = 12
    quantize_case("quantize_axis0", (rows0, cols),
                  QType("i8", scales[:rows0], zps[:rows0], axis=0),
                  "quantize per axis 0 (static rows)")
    dequantize_case("dequantize_pt", (M, cols), QType("i8", np.float32(0.037), -9),
                    "dequantize per tensor")
    dequantize_case("dequantize_u8", (M, cols), QType("u8", np.float32(0.02), 200),
                    "dequantize u8")
    dequantize_case("dequantize_axis1", (M, cols), QType("i8", scales, zps, axis=1),
                    "dequantize per axis 1")
    dequantize_case("dequantize_axis0", (rows0, cols),
                    QType("i8", scales[:rows0], zps[:rows0], axis=0),
                    "dequantize per axis 0")
    return cases


def chain_case(rng: np.random.Generator) -> Case:
    """float -> quantize -> matmul (constant weights, bias) -> requantize -> dequantize."""
    sa, so = np.float32(0.04), np.float32(0.5)
    lhs = QType("i8", sa, -2)
    rhs = QType("i8", f32_scale(rng, 0.002, 0.006, N), np.zeros(N, np.int64), axis=1,
                narrow=True)
    out = QType("i8", so, 3)
    x = (rng.standard_normal((M, K)) * 1.5).astype(np.float32)
    w = random_storage(rng, rhs, (K, N))
    acc_s = acc_scales(lhs, rhs)
    bias_q = rng.integers(-20000, 20000, size=N).astype(np.int32)
    xq = nm.quantize(x, lhs.scale(), lhs.zp(), -128, 127)
    acc = nm.qmatmul(xq, lhs.zp(), w, 0, bias_q)
    yq = nm.requantize(acc, acc_s, out.scale(), out.zp(), -128, 127, mode="fixed-point")
    y = nm.dequantize(yq, out.scale(), out.zp())
    assert np.mean(np.abs(yq.astype(int)) < 127) > 0.5
    acc_t = QType("i32", acc_s, np.zeros(N, np.int64), axis=1)
    bias_t = QType("i32", acc_s, np.zeros(N, np.int64), axis=0)
    t_x, t_xq = tensor((None, K), "f32"), tensor((None, K), lhs.text())
    t_w, t_b = tensor((K, N), rhs.text()), tensor((N,), bias_t.text())
    t_acc, t_yq, t_y = (tensor((None, N), acc_t.text()), tensor((None, N), out.text()),
                        tensor((None, N), "f32"))
    about = "float in/out: quantize, matmul with constant weights and bias, requantize, dequantize"
    mlir = "\n".join([
        f"// {about}",
        f"func.func @main(%x: {t_x}) -> {t_y} {{",
        f"  %xq = qlinalg.quantize %x : {t_x} to {t_xq}",
        f"  %wd = arith.constant dense<{dense_int(w)}> : {tensor((K, N), 'i8')}",
        f"  %w = quant.scast %wd : {tensor((K, N), 'i8')} to {t_w}",
        f"  %bd = arith.constant dense<{dense_int(bias_q)}> : {tensor((N,), 'i32')}",
        f"  %b = quant.scast %bd : {tensor((N,), 'i32')} to {t_b}",
        f"  %acc = qlinalg.matmul %xq, %w bias %b : {t_xq}, {t_w}, {t_b} -> {t_acc}",
        f"  %yq = qlinalg.requantize %acc multiplier(fixed_point) rounding(half_away_from_zero)"
        f" : {t_acc} -> {t_yq}",
        f"  %y = qlinalg.dequantize %yq : {t_yq} to {t_y}",
        f"  return %y : {t_y}",
        "}", ""])
    return Case("chain_f32", mlir, [x], [y], about)


def all_cases() -> List[Case]:
    rng = np.random.default_rng(SEED)
    return matmul_cases(rng) + border_cases(rng) + [chain_case(rng)]


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

def gen(out_dir: str) -> None:
    gen_cases(out_dir, all_cases())


def gen_cases(out_dir: str, cases) -> None:
    """Write each case's module, inputs and expected results to out_dir and
    print its qlinalg-run arguments."""
    os.makedirs(out_dir, exist_ok=True)
    for case in cases:
        with open(os.path.join(out_dir, case.name + ".mlir"), "w") as f:
            f.write(case.mlir)
        for i, a in enumerate(case.inputs):
            save_npy(os.path.join(out_dir, f"{case.name}.in{i}.npy"), a)
        for j, e in enumerate(case.expected):
            save_npy(os.path.join(out_dir, f"{case.name}.expected{j}.npy"), e)
        ins = ",".join(f"{case.name}.in{i}.npy" for i in range(len(case.inputs)))
        outs = ",".join(f"{case.name}.out{j}.npy" for j in range(len(case.expected)))
        print(f"{case.name}: --inputs={ins} --outputs={outs}")


def compare_cases(out_dir: str, cases, suffix: str = "out") -> int:
    """Compare every result of `cases` (written by qlinalg-run as
    <case>.<suffix><j>.npy) with <case>.expected<j>.npy, bit for bit; print
    one line per result and return 1 if any differs."""
    failures = 0
    for case in cases:
        for j in range(len(case.expected)):
            exp = load_npy(os.path.join(out_dir, f"{case.name}.expected{j}.npy"))
            try:
                got = load_npy(os.path.join(out_dir, f"{case.name}.{suffix}{j}.npy"))
            except (ValueError, OSError) as exc:
                print(f"{case.name}: FAIL result {j}: {exc}")
                failures += 1
                continue
            if got.dtype != exp.dtype or got.shape != exp.shape:
                print(f"{case.name}: FAIL result {j}: got {got.dtype} {got.shape}, "
                      f"expected {exp.dtype} {exp.shape}")
                failures += 1
                continue
            # Bitwise (NaN-safe, -0.0 distinct from 0.0); 0-d results as 1-d.
            got, exp = np.atleast_1d(got), np.atleast_1d(exp)
            diff = got.view(np.uint8).reshape(got.shape + (-1,)) != \
                exp.view(np.uint8).reshape(exp.shape + (-1,))
            bad = np.argwhere(diff.any(axis=-1))
            if bad.size:
                idx = tuple(int(i) for i in bad[0])
                cols = sorted({int(i[-1]) for i in bad})
                print(f"{case.name}: FAIL result {j}: {len(bad)} of {exp.size} elements "
                      f"differ (in {len(cols)} columns: {cols[:12]}"
                      f"{' ...' if len(cols) > 12 else ''}); first at {list(idx)}: "
                      f"got {got[idx]!r}, expected {exp[idx]!r}")
                failures += 1
                continue
            print(f"{case.name}: result {j} ok ({exp.size} x {exp.dtype})")
    return 1 if failures else 0


def compare(out_dir: str) -> int:
    return compare_cases(out_dir, all_cases())


def case_main(argv: Sequence[str], cases, doc: str) -> int:
    """The gen / compare / list command line of a case generator, for the
    cases `cases()` makes."""
    if len(argv) == 2 and argv[0] == "gen":
        gen_cases(argv[1], cases())
        return 0
    if len(argv) == 2 and argv[0] == "compare":
        return compare_cases(argv[1], cases())
    if len(argv) == 1 and argv[0] == "list":
        for case in cases():
            print(f"{case.name}: {case.about}")
        return 0
    print(doc, file=sys.stderr)
    return 2


def main(argv: Sequence[str]) -> int:
    return case_main(argv, all_cases, __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
