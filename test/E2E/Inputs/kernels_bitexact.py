#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""The packed x86 kernels vs the numpy reference, bit for bit.

    kernels_bitexact.py gen DIR              write DIR/<case>.mlir, its inputs
                                             <case>.in<i>.npy (listed, comma-
                                             separated, in <case>.inputs) and
                                             the expected result
                                             <case>.expected0.npy; print the
                                             case names, one per line
    kernels_bitexact.py compare DIR SUFFIX...
                                             compare every <case>.<SUFFIX><j>.npy
                                             with <case>.expected<j>.npy, bit
                                             for bit (matmul_bitexact's
                                             compare_cases); one line per
                                             result, exit 1 on any mismatch
    kernels_bitexact.py list                 print the cases and what they cover

Every case is one contraction on constant weights (arith.constant +
quant.scast; or, for the run-time weight cases, a second argument) with an
optional constant bias, the shape the packed kernels
take: qlinalg.matmul ([M, K] x [K, N]), or qlinalg.contract for a leading
batch dimension ([2, M, K] x [K, N] -> [2, M, N]: qlinalg.matmul is rank 2
only) and for a clamp (qlinalg.matmul has none). Each module has exactly one
argument (the activations) and one result.

Covered: odd sizes (M in {1, 3, 7, 13}, N in {1, 5, 17, 33, 70}, K in {1, 3,
5, 31, 67, 130}: K not a multiple of 4, N not a multiple of 8 or 16, so the
k tail and the masked last panel always run); dynamic M (also inside a
batch); u8 and s8 on both sides; per-tensor and per-channel weights with
non-zero zero points (row term); zero points at the ends of the ranges
(-128, 127, 0, 255); operands at the ends of the storage ranges; the i32
accumulator and requantized i8 / u8 results in fixed_point and float x both
roundings, with and without a clamp, with outputs saturating.

Adversarial cases for x86-avx2, whose fast step (vpmaddubsw) sums pairs of
u8 x s8 products in int16 with saturation: s8 (or shifted u8) weights at
127 / -128 against activations at 255 (u8) or 127 / -128 (s8, which the
kernels shift to 255 / 0), where a saturating pair sum (+-64770) would be
wrong, so the compiler must take the exact s16 step; 7-bit weights in
[-64, 64] (and u8 weights in [64, 192]) where the pair sums provably fit
(|sum| <= 255 * 128 = 32640), so the fast step runs and must be exact; weights
whose aligned pairs (k, k + 1 for even k) fit but whose misaligned pairs
would not; and activation types with a narrower storage range (u8<0:128>,
u8<0:151>) whose pair sums reach exactly -32768 and +32767, the ends of the
int16 range, which the proof must accept and the step must not saturate.

