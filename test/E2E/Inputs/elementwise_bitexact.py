#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Hand-written qlinalg.add / qlinalg.mul / rescale modules vs numpy.

    elementwise_bitexact.py gen DIR       write DIR/<case>.mlir, its inputs
                                          <case>.in<i>.npy and the expected
                                          results <case>.expected<j>.npy
    elementwise_bitexact.py compare DIR   compare every <case>.out<j>.npy
                                          (written by qlinalg-run) with
                                          <case>.expected<j>.npy
    elementwise_bitexact.py list          print the cases

Each module is one qlinalg.add or qlinalg.mul on two quantized function
arguments, checked bit for bit against qadd / qmul of python/qlinalg (the
TFLite fixed-point arithmetic and ONNX Runtime's float one), or one
qlinalg.requantize of a quantized argument (a rescale: its storage minus
its zero point requantized from its scale, as requantize computes it).

Covered: fixed_point and float, each with both roundings; i8 and u8 on
either side and in the result; zero points at the ends of the storage
ranges; equal input scales (a multiplier of exactly 1/2); scales with
power-of-two ratios, so that exact ties occur and the two roundings
disagree; a clamp [zp, 127] (a fused ReLU); static and dynamic shapes, of a
size that is not a multiple of the vector width. The generator asserts that
the data exercises each case: outputs mostly inside the range, some
saturated, ties where they are promised.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matmul_bitexact import Case, QType, case_main, f32_scale, tensor  # noqa: E402
from qlinalg import numerics as nm  # noqa: E402

SEED = 23

MULT = {"fixed-point": "fixed_point", "float": "float"}
TAG = {"half_away_from_zero": "away", "half_to_even": "even"}
OTHER = {"half_away_from_zero": "half_to_even", "half_to_even": "half_away_from_zero"}


def binary_case(name: str, rng: np.random.Generator, *, op: str, lhs: QType, rhs: QType,
                out: QType, mode: str, rounding: str, shape: Tuple[int, ...],
                dynamic: bool = False, clamp: Optional[Tuple[int, int]] = None,
                ties: bool = False, min_inside: float = 0.5, about: str = "") -> Case:
    a = rng.integers(*lhs.qrange, endpoint=True, size=shape).astype(lhs.dtype)
    b = rng.integers(*rhs.qrange, endpoint=True, size=shape).astype(rhs.dtype)
    ref = nm.qadd if op == "add" else nm.qmul
    lo, hi = out.qrange
    if clamp:
        lo, hi = max(lo, clamp[0]), min(hi, clamp[1])

    def run(r: str) -> np.ndarray:
        return ref(a, lhs.scale(), lhs.zp(), b, rhs.scale(), rhs.zp(), out.scale(), out.zp(),
                   lo, hi, mode=mode, rounding=r, dtype=out.dtype)

    y = run(rounding)
    inside = np.mean((y > lo) & (y < hi))
    assert inside > min_inside, f"{name}: only {inside:.0%} of the outputs inside the range"
    assert np.any((y == lo) | (y == hi)), f"{name}: nothing saturates"
    if ties:
        assert np.any(y != run(OTHER[rounding])), f"{name}: the roundings agree everywhere"
    dims = [None if dynamic and i == 0 else d for i, d in enumerate(shape)]
    t_a, t_b, t_y = (tensor(dims, q.text()) for q in (lhs, rhs, out))
    clamp_text = f" clamp [{clamp[0]}, {clamp[1]}]" if clamp else ""
    mlir = "\n".join([
        f"// {about}",
        f"func.func @main(%a: {t_a}, %b: {t_b}) -> {t_y} {{",
        f"  %y = qlinalg.{op} %a, %b multiplier({MULT[mode]}) rounding({rounding}){clamp_text}",
        f"      : {t_a}, {t_b} -> {t_y}",
        f"  return %y : {t_y}",
        "}", ""])
    return Case(name, mlir, [a, b], [y], about)


def rescale_case(name: str, rng: np.random.Generator, *, src: QType, out: QType, mode: str,
                 rounding: str, shape: Tuple[int, ...], dynamic: bool = False,
                 ties: bool = False, about: str = "") -> Case:
    """qlinalg.requantize of a quantized tensor: (q - zp) requantized from its scale."""
    a = rng.integers(*src.qrange, endpoint=True, size=shape).astype(src.dtype)
    centered = (a.astype(np.int64) - src.zp()).astype(np.int32)
    lo, hi = out.qrange

    def run(r: str) -> np.ndarray:
        return nm.requantize(centered, np.float64(src.scale()), out.scale(), out.zp(), lo, hi,
                             mode=mode, rounding=r, dtype=out.dtype)

    y = run(rounding)
    assert np.mean((y > lo) & (y < hi)) > 0.5, f"{name}: most outputs saturate"
    assert np.any((y == lo) | (y == hi)), f"{name}: nothing saturates"
    if ties:
        assert np.any(y != run(OTHER[rounding])), f"{name}: the roundings agree everywhere"
    dims = [None if dynamic and i == 0 else d for i, d in enumerate(shape)]
    t_a, t_y = tensor(dims, src.text()), tensor(dims, out.text())
    mlir = "\n".join([
        f"// {about}",
        f"func.func @main(%a: {t_a}) -> {t_y} {{",
        f"  %y = qlinalg.requantize %a multiplier({MULT[mode]}) rounding({rounding})",
        f"      : {t_a} -> {t_y}",
        f"  return %y : {t_y}",
        "}", ""])
    return Case(name, mlir, [a], [y], about)


def all_cases() -> List[Case]:
    rng = np.random.default_rng(SEED)
    cases = []

    def i8(scale, zp):
        return QType("i8", scale, zp)

    def u8(scale, zp):
        return QType("u8", scale, zp)

    sa, sb = f32_scale(rng, 0.01, 0.05), f32_scale(rng, 0.01, 0.05)
    so = f32_scale(rng, 0.02, 0.06)
    for mode in ("fixed-point", "float"):
        for rounding in ("half_away_from_zero", "half_to_even"):
            tag = f"{'fixed' if mode == 'fixed-point' else 'float'}_{TAG[rounding]}"
            cases.append(binary_case(
                f"add_{tag}", rng, op="add", lhs=i8(sa, -3), rhs=i8(sb, 7), out=i8(so, 2),
                mode=mode, rounding=rounding, shape=(37, 19),
                about=f"add, {mode}, {rounding}, i8, arbitrary scales"))
    # Power-of-two ratios: ties in both modes.
    s = f32_scale(rng, 0.01, 0.02)
    for mode, rounding in (("fixed-point", "half_away_from_zero"),
                           ("fixed-point", "half_to_even"),
                           ("float", "half_to_even"),
                           ("float", "half_away_from_zero")):
        tag = f"{'fixed' if mode == 'fixed-point' else 'float'}_{TAG[rounding]}"
        cases.append(binary_case(
            f"add_ties_{tag}", rng, op="add", lhs=i8(s, 5), rhs=i8(2 * s, -9),
            out=i8(2 * s, -1), mode=mode, rounding=rounding, shape=(64, 33), ties=True,
            about=f"add, {mode}, {rounding}: sa/so = 1/2, sb/so = 1, exact ties"))
    cases.append(binary_case(
        "add_equal_scales", rng, op="add", lhs=i8(s, 0), rhs=i8(s, 0), out=i8(s, 0),
        mode="fixed-point", rounding="half_away_from_zero", shape=(128,),
        about="add, equal input and output scales (input multipliers exactly 1/2)"))
    cases.append(binary_case(
        "add_u8_dynamic", rng, op="add", lhs=u8(sa, 255), rhs=i8(sb, -128),
        out=u8(so, 128), mode="fixed-point", rounding="half_away_from_zero",
        shape=(21, 17), dynamic=True,
        about="add, u8 + i8 -> u8, zero points 255 and -128 (the range ends), dynamic rows"))
    cases.append(binary_case(
        "add_relu", rng, op="add", lhs=i8(sa, 127), rhs=u8(sb, 0), out=i8(so, -20),
        mode="float", rounding="half_to_even", shape=(3, 5, 7), clamp=(-20, 127), min_inside=0.25,
        about="add, float, clamp [zp, 127] (a fused ReLU), zero points 127 and 0"))
    sm = f32_scale(rng, 0.03, 0.05)
    sp = np.float64(np.float32(sm * sm * 60))
    for mode, rounding in (("fixed-point", "half_away_from_zero"),
                           ("float", "half_to_even")):
        tag = "fixed" if mode == "fixed-point" else "float"
        cases.append(binary_case(
            f"mul_{tag}", rng, op="mul", lhs=i8(sm, 4), rhs=i8(sm, -6), out=i8(sp, 3),
            mode=mode, rounding=rounding, shape=(45, 13),
            about=f"mul, {mode}, {rounding}, i8"))
    cases.append(binary_case(
        "mul_ties_even", rng, op="mul", lhs=i8(s, 1), rhs=i8(0.5, -2), out=i8(32 * s, 0),
        mode="fixed-point", rounding="half_to_even", shape=(50, 20), ties=True,
        about="mul, fixed_point, half_to_even: M = 2^-6, exact ties"))
    cases.append(binary_case(
        "mul_u8_dynamic_clamp", rng, op="mul", lhs=u8(sm, 128), rhs=u8(sm, 0),
        out=u8(sp, 10), mode="float", rounding="half_away_from_zero", shape=(9, 31),
        dynamic=True, clamp=(10, 200), min_inside=0.25,
        about="mul, float, u8, dynamic rows, clamp [10, 200]"))
    sr = f32_scale(rng, 0.01, 0.03)
    cases.append(rescale_case(
        "rescale_fixed_away", rng, src=i8(sr, 9), out=i8(sr * 0.75, -4), mode="fixed-point",
        rounding="half_away_from_zero", shape=(40, 9),
        about="requantize (rescale) i8 -> i8, fixed_point, M = 4/3"))
    cases.append(rescale_case(
        "rescale_ties_even", rng, src=i8(sr, -7), out=u8(4 * sr, 230), mode="fixed-point",
        rounding="half_to_even", shape=(300,), ties=True,
        about="requantize (rescale) i8 -> u8, fixed_point, half_to_even, M = 1/4: ties in the rounding shift"))
    cases.append(rescale_case(
        "rescale_u8_float_dynamic", rng, src=u8(sr, 255), out=i8(sr * 1.5, 30), mode="float",
        rounding="half_to_even", shape=(13, 11), dynamic=True,
        about="requantize (rescale) u8 -> i8, float, zero point 255, dynamic rows"))
    return cases


def main(argv: Sequence[str]) -> int:
    return case_main(argv, all_cases, __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
