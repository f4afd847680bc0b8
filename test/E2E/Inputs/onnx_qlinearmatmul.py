#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""qlinalg.matmul multiplier(float) rounding(half_to_even) vs ONNX QLinearMatMul.

    onnx_qlinearmatmul.py gen DIR       write DIR/<case>.mlir and its inputs
                                        <case>.in<i>.npy (and <case>.onnx
                                        where the onnx package is importable)
    onnx_qlinearmatmul.py compare DIR   compare every <case>.out0.npy (written
                                        by qlinalg-run) bit for bit with ONNX's
                                        result and with the MLAS emulation
    onnx_qlinearmatmul.py list          print the cases
    onnx_qlinearmatmul.py report        without qlinalg-run: every element
                                        where ONNX's reference and the MLAS
                                        emulation (= python/qlinalg) differ

Each case is one ONNX QLinearMatMul node (a as the graph input; a_scale,
a_zero_point, b_scale, b_zero_point, y_scale, y_zero_point as 0-d
initializers; b as a second input or as an initializer) and the equivalent
qlinalg module: a (and b, when it is an ONNX input) as function arguments, an
initializer b as arith.constant + quant.scast, the same f32 scales and zero
points on the !quant.uniform types, the result type carrying y_scale and
y_zero_point. qlinalg.matmul's i32 accumulator has the scale sa * sb, so its
fused requantization multiplies by M = f32(f32(sa * sb) / f32(so)), the
multiplier ONNX's reference and ONNX Runtime compute.

ONNX's result ("onnx") is onnx.reference.ReferenceEvaluator's on the model
where the onnx package has onnx.reference (onnx >= 1.13); elsewhere it is
`onnx_formula`, the arithmetic of onnx/reference/ops/op_qlinear_matmul.py
restated (the last line of `compare` says which). Where the evaluator runs,
`compare` also checks that the restatement gives the evaluator's result.
That reference computes, with numpy:

    C = matmul(a - a_zp, b - b_zp)                  int32
    D = C * (a_scale * b_scale / y_scale)           int32 array * float32 scalar
    D += y_zero_point                               float64
    y = clip(rint(D), qmin, qmax).astype(type)      (older onnx: no clip, astype wraps)

M is a float32 scalar (0-d float32 arrays), but numpy promotes int32 * float32
to float64 (1.x value-based casting and 2.x NEP 50 alike), so acc * M is the
exact product, and the zero point is added before rounding. qlinalg (like
ONNX Runtime's MlasRequantizeOutput, and the spec's "y = saturate((x /
y_scale) + y_zero_point), rounding (x / y_scale) to nearest ties to even")
computes rint(f32(f32(acc) * M)) + zp, saturated. Two differences follow:

  * tie, odd y_zero_point: when acc * M is exactly k + 1/2 and zp is odd,
    rint(k + 1/2 + zp) and rint(k + 1/2) + zp are the two different
    neighbours (adding an odd integer flips which one is even);
  * f32 product: when acc * M is within half a float32 ulp of a tie without
    being one, f32(acc * M) is the tie and rounds to even, while the exact
    product rounds to the nearer integer.

The cases are strict: every element of qlinalg's output must equal ONNX's
result and the MLAS emulation `mlas_f32`. `compare` names the reason of
each difference (the two above, "wrap" for an onnx whose reference does not
saturate, or "unexplained").
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction
from typing import List, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, *[os.pardir] * 3, "python"))
sys.path.insert(0, HERE)
from qlinalg import numerics as nm  # noqa: E402
from qlinalg.npyio import load_npy, save_npy  # noqa: E402
from matmul_bitexact import QType, dense_int, tensor  # noqa: E402

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as exc:  # depends on the machine
    onnx = None
    ONNX_MISSING = f"onnx not importable ({exc})"
else:
    ONNX_MISSING = ""
try:
    from onnx.reference import ReferenceEvaluator
except ImportError as exc:  # depends on the machine
    ReferenceEvaluator = None
    EVALUATOR_MISSING = ONNX_MISSING or (
        f"onnx {onnx.__version__} has no onnx.reference ({exc})")