Scales of requantized cases are chosen from the accumulators: so = 4 sa and
the rhs scale (per tensor, or of every even channel) makes M = sa sb / so =
2^E exactly, so acc * M has exact ties; odd channels get arbitrary float32
scales near that. The generator asserts what each case is about (ties that
decide the rounding, saturated outputs, the clamp cutting values, the
adversarial pair sums beyond or within the int16 range). Data is random with
fixed seeds.
"""

from __future__ import annotations

import math
import os
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, *[os.pardir] * 3, "python"))
from matmul_bitexact import (Case, QType, compare_cases, dense_int,  # noqa: E402
                             f32_scale, num, tensor)
from qlinalg import numerics as nm  # noqa: E402
from qlinalg.npyio import save_npy  # noqa: E402

SEED = 23
MULT = {"fixed-point": "fixed_point", "float": "float"}
OTHER = {"half_away_from_zero": "half_to_even", "half_to_even": "half_away_from_zero"}
PAIR_LIMIT = 32767  # vpmaddubsw saturates pair sums to [-32768, 32767]


class RangedQType(QType):
    """A per-tensor u8/i8 type with a custom storage range, u8<lo:hi>."""

    def __init__(self, storage: str, scale, zp, lo: int, hi: int):
        super().__init__(storage, scale, zp)
        self.lo, self.hi = lo, hi

    @property
    def qrange(self) -> Tuple[int, int]:
        return self.lo, self.hi

    def text(self) -> str:
        return (f"!quant.uniform<{self.storage}<{self.lo}:{self.hi}>:f32, "
                f"{num(self.scales[0])}:{int(self.zps[0])}>")


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def storage(rng, qrange, shape, kind="full", zp=0, spread=20) -> np.ndarray:
    """int64 storage values: 'full' (uniform over the range), 'ends' (only the
    two ends), 'mixed' (uniform, a third of them at the ends), 'spread'
    (within +-spread of zp, clipped)."""
    lo, hi = qrange
    if kind == "ends":
        return rng.choice([lo, hi], size=shape).astype(np.int64)
    if kind == "spread":
        v = np.asarray(zp, np.int64) + rng.integers(-spread, spread + 1, size=shape)
        return np.clip(v, lo, hi)
    v = rng.integers(lo, hi + 1, size=shape, dtype=np.int64)
    if kind == "mixed":
        v = np.where(rng.random(shape) < 0.33, rng.choice([lo, hi], size=shape), v)
    else:
        assert kind == "full", kind
    return v


def cast(values: np.ndarray, st: str) -> np.ndarray:
    return values.astype({"i8": np.int8, "u8": np.uint8}[st])


def shifted_weights(w: np.ndarray, st: str) -> np.ndarray:
    """The s8 weights the x86 kernels multiply by (u8 weights minus 128)."""
    return w.astype(np.int64) - (128 if st == "u8" else 0)


def shifted_acts(a: np.ndarray, st: str) -> np.ndarray:
    """The u8 activations the x86 kernels multiply (s8 activations plus 128)."""
    return a.astype(np.int64) + (128 if st == "i8" else 0)


def pair_sums(a: np.ndarray, w: np.ndarray, lhs_st: str, rhs_st: str) -> np.ndarray:
    """Every int16 pair sum vpmaddubsw forms: a'[m, k] w'[k, n] + a'[m, k+1]
    w'[k+1, n] for even k (zero past K), as [M', K/2, N]."""
    a2 = shifted_acts(a.reshape(-1, a.shape[-1]), lhs_st)
    w2 = shifted_weights(w, rhs_st)
    k = w2.shape[0]
    if k % 2:
        a2 = np.pad(a2, ((0, 0), (0, 1)))
        w2 = np.pad(w2, ((0, 1), (0, 0)))
    prod = a2[:, :, None] * w2[None, :, :]
    return prod[:, 0::2, :] + prod[:, 1::2, :]


# --------------------------------------------------------------------------
# One case
# --------------------------------------------------------------------------

def make_case(name: str, rng, about: str, *, M: int, K: int, N: int,
              lhs: QType, rhs_st: str = "i8", rhs_zp=0, per_channel: bool = False,
              narrow_rhs: bool = False, a_kind="full", w_kind="full",
              a: Optional[np.ndarray] = None, w: Optional[np.ndarray] = None,
              batch: Optional[int] = None, batched_weights: bool = False,
              weights_arg: bool = False,
              dynamic: bool = False, bias: bool = False,
              out: Optional[Tuple[str, int]] = None, mode: str = "fixed-point",
              rounding: str = "half_away_from_zero",
              clamp: Optional[Tuple[int, int]] = None, target: float = 45.0,
              ties: bool = True, saturates: bool = True, min_inside: float = 0.4,
              spread: int = 20, dequantized: bool = False,
              float_input: bool = False) -> Case:
    """qlinalg.matmul (contract with a batch or a clamp) on constant weights.

    rhs_zp: a scalar, or for per_channel an array of N zero points.
    batched_weights: with a batch, one weight set per batch ([B, K, N]).
    weights_arg: the weights are the second argument (packed at run time).
    out: None for the i32 accumulator, else (storage, zero point).
    target: ~ std of the requantized outputs (picks E of M = 2^E).
    spread: of the 'spread' data kind.
    dequantized: the requantized result is dequantized to f32 and returned
    (a model's float output: the kernel's store dequantizes too).
    float_input: the activations come in as f32, (a - za) * sa, which
    qlinalg.quantize turns back into exactly a (a model's float input)."""
    # Integers first; scales only appear in the types.
    lhs_range = lhs.qrange
    rhs_range = nm.storage_range(rhs_st, narrow=narrow_rhs)
    zb = np.broadcast_to(np.asarray(rhs_zp, np.int64), (N,)) if per_channel else \
        np.asarray(rhs_zp, np.int64)
    lhs_shape = (M, K) if batch is None else (batch, M, K)
    if a is None:
        a = storage(rng, lhs_range, lhs_shape, a_kind, int(lhs.zps[0]), spread)
    w_shape = (batch, K, N) if batched_weights else (K, N)
    if w is None:
        w = storage(rng, rhs_range, w_shape, w_kind, zb, spread)
    assert a.shape == lhs_shape and w.shape == w_shape, name
    assert a.min() >= lhs_range[0] and a.max() <= lhs_range[1], name
    assert w.min() >= rhs_range[0] and w.max() <= rhs_range[1], name
    a, w = cast(a, lhs.storage), cast(w, rhs_st)
    za = int(lhs.zps[0])
    def product(bias_q):
        if not batched_weights:
            return nm.qmatmul(a.reshape(-1, K), za, w, zb, bias_q)
        return np.stack([nm.qmatmul(a[i], za, w[i], zb, bias_q) for i in range(batch)])
    acc2 = product(None)
    bias_q = None
    if bias:
        r = max(int(np.std(acc2.astype(np.float64))), 10)
        bias_q = rng.integers(-r, r + 1, size=N).astype(np.int32)
    acc = product(bias_q).reshape(lhs_shape[:-1] + (N,))

    sa = float(lhs.scales[0])
    if out is None:
        sb = f32_scale(rng, 0.002, 0.02, N if per_channel else None)
    else:
        so = 4.0 * sa
        exp = int(round(math.log2(target / max(float(np.std(acc.astype(np.float64))), 1.0))))
        pow2 = (2.0 ** exp) * so / sa
        sb = np.full(N, pow2) if per_channel else np.float64(pow2)
        if per_channel:
            sb[1::2] = f32_scale(rng, 0.7, 1.4, N)[1::2] * pow2
    rhs = QType(rhs_st, sb, zb if per_channel else int(zb),
                axis=(len(w_shape) - 1) if per_channel else None, narrow=narrow_rhs)
    acc_s = sa * rhs.scales  # float64, per column or one value
    rank = len(lhs_shape)
    acc_t = QType("i32", acc_s, np.zeros(acc_s.shape, np.int64),
                  axis=rank - 1 if per_channel else None)
    bias_t = QType("i32", acc_s, np.zeros(acc_s.shape, np.int64),
                   axis=0 if per_channel else None)

    if out is None:
        assert clamp is None
        out_t, expected = acc_t, acc
    else:
        out_t = QType(out[0], 4.0 * sa, out[1])

        def rq(rnd, clp):
            lo, hi = clp if clp else out_t.qrange
            return nm.requantize(acc, acc_s if per_channel else acc_s[0], out_t.scale(),
                                 out_t.zp(), lo, hi, mode=mode, rounding=rnd,
                                 dtype=out_t.dtype)
        expected = rq(rounding, clamp)
        lo, hi = clamp if clamp else out_t.qrange
        inside = np.mean((expected > lo) & (expected < hi))
        assert inside >= min_inside, f"{name}: only {inside:.0%} of outputs inside"
        if saturates and not clamp:  # (a clamp: that it cuts, below)
            s_lo, s_hi = out_t.qrange
            assert np.any((expected == s_lo) | (expected == s_hi)), f"{name}: nothing saturates"
        if clamp:
            assert not np.array_equal(rq(rounding, None), expected), \
                f"{name}: the clamp cuts nothing"
        if ties:
            assert not np.array_equal(rq(OTHER[rounding], clamp), expected), \
                f"{name}: ties do not decide the rounding"

    # The module.
    t_lhs = tensor(lhs_shape[:-2] + ((None if dynamic else M), K), lhs.text())
    out_shape = lhs_shape[:-2] + ((None if dynamic else M), N)
    t_out = tensor(out_shape, out_t.text())
    t_rhs, raw_rhs = tensor(w_shape, rhs.text()), tensor(w_shape, "i8")
    t_bias, raw_bias = tensor((N,), bias_t.text()), tensor((N,), "i32")
    body = [] if weights_arg else [
        f"%wd = arith.constant dense<{dense_int(w.view(np.int8))}> : {raw_rhs}",
        f"%w = quant.scast %wd : {raw_rhs} to {t_rhs}"]
    if bias:
        body += [f"%bd = arith.constant dense<{dense_int(bias_q)}> : {raw_bias}",
                 f"%b = quant.scast %bd : {raw_bias} to {t_bias}"]
    epilogue = "" if out is None else f" multiplier({MULT[mode]}) rounding({rounding})"
    if batch is None and clamp is None:
        bias_op, bias_ty = (" bias %b", f", {t_bias}") if bias else ("", "")
        body.append(f"%y = qlinalg.matmul %a, %w{bias_op}{epilogue} : {t_lhs}, {t_rhs}"
                    f"{bias_ty} -> {t_out}")
        form = "qlinalg.matmul"
    else:
        dims = []
        if dynamic:
            raw_lhs = tensor(lhs_shape[:-2] + (None, K), "i8")
            body += [f"%as = quant.scast %a : {t_lhs} to {raw_lhs}",
                     f"%cm = arith.constant {rank - 2} : index",
                     f"%m = tensor.dim %as, %cm : {raw_lhs}"]
            dims = ["%m"]
        body.append(f"%init = tensor.empty({', '.join(dims)}) : {t_out}")
        if batch is None:
            loops, par, lmap, omap = "m, n, k", ["parallel"] * 2, "m, k", "m, n"
        else:
            loops, par, lmap, omap = "b, m, n, k", ["parallel"] * 3, "b, m, k", "b, m, n"
        maps = [lmap, "b, k, n" if batched_weights else "k, n"] + \
            (["n"] if bias else []) + [omap]
        maps = ", ".join(f"affine_map<({loops}) -> ({m})>" for m in maps)
        iters = ", ".join(f'"{t}"' for t in par + ["reduction"])
        clamp_txt = f" clamp [{clamp[0]}, {clamp[1]}]" if clamp else ""
        bias_txt = f"\n      bias(%b : {t_bias})" if bias else ""
        body.append(f"%y = qlinalg.contract ins(%a, %w : {t_lhs}, {t_rhs}){bias_txt}\n"
                    f"      outs(%init : {t_out}){epilogue}{clamp_txt}\n"
                    f"      {{indexing_maps = [{maps}],\n"
                    f"       iterator_types = [{iters}]}}\n"
                    f"      -> {t_out}")
        form = "qlinalg.contract"
    shape_txt = "x".join(map(str, lhs_shape)) + " x " + "x".join(map(str, w_shape))
    header = f"{about} [{form}, {shape_txt}{', dynamic M' if dynamic else ''}]"
    args = f"%a: {t_lhs}" + (f", %w: {t_rhs}" if weights_arg else "")
    inputs = [a, w] if weights_arg else [a]
    if float_input:
        t_x = tensor(lhs_shape[:-2] + ((None if dynamic else M), K), "f32")
        args = args.replace(f"%a: {t_lhs}", f"%x: {t_x}")
        body.insert(0, f"%a = qlinalg.quantize %x : {t_x} to {t_lhs}")
        x = ((a.astype(np.int64) - za).astype(np.float32) * np.float32(sa)).astype(np.float32)
        back = nm.quantize(x, np.float32(sa), za, *lhs_range, dtype=a.dtype)
        assert np.array_equal(back, a), name
        inputs[0] = x
        header += ", f32 input quantized"
    t_ret, ret = t_out, "%y"
    if dequantized:
        assert out is not None, name
        t_ret, ret = tensor(out_shape, "f32"), "%f"
        body.append(f"%f = qlinalg.dequantize %y : {t_out} to {t_ret}")
        expected = nm.dequantize(expected, out_t.scale(), out_t.zp())
        header += ", dequantized to f32"
    lines = [f"// {header}", f"func.func @main({args}) -> {t_ret} {{"]
    for stmt in body:
        lines += ["  " + s for s in stmt.split("\n")]
    lines += [f"  return {ret} : {t_ret}", "}", ""]
    return Case(name, "\n".join(lines), inputs, [expected], header)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

def pc_zps(rng, n: int, st: str, lim: int = 30, ends: bool = False) -> np.ndarray:
    """Per-channel weight zero points: mixed, some zero (128 for u8); with
    ends, also the ends of the range."""
    mid = 128 if st == "u8" else 0
    z = mid + rng.integers(-lim, lim + 1, size=n)
    z[::4] = mid
    if ends:
        lo, hi = nm.storage_range(st)
        z[1::4] = lo
        z[2::4] = hi
    return z.astype(np.int64)


def sa_(rng) -> float:
    return float(np.float32(rng.uniform(0.01, 0.1)))


def pair_weights(rng, K: int, N: int, pairs: Sequence[Tuple[int, int]]) -> np.ndarray:
    """[K, N] weights whose aligned pairs (rows 2j, 2j + 1) are drawn from
    ``pairs`` (the last row of an odd K takes the first of its pair)."""
    w = np.zeros((K + K % 2, N), np.int64)
    choice = rng.integers(0, len(pairs), size=(w.shape[0] // 2, N))
    p = np.asarray(pairs, np.int64)[choice]  # [K/2, N, 2]
    w[0::2], w[1::2] = p[..., 0], p[..., 1]
    return w[:K]


def acc_cases(rng) -> List[Case]:
    c = []
    c.append(make_case(
        "acc_m1_n1_k1", rng, "i32 accumulator, s8 x s8, per-tensor rhs zp -3, M = N = K = 1",
        M=1, K=1, N=1, lhs=QType("i8", sa_(rng), 5), rhs_zp=-3))
    c.append(make_case(
        "acc_m3_n5_k3", rng, "i32 accumulator, s8 lhs zp -128, per-tensor rhs zp 7, bias",
        M=3, K=3, N=5, lhs=QType("i8", sa_(rng), -128), rhs_zp=7, bias=True))
    c.append(make_case(
        "acc_u8s8_m7_n17_k5", rng,
        "i32 accumulator, u8 lhs zp 255 x s8 per-channel rhs (zps at the ends)",
        M=7, K=5, N=17, lhs=QType("u8", sa_(rng), 255), per_channel=True,
        rhs_zp=pc_zps(rng, 17, "i8", ends=True), a_kind="mixed", w_kind="mixed"))
    c.append(make_case(
        "acc_s8u8_m13_n33_k31", rng,
        "i32 accumulator, s8 lhs zp 127 x u8 per-tensor rhs zp 0, bias",
        M=13, K=31, N=33, lhs=QType("i8", sa_(rng), 127), rhs_st="u8", rhs_zp=0,
        bias=True, a_kind="mixed"))
    c.append(make_case(
        "acc_u8u8_m7_n70_k67", rng,
        "i32 accumulator, u8 lhs zp 0 x u8 per-channel rhs (zps 0, 255, mixed)",
        M=7, K=67, N=70, lhs=QType("u8", sa_(rng), 0), rhs_st="u8", per_channel=True,
        rhs_zp=pc_zps(rng, 70, "u8", ends=True), w_kind="mixed"))
    c.append(make_case(
        "acc_dyn_m13_n70_k130", rng,
        "i32 accumulator, dynamic M, s8 x narrow s8 per-channel rhs (zps -127..127), bias",
        M=13, K=130, N=70, lhs=QType("i8", sa_(rng), -9), per_channel=True,
        narrow_rhs=True, rhs_zp=np.clip(pc_zps(rng, 70, "i8", ends=True), -127, 127),
        dynamic=True, bias=True, a_kind="mixed"))
    c.append(make_case(
        "acc_dyn_m1_n33_k67", rng,
        "i32 accumulator, dynamic M (one row), u8 lhs zp 128 x s8 per-tensor zp -128",
        M=1, K=67, N=33, lhs=QType("u8", sa_(rng), 128), rhs_zp=-128, dynamic=True,
        a_kind="ends", w_kind="ends"))
    c.append(make_case(
        "acc_dyn_m3_n5_k130", rng,
        "i32 accumulator, dynamic M (rows < the tile), s8 x u8 per-channel rhs, bias",
        M=3, K=130, N=5, lhs=QType("i8", sa_(rng), 0), rhs_st="u8", per_channel=True,
        rhs_zp=pc_zps(rng, 5, "u8"), dynamic=True, bias=True))
    c.append(make_case(
        "acc_ends_m13_n17_k130", rng,
        "i32 accumulator, operands only at the range ends, s8 lhs zp -128 x s8 zp 127",
        M=13, K=130, N=17, lhs=QType("i8", sa_(rng), -128), rhs_zp=127,
        a_kind="ends", w_kind="ends"))
    return c


def batch_cases(rng) -> List[Case]:
    c = []
    c.append(make_case(
        "bmm_acc_m3_n17_k31", rng,
        "batch [2, M, K] x [K, N], i32 accumulator, s8 x s8 per-channel rhs, bias",
        M=3, K=31, N=17, batch=2, lhs=QType("i8", sa_(rng), -20), per_channel=True,
        rhs_zp=pc_zps(rng, 17, "i8"), bias=True))
    c.append(make_case(
        "bmm_rq_m7_n33_k67", rng,
        "batch, u8 lhs x s8 per-tensor rhs zp -5, fixed_point half_away_from_zero, i8",
        M=7, K=67, N=33, batch=2, lhs=QType("u8", sa_(rng), 130), rhs_zp=-5,
        a_kind="spread", w_kind="spread", out=("i8", -3), mode="fixed-point",
        rounding="half_away_from_zero", bias=True, target=70.0))
    c.append(make_case(
        "bmm_dyn_m13_n5_k5", rng,
        "batch with dynamic M ([2, ?, K]), s8 x u8 per-channel rhs, float half_to_even, u8",
        M=13, K=5, N=5, batch=2, dynamic=True, lhs=QType("i8", sa_(rng), 3),
        rhs_st="u8", per_channel=True, rhs_zp=pc_zps(rng, 5, "u8", lim=10),
        a_kind="spread", w_kind="spread", out=("u8", 128), mode="float",
        rounding="half_to_even", target=60.0))
    return c


def requant_cases(rng) -> List[Case]:
    c = []
    c.append(make_case(
        "rq_fixed_away_m13_n33_k67", rng,
        "s8 x s8 per-channel rhs, bias, fixed_point half_away_from_zero, i8",
        M=13, K=67, N=33, lhs=QType("i8", sa_(rng), -7), per_channel=True,
        rhs_zp=pc_zps(rng, 33, "i8", lim=10), a_kind="spread", w_kind="spread",
        bias=True, out=("i8", -5), mode="fixed-point", rounding="half_away_from_zero"))
    c.append(make_case(
        "rq_fixed_even_dyn_m7_n70_k130", rng,
        "dynamic M, u8 x s8 per-tensor rhs zp 9, fixed_point half_to_even, u8",
        M=7, K=130, N=70, dynamic=True, lhs=QType("u8", sa_(rng), 100), rhs_zp=9,
        a_kind="spread", w_kind="spread", bias=True, out=("u8", 120), mode="fixed-point",
        rounding="half_to_even", target=60.0))
    c.append(make_case(
        "rq_float_even_m13_n17_k31", rng,
        "s8 x u8 per-channel rhs, float half_to_even, i8",
        M=13, K=31, N=17, lhs=QType("i8", sa_(rng), 11), rhs_st="u8", per_channel=True,
        rhs_zp=pc_zps(rng, 17, "u8", lim=10), a_kind="spread", w_kind="spread",
        out=("i8", 0), mode="float", rounding="half_to_even"))
    c.append(make_case(
        "rq_float_away_m7_n33_k5", rng,
        "u8 x u8 per-tensor rhs zp 140, bias, float half_away_from_zero, u8",
        M=7, K=5, N=33, lhs=QType("u8", sa_(rng), 125), rhs_st="u8", rhs_zp=140,
        a_kind="spread", w_kind="spread", bias=True, out=("u8", 128), mode="float",
        rounding="half_away_from_zero", target=60.0))
    c.append(make_case(
        "rq_clamp_fixed_even_m13_n70_k31", rng,
        "clamp [zp, 127] (fused ReLU), s8 x s8 per-channel rhs, fixed_point half_to_even",
        M=13, K=31, N=70, lhs=QType("i8", sa_(rng), 1), per_channel=True,
        rhs_zp=pc_zps(rng, 70, "i8", lim=10), a_kind="spread", w_kind="spread",
        bias=True, out=("i8", -10), mode="fixed-point", rounding="half_to_even",
        clamp=(-10, 127), min_inside=0.3))
    c.append(make_case(
        "rq_clamp_float_away_dyn_m7_n17_k67", rng,
        "clamp [20, 230], dynamic M, u8 x s8 per-tensor zp -1, float half_away_from_zero, u8",
        M=7, K=67, N=17, dynamic=True, lhs=QType("u8", sa_(rng), 90), rhs_zp=-1,
        a_kind="spread", w_kind="spread", out=("u8", 128), mode="float",
        rounding="half_away_from_zero", clamp=(20, 230), target=80.0, min_inside=0.3))
    c.append(make_case(
        "rq_saturating_m13_n33_k130", rng,
        "operands at the range ends, outputs mostly saturated, s8 x s8 per-channel "
        "zps at the ends, fixed_point, i8",
        M=13, K=130, N=33, lhs=QType("i8", sa_(rng), 127), per_channel=True,
        rhs_zp=pc_zps(rng, 33, "i8", ends=True), a_kind="mixed", w_kind="mixed",
        out=("i8", 0), mode="fixed-point", rounding="half_away_from_zero",
        target=400.0, ties=False, min_inside=0.05))
    c.append(make_case(
        "rq_left_shift_m3_n5_k3", rng,
        "fixed_point with multipliers above 1 (left shift), s8 x s8 per-channel, i8",
        M=3, K=3, N=5, lhs=QType("i8", sa_(rng), 2), per_channel=True,
        rhs_zp=np.array([0, -3, 2, 0, 1]), a_kind="spread", w_kind="spread", spread=4,
        out=("i8", 6), mode="fixed-point", rounding="half_to_even", target=60.0,
        ties=False, saturates=False, min_inside=0.8))
    return c


def adversarial_cases(rng) -> List[Case]:
    """x86-avx2: pair sums beyond int16 (must take the exact step) and within
    it (the fast step, which must then be exact)."""
    c = []

    def check_pairs(case_name, a, w, lhs_st, rhs_st, beyond: bool, limit_hit=None):
        s = pair_sums(a, w, lhs_st, rhs_st)
        big = np.abs(s).max()
        if beyond:
            assert np.count_nonzero((s > PAIR_LIMIT) | (s < -PAIR_LIMIT - 1)) > 100, case_name
        else:
            assert s.max() <= PAIR_LIMIT and s.min() >= -PAIR_LIMIT - 1, case_name
            if limit_hit is not None:
                assert limit_hit in s, (case_name, big)

    # Weights 127 / -128 in equal pairs, u8 activations mostly 255.
    M, K, N = 7, 67, 17
    a = np.where(rng.random((M, K)) < 0.85, 255, rng.integers(0, 256, (M, K)))
    w = pair_weights(rng, K, N, [(127, 127), (-128, -128), (127, -128)])
    check_pairs("sat_u8x_s8w", a, w, "u8", "i8", True)
    c.append(make_case(
        "sat_u8x_s8w_m7_n17_k67", rng,
        "AVX2 saturation: u8 activations at 255 x s8 weights at 127 / -128 in pairs "
        "(pair sums up to 64770, down to -65280), i32 accumulator", M=M, K=K, N=N,
        lhs=QType("u8", sa_(rng), 0), rhs_zp=0, a=a, w=w))
    # s8 activations at 127 / -128 (shifted to 255 / 0), per-channel zps, bias.
    M, K, N = 13, 31, 33
    a = np.where(rng.random((M, K)) < 0.8, 127, -128)
    w = pair_weights(rng, K, N, [(127, 127), (-128, -128), (-128, 127)])
    check_pairs("sat_s8x_s8w", a, w, "i8", "i8", True)
    c.append(make_case(
        "sat_s8x_s8w_pc_m13_n33_k31", rng,
        "AVX2 saturation: s8 activations at 127 / -128 x s8 weights at 127 / -128, "
        "per-channel zps, bias, i32 accumulator", M=M, K=K, N=N,
        lhs=QType("i8", sa_(rng), -128), per_channel=True,
        rhs_zp=pc_zps(rng, N, "i8", ends=True), a=a, w=w, bias=True))
    # u8 weights at 255 / 0 (shifted to 127 / -128), u8 activations, requantized.
    M, K, N = 7, 130, 70
    a = np.where(rng.random((M, K)) < 0.7, 255, rng.integers(0, 256, (M, K)))
    w = pair_weights(rng, K, N, [(255, 255), (0, 0), (255, 0), (0, 255)])
    check_pairs("sat_u8x_u8w", a, w, "u8", "u8", True)
    c.append(make_case(
        "sat_u8x_u8w_rq_m7_n70_k130", rng,
        "AVX2 saturation: u8 activations at 255 x u8 weights at 255 / 0 (shifted to "
        "127 / -128), fixed_point half_to_even, i8", M=M, K=K, N=N,
        lhs=QType("u8", sa_(rng), 0), rhs_st="u8", rhs_zp=128, a=a, w=w,
        out=("i8", 0), mode="fixed-point", rounding="half_to_even", ties=False,
        min_inside=0.3))
    # s8 activations at the ends, s8 weights at the ends, float requantization, u8.
    M, K, N = 3, 67, 5
    a = rng.choice([127, -128], size=(2, M, K), p=[0.8, 0.2])
    w = pair_weights(rng, K, N, [(127, 127), (-128, -128), (-128, -1), (127, 2)])
    check_pairs("sat_s8x_bmm", a, w, "i8", "i8", True)
    c.append(make_case(
        "sat_s8x_s8w_bmm_float_m3_n5_k67", rng,
        "AVX2 saturation, batch: s8 activations 127 / -128 x s8 weights at the ends "
        "(and pairs just beyond: -128 -1, 127 2), float half_to_even, u8",
        M=M, K=K, N=N, batch=2, lhs=QType("i8", sa_(rng), 0), rhs_zp=0, a=a, w=w,
        out=("u8", 128), mode="float", rounding="half_to_even", ties=False,
        target=100.0, min_inside=0.3))

    # 7-bit weights in [-64, 64]: |pair sum| <= 255 * 128 = 32640, proven exact.
    M, K, N = 13, 130, 33
    a = np.where(rng.random((M, K)) < 0.5, 255, rng.integers(0, 256, (M, K)))
    w = np.where(rng.random((K, N)) < 0.5, rng.choice([-64, 64], (K, N)),
                 rng.integers(-64, 65, (K, N)))
    check_pairs("fast7_u8x", a, w, "u8", "i8", False)
    c.append(make_case(
        "fast7_u8x_s8w_m13_n33_k130", rng,
        "AVX2 fast step: 7-bit weights in [-64, 64] x u8 activations (many 255), "
        "per-channel zps, bias, i32 accumulator", M=M, K=K, N=N,
        lhs=QType("u8", sa_(rng), 255), per_channel=True,
        rhs_zp=pc_zps(rng, N, "i8", lim=64), a=a, w=w, bias=True))
    M, K, N = 7, 31, 17
    a = rng.choice([127, -128, 0], size=(M, K), p=[0.6, 0.2, 0.2])
    w = np.where(rng.random((K, N)) < 0.6, rng.choice([-64, 64], (K, N)),
                 rng.integers(-64, 65, (K, N)))
    check_pairs("fast7_s8x", a, w, "i8", "i8", False)
    c.append(make_case(
        "fast7_s8x_s8w_dyn_m7_n17_k31", rng,
        "AVX2 fast step: 7-bit weights x s8 activations at 127 / -128, dynamic M, "
        "fixed_point half_away_from_zero, i8", M=M, K=K, N=N, dynamic=True,
        lhs=QType("i8", sa_(rng), 0), rhs_zp=0, a=a, w=w, out=("i8", 0),
        mode="fixed-point", rounding="half_away_from_zero", ties=False, min_inside=0.3))
    M, K, N = 7, 67, 70
    a = np.where(rng.random((M, K)) < 0.5, 255, rng.integers(0, 256, (M, K)))
    w = rng.choice([64, 192, 100, 128, 150], size=(K, N))
    check_pairs("fast7_u8w", a, w, "u8", "u8", False)
    c.append(make_case(
        "fast7_u8x_u8w_m7_n70_k67", rng,
        "AVX2 fast step: u8 weights in [64, 192] (shifted to [-64, 64]) x u8 activations, "
        "per-tensor zp 200, i32 accumulator", M=M, K=K, N=N,
        lhs=QType("u8", sa_(rng), 7), rhs_st="u8", rhs_zp=200, a=a, w=w))
    # Aligned pairs fit, misaligned ones would not: [0, 127, 127, 0] patterns.
    M, K, N = 13, 67, 17
    a = np.where(rng.random((M, K)) < 0.7, 255, rng.integers(0, 256, (M, K)))
    w = np.zeros((K, N), np.int64)
    w[1::4], w[2::4] = 127, 127
    neg = rng.random(N) < 0.5
    w[:, neg] = -128 * (w[:, neg] != 0)
    check_pairs("fast_pairing", a, w, "u8", "i8", False)
    mis = a[:, 1:-1, None].astype(np.int64) * w[None, 1:-1] + \
        a[:, 2:, None].astype(np.int64) * w[None, 2:]
    assert np.abs(mis[:, 0::2]).max() > PAIR_LIMIT + 1
    c.append(make_case(
        "fast_pairing_u8x_m13_n17_k67", rng,
        "AVX2 fast step: weights 0, 127, 127, 0 (or -128) along k: aligned pairs fit "
        "int16, pairs (k odd, k + 1) would not; i32 accumulator", M=M, K=K, N=N,
        lhs=QType("u8", sa_(rng), 17), rhs_zp=0, a=a, w=w))
    # Narrower activation ranges: pair sums reach the int16 ends exactly.
    M, K, N = 7, 31, 33
    a = np.where(rng.random((M, K)) < 0.7, 128, rng.integers(0, 129, (M, K)))
    w = pair_weights(rng, K, N, [(-128, -128), (127, 127), (-128, 127), (5, -7)])
    check_pairs("fast_bound_128", a, w, "u8", "i8", False, limit_hit=-32768)
    c.append(make_case(
        "fast_bound_u8r128_m7_n33_k31", rng,
        "AVX2 fast step at the limit: activations u8<0:128> at 128 x weights -128, -128: "
        "pair sums exactly -32768; i32 accumulator", M=M, K=K, N=N,
        lhs=RangedQType("u8", sa_(rng), 0, 0, 128), rhs_zp=0, a=a, w=w))
    M, K, N = 3, 5, 17
    a = np.where(rng.random((M, K)) < 0.7, 151, rng.integers(0, 152, (M, K)))
    w = pair_weights(rng, K, N, [(127, 90), (90, 127), (-128, -89), (-89, -128)])
    check_pairs("fast_bound_151", a, w, "u8", "i8", False, limit_hit=32767)
    c.append(make_case(
        "fast_bound_u8r151_m3_n17_k5", rng,
        "AVX2 fast step at the limit: activations u8<0:151> at 151 x weights 127, 90: "
        "pair sums exactly 32767; per-tensor zp 3, i32 accumulator", M=M, K=K, N=N,
        lhs=RangedQType("u8", sa_(rng), 10, 0, 151), rhs_zp=3, a=a, w=w))
    return c


def batched_weight_cases(rng) -> List[Case]:
    """A weight set per batch ([B, K, N], batch_matmul): one packed kernel per
    set."""
    c = []
    c.append(make_case(
        "bmmw_acc_m5_n17_k31", rng,
        "batch of weight sets [3, M, K] x [3, K, N], i32 accumulator, s8 x s8 "
        "per-channel rhs, bias",
        M=5, K=31, N=17, batch=3, batched_weights=True,
        lhs=QType("i8", sa_(rng), -20), per_channel=True,
        rhs_zp=pc_zps(rng, 17, "i8"), bias=True))
    c.append(make_case(
        "bmmw_rq_dyn_m7_n33_k67", rng,
        "batch of weight sets with dynamic M ([2, ?, K] x [2, K, N]), u8 x u8 "
        "per-tensor rhs zp 130, fixed_point half_to_even, i8",
        M=7, K=67, N=33, batch=2, batched_weights=True, dynamic=True,
        lhs=QType("u8", sa_(rng), 120), rhs_st="u8", rhs_zp=130,
        a_kind="spread", w_kind="spread", out=("i8", 5), mode="fixed-point",
        rounding="half_to_even", target=70.0))
    c.append(make_case(
        "bmmw_rq_threads_m64_n48_k160", rng,
        "5 weight sets split over threads (2^21 multiply-adds and more: sets "
        "[0, 2) and [2, 5) on two), s8 x s8 per-channel, fixed_point, i8",
        M=64, K=160, N=48, batch=5, batched_weights=True,
        lhs=QType("i8", sa_(rng), 3), per_channel=True, a_kind="spread",
        w_kind="spread", out=("i8", 1), mode="fixed-point",
        rounding="half_away_from_zero", target=60.0))
    return c


def runtime_weight_cases(rng) -> List[Case]:
    """Weights as an argument: packed by generated code at every call."""
    c = []
    c.append(make_case(
        "arg_acc_u8w_m7_n33_k31", rng,
        "run-time u8 weights zp 131 (shifted to s8 at run time), s8 lhs, "
        "i32 accumulator",
        M=7, K=31, N=33, weights_arg=True, lhs=QType("i8", sa_(rng), 7),
        rhs_st="u8", rhs_zp=131))
    c.append(make_case(
        "arg_rq_pc_dyn_m13_n17_k67", rng,
        "run-time s8 per-channel weights, dynamic M, u8 lhs, fixed_point "
        "half_away_from_zero, i8",
        M=13, K=67, N=17, weights_arg=True, dynamic=True,
        lhs=QType("u8", sa_(rng), 128), per_channel=True,
        rhs_zp=pc_zps(rng, 17, "i8"), a_kind="spread", w_kind="spread",
        out=("i8", -2), mode="fixed-point", rounding="half_away_from_zero",
        bias=True, target=60.0))
    c.append(make_case(
        "arg_bmm_m5_n20_k13", rng,
        "run-time weight sets per batch ([2, M, K] x [2, K, N]), s8 x s8, "
        "float half_to_even, u8",
        M=5, K=13, N=20, batch=2, batched_weights=True, weights_arg=True,
        lhs=QType("i8", sa_(rng), -3), a_kind="spread", w_kind="spread",
        out=("u8", 128), mode="float", rounding="half_to_even", target=60.0))
    c.append(make_case(
        "arg_bmm_threads_dyn_m64_n40_k288", rng,
        "run-time weight sets split over threads, decided per call (dynamic "
        "M), u8 weights zp 120 x s8 lhs, i32 accumulator",
        M=64, K=288, N=40, batch=3, batched_weights=True, weights_arg=True,
        dynamic=True, lhs=QType("i8", sa_(rng), -5), rhs_st="u8", rhs_zp=120))
    return c


def row_split_cases(rng) -> List[Case]:
    """Results too narrow to split their columns over threads split their
    rows (from 2^21 multiply-adds): uneven chunks of tiles, the last tile
    short."""
    c = []
    c.append(make_case(
        "rows_rq_dyn_m301_n40_k192", rng,
        "rows over threads, decided per call (dynamic M = 301: 76 tiles of 4 "
        "rows, the last of 1), s8 x s8 per-channel rhs, bias, fixed_point "
        "half_away_from_zero, i8",
        M=301, K=192, N=40, dynamic=True, lhs=QType("i8", sa_(rng), 4),
        per_channel=True, rhs_zp=pc_zps(rng, 40, "i8", lim=10), a_kind="spread",
        w_kind="spread", bias=True, out=("i8", 2), mode="fixed-point",
        rounding="half_away_from_zero"))
    c.append(make_case(
        "rows_acc_m258_n20_k431", rng,
        "rows over threads (static M = 258), u8 x u8 per-tensor rhs zp 127, "
        "K not a multiple of 4, i32 accumulator",
        M=258, K=431, N=20, lhs=QType("u8", sa_(rng), 3), rhs_st="u8",
        rhs_zp=127))
    return c


def dequantized_cases(rng) -> List[Case]:
    """A result only dequantized (a model's float output): the store
    requantizes and dequantizes in registers, float mode without leaving f32
    (ties make -0 roundings, which must come out as +0)."""
    c = []
    c.append(make_case(
        "rq_float_even_deq_m13_n70_k67", rng,
        "s8 x s8 per-channel rhs, bias, float half_to_even, i8, dequantized to f32",
        M=13, K=67, N=70, lhs=QType("i8", sa_(rng), -3), per_channel=True,
        rhs_zp=pc_zps(rng, 70, "i8", lim=10), a_kind="spread", w_kind="spread",
        bias=True, out=("i8", 5), mode="float", rounding="half_to_even",
        dequantized=True))
    c.append(make_case(
        "rq_float_away_deq_dyn_m7_n33_k31", rng,
        "dynamic M, u8 x s8 per-tensor rhs zp 3, float half_away_from_zero, u8, "
        "dequantized to f32",
        M=7, K=31, N=33, dynamic=True, lhs=QType("u8", sa_(rng), 120), rhs_zp=3,
        a_kind="spread", w_kind="spread", out=("u8", 128), mode="float",
        rounding="half_away_from_zero", target=60.0, dequantized=True))
    c.append(make_case(
        "rq_fixed_away_deq_m13_n33_k130", rng,
        "s8 x s8 per-channel rhs, fixed_point half_away_from_zero, i8, dequantized to f32",
        M=13, K=130, N=33, lhs=QType("i8", sa_(rng), 7), per_channel=True,
        rhs_zp=pc_zps(rng, 33, "i8", lim=10), a_kind="spread", w_kind="spread",
        out=("i8", -2), mode="fixed-point", rounding="half_away_from_zero",
        dequantized=True))
    return c


def fused_border_cases(rng) -> List[Case]:
    """Float inputs quantized by the kernel's threads: a kernel split over
    rows (or weight sets; from 2^21 multiply-adds) reads its activations and
    row sums through slices of each chunk, split over column blocks (from
    2^19) through a slice of every row, and --qlinalg-vectorize tiles their
    producers (the quantize, the row sums) into the chunk."""
    c = []
    c.append(make_case(
        "fused_rows_acc_m258_n20_k431", rng,
        "rows over threads (static M = 258, the last tile short), u8 x u8 "
        "per-tensor rhs zp 127 (row sums), K not a multiple of 4, i32 accumulator",
        M=258, K=431, N=20, lhs=QType("u8", sa_(rng), 3), rhs_st="u8",
        rhs_zp=127, float_input=True))
    c.append(make_case(
        "fused_rows_deq_m128_n128_k256", rng,
        "rows over threads (128 x 256 x 128: 32 tiles, preferred to the two "
        "column blocks), s8 x s8 per-channel rhs, float half_to_even, i8, "
        "dequantized",
        M=128, K=256, N=128, lhs=QType("i8", sa_(rng), -1), per_channel=True,
        a_kind="spread", w_kind="spread", out=("i8", 3), mode="float",
        rounding="half_to_even", float_input=True, dequantized=True))
    c.append(make_case(
        "fused_sets_deq_b4_m128_n128_k64", rng,
        "weight sets over threads (batch_matmul 4 x 128 x 64 x 128), s8 x s8 "
        "per-tensor rhs zp 2 (row sums), fixed_point half_away_from_zero, i8, "
        "dequantized",
        M=128, K=64, N=128, batch=4, batched_weights=True,
        lhs=QType("i8", sa_(rng), 5), rhs_zp=2, a_kind="spread", w_kind="spread",
        out=("i8", -4), mode="fixed-point", rounding="half_away_from_zero",
        float_input=True, dequantized=True))
    c.append(make_case(
        "fused_cols_deq_m8_n512_k256", rng,
        "column blocks over threads (M = 8, one tile: every thread quantizes "
        "the whole input), u8 x s8 per-channel rhs, float half_to_even, u8, "
        "dequantized",
        M=8, K=256, N=512, lhs=QType("u8", sa_(rng), 130), per_channel=True,
        a_kind="spread", w_kind="spread", out=("u8", 120), mode="float",
        rounding="half_to_even", float_input=True, dequantized=True))
    return c


def all_cases() -> List[Case]:
    rng = np.random.default_rng(SEED)
    cases = acc_cases(rng) + batch_cases(rng) + requant_cases(rng) + adversarial_cases(rng)
    cases += batched_weight_cases(np.random.default_rng(SEED + 1))
    cases += runtime_weight_cases(np.random.default_rng(SEED + 2))
    cases += row_split_cases(np.random.default_rng(SEED + 3))
    cases += dequantized_cases(np.random.default_rng(SEED + 4))
    cases += fused_border_cases(np.random.default_rng(SEED + 5))
    assert len({c.name for c in cases}) == len(cases)
    for case in cases:
        assert len(case.inputs) in (1, 2) and len(case.expected) == 1, case.name
    return cases


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

def gen(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    for case in all_cases():
        with open(os.path.join(out_dir, case.name + ".mlir"), "w") as f:
            f.write(case.mlir)
        paths = []
        for i, a in enumerate(case.inputs):
            paths.append(os.path.join(out_dir, f"{case.name}.in{i}.npy"))
            save_npy(paths[-1], a)
        with open(os.path.join(out_dir, case.name + ".inputs"), "w") as f:
            f.write(",".join(paths) + "\n")
        for j, e in enumerate(case.expected):
            save_npy(os.path.join(out_dir, f"{case.name}.expected{j}.npy"), e)
        print(case.name)


def compare(out_dir: str, suffix: str) -> int:
    """Bitwise comparison of <case>.<suffix><j>.npy with <case>.expected<j>.npy."""
    print(f"== {suffix}")
    return compare_cases(out_dir, all_cases(), suffix)


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[0] == "gen":
        gen(argv[1])
        return 0
    if len(argv) >= 3 and argv[0] == "compare":
        # Several suffixes: each compared in turn (so that every mismatch is
        # reported), non-zero if any mismatches.
        return max(compare(argv[1], suffix) for suffix in argv[2:])
    if len(argv) == 1 and argv[0] == "list":
        for case in all_cases():
            print(f"{case.name}: {case.about}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
