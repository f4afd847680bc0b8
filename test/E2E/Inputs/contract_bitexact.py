#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Hand-written qlinalg.contract modules vs the numpy reference, bit for bit.

    contract_bitexact.py gen DIR       write DIR/<case>.mlir, its inputs
                                       <case>.in<i>.npy and the expected
                                       results <case>.expected<j>.npy
    contract_bitexact.py compare DIR [--suffix=S] [CASE...]
                                       compare every <case>.<S><j>.npy (S out
                                       by default: written by qlinalg-run) with
                                       <case>.expected<j>.npy, of the named
                                       cases or of all
    contract_bitexact.py list          print the cases

The companion of matmul_bitexact.py (whose type helpers this reuses), for
the general contraction: convolutions NHWC/HWCF (strides, dilation) and
NCHW/FCHW, depthwise NHWC/HWC, batch matmul, transposed matmul (rhs (n, k))
and transpose_a matmul (lhs (k, m)), a plain u8 x u8 matmul, each written as
qlinalg.contract with its indexing maps, checked against qconv2d_nhwc_hwcf,
qconv2d_nchw_fchw, qdepthwise_conv2d_nhwc_hwc, qbatch_matmul, qmatmul and
requantize of python/qlinalg/numerics.py.

Covered: the i32 accumulator result (per tensor, and per axis along a result
dimension other than the last); requantized results in fixed_point and float
x both roundings; a clamp [zp, 127] (fused ReLU); per-channel rhs (axis 3 of
HWCF, 0 of FCHW and of a (n, k) rhs, 2 of HWC, 1 of (k, n)) with mixed zero
points; per-tensor rhs with non-zero zero points; i8 and u8 on either side;
zero points at the ends of the storage ranges (-128, 127, 0, 255); rhs as a
function argument and as a constant (arith.constant + quant.scast: the
lowering folds its sums); bias as an argument and as a constant; dynamic
leading dimensions (tensor.empty(%d) with %d = tensor.dim of the storage
tensor, or once of the quantized tensor itself); padding done in numpy
(pad_with_zero_point), and once in the module with tensor.pad
(conv_pad_in_module: generated, but contract-bitexact.test does not run it,
as qlinalg-run cannot resolve memrefCopy for it yet).