else:
    EVALUATOR_MISSING = ""

SEED = 20
NP_DTYPE = {"i8": np.int8, "u8": np.uint8}
OPSET = 13
IR_VERSION = 8


# --------------------------------------------------------------------------
# The computations
# --------------------------------------------------------------------------

def multiplier_f32(sa, sb, so) -> np.float32:
    """a_scale * b_scale / y_scale of float32 values, in float32."""
    m = (np.float32(sa) * np.float32(sb)) / np.float32(so)
    assert isinstance(m, np.float32)
    return m


def int_matmul(a, za, b, zb) -> np.ndarray:
    """(a - za) @ (b - zb), exact; the sizes keep it within +-2^24, so
    f32(acc) is exact too."""
    acc = (a.astype(np.int64) - int(za)) @ (b.astype(np.int64) - int(zb))
    assert np.abs(acc).max() < 2**24
    return acc.astype(np.int32)


def onnx_formula(a, sa, za, b, sb, zb, so, zo, out_dtype) -> np.ndarray:
    """QLinearMatMul as onnx/reference/ops/op_qlinear_matmul.py computes it
    (its current version, which clips before the cast)."""
    c = int_matmul(a, za, b, zb)
    d = c * multiplier_f32(sa, sb, so)
    assert d.dtype == np.float64  # numpy: int32 array * float32 scalar
    d += np.asarray(zo, dtype=out_dtype)
    info = np.iinfo(out_dtype)
    return np.clip(np.rint(d), info.min, info.max).astype(out_dtype)


def mlas_f32(a, sa, za, b, sb, zb, so, zo, out_dtype) -> np.ndarray:
    """ONNX Runtime's CPU QLinearMatMul: the int32 GEMM, then
    MlasRequantizeOutput with the f32 scale sa * sb / so: f32(acc) * scale in
    f32, clamped to [qmin - zp, qmax - zp], rounded half to even, + zp."""
    acc = int_matmul(a, za, b, zb)
    info = np.iinfo(out_dtype)
    y = acc.astype(np.float32) * multiplier_f32(sa, sb, so)
    assert y.dtype == np.float32
    y = np.minimum(np.maximum(y, np.float32(info.min - int(zo))), np.float32(info.max - int(zo)))
    return (np.rint(y).astype(np.int32) + int(zo)).astype(out_dtype)


def qlinalg_numerics(a, sa, za, b, sb, zb, so, zo, out_dtype, storage) -> np.ndarray:
    """python/qlinalg: qmatmul, then requantize_float with the accumulator
    scale sa * sb (float64, as the accumulator type carries it)."""
    acc = nm.qmatmul(a, int(za), b, int(zb))
    lo, hi = nm.storage_range(storage)
    return nm.requantize(acc, np.float64(sa) * np.float64(sb), np.float32(so), int(zo), lo, hi,
                         mode="float", rounding="half_to_even", dtype=out_dtype)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

class Case:
    def __init__(self, name: str, about: str, shape: Tuple[int, int, int],
                 lhs: QType, rhs: QType, out: QType, a: np.ndarray, b: np.ndarray,
                 b_initializer: bool):
        self.name, self.about, self.shape = name, about, shape
        self.lhs, self.rhs, self.out = lhs, rhs, out
        self.a, self.b, self.b_initializer = a, b, b_initializer

    def params(self):
        """As ONNX sees them: f32 scales, integer zero points, output dtype."""
        return (self.a, self.lhs.scale(), self.lhs.zp(), self.b, self.rhs.scale(),
                self.rhs.zp(), self.out.scale(), self.out.zp(), self.out.dtype)

    @property
    def m(self) -> np.float32:
        return multiplier_f32(self.lhs.scale(), self.rhs.scale(), self.out.scale())

    @property
    def inputs(self) -> List[np.ndarray]:
        return [self.a] if self.b_initializer else [self.a, self.b]

    def acc(self) -> np.ndarray:
        return int_matmul(self.a, self.lhs.zp(), self.b, self.rhs.zp())

    def mlir(self) -> str:
        mm, kk, nn = self.shape
        t_a = tensor((mm, kk), self.lhs.text())
        t_b = tensor((kk, nn), self.rhs.text())
        t_y = tensor((mm, nn), self.out.text())
        args, body = [f"%a: {t_a}"], []
        if self.b_initializer:
            assert self.rhs.storage == "i8"
            t_bd = tensor((kk, nn), "i8")
            body.append(f"%bd = arith.constant dense<{dense_int(self.b)}> : {t_bd}")
            body.append(f"%b = quant.scast %bd : {t_bd} to {t_b}")
        else:
            args.append(f"%b: {t_b}")
        body.append(f"%y = qlinalg.matmul %a, %b multiplier(float) rounding(half_to_even) "
                    f": {t_a}, {t_b} -> {t_y}")
        body.append(f"return %y : {t_y}")
        return "\n".join([f"// {self.name}: {self.about}",
                          f"// M = f32(f32(sa * sb) / so) = {float(self.m)!r}",
                          f"func.func @main({', '.join(args)}) -> {t_y} {{"]
                         + [f"  {line}" for line in body] + ["}", ""])

    def onnx_model(self):
        """One QLinearMatMul node; a (and b unless it is an initializer) as inputs."""
        mm, kk, nn = self.shape
        elem = {"i8": TensorProto.INT8, "u8": TensorProto.UINT8}

        def scalar(name, value, dtype):
            return numpy_helper.from_array(np.array(value, dtype=dtype), name)

        inits = [
            scalar("a_scale", self.lhs.scale(), np.float32),
            scalar("a_zero_point", self.lhs.zp(), self.lhs.dtype),
            scalar("b_scale", self.rhs.scale(), np.float32),
            scalar("b_zero_point", self.rhs.zp(), self.rhs.dtype),
            scalar("y_scale", self.out.scale(), np.float32),
            scalar("y_zero_point", self.out.zp(), self.out.dtype),
        ]
        inputs = [helper.make_tensor_value_info("a", elem[self.lhs.storage], [mm, kk])]
        if self.b_initializer:
            inits.append(numpy_helper.from_array(self.b, "b"))
        else:
            inputs.append(helper.make_tensor_value_info("b", elem[self.rhs.storage], [kk, nn]))
        node = helper.make_node(
            "QLinearMatMul",
            ["a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale",
             "y_zero_point"], ["y"])
        graph = helper.make_graph(
            [node], self.name, inputs,
            [helper.make_tensor_value_info("y", elem[self.out.storage], [mm, nn])], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model)
        return model

    def feeds(self):
        return {"a": self.a} if self.b_initializer else {"a": self.a, "b": self.b}

    def onnx_result(self) -> np.ndarray:
        if ReferenceEvaluator is None:
            return onnx_formula(*self.params())
        (y,) = ReferenceEvaluator(self.onnx_model()).run(None, self.feeds())
        return np.asarray(y)


def onnx_source() -> str:
    if ReferenceEvaluator is None:
        return f"formula of onnx/reference/ops/op_qlinear_matmul.py ({EVALUATOR_MISSING})"
    return f"onnx {onnx.__version__} onnx.reference.ReferenceEvaluator"


def f32_scale(rng: np.random.Generator, lo: float, hi: float) -> np.float32:
    return np.float32(rng.uniform(lo, hi))


def around(rng, zp: int, spread: int, shape, dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    v = zp + rng.integers(-spread, spread + 1, size=shape)
    return np.clip(v, info.min, info.max).astype(dtype)


def full_range(rng, shape, dtype) -> np.ndarray:
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max + 1, size=shape).astype(dtype)