Requantized cases choose their scales from the accumulators: sa arbitrary,
so = 4 sa, and the rhs scale of every even channel (or the per-tensor rhs
scale) makes M = sa * sb / so = 2^E exactly, with E picked so that the
outputs spread over the range; odd channels get arbitrary float32 scales near
that. Thus acc * M has exact ties, and the generator asserts that the data
exercises each case: most outputs inside the range, some saturated, the two
rounding rules disagreeing where ties are expected, the clamp cutting values.
"""

from __future__ import annotations

import math
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matmul_bitexact import (Case, QType, compare_cases, dense_int,  # noqa: E402
                             f32_scale, gen_cases, tensor)
from qlinalg import numerics as nm  # noqa: E402

SEED = 11

MULT = {"fixed-point": "fixed_point", "float": "float"}
OTHER_ROUNDING = {"half_away_from_zero": "half_to_even",
                  "half_to_even": "half_away_from_zero"}


# --------------------------------------------------------------------------
# Data and scales
# --------------------------------------------------------------------------

def storage_of(name: str):
    return {"i8": np.int8, "u8": np.uint8}[name]


def rand_q(rng: np.random.Generator, storage: str, shape, zp=0,
           spread: Optional[int] = None) -> np.ndarray:
    """Storage values over the whole range, or within +-spread of ``zp``
    (a scalar or an array broadcasting against ``shape``), clipped."""
    lo, hi = nm.storage_range(storage)
    if spread is None:
        v = rng.integers(lo, hi + 1, size=shape, dtype=np.int64)
    else:
        v = np.asarray(zp, np.int64) + rng.integers(-spread, spread + 1, size=shape,
                                                    dtype=np.int64)
    return np.clip(v, lo, hi).astype(storage_of(storage))


def bcast(values: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """A 1-D per-axis array reshaped to broadcast along ``axis`` of an ndim array."""
    shape = [1] * ndim
    shape[axis] = -1
    return np.asarray(values).reshape(shape)


class Scales:
    """Scales of a requantized case: lhs sa, rhs sb (per tensor or per channel),
    output so = 4 sa, with M = 2^E exactly on even channels."""

    def __init__(self, rng: np.random.Generator, acc: np.ndarray, channels: Optional[int],
                 target: float = 45.0, percentile: Optional[float] = None):
        """M ~ target / std(acc), or target / the given percentile of |acc|
        (for one-sided accumulators)."""
        self.sa = float(np.float32(rng.uniform(0.01, 0.1)))
        self.so = 4.0 * self.sa  # exact in float32
        a = acc.astype(np.float64)
        size = float(np.std(a)) if percentile is None else float(np.percentile(np.abs(a),
                                                                             percentile))
        self.exp = int(round(math.log2(target / max(size, 1.0))))
        pow2 = (2.0 ** self.exp) * self.so / self.sa  # a power of two
        if channels is None:
            self.sb = np.array([pow2])
        else:
            sb = f32_scale(rng, 0.7, 1.4, channels) * pow2
            sb[0::2] = pow2
            self.sb = sb


# --------------------------------------------------------------------------
# The module
# --------------------------------------------------------------------------

class Contract:
    """One qlinalg.contract in a func.func @main, and its reference."""

    def __init__(self, name: str, about: str, *, loops: str, iters: str, lhs_map: str,
                 rhs_map: str, out_map: str, bias_map: Optional[str] = None,
                 lhs: QType, x: np.ndarray, rhs: QType, w: np.ndarray, rhs_const: bool,
                 bias: Optional[np.ndarray] = None, bias_const: bool = False,
                 out_axis: Optional[int] = None, out_shape: Sequence[int] = (),
                 dynamic: Dict[int, int] = None, dim_of_quantized: bool = False,
                 pad: Optional[List[Tuple[int, int]]] = None):
        """``dynamic`` maps a dynamic result dim to the lhs dim it equals (the lhs
        dim is dynamic too). ``out_axis``: the result dim of the channel loop
        (for per-channel types). ``dim_of_quantized``: take the dynamic sizes
        with tensor.dim of the quantized lhs itself, else of its storage
        (quant.scast to i8 first). ``pad``: the module pads x itself (x is the
        unpadded input; the lhs map indexes the padded one)."""
        self.name, self.about = name, about
        self.loops, self.iters = loops, iters
        self.maps = [lhs_map, rhs_map] + ([bias_map] if bias is not None else []) + [out_map]
        self.lhs, self.x, self.rhs, self.w = lhs, x, rhs, w
        self.rhs_const, self.bias, self.bias_const = rhs_const, bias, bias_const
        self.out_axis, self.out_shape = out_axis, tuple(out_shape)
        self.dynamic = dynamic or {}
        self.dim_of_quantized = dim_of_quantized
        self.pad = pad
        self.per_channel = rhs.axis is not None

    def acc_scales(self) -> np.ndarray:
        return np.float64(self.lhs.scales[0]) * self.rhs.scales

    def acc_type(self) -> QType:
        s = self.acc_scales()
        return QType("i32", s, np.zeros(s.shape, np.int64),
                     axis=self.out_axis if self.per_channel else None)

    def bias_type(self) -> QType:
        s = self.acc_scales()
        return QType("i32", s, np.zeros(s.shape, np.int64), axis=0 if self.per_channel else None)

    def mlir(self, out: QType, epilogue: str) -> str:
        xshape = list(self.x.shape)
        lhs_shape = list(xshape)
        if self.pad:
            lhs_shape = [d + lo + hi for d, (lo, hi) in zip(xshape, self.pad)]
        dyn_lhs = set(self.dynamic.values())
        arg_x_shape = [None if i in dyn_lhs else d for i, d in enumerate(xshape)]
        t_x = tensor(arg_x_shape, self.lhs.text())
        t_lhs = tensor([None if i in dyn_lhs else d for i, d in enumerate(lhs_shape)],
                       self.lhs.text())
        t_rhs = tensor(self.w.shape, self.rhs.text())
        t_rhs_raw = tensor(self.w.shape, "i8")  # signless storage, also for u8
        t_out = tensor([None if i in self.dynamic else d for i, d in enumerate(self.out_shape)],
                       out.text())
        args, inputs, body = [f"%x: {t_x}"], [self.x], []
        lhs_val = "%x"
        if self.pad:
            assert not dyn_lhs
            st = self.lhs.storage
            raw_x, raw_p = tensor(xshape, "i8"), tensor(lhs_shape, "i8")
            zp = int(self.lhs.zps[0])
            if st == "u8" and zp > 127:
                zp -= 256
            rank = len(xshape)
            body.append(f"%xr = quant.scast %x : {t_x} to {raw_x}")
            body.append(f"%pad_value = arith.constant {zp} : i8")
            lows = ", ".join(str(lo) for lo, _ in self.pad)
            highs = ", ".join(str(hi) for _, hi in self.pad)
            idx = ", ".join(f"%i{i}: index" for i in range(rank))
            body.append(f"%pr = tensor.pad %xr low[{lows}] high[{highs}] {{")
            body.append(f"^bb0({idx}):")
            body.append("  tensor.yield %pad_value : i8")
            body.append(f"}} : {raw_x} to {raw_p}")
            body.append(f"%xp = quant.scast %pr : {raw_p} to {t_lhs}")
            lhs_val = "%xp"
        if self.rhs_const:
            body.append(f"%wd = arith.constant dense<{dense_int(self.w.view(np.int8))}> : "
                        f"{t_rhs_raw}")
            body.append(f"%w = quant.scast %wd : {t_rhs_raw} to {t_rhs}")
        else:
            args.append(f"%w: {t_rhs}")
            inputs.append(self.w)
        bias_clause = ""
        if self.bias is not None:
            n = self.bias.shape[0]
            t_bias = tensor((n,), self.bias_type().text())
            if self.bias_const:
                body.append(f"%bd = arith.constant dense<{dense_int(self.bias)}> : "
                            f"{tensor((n,), 'i32')}")
                body.append(f"%b = quant.scast %bd : {tensor((n,), 'i32')} to {t_bias}")
            else:
                args.append(f"%b: {t_bias}")
                inputs.append(self.bias)
            bias_clause = f"\n         bias(%b : {t_bias})"
        dyn_vals = []
        if self.dynamic:
            dim_src, t_dim_src = "%x", t_x
            if not self.dim_of_quantized:
                t_dim_src = tensor(arg_x_shape, "i8")
                body.append(f"%xs = quant.scast %x : {t_x} to {t_dim_src}")
                dim_src = "%xs"
            body.append("%c0 = arith.constant 0 : index")
            for out_dim in sorted(self.dynamic):
                lhs_dim = self.dynamic[out_dim]
                if lhs_dim != 0:
                    body.append(f"%c{lhs_dim} = arith.constant {lhs_dim} : index")
                body.append(f"%d{out_dim} = tensor.dim {dim_src}, %c{lhs_dim} : {t_dim_src}")
                dyn_vals.append(f"%d{out_dim}")
        body.append(f"%init = tensor.empty({', '.join(dyn_vals)}) : {t_out}")
        maps = ", ".join(f"affine_map<({self.loops}) -> ({m})>" for m in self.maps)
        iters = ", ".join(f'"{"parallel" if c == "P" else "reduction"}"' for c in self.iters)
        ep = f"\n         {epilogue}" if epilogue else ""
        body.append(f"%y = qlinalg.contract ins({lhs_val}, %w : {t_lhs}, {t_rhs}){bias_clause}\n"
                    f"         outs(%init : {t_out}){ep}\n"
                    f"         {{indexing_maps = [{maps}],\n"
                    f"          iterator_types = [{iters}]}}\n"
                    f"         -> {t_out}")
        lines = [f"// {self.about}",
                 f"func.func @main({', '.join(args)}) -> {t_out} {{"]
        for stmt in body:
            lines += ["  " + s for s in stmt.split("\n")]
        lines += [f"  return %y : {t_out}", "}", ""]
        self.inputs = inputs
        return "\n".join(lines)

    # Results -------------------------------------------------------------

    def acc_case(self, acc: np.ndarray) -> Case:
        assert acc.shape == self.out_shape, (self.name, acc.shape, self.out_shape)
        # The accumulators must not be trivially small.
        assert np.abs(acc).max() > 1000, self.name
        mlir = self.mlir(self.acc_type(), "")
        return Case(self.name, mlir, self.inputs, [acc], self.about)

    def requant_case(self, acc: np.ndarray, out: QType, mode: str, rounding: str,
                     clamp: Optional[Tuple[int, int]] = None, min_inside: float = 0.5,
                     ties: bool = True, saturates: bool = True) -> Case:
        assert acc.shape == self.out_shape, (self.name, acc.shape, self.out_shape)
        y = self.requantize(acc, out, mode, rounding, clamp)
        lo, hi = clamp if clamp else out.qrange
        inside = np.mean((y > lo) & (y < hi))
        assert inside >= min_inside, f"{self.name}: only {inside:.0%} of outputs inside"
        if saturates:
            s_lo, s_hi = out.qrange
            assert np.any(y == s_lo) or np.any(y == s_hi), f"{self.name}: nothing saturates"
        if clamp:
            y_free = self.requantize(acc, out, mode, rounding, None)
            assert np.any(y_free < clamp[0]), f"{self.name}: the clamp cuts nothing"
        y_other = self.requantize(acc, out, mode, OTHER_ROUNDING[rounding], clamp)
        if ties:
            assert not np.array_equal(y, y_other), f"{self.name}: ties do not decide the rounding"
        epilogue = f"multiplier({MULT[mode]}) rounding({rounding})"
        if clamp:
            epilogue += f" clamp [{clamp[0]}, {clamp[1]}]"
        mlir = self.mlir(out, epilogue)
        return Case(self.name, mlir, self.inputs, [y], self.about)

    def requantize(self, acc, out: QType, mode, rounding, clamp):
        lo, hi = clamp if clamp else out.qrange
        s = self.acc_scales()
        if not self.per_channel:
            return nm.requantize(acc, s[0], out.scale(), out.zp(), lo, hi, mode=mode,
                                 rounding=rounding, dtype=out.dtype)
        # numerics broadcasts per-channel scales along the last axis.
        a = np.moveaxis(acc, self.out_axis, -1)
        y = nm.requantize(a, s, out.scale(), out.zp(), lo, hi, mode=mode,
                          rounding=rounding, dtype=out.dtype)
        return np.ascontiguousarray(np.moveaxis(y, -1, self.out_axis))


# --------------------------------------------------------------------------
# Contraction kinds
# --------------------------------------------------------------------------

def window(s: int, d: int) -> str:
    """The input rows and columns of an (oh, ow, kh, kw) window."""
    def term(v, k):
        return v if k == 1 else f"{v} * {k}"
    return (f"{term('oh', s)} + {term('kh', d)}, {term('ow', s)} + {term('kw', d)}")


def conv_nhwc(s: int, d: int) -> dict:
    win = window(s, d)
    return dict(loops="n, oh, ow, f, kh, kw, c", iters="PPPPRRR",
                lhs_map=f"n, {win}, c", rhs_map="kh, kw, c, f", bias_map="f",
                out_map="n, oh, ow, f")


def conv_nchw(s: int, d: int) -> dict:
    win = window(s, d)
    return dict(loops="n, f, oh, ow, c, kh, kw", iters="PPPPRRR",
                lhs_map=f"n, c, {win}", rhs_map="f, c, kh, kw", bias_map="f",
                out_map="n, f, oh, ow")


def dw_nhwc(s: int, d: int) -> dict:
    win = window(s, d)
    return dict(loops="n, oh, ow, c, kh, kw", iters="PPPPRR",
                lhs_map=f"n, {win}, c", rhs_map="kh, kw, c", bias_map="c",
                out_map="n, oh, ow, c")


MM = dict(loops="m, n, k", iters="PPR", lhs_map="m, k", rhs_map="k, n", bias_map="n",
          out_map="m, n")
MM_T = dict(loops="m, n, k", iters="PPR", lhs_map="m, k", rhs_map="n, k", bias_map="n",
            out_map="m, n")
MM_TA = dict(loops="m, n, k", iters="PPR", lhs_map="k, m", rhs_map="k, n", bias_map="n",
             out_map="m, n")
BMM = dict(loops="b, m, n, k", iters="PPPR", lhs_map="b, m, k", rhs_map="b, k, n",
           bias_map="n", out_map="b, m, n")


def pads2d(p: int, nchw: bool = False):
    return [(0, 0), (0, 0), (p, p), (p, p)] if nchw else [(0, 0), (p, p), (p, p), (0, 0)]


def rand_bias(rng, acc: np.ndarray, n: int, factor: float = 1.0) -> np.ndarray:
    r = max(int(factor * np.std(acc.astype(np.float64))), 10)
    return rng.integers(-r, r + 1, size=n).astype(np.int32)


def per_channel_zps(rng, n: int, lim: int, storage: str = "i8") -> np.ndarray:
    if storage == "u8":
        z = rng.integers(128 - lim, 128 + lim + 1, size=n)
    else:
        z = rng.integers(-lim, lim + 1, size=n)
        z[::3] = 0
    return z.astype(np.int64)


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

SPREAD = 20  # requantized cases: operands within +-SPREAD of their zero points


def conv_requant_case(rng, name: str, *, s: int, d: int, rounding: str, narrow: bool,
                      pad: int, about: str, clamp_relu: bool = False,
                      in_module_pad: bool = False, zb_lim: int = 0) -> Case:
    """NHWC/HWCF conv, per-channel constant s8 rhs (symmetric, or zero points
    within +-zb_lim), constant bias, fixed_point."""
    N, H, W, C, KH, KW, F = 2, 9, 11, 5, 3, 3, 7
    za = int(rng.integers(-20, 21))
    zb = per_channel_zps(rng, F, zb_lim) if zb_lim else np.zeros(F, np.int64)
    x = rand_q(rng, "i8", (N, H, W, C), za, SPREAD)
    w = rand_q(rng, "i8", (KH, KW, C, F), bcast(zb, 4, 3), SPREAD)
    if narrow:
        w = np.maximum(w, -127).astype(np.int8)
    xp = nm.pad_with_zero_point(x, pads2d(pad), za)
    acc0 = nm.qconv2d_nhwc_hwcf(xp, za, w, zb, (s, s), (d, d))
    sc = Scales(rng, acc0, F)
    bias = rand_bias(rng, acc0, F)
    acc = nm.qconv2d_nhwc_hwcf(xp, za, w, zb, (s, s), (d, d), bias)
    zo = int(rng.integers(-10, 11))
    if clamp_relu:
        zo = -20
    lhs = QType("i8", sc.sa, za)
    rhs = QType("i8", sc.sb, zb, axis=3, narrow=narrow)
    out = QType("i8", sc.so, zo)
    c = Contract(name, about, **conv_nhwc(s, d), lhs=lhs, x=x if in_module_pad else xp,
                 rhs=rhs, w=w, rhs_const=True, bias=bias, bias_const=True, out_axis=3,
                 out_shape=acc.shape, pad=pads2d(pad) if in_module_pad else None)
    return c.requant_case(acc, out, "fixed-point", rounding,
                          clamp=(zo, 127) if clamp_relu else None,
                          min_inside=0.4 if clamp_relu else 0.5)


def conv_cases(rng) -> List[Case]:
    cases = [
        conv_requant_case(rng, "conv_s2", s=2, d=1, rounding="half_away_from_zero",
                          narrow=False, pad=1,
                          about="NHWC/HWCF conv, stride 2, padded 1 in numpy; per-channel "
                                "symmetric constant s8 rhs (axis 3), constant bias; "
                                "fixed_point half_away_from_zero"),
        conv_requant_case(rng, "conv_d2", s=1, d=2, rounding="half_to_even", narrow=True,
                          pad=0,
                          about="NHWC/HWCF conv, stride 1, dilation 2; per-channel symmetric "
                                "constant narrow-range s8 rhs, constant bias; fixed_point "
                                "half_to_even"),
        conv_requant_case(rng, "conv_relu", s=1, d=1, rounding="half_away_from_zero",
                          narrow=False, pad=1, clamp_relu=True,
                          about="NHWC/HWCF conv, fixed_point with clamp [zp, 127] (fused "
                                "ReLU); per-channel symmetric constant rhs, constant bias"),
        conv_requant_case(rng, "conv_pad_in_module", s=2, d=1, rounding="half_to_even",
                          narrow=False, pad=1, in_module_pad=True,
                          about="NHWC/HWCF conv, stride 2, padding by tensor.pad with the "
                                "lhs zero point in the module; per-channel symmetric constant "
                                "rhs, constant bias; fixed_point half_to_even"),
        conv_requant_case(rng, "conv_pc_zps", s=2, d=1, rounding="half_away_from_zero",
                          narrow=False, pad=1, zb_lim=15,
                          about="NHWC/HWCF conv, stride 2; per-channel constant rhs with mixed "
                                "zero points (the run-time window sums of the lhs), constant "
                                "bias; fixed_point half_away_from_zero"),
    ]

    # Accumulator, rhs argument, asymmetric per-tensor rhs, dynamic batch, bias argument.
    N, H, W, C, KH, KW, F = 3, 8, 7, 6, 3, 2, 5
    za, zb = -3, -9
    x = rand_q(rng, "i8", (N, H, W, C))
    w = rand_q(rng, "i8", (KH, KW, C, F))
    bias = rng.integers(-100000, 100001, size=F).astype(np.int32)
    acc = nm.qconv2d_nhwc_hwcf(x, za, w, zb, (1, 1), (1, 1), bias)
    c = Contract("conv_acc_rhs_arg",
                 "NHWC/HWCF conv, i32 accumulator; per-tensor rhs argument with zero point "
                 "-9, bias argument, dynamic batch",
                 **conv_nhwc(1, 1), lhs=QType("i8", np.float32(0.031), za),
                 x=x, rhs=QType("i8", np.float32(0.0073), zb), w=w, rhs_const=False,
                 bias=bias, out_shape=acc.shape, dynamic={0: 0})
    cases.append(c.acc_case(acc))

    # Accumulator, per-channel constant rhs: the accumulator is per axis 3.
    N, H, W, C, KH, KW, F = 1, 10, 9, 4, 2, 3, 6
    za = 17
    zb = per_channel_zps(rng, F, 40)
    x = rand_q(rng, "i8", (N, H, W, C))
    w = rand_q(rng, "i8", (KH, KW, C, F))
    acc = nm.qconv2d_nhwc_hwcf(x, za, w, zb, (2, 2), (1, 2))
    c = Contract("conv_acc_pc_const",
                 "NHWC/HWCF conv, stride 2, dilation (1, 2); i32 accumulator per axis 3; "
                 "per-channel constant rhs with mixed zero points, no bias",
                 **conv_nhwc(1, 1) | dict(lhs_map="n, oh * 2 + kh, ow * 2 + kw * 2, c"),
                 lhs=QType("i8", np.float32(0.05), za), x=x,
                 rhs=QType("i8", f32_scale(rng, 0.002, 0.02, F), zb, axis=3), w=w,
                 rhs_const=True, out_axis=3, out_shape=acc.shape)
    cases.append(c.acc_case(acc))

    # NCHW/FCHW, float requantization, per-channel rhs on axis 0 (result axis 1).
    N, C, H, W, F, KH, KW = 2, 4, 9, 8, 6, 3, 3
    za = 5
    zb = np.zeros(F, np.int64)
    x = rand_q(rng, "i8", (N, C, H, W), za, SPREAD)
    w = rand_q(rng, "i8", (F, C, KH, KW), bcast(zb, 4, 0), SPREAD)
    xp = nm.pad_with_zero_point(x, pads2d(1, nchw=True), za)
    acc0 = nm.qconv2d_nchw_fchw(xp, za, w, zb, (1, 1), (1, 1))
    sc = Scales(rng, acc0, F)
    bias = rand_bias(rng, acc0, F)
    acc = nm.qconv2d_nchw_fchw(xp, za, w, zb, (1, 1), (1, 1), bias)
    c = Contract("conv_nchw_float",
                 "NCHW/FCHW conv, padded 1 in numpy; per-channel symmetric rhs argument "
                 "(axis 0), bias argument; float half_to_even",
                 **conv_nchw(1, 1), lhs=QType("i8", sc.sa, za), x=xp,
                 rhs=QType("i8", sc.sb, zb, axis=0), w=w, rhs_const=False, bias=bias,
                 out_axis=1, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("i8", sc.so, -4), "float", "half_to_even"))

    # NCHW/FCHW accumulator, per-channel: the accumulator is per axis 1.
    N, C, H, W, F, KH, KW = 1, 3, 7, 9, 5, 2, 2
    za = -60
    zb = per_channel_zps(rng, F, 50)
    x = rand_q(rng, "i8", (N, C, H, W))
    w = rand_q(rng, "i8", (F, C, KH, KW))
    bias = rng.integers(-50000, 50001, size=F).astype(np.int32)
    acc = nm.qconv2d_nchw_fchw(x, za, w, zb, (2, 1), (1, 1), bias)
    c = Contract("conv_nchw_acc_pc",
                 "NCHW/FCHW conv, stride (2, 1); i32 accumulator per axis 1; per-channel "
                 "constant rhs (axis 0), constant bias",
                 **conv_nchw(1, 1) | dict(lhs_map="n, c, oh * 2 + kh, ow + kw"),
                 lhs=QType("i8", np.float32(0.02), za), x=x,
                 rhs=QType("i8", f32_scale(rng, 0.001, 0.01, F), zb, axis=0), w=w,
                 rhs_const=True, bias=bias, bias_const=True, out_axis=1, out_shape=acc.shape)
    cases.append(c.acc_case(acc))
    return cases


def depthwise_cases(rng) -> List[Case]:
    cases = []
    # u8 lhs, per-channel s8 rhs (axis 2) with zero points, constant; u8 result.
    N, H, W, C, KH, KW = 2, 11, 10, 9, 3, 3
    za = 131
    zb = per_channel_zps(rng, C, 25)
    x = rand_q(rng, "u8", (N, H, W, C), za, SPREAD)
    w = rand_q(rng, "i8", (KH, KW, C), bcast(zb, 3, 2), SPREAD)
    acc0 = nm.qdepthwise_conv2d_nhwc_hwc(x, za, w, zb, (2, 2), (1, 1))
    sc = Scales(rng, acc0, C, target=40.0)
    bias = rand_bias(rng, acc0, C)
    acc = nm.qdepthwise_conv2d_nhwc_hwc(x, za, w, zb, (2, 2), (1, 1), bias)
    c = Contract("dw_pc_u8_lhs",
                 "depthwise NHWC/HWC, stride 2; u8 lhs (zero point 131); per-channel "
                 "constant s8 rhs (axis 2) with mixed zero points, constant bias; "
                 "fixed_point half_to_even into u8",
                 **dw_nhwc(2, 1), lhs=QType("u8", sc.sa, za), x=x,
                 rhs=QType("i8", sc.sb, zb, axis=2), w=w, rhs_const=True, bias=bias,
                 bias_const=True, out_axis=3, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("u8", sc.so, 128), "fixed-point", "half_to_even"))

    # Same shape family, per-channel rhs argument, accumulator result (axis 3).
    N, H, W, C, KH, KW = 1, 9, 8, 7, 2, 3
    za = 200
    zb = np.zeros(C, np.int64)
    x = rand_q(rng, "u8", (N, H, W, C))
    w = rand_q(rng, "i8", (KH, KW, C))
    bias = rng.integers(-30000, 30001, size=C).astype(np.int32)
    acc = nm.qdepthwise_conv2d_nhwc_hwc(x, za, w, zb, (1, 1), (2, 1), bias)
    c = Contract("dw_acc_pc_rhs_arg",
                 "depthwise NHWC/HWC, dilation (2, 1); i32 accumulator per axis 3; u8 lhs "
                 "(zero point 200), per-channel symmetric rhs argument, bias argument",
                 **dw_nhwc(1, 1) | dict(lhs_map="n, oh + kh * 2, ow + kw, c"),
                 lhs=QType("u8", np.float32(0.013), za), x=x,
                 rhs=QType("i8", f32_scale(rng, 0.005, 0.05, C), zb, axis=2), w=w,
                 rhs_const=False, bias=bias, out_axis=3, out_shape=acc.shape)
    cases.append(c.acc_case(acc))

    # u8 x u8, per tensor, float half_away_from_zero, u8 result; rhs argument.
    N, H, W, C, KH, KW = 2, 8, 9, 6, 3, 3
    za, zb = 120, 140
    x = rand_q(rng, "u8", (N, H, W, C), za, SPREAD)
    w = rand_q(rng, "u8", (KH, KW, C), zb, SPREAD)
    xp = nm.pad_with_zero_point(x, pads2d(1), za)
    acc0 = nm.qdepthwise_conv2d_nhwc_hwc(xp, za, w, zb)
    sc = Scales(rng, acc0, None, target=55.0)
    acc = acc0
    c = Contract("dw_u8_u8",
                 "depthwise NHWC/HWC, padded 1 in numpy; u8 x u8 per tensor (zero points "
                 "120, 140), rhs argument, no bias; float half_away_from_zero into u8",
                 **dw_nhwc(1, 1), lhs=QType("u8", sc.sa, za), x=xp,
                 rhs=QType("u8", sc.sb, zb), w=w, rhs_const=False, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("u8", sc.so, 125), "float", "half_away_from_zero"))
    return cases


def matmul_cases(rng) -> List[Case]:
    cases = []
    # Batch matmul: rhs argument with zero point, accumulator.
    B, M, K, N = 3, 7, 29, 11
    za, zb = 4, -13
    a = rand_q(rng, "i8", (B, M, K))
    b = rand_q(rng, "i8", (B, K, N))
    acc = nm.qbatch_matmul(a, za, b, zb)
    c = Contract("bmm_acc_rhs_arg",
                 "batch matmul, i32 accumulator; per-tensor rhs argument, zero point -13",
                 **BMM, lhs=QType("i8", np.float32(0.04), za), x=a,
                 rhs=QType("i8", np.float32(0.011), zb), w=b, rhs_const=False,
                 out_shape=acc.shape)
    cases.append(c.acc_case(acc))

    # Batch matmul, per-channel rhs argument (axis 2), requantized fixed_point.
    B, M, K, N = 2, 9, 37, 10
    za = -7
    zb = per_channel_zps(rng, N, 10)
    a = rand_q(rng, "i8", (B, M, K), za, SPREAD)
    b = rand_q(rng, "i8", (B, K, N), bcast(zb, 3, 2), SPREAD)
    acc0 = nm.qbatch_matmul(a, za, b, zb)
    sc = Scales(rng, acc0, N)
    bias = rand_bias(rng, acc0, N)
    acc = nm.qbatch_matmul(a, za, b, zb, bias)
    c = Contract("bmm_pc_requant",
                 "batch matmul, per-channel rhs argument (axis 2) with zero points, bias "
                 "argument; fixed_point half_away_from_zero",
                 **BMM, lhs=QType("i8", sc.sa, za), x=a, rhs=QType("i8", sc.sb, zb, axis=2),
                 w=b, rhs_const=False, bias=bias, out_axis=2, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("i8", sc.so, 3), "fixed-point",
                                "half_away_from_zero"))

    # Transposed matmul, per-channel constant rhs (n, k) (axis 0), dynamic M.
    M, K, N = 37, 45, 13
    za = 9
    zb = per_channel_zps(rng, N, 15)
    a = rand_q(rng, "i8", (M, K), za, SPREAD)
    wt = rand_q(rng, "i8", (N, K), bcast(zb, 2, 0), SPREAD)
    acc0 = nm.qmatmul(a, za, wt.T, zb)
    sc = Scales(rng, acc0, N)
    bias = rand_bias(rng, acc0, N)
    acc = nm.qmatmul(a, za, wt.T, zb, bias)
    c = Contract("mm_transposed_pc_const",
                 "transposed matmul (rhs (n, k)), per-channel constant rhs (axis 0) with "
                 "mixed zero points, constant bias, dynamic M; float half_to_even",
                 **MM_T, lhs=QType("i8", sc.sa, za), x=a, rhs=QType("i8", sc.sb, zb, axis=0),
                 w=wt, rhs_const=True, bias=bias, bias_const=True, out_axis=1,
                 out_shape=acc.shape, dynamic={0: 0})
    cases.append(c.requant_case(acc, QType("i8", sc.so, -2), "float", "half_to_even"))

    # The same, accumulator result per axis 1, no bias.
    M, K, N = 21, 33, 9
    za = -128
    zb = per_channel_zps(rng, N, 60)
    a = rand_q(rng, "i8", (M, K))
    wt = rand_q(rng, "i8", (N, K))
    acc = nm.qmatmul(a, za, wt.T, zb)
    c = Contract("mm_transposed_acc",
                 "transposed matmul, i32 accumulator per axis 1; lhs zero point -128, "
                 "per-channel constant rhs (axis 0), dynamic M",
                 **MM_T, lhs=QType("i8", np.float32(0.07), za), x=a,
                 rhs=QType("i8", f32_scale(rng, 0.001, 0.01, N), zb, axis=0), w=wt,
                 rhs_const=True, out_axis=1, out_shape=acc.shape, dynamic={0: 0})
    cases.append(c.acc_case(acc))

    # transpose_a: lhs (k, m); per-channel rhs argument (axis 1); accumulator.
    K, M, N = 31, 17, 12
    za = 23
    zb = per_channel_zps(rng, N, 30)
    at = rand_q(rng, "i8", (K, M))
    b = rand_q(rng, "i8", (K, N))
    bias = rng.integers(-40000, 40001, size=N).astype(np.int32)
    acc = nm.qmatmul(at.T, za, b, zb, bias)
    c = Contract("mm_transpose_a_acc",
                 "transpose_a matmul (lhs (k, m)), i32 accumulator per axis 1; per-channel "
                 "rhs argument (axis 1), bias argument",
                 **MM_TA, lhs=QType("i8", np.float32(0.021), za), x=at,
                 rhs=QType("i8", f32_scale(rng, 0.003, 0.03, N), zb, axis=1), w=b,
                 rhs_const=False, bias=bias, out_axis=1, out_shape=acc.shape)
    cases.append(c.acc_case(acc))

    # transpose_a, requantized, per-tensor constant rhs with zero point.
    K, M, N = 40, 19, 14
    za, zb = -15, 6
    at = rand_q(rng, "i8", (K, M), za, SPREAD)
    b = rand_q(rng, "i8", (K, N), zb, SPREAD)
    acc0 = nm.qmatmul(at.T, za, b, zb)
    sc = Scales(rng, acc0, None)
    bias = rand_bias(rng, acc0, N)
    acc = nm.qmatmul(at.T, za, b, zb, bias)
    c = Contract("mm_transpose_a_requant",
                 "transpose_a matmul; per-tensor constant rhs with zero point 6, constant "
                 "bias; fixed_point half_to_even",
                 **MM_TA, lhs=QType("i8", sc.sa, za), x=at, rhs=QType("i8", sc.sb, zb), w=b,
                 rhs_const=True, bias=bias, bias_const=True, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("i8", sc.so, 0), "fixed-point", "half_to_even"))

    # u8 x u8 matmul as contract, dynamic M, float into u8.
    M, K, N = 25, 52, 15
    za, zb = 90, 160
    a = rand_q(rng, "u8", (M, K), za, SPREAD)
    b = rand_q(rng, "u8", (K, N), zb, SPREAD)
    acc0 = nm.qmatmul(a, za, b, zb)
    sc = Scales(rng, acc0, None, target=55.0)
    bias = rand_bias(rng, acc0, N)
    acc = nm.qmatmul(a, za, b, zb, bias)
    c = Contract("mm_u8_u8",
                 "u8 x u8 matmul as qlinalg.contract, per-tensor rhs argument (zero point "
                 "160), bias argument, dynamic M; float half_to_even into u8",
                 **MM, lhs=QType("u8", sc.sa, za), x=a, rhs=QType("u8", sc.sb, zb), w=b,
                 rhs_const=False, bias=bias, out_shape=acc.shape, dynamic={0: 0})
    cases.append(c.requant_case(acc, QType("u8", sc.so, 110), "float", "half_to_even"))

    # u8 x u8 per-channel constant rhs, accumulator.
    M, K, N = 13, 27, 8
    za = 0
    zb = per_channel_zps(rng, N, 100, "u8")
    zb[:2] = [0, 255]
    a = rand_q(rng, "u8", (M, K))
    b = rand_q(rng, "u8", (K, N))
    acc = nm.qmatmul(a, za, b, zb)
    c = Contract("mm_u8_u8_acc_pc",
                 "u8 x u8 matmul as qlinalg.contract, i32 accumulator per axis 1; lhs zero "
                 "point 0, "
                 "per-channel constant u8 rhs with zero points 0, 255 and around 128",
                 **MM, lhs=QType("u8", np.float32(0.01), za), x=a,
                 rhs=QType("u8", f32_scale(rng, 0.001, 0.01, N), zb, axis=1), w=b,
                 rhs_const=True, out_axis=1, out_shape=acc.shape)
    cases.append(c.acc_case(acc))
    return cases


def zero_point_end_cases(rng) -> List[Case]:
    """Zero points at the ends of the storage ranges, full-range data."""
    cases = []
    # i8: lhs zp -128, per-channel constant rhs with zps -128 / 127 / 0,
    # accumulator (conv) and requantized (transposed matmul) with out zp 127.
    N, H, W, C, KH, KW, F = 1, 7, 8, 5, 3, 3, 6
    za = -128
    zb = np.array([-128, 127, 0, 127, -128, 0], np.int64)
    x = rand_q(rng, "i8", (N, H, W, C))
    w = rand_q(rng, "i8", (KH, KW, C, F))
    acc = nm.qconv2d_nhwc_hwcf(x, za, w, zb)
    c = Contract("zp_ends_conv_acc",
                 "NHWC/HWCF conv, i32 accumulator per axis 3; lhs zero point -128, "
                 "per-channel constant rhs with zero points -128, 127, 0; full-range data",
                 **conv_nhwc(1, 1), lhs=QType("i8", np.float32(0.1), za), x=x,
                 rhs=QType("i8", f32_scale(rng, 0.01, 0.1, F), zb, axis=3), w=w,
                 rhs_const=True, out_axis=3, out_shape=acc.shape)
    cases.append(c.acc_case(acc))

    M, K, N = 23, 35, 6
    za = 127
    zb = np.array([127, -128, 0, -128, 127, 0], np.int64)
    a = rand_q(rng, "i8", (M, K))
    wt = rand_q(rng, "i8", (N, K))
    acc = nm.qmatmul(a, za, wt.T, zb)
    sc = Scales(rng, acc, N, target=100.0)
    c = Contract("zp_ends_i8_requant",
                 "transposed matmul, lhs zero point 127, per-channel rhs argument with zero "
                 "points 127, -128, 0, output zero point 127; fixed_point half_away_from_zero",
                 **MM_T, lhs=QType("i8", sc.sa, za), x=a, rhs=QType("i8", sc.sb, zb, axis=0),
                 w=wt, rhs_const=False, out_axis=1, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("i8", sc.so, 127), "fixed-point",
                                "half_away_from_zero", min_inside=0.3, ties=False))

    # u8: lhs zero point 255 against rhs 0 (the accumulator is <= 0, so the
    # output zero point is 255), and 255 against 255 (>= 0, output zero point 0).
    N, H, W, C, KH, KW = 2, 6, 7, 5, 2, 2
    za, zb = 255, 0
    x = rand_q(rng, "u8", (N, H, W, C))
    w = rand_q(rng, "u8", (KH, KW, C))
    acc = nm.qdepthwise_conv2d_nhwc_hwc(x, za, w, zb)
    sc = Scales(rng, acc, None, target=200.0, percentile=60)
    c = Contract("zp_ends_u8_dw",
                 "depthwise NHWC/HWC u8 x u8, lhs zero point 255, rhs zero point 0 "
                 "(constant), output zero point 255; float half_to_even",
                 **dw_nhwc(1, 1), lhs=QType("u8", sc.sa, za), x=x, rhs=QType("u8", sc.sb, zb),
                 w=w, rhs_const=True, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("u8", sc.so, 255), "float", "half_to_even",
                                min_inside=0.3, ties=False))

    M, K, N = 19, 24, 10
    za, zb = 255, 255
    a = rand_q(rng, "u8", (M, K))
    b = rand_q(rng, "u8", (K, N))
    acc = nm.qmatmul(a, za, b, zb)
    sc = Scales(rng, acc, None, target=200.0, percentile=60)
    c = Contract("zp_ends_u8_mm",
                 "u8 x u8 matmul, lhs zero point 255, rhs zero point 255 (argument), output "
                 "zero point 0; fixed_point half_to_even",
                 **MM, lhs=QType("u8", sc.sa, za), x=a, rhs=QType("u8", sc.sb, zb), w=b,
                 rhs_const=False, out_shape=acc.shape)
    cases.append(c.requant_case(acc, QType("u8", sc.so, 0), "fixed-point", "half_to_even",
                                min_inside=0.3, ties=False))
    return cases


def dynamic_cases(rng) -> List[Case]:
    cases = []
    # Batch matmul with a dynamic batch in lhs and result but a static one in
    # the rhs (the loop's size is known from the rhs).
    B, M, K, N = 3, 6, 23, 9
    za, zb = -6, 11
    a = rand_q(rng, "i8", (B, M, K))
    b = rand_q(rng, "i8", (B, K, N))
    acc = nm.qbatch_matmul(a, za, b, zb)
    c = Contract("bmm_dyn_batch",
                 "batch matmul, i32 accumulator; dynamic batch in lhs and result, static in "
                 "the rhs argument (zero point 11)",
                 **BMM, lhs=QType("i8", np.float32(0.03), za), x=a,
                 rhs=QType("i8", np.float32(0.02), zb), w=b, rhs_const=False,
                 out_shape=acc.shape, dynamic={0: 0})
    cases.append(c.acc_case(acc))

    # Dynamic M, its size by tensor.dim of the quantized lhs itself.
    M, K, N = 15, 21, 8
    za, zb = 12, -4
    a = rand_q(rng, "i8", (M, K))
    b = rand_q(rng, "i8", (K, N))
    acc = nm.qmatmul(a, za, b, zb)
    c = Contract("mm_dim_of_quantized",
                 "matmul, i32 accumulator, dynamic M taken by tensor.dim of the quantized "
                 "lhs; per-tensor constant rhs (zero point -4)",
                 **MM, lhs=QType("i8", np.float32(0.05), za), x=a,
                 rhs=QType("i8", np.float32(0.01), zb), w=b, rhs_const=True,
                 out_shape=acc.shape, dynamic={0: 0}, dim_of_quantized=True)
    cases.append(c.acc_case(acc))

    # Depthwise with a dynamic batch, s8 activations (read as u8 by the x86
    # depthwise kernel, the correction in its start values), 37 channels
    # (two whole vectors of 16 and a rest of 5, or four of 8 and 5), 55 output
    # columns (13 tiles of 4 pixels and a rest of 3), enough work (2^21) for the
    # output rows to split over threads; per-channel constant s8 weights with
    # zero points, constant bias, fixed_point half_away_from_zero into i8.
    N, H, W, C, KH, KW = 2, 62, 57, 37, 3, 3
    za = -5
    zb = per_channel_zps(rng, C, 20)
    x = rand_q(rng, "i8", (N, H, W, C), za, SPREAD)
    w = rand_q(rng, "i8", (KH, KW, C), bcast(zb, 3, 2), SPREAD)
    acc0 = nm.qdepthwise_conv2d_nhwc_hwc(x, za, w, zb)
    sc = Scales(rng, acc0, C, target=40.0)
    bias = rand_bias(rng, acc0, C)
    acc = nm.qdepthwise_conv2d_nhwc_hwc(x, za, w, zb, (1, 1), (1, 1), bias)
    c = Contract("dw_s8_dyn_large",
                 "depthwise NHWC/HWC, dynamic batch; s8 lhs (zero point -5), 37 channels, "
                 "60 x 55 outputs; per-channel constant s8 rhs with zero points, constant "
                 "bias; fixed_point half_away_from_zero into i8",
                 **dw_nhwc(1, 1), lhs=QType("i8", sc.sa, za), x=x,
                 rhs=QType("i8", sc.sb, zb, axis=2), w=w, rhs_const=True, bias=bias,
                 bias_const=True, out_axis=3, out_shape=acc.shape, dynamic={0: 0})
    cases.append(c.requant_case(acc, QType("i8", sc.so, 3), "fixed-point",
                                "half_away_from_zero"))
    return cases


def all_cases() -> List[Case]:
    rng = np.random.default_rng(SEED)
    return conv_cases(rng) + depthwise_cases(rng) + matmul_cases(rng) + \
        zero_point_end_cases(rng) + dynamic_cases(rng)


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

def gen(out_dir: str) -> None:
    gen_cases(out_dir, all_cases())


def compare(out_dir: str, names: Sequence[str] = (), suffix: str = "out") -> int:
    """Compare the named cases (all when none are named), in that order,
    <case>.<suffix><j>.npy against the expected results."""
    cases = {case.name: case for case in all_cases()}
    unknown = [n for n in names if n not in cases]
    if unknown:
        print(f"unknown cases: {', '.join(unknown)}", file=sys.stderr)
        return 2
    return compare_cases(out_dir, [cases[n] for n in names] if names
                         else cases.values(), suffix)


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[0] == "gen":
        gen(argv[1])
        return 0
    if len(argv) >= 2 and argv[0] == "compare":
        # compare DIR [--suffix=S] [CASE ...]: results as <case>.<S><j>.npy
        # (default "out", what qlinalg-run writes in contract-bitexact.test).
        rest = list(argv[2:])
        suffix = "out"
        if rest and rest[0].startswith("--suffix="):
            suffix = rest.pop(0)[len("--suffix="):]
        return compare(argv[1], rest, suffix)
    if len(argv) == 1 and argv[0] == "list":
        for case in all_cases():
            print(f"{case.name}: {case.about}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