def tie_case(rng, name: str, shape, st_a: str, st_b: str, st_y: str, za: int, zb: int, zo: int,
             exp: int, spread: int, b_initializer: bool, about: str) -> Case:
    """M = 2^exp exactly (arbitrary f32 sa, sb; so = f32(sa * sb) * 2^-exp) and
    operands near their zero points: acc * M is a tie k + 1/2 whenever
    acc = 2^(-exp-1) mod 2^-exp."""
    sa, sb = f32_scale(rng, 0.005, 0.05), f32_scale(rng, 0.002, 0.03)
    so = np.float32(np.float32(sa * sb) * np.float32(2.0 ** -exp))
    mm, kk, nn = shape
    case = Case(name, about, shape, QType(st_a, sa, za), QType(st_b, sb, zb), QType(st_y, so, zo),
                around(rng, za, spread, (mm, kk), NP_DTYPE[st_a]),
                around(rng, zb, spread, (kk, nn), NP_DTYPE[st_b]), b_initializer)
    assert case.m == np.float32(2.0 ** exp), (name, case.m)
    acc = case.acc().astype(np.int64)
    period = 2 ** -exp
    ties = acc % period == period // 2
    y = mlas_f32(*case.params()).astype(np.int64)
    lo, hi = nm.storage_range(st_y)
    # Many ties, and they decide something: rounding half away from zero
    # would give another result on at least 4 of them; no saturation.
    away = np.where(acc >= 0, np.floor(acc * 2.0 ** exp + 0.5), np.ceil(acc * 2.0 ** exp - 0.5))
    assert np.count_nonzero(ties) >= max(5, acc.size // period // 2), name
    assert np.count_nonzero(away + zo != y) >= 4, name
    assert np.all((y > lo) & (y < hi)), (name, y.min(), y.max())
    return case


def wide_case(rng, name: str, shape, st_a: str, st_b: str, st_y: str, za: int, zb: int, zo: int,
              b_initializer: bool, about: str, outputs_per_std: Tuple[float, float],
              saturate: bool) -> Case:
    """Full-range operands and arbitrary f32 scales, so chosen for an output
    spread of about `outputs_per_std` steps per standard deviation of acc."""
    mm, kk, nn = shape
    a = full_range(rng, (mm, kk), NP_DTYPE[st_a])
    b = full_range(rng, (kk, nn), NP_DTYPE[st_b])
    sa, sb = f32_scale(rng, 0.01, 0.05), f32_scale(rng, 0.005, 0.03)
    acc_std = float(np.std(int_matmul(a, za, b, zb)))
    so = np.float32(np.float32(sa * sb) * acc_std / f32_scale(rng, *outputs_per_std))
    case = Case(name, about, shape, QType(st_a, sa, za), QType(st_b, sb, zb), QType(st_y, so, zo),
                a, b, b_initializer)
    y = mlas_f32(*case.params()).astype(np.int64)
    lo, hi = nm.storage_range(st_y)
    inside = np.count_nonzero((y > lo) & (y < hi))
    if saturate:
        assert np.count_nonzero(y == lo) >= 3 and np.count_nonzero(y == hi) >= 3, name
        assert inside >= y.size // 4, name
    else:
        assert inside == y.size, name
    return case


def near_tie_case(rng, name: str, shape, about: str) -> Case:
    """u8 x u8 -> u8 on full-range data, even y_zero_point, with f32 scales
    (seeded search) for which some exact acc * M lies within half a float32
    ulp of a tie without being one."""
    mm, kk, nn = shape
    za, zb, zo = 129, 121, 128
    a = full_range(rng, (mm, kk), np.uint8)
    b = full_range(rng, (kk, nn), np.uint8)
    acc = int_matmul(a, za, b, zb).reshape(-1)
    acc_std = float(np.std(acc))
    for _ in range(200):
        n = 4096
        sa = np.float32(rng.uniform(0.01, 0.05, n))
        sb = np.float32(rng.uniform(0.005, 0.02, n))
        so = np.float32(np.float32(sa * sb) * np.float32(acc_std / rng.uniform(30, 40, n)))
        m = ((sa * sb) / so).astype(np.float32)
        y64 = np.rint(acc[None, :] * m[:, None].astype(np.float64))
        y32 = np.rint((acc[None, :].astype(np.float32) * m[:, None]).astype(np.float32))
        hits = np.nonzero(((y64 != y32) & (np.abs(y64) < 127)).any(axis=1))[0]
        if hits.size:
            i = hits[0]
            return Case(name, about, shape, QType("u8", sa[i], za), QType("u8", sb[i], zb),
                        QType("u8", so[i], zo), a, b, False)
    raise AssertionError("no near-tie scales found")


def all_cases() -> List[Case]:
    rng = np.random.default_rng(SEED)
    small = (7, 33, 5)
    return [
        tie_case(rng, "u8u8_u8_ties", small, "u8", "u8", "u8", za=131, zb=119, zo=126, exp=-1,
                 spread=6, b_initializer=False,
                 about="u8 x u8 -> u8, b an input, M = 2^-1 (every odd acc is a tie), "
                       "even y_zero_point"),
        tie_case(rng, "s8s8_s8_ties", (11, 33, 13), "i8", "i8", "i8", za=-5, zb=9, zo=-4,
                 exp=-2, spread=9, b_initializer=True,
                 about="s8 x s8 -> s8, b an initializer, M = 2^-2, even y_zero_point"),
        tie_case(rng, "u8s8_u8_ties", (15, 65, 11), "u8", "i8", "u8", za=100, zb=-7, zo=120,
                 exp=-3, spread=9, b_initializer=True,
                 about="u8 x s8 -> u8, b an initializer, M = 2^-3, even y_zero_point"),
        wide_case(rng, "u8u8_u8_saturate", small, "u8", "u8", "u8", za=128, zb=133, zo=118,
                  b_initializer=False, outputs_per_std=(150, 250), saturate=True,
                  about="u8 x u8 -> u8, b an input, full-range data, saturating at 0 and 255"),
        wide_case(rng, "s8s8_s8_saturate", small, "i8", "i8", "i8", za=3, zb=-2, zo=11,
                  b_initializer=True, outputs_per_std=(150, 250), saturate=True,
                  about="s8 x s8 -> s8, b an initializer, full-range data, saturating at "
                        "-128 and 127"),
        wide_case(rng, "u8s8_u8_general", (31, 127, 17), "u8", "i8", "u8", za=117, zb=4,
                  zo=131, b_initializer=False, outputs_per_std=(30, 40), saturate=False,
                  about="u8 x s8 -> u8, b an input, 31x127x17, full-range data, arbitrary "
                        "f32 scales"),
        tie_case(rng, "u8u8_u8_ties_odd_zp", small, "u8", "u8", "u8", za=131, zb=119, zo=127,
                 exp=-1, spread=6, b_initializer=False,
                 about="u8 x u8 -> u8, b an input, M = 2^-1, odd y_zero_point 127"),
        tie_case(rng, "s8s8_s8_ties_odd_zp", (11, 33, 13), "i8", "i8", "i8", za=-5, zb=9,
                 zo=-3, exp=-2, spread=9, b_initializer=True,
                 about="s8 x s8 -> s8, b an initializer, M = 2^-2, odd y_zero_point -3"),
        near_tie_case(rng, "u8u8_u8_near_tie", (31, 127, 17),
                      about="u8 x u8 -> u8, b an input, scales searched so that some acc * M "
                            "lies within half an f32 ulp of a tie, even y_zero_point"),
    ]


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

def explain(case: Case, idx, got, ref, what: str, formula=None) -> str:
    """One differing element: its acc, the exact and the f32 product, both
    results and the reason."""
    i = tuple(idx)
    acc = int(case.acc()[i])
    zo = int(case.out.zp())
    exact = Fraction(acc) * Fraction(float(case.m))
    floor = exact.numerator // exact.denominator
    f32 = np.float32(np.float32(acc) * case.m)
    f32_tie = float(f32) - np.floor(float(f32)) == 0.5
    if formula is not None and formula[i] != ref[i]:
        reason = "wrap: this onnx's reference casts out-of-range values without saturating"
    elif exact - floor == Fraction(1, 2) and zo % 2:
        reason = (f"tie, odd y_zero_point: onnx rounds {float(exact)} + {zo} to even, "
                  f"the spec and MLAS round {float(exact)} to even and add {zo}")
    elif f32_tie and exact - floor != Fraction(1, 2):
        tie = floor + Fraction(1, 2)
        reason = (f"f32 product: acc * M = {tie} {'+' if exact > tie else '-'} "
                  f"{float(abs(exact - tie)):.3g} exactly, f32(acc * M) = {float(f32)!r}")
    else:
        reason = "unexplained"
    return (f"  [{idx[0]}, {idx[1]}]: acc {acc}, qlinalg {int(got[i])}, {what} {int(ref[i])}; "
            f"{reason}")


def gen(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for case in all_cases():
        # python/qlinalg's numerics and the MLAS emulation are one computation.
        assert np.array_equal(qlinalg_numerics(*case.params(), case.out.storage),
                              mlas_f32(*case.params())), case.name
        with open(os.path.join(out_dir, case.name + ".mlir"), "w") as f:
            f.write(case.mlir())
        for i, arr in enumerate(case.inputs):
            save_npy(os.path.join(out_dir, f"{case.name}.in{i}.npy"), arr)
        if onnx is not None:
            onnx.save(case.onnx_model(), os.path.join(out_dir, case.name + ".onnx"))
        ins = ",".join(f"{case.name}.in{i}.npy" for i in range(len(case.inputs)))
        print(f"{case.name}: --inputs={ins} --outputs={case.name}.out0.npy")


def check(case: Case, got: np.ndarray, ref: np.ndarray, what: str, formula=None) -> int:
    bad = np.argwhere(got != ref)
    if not bad.size:
        print(f"{case.name}: {what} ok ({got.size} x {got.dtype})")
        return 0
    # Failures go to stderr, so that FileCheck on stdout misses the ok line
    # and lit shows the details.
    print(f"{case.name}: FAIL {what}: {len(bad)} of {got.size} elements differ", file=sys.stderr)
    for idx in bad:
        print(explain(case, idx, got, ref, what, formula), file=sys.stderr)
    return 1


def compare(out_dir: str) -> int:
    failures = 0
    for case in all_cases():
        path = os.path.join(out_dir, f"{case.name}.out0.npy")
        try:
            got = load_npy(path)
        except ValueError as exc:
            print(f"{case.name}: FAIL: {exc}", file=sys.stderr)
            failures += 1
            continue
        want = (np.dtype(case.out.dtype), (case.shape[0], case.shape[2]))
        if (got.dtype, got.shape) != want:
            print(f"{case.name}: FAIL: got {got.dtype} {got.shape}, expected {want[0]} {want[1]}",
                  file=sys.stderr)
            failures += 1
            continue
        formula, ref = onnx_formula(*case.params()), case.onnx_result()
        failures += check(case, got, ref, "onnx", formula)
        failures += check(case, got, mlas_f32(*case.params()), "mlas-f32")
        if not np.array_equal(formula, ref):
            # Only with the evaluator: the restatement must be what it computes
            # (or the onnx at hand does not saturate; `explain` says "wrap").
            print(f"{case.name}: FAIL: the restated formula differs from "
                  f"{onnx_source()} at {np.count_nonzero(formula != ref)} elements",
                  file=sys.stderr)
            failures += 1
    print(f"onnx: {onnx_source()}")
    return 1 if failures else 0


def report() -> int:
    for case in all_cases():
        ref, mlas = case.onnx_result(), mlas_f32(*case.params())
        bad = np.argwhere(mlas != ref)
        print(f"{case.name}: M = {float(case.m)!r}, y_zero_point {case.out.zp()}: "
              f"{len(bad)} of {ref.size} elements differ between onnx and mlas-f32")
        for idx in bad:
            print(explain(case, idx, mlas, ref, "onnx", onnx_formula(*case.params())))
    print(f"onnx: {onnx_source()}")
    return 0


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[0] == "gen":
        gen(argv[1])
        return 0
    if len(argv) == 2 and argv[0] == "compare":
        return compare(argv[1])
    if len(argv) == 1 and argv[0] == "list":
        for case in all_cases():
            print(f"{case.name}: {case.about}; M = {float(case.m)!r}")
        return 0
    if len(argv) == 1 and argv[0] == "report":
        return report()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
