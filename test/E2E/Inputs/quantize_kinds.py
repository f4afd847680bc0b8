#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Every contraction kind the quantizer handles, float model to int8 run, bit for bit.

    quantize_kinds.py list
        print the cases (name, kind, what the model holds)
    quantize_kinds.py models DIR [--check]
        write the float models DIR/<case>.mlir (random f32 constants from a
        fixed seed, printed so that they parse back to the same f32 values);
        --check compares the files already in DIR with what would be written
    quantize_kinds.py data DIR
        write, per case, calibration batches DIR/<case>.cal<i>.in<j>.npy (of
        different batch sizes along the dynamic dimension) and an evaluation
        batch DIR/<case>.eval.in<j>.npy drawn with another seed
    quantize_kinds.py batches DIR CASE
        print the calibration batch arguments of qlinalg-calibrate for CASE
    quantize_kinds.py check --work-dir DIR [--modes M[,M...]] [CASE...]
        For each case (default: all) and requantize mode M (fixed-point,
        float, or MODE/ROUNDING; default fixed-point,float), reads the float
        model Inputs/quantize_kinds/<model>.mlir (its f32 constants), the
        calibration table DIR/<case>.table.json, the quantized module
        DIR/<case>.<tag>.mlir (tag fp or float, as qlinalg-opt
        --qlinalg-quantize wrote it) and the output DIR/<case>.<tag>.out.npy
        of qlinalg-run on the evaluation batch, and
          0. checks that the table's min/max of the arguments (and the
             per-channel ranges of a runtime rhs) are those of the batches;
          1. checks the structure of the quantized module: the one float
             contraction became one qlinalg.contract (with the expected
             indexing maps) or qlinalg.matmul, fed by qlinalg.quantize of
             the activation arguments (through an i8 tensor.pad padding with
             the zero point, for the padded case) and quant.scast of integer
             constants, followed by qlinalg.requantize (the requested
             multiplier and rounding) and qlinalg.dequantize into the return;
             no float linalg contraction, tensor.pad on f32, or float bias
             add is left;
          2. parses every scale and zero point from the !quant.uniform types
             and the integer weights and bias from the dense constants, and
             checks them against what the quantizer's documented semantics
             give from the table and the float constants (activations:
             asymmetric int8 per tensor from min/max; constant weights:
             symmetric [-127, 127] per output channel along the channel the
             indexing maps give; runtime weights from their
             calibrated ranges; bias: int32 at sa * sb[c]; accumulator scale
             f64(sa) * f64(sb[c]));
          3. recomputes the int8 path in numpy (python/qlinalg/numerics.py)
             from the parameters parsed from the quantized module and
             requires the output to equal it bit for bit.
        Prints "CASE TAG: ok (...)" or "CASE TAG: FAIL" and what failed
        (including the first differing outputs, compiled vs reference) for
        every case, and exits 1 if any failed.

The models (one func.func @forward each, f32, odd sizes, dynamic batch where
the kind has one) are written by `models` and checked in under
Inputs/quantize_kinds/.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                *[os.pardir] * 3, "python"))
sys.dont_write_bytecode = True
from qlinalg import numerics as nm  # noqa: E402
from qlinalg.npyio import load_npy, save_npy  # noqa: E402

MODEL_SEED = 20260301
CAL_SEED, EVAL_SEED = 6006, 7007
CAL_BATCHES = (5, 8, 3)   # rows along the dynamic dimension, per calibration batch
VEC_CAL_BATCHES = 4       # calibration batches of the models without a batch dimension
EVAL_ROWS = 7
QMIN, QMAX = -128, 127
WQMIN, WQMAX = -127, 127


class CheckError(Exception):
    """A failed check; main() prints it and exits with status 1."""


# --------------------------------------------------------------------------
# MLIR text helpers
# --------------------------------------------------------------------------

def f32_text(v) -> str:
    """A float32 as MLIR float text that parses back to the same float32."""
    text = np.format_float_scientific(np.float32(v), unique=True, trim="0")
    assert np.float32(float(text)) == np.float32(v), (v, text)
    return text


def dense_f32(a: np.ndarray) -> str:
    if a.ndim == 0:
        return f32_text(a)
    if a.ndim == 1:
        return "[" + ", ".join(f32_text(v) for v in a) + "]"
    return "[" + ", ".join(dense_f32(r) for r in a) + "]"


def ttype(shape: Sequence[Optional[int]], elem: str = "f32") -> str:
    return "tensor<" + "".join(("?" if d is None else str(d)) + "x" for d in shape) + elem + ">"


PAR, RED = '"parallel"', '"reduction"'


def generic_bias_add(out: str, src: str, bias: str, shape, bias_dim: int, rank: int,
                     empty: str) -> List[str]:
    """An elementwise `src + bias` (bias indexed by loop bias_dim), as importers write it."""
    loops = ", ".join(f"d{i}" for i in range(rank))
    ident = f"affine_map<({loops}) -> ({loops})>"
    bmap = f"affine_map<({loops}) -> (d{bias_dim})>"
    t = ttype(shape)
    n = shape[bias_dim]
    return [
        f"%{out} = linalg.generic {{indexing_maps = [{ident}, {bmap}, {ident}], "
        f"iterator_types = [{', '.join([PAR] * rank)}]}}",
        f"    ins(%{src}, %{bias} : {t}, {ttype((n,))}) outs(%{empty} : {t}) {{",
        "^bb0(%a: f32, %bv: f32, %o: f32):",
        "  %s = arith.addf %a, %bv : f32",
        "  linalg.yield %s : f32",
        f"}} -> {t}",
    ]


# --------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------

class Case:
    """One float model and what its quantized form must compute.

    kind:      the numpy contraction of the reference
    inputs:    argument shapes (None: the dynamic batch dimension)
    weights:   constant name -> shape (random f32); 'w' is the contraction's
               weight and 'b' its bias
    w_axis:    the weight's output-channel axis (where per-channel scales go)
    out_axis:  the result's channel axis (of the per-channel accumulator)
    bias_init: (matvec / vecmat) the bias as the accumulator init, a broadcast
               of the 1-D constant, instead of an elementwise add after
    """

    def __init__(self, name: str, kind: str, about: str, inputs, weights, w_axis: int,
                 out_axis: int, body, *, pad=None, strides=(1, 1), dilations=(1, 1),
                 options: str = "", contract_op: str = "qlinalg.contract",
                 input_offsets=None, maps=None, iters: str = "", bias_init: bool = False):
        self.name, self.kind, self.about = name, kind, about
        self.inputs = [tuple(s) for s in inputs]
        self.weights = dict(weights)
        self.w_axis, self.out_axis = w_axis, out_axis
        self.body = body
        self.pad, self.strides, self.dilations = pad, strides, dilations
        self.options = options
        self.contract_op = contract_op
        self.input_offsets = input_offsets or [0.0] * len(inputs)
        # The qlinalg.contract maps (lhs, rhs, result) and iterator types
        # (P/R per loop) expected; the bias map is (d<channel_loop>).
        self.maps, self.iters = maps, iters
        self.channel_loop = None
        if maps:
            self.channel_loop = int(re.findall(r"d(\d+)", maps[2])[out_axis])
        self.bias_init = bias_init

    def make_weights(self) -> Dict[str, np.ndarray]:
        rng = np.random.default_rng([MODEL_SEED, sum(map(ord, self.name))])
        out = {}
        for name, shape in self.weights.items():
            if name == "b":
                out[name] = (0.3 * rng.standard_normal(shape)).astype(np.float32)
            else:
                # Channel-dependent magnitudes, so per-channel scales differ.
                w = rng.standard_normal(shape)
                if self.w_axis is not None:
                    gains = np.exp(rng.uniform(-1.0, 1.0, size=shape[self.w_axis]))
                    bshape = [1] * len(shape)
                    bshape[self.w_axis] = -1
                    w = w * gains.reshape(bshape)
                out[name] = (0.4 * w).astype(np.float32)
        return out

    def mlir(self) -> str:
        w = self.make_weights()
        args = ", ".join(f"%arg{i}: {ttype(s)}" for i, s in enumerate(self.inputs))
        body, result_type = self.body(self, w)
        lines = [f"// Generated by test/E2E/Inputs/quantize_kinds.py (case {self.name}, "
                 f"seed {MODEL_SEED}); do not edit.",
                 f"// {self.about}",
                 f"func.func @forward({args}) -> {result_type} {{"]
        for name, arr in w.items():
            lines.append(f"  %{name} = arith.constant dense<{dense_f32(arr)}> : "
                         f"{ttype(arr.shape)}")
        lines += ["  " + s for s in body]
        lines += ["}", ""]
        return "\n".join(lines)


def prologue(dyn_of: Optional[str] = "%arg0", arg_type: str = "") -> List[str]:
    lines = ["%zero = arith.constant 0.0 : f32"]
    if dyn_of:
        lines += ["%c0 = arith.constant 0 : index",
                  f"%n = tensor.dim {dyn_of}, %c0 : {arg_type}"]
    return lines


def body_matmul(c: Case, w) -> Tuple[List[str], str]:
    (_, k), (n,) = c.inputs[0], c.weights["b"]
    tx, to = ttype((None, k)), ttype((None, n))
    lines = prologue("%arg0", tx) + [
        f"%e = tensor.empty(%n) : {to}",
        f"%f = linalg.fill ins(%zero : f32) outs(%e : {to}) -> {to}",
        f"%mm = linalg.matmul ins(%arg0, %w : {tx}, {ttype((k, n))}) outs(%f : {to}) -> {to}",
    ]
    lines += generic_bias_add("y", "mm", "b", (None, n), 1, 2, "e")
    lines.append(f"return %y : {to}")
    return lines, to


def body_matmul_t(c: Case, w) -> Tuple[List[str], str]:
    (_, k), (n,) = c.inputs[0], c.weights["b"]
    tx, to = ttype((None, k)), ttype((None, n))
    lines = prologue("%arg0", tx) + [
        f"%e = tensor.empty(%n) : {to}",
        f"%f = linalg.fill ins(%zero : f32) outs(%e : {to}) -> {to}",
        "%mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
        "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]",
        f"    ins(%arg0, %w : {tx}, {ttype((n, k))}) outs(%f : {to}) -> {to}",
    ]
    lines += generic_bias_add("y", "mm", "b", (None, n), 1, 2, "e")
    lines.append(f"return %y : {to}")
    return lines, to


def body_generic_matmul(c: Case, w) -> Tuple[List[str], str]:
    (_, k), (n,) = c.inputs[0], c.weights["b"]
    tx, to = ttype((None, k)), ttype((None, n))
    lines = prologue("%arg0", tx) + [
        f"%e = tensor.empty(%n) : {to}",
        f"%f = linalg.fill ins(%zero : f32) outs(%e : {to}) -> {to}",
        "%mm = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
        "affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], "
        f"iterator_types = [{PAR}, {PAR}, {RED}]}}",
        f"    ins(%arg0, %w : {tx}, {ttype((k, n))}) outs(%f : {to}) {{",
        "^bb0(%a: f32, %bw: f32, %acc: f32):",
        "  %p = arith.mulf %a, %bw : f32",
        "  %s = arith.addf %acc, %p : f32",
        "  linalg.yield %s : f32",
        f"}} -> {to}",
    ]
    lines += generic_bias_add("y", "mm", "b", (None, n), 1, 2, "e")
    lines.append(f"return %y : {to}")
    return lines, to


def body_batch_matmul(c: Case, w) -> Tuple[List[str], str]:
    (_, m, k), (_, k2, n) = c.inputs
    assert k == k2
    ta, tb, to = ttype((None, m, k)), ttype((None, k, n)), ttype((None, m, n))
    lines = prologue("%arg0", ta) + [
        f"%e = tensor.empty(%n) : {to}",
        f"%f = linalg.fill ins(%zero : f32) outs(%e : {to}) -> {to}",
        f"%mm = linalg.batch_matmul ins(%arg0, %arg1 : {ta}, {tb}) outs(%f : {to}) -> {to}",
    ]
    lines += generic_bias_add("y", "mm", "b", (None, m, n), 2, 3, "e")
    lines.append(f"return %y : {to}")
    return lines, to


def vector_init(c: Case, to: str) -> List[str]:
    """The init of a matvec / vecmat: a zero fill, or (bias_init) the bias
    broadcast to the 1-D result, by a linalg.generic yielding its input as
    torch-mlir writes it (matvec) or by linalg.broadcast (vecmat)."""
    lines = [f"%e = tensor.empty() : {to}"]
    if not c.bias_init:
        return lines + [f"%f = linalg.fill ins(%zero : f32) outs(%e : {to}) -> {to}"]
    tb = ttype(c.weights["b"])
    if c.kind == "matvec":
        return lines + [
            "%f = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, "
            f"affine_map<(d0) -> (d0)>], iterator_types = [{PAR}]}}",
            f"    ins(%b : {tb}) outs(%e : {to}) {{",
            "^bb0(%in: f32, %out: f32):",
            "  linalg.yield %in : f32",
            f"}} -> {to}"]
    return lines + [f"%f = linalg.broadcast ins(%b : {tb}) outs(%e : {to}) dimensions = []"]


def body_matvec(c: Case, w) -> Tuple[List[str], str]:
    (k,), (m,) = c.inputs[0], c.weights["b"]
    tv, to = ttype((k,)), ttype((m,))
    lines = prologue(None) + vector_init(c, to) + [
        f"%mv = linalg.matvec ins(%w, %arg0 : {ttype((m, k))}, {tv}) outs(%f : {to}) -> {to}",
    ]
    if c.bias_init:
        lines.append(f"return %mv : {to}")
        return lines, to
    lines += generic_bias_add("y", "mv", "b", (m,), 0, 1, "e")
    lines.append(f"return %y : {to}")
    return lines, to


def body_vecmat(c: Case, w) -> Tuple[List[str], str]:
    (k,), (n,) = c.inputs[0], c.weights["b"]
    tv, to = ttype((k,)), ttype((n,))
    lines = prologue(None) + vector_init(c, to) + [
        f"%vm = linalg.vecmat ins(%arg0, %w : {tv}, {ttype((k, n))}) outs(%f : {to}) -> {to}",
    ]
    if c.bias_init:
        lines.append(f"return %vm : {to}")
        return lines, to
    lines += generic_bias_add("y", "vm", "b", (n,), 0, 1, "e")
    lines.append(f"return %y : {to}")
    return lines, to


def conv_out(size: int, kernel: int, stride: int, dilation: int) -> int:
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def conv_attrs(c: Case) -> str:
    return (f"{{dilations = dense<[{c.dilations[0]}, {c.dilations[1]}]> : tensor<2xi64>, "
            f"strides = dense<[{c.strides[0]}, {c.strides[1]}]> : tensor<2xi64>}}")


def body_conv_nhwc(c: Case, w) -> Tuple[List[str], str]:
    """NHWC/HWCF convolution; bias as a linalg.broadcast init, or (padded case)
    as an elementwise add after a zero-filled convolution."""
    (_, h, wd, ci) = c.inputs[0]
    kh, kw, ci2, f = c.weights["w"]
    assert ci == ci2
    tx = ttype((None, h, wd, ci))
    lines = prologue("%arg0", tx)
    src, ts = "%arg0", tx
    if c.pad:
        (pt, pb), (pl, pr) = c.pad
        h, wd = h + pt + pb, wd + pl + pr
        ts = ttype((None, h, wd, ci))
        lines += [f"%xp = tensor.pad %arg0 low[0, {pt}, {pl}, 0] high[0, {pb}, {pr}, 0] {{",
                  "^bb0(%i0: index, %i1: index, %i2: index, %i3: index):",
                  "  tensor.yield %zero : f32",
                  f"}} : {tx} to {ts}"]
        src = "%xp"
    oh = conv_out(h, kh, c.strides[0], c.dilations[0])
    ow = conv_out(wd, kw, c.strides[1], c.dilations[1])
    to = ttype((None, oh, ow, f))
    lines.append(f"%e = tensor.empty(%n) : {to}")
    if c.pad:
        lines.append(f"%init = linalg.fill ins(%zero : f32) outs(%e : {to}) -> {to}")
    else:
        lines.append(f"%init = linalg.broadcast ins(%b : {ttype((f,))}) outs(%e : {to}) "
                     "dimensions = [0, 1, 2]")
    lines += [f"%conv = linalg.conv_2d_nhwc_hwcf {conv_attrs(c)}",
              f"    ins({src}, %w : {ts}, {ttype((kh, kw, ci, f))}) outs(%init : {to}) -> {to}"]
    if c.pad:
        lines += generic_bias_add("y", "conv", "b", (None, oh, ow, f), 3, 4, "e")
        lines.append(f"return %y : {to}")
    else:
        lines.append(f"return %conv : {to}")
    return lines, to


def body_conv_nchw(c: Case, w) -> Tuple[List[str], str]:
    """NCHW/FCHW convolution with the bias broadcast as torch-mlir writes it."""
    (_, ci, h, wd) = c.inputs[0]
    f, ci2, kh, kw = c.weights["w"]
    assert ci == ci2
    tx = ttype((None, ci, h, wd))
    oh = conv_out(h, kh, c.strides[0], c.dilations[0])
    ow = conv_out(wd, kw, c.strides[1], c.dilations[1])
    to = ttype((None, f, oh, ow))
    lines = prologue("%arg0", tx) + [
        f"%e = tensor.empty(%n) : {to}",
        "%init = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, "
        "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], "
        f"iterator_types = [{', '.join([PAR] * 4)}]}}",
        f"    ins(%b : {ttype((f,))}) outs(%e : {to}) {{",
        "^bb0(%in: f32, %out: f32):",
        "  linalg.yield %in : f32",
        f"}} -> {to}",
        f"%conv = linalg.conv_2d_nchw_fchw {conv_attrs(c)}",
        f"    ins(%arg0, %w : {tx}, {ttype((f, ci, kh, kw))}) outs(%init : {to}) -> {to}",
        f"return %conv : {to}",
    ]
    return lines, to


def body_depthwise(c: Case, w) -> Tuple[List[str], str]:
    (_, h, wd, ch) = c.inputs[0]
    kh, kw, ch2 = c.weights["w"]
    assert ch == ch2
    tx = ttype((None, h, wd, ch))
    oh = conv_out(h, kh, c.strides[0], c.dilations[0])
    ow = conv_out(wd, kw, c.strides[1], c.dilations[1])
    to = ttype((None, oh, ow, ch))
    lines = prologue("%arg0", tx) + [
        f"%e = tensor.empty(%n) : {to}",
        f"%init = linalg.broadcast ins(%b : {ttype((ch,))}) outs(%e : {to}) "
        "dimensions = [0, 1, 2]",
        f"%conv = linalg.depthwise_conv_2d_nhwc_hwc {conv_attrs(c)}",
        f"    ins(%arg0, %w : {tx}, {ttype((kh, kw, ch))}) outs(%init : {to}) -> {to}",
        f"return %conv : {to}",
    ]
    return lines, to


CONV_OUT = "(d0, d1, d2, d3)"

CASES: Dict[str, Case] = {c.name: c for c in [
    Case("matmul", "matmul",
         "linalg.matmul x(?x13) @ W(13x7) + b (elementwise linalg.generic add)",
         [(None, 13)], {"w": (13, 7), "b": (7,)}, 1, 1, body_matmul,
         contract_op="qlinalg.matmul", input_offsets=[0.4]),
    Case("matmul_transposed_rhs", "matmul_t",
         "linalg.matmul with indexing maps (m, k), (n, k), (m, n): x(?x11) @ W(9x11)^T + b",
         [(None, 11)], {"w": (9, 11), "b": (9,)}, 0, 1, body_matmul_t, input_offsets=[-0.3],
         maps=("(d0, d2)", "(d1, d2)", "(d0, d1)"), iters="PPR"),
    Case("batch_matmul", "bmm",
         "linalg.batch_matmul of two activations a(?x5x7) @ b(?x7x3) + bias(3), the "
         "runtime rhs per tensor",
         [(None, 5, 7), (None, 7, 3)], {"b": (3,)}, None, 2, body_batch_matmul,
         options="weight-granularity=per-tensor", input_offsets=[0.2, -0.5],
         maps=("(d0, d1, d3)", "(d0, d3, d2)", "(d0, d1, d2)"), iters="PPPR"),
    Case("batch_matmul_per_channel", "bmm",
         "the same batch matmul, the runtime rhs per channel from its calibrated "
         "per-channel ranges (the default granularity)",
         [(None, 5, 7), (None, 7, 3)], {"b": (3,)}, None, 2, body_batch_matmul,
         input_offsets=[0.2, -0.5],
         maps=("(d0, d1, d3)", "(d0, d3, d2)", "(d0, d1, d2)"), iters="PPPR"),
    Case("matvec", "matvec",
         "linalg.matvec A(33x13, constant) . v(13) + b (elementwise linalg.generic add)",
         [(13,)], {"w": (33, 13), "b": (33,)}, 0, 0, body_matvec, input_offsets=[0.5],
         maps=("(d1)", "(d0, d1)", "(d0)"), iters="PR"),
    Case("matvec_bias_init", "matvec",
         "linalg.matvec A(33x13, constant) . v(13) with the bias as its init (a "
         "linalg.generic yielding the 1-D constant)",
         [(13,)], {"w": (33, 13), "b": (33,)}, 0, 0, body_matvec, input_offsets=[0.5],
         maps=("(d1)", "(d0, d1)", "(d0)"), iters="PR", bias_init=True),
    Case("vecmat", "vecmat",
         "linalg.vecmat u(11) . M(11x31, constant) + b (elementwise linalg.generic add)",
         [(11,)], {"w": (11, 31), "b": (31,)}, 1, 0, body_vecmat, input_offsets=[-0.2],
         maps=("(d1)", "(d1, d0)", "(d0)"), iters="PR"),
    Case("vecmat_bias_init", "vecmat",
         "linalg.vecmat u(11) . M(11x31, constant) with the bias as its init "
         "(linalg.broadcast, dimensions = [])",
         [(11,)], {"w": (11, 31), "b": (31,)}, 1, 0, body_vecmat, input_offsets=[-0.2],
         maps=("(d1)", "(d1, d0)", "(d0)"), iters="PR", bias_init=True),
    Case("generic_matmul", "matmul",
         "linalg.generic matmul (mulf/addf body) x(?x9) @ W(9x5) + b",
         [(None, 9)], {"w": (9, 5), "b": (5,)}, 1, 1, body_generic_matmul,
         contract_op="qlinalg.matmul", input_offsets=[0.1]),
    Case("conv_nhwc_stride2", "conv_nhwc",
         "linalg.conv_2d_nhwc_hwcf x(?x11x13x3) * W(3x3x3x5), stride 2, dilation 1, "
         "bias as a linalg.broadcast init",
         [(None, 11, 13, 3)], {"w": (3, 3, 3, 5), "b": (5,)}, 3, 3, body_conv_nhwc,
         strides=(2, 2), input_offsets=[0.3],
         maps=("(d0, d1 * 2 + d4, d2 * 2 + d5, d6)", "(d4, d5, d6, d3)", CONV_OUT),
         iters="PPPPRRR"),
    Case("conv_nhwc_pad_dilation2", "conv_nhwc",
         "tensor.pad (zero, [2, 2] x [1, 3]) then linalg.conv_2d_nhwc_hwcf x(?x9x7x3) * "
         "W(3x3x3x4), dilation 2, bias as an elementwise add",
         [(None, 9, 7, 3)], {"w": (3, 3, 3, 4), "b": (4,)}, 3, 3, body_conv_nhwc,
         pad=((2, 2), (1, 3)), dilations=(2, 2), input_offsets=[0.6],
         maps=("(d0, d1 + d4 * 2, d2 + d5 * 2, d6)", "(d4, d5, d6, d3)", CONV_OUT),
         iters="PPPPRRR"),
    Case("conv_nchw", "conv_nchw",
         "linalg.conv_2d_nchw_fchw x(?x3x11x9) * W(5x3x3x3), bias broadcast by a "
         "linalg.generic yielding its 1-D input (torch-mlir)",
         [(None, 3, 11, 9)], {"w": (5, 3, 3, 3), "b": (5,)}, 0, 1, body_conv_nchw,
         input_offsets=[-0.1],
         maps=("(d0, d4, d2 + d5, d3 + d6)", "(d1, d4, d5, d6)", CONV_OUT), iters="PPPPRRR"),
    Case("depthwise_stride2", "dw",
         "linalg.depthwise_conv_2d_nhwc_hwc x(?x11x9x5) * W(3x3x5), stride 2, bias as a "
         "linalg.broadcast init",
         [(None, 11, 9, 5)], {"w": (3, 3, 5), "b": (5,)}, 2, 3, body_depthwise,
         strides=(2, 2), input_offsets=[0.25],
         maps=("(d0, d1 * 2 + d4, d2 * 2 + d5, d3)", "(d4, d5, d3)", CONV_OUT),
         iters="PPPPRR"),
]}

# The two batch matmul cases share one float model.
MODEL_OF = {"batch_matmul_per_channel": "batch_matmul"}


def model_name(case: str) -> str:
    return MODEL_OF.get(case, case)


def cmd_list(args) -> None:
    for c in CASES.values():
        opts = f" [{c.options}]" if c.options else ""
        print(f"{c.name}: {c.about}{opts}")


def cmd_models(args) -> None:
    os.makedirs(args.dir, exist_ok=True)
    bad = []
    for c in CASES.values():
        if c.name in MODEL_OF:
            continue
        path = os.path.join(args.dir, f"{c.name}.mlir")
        text = c.mlir()
        if args.check:
            try:
                with open(path) as f:
                    have = f.read()
            except OSError as exc:
                bad.append(f"{path}: {exc}")
                continue
            if have != text:
                bad.append(f"{path} differs from what the generator writes")
        else:
            with open(path, "w") as f:
                f.write(text)
    if bad:
        raise CheckError("\n  ".join(["models:"] + bad))
    n = len(CASES) - len(MODEL_OF)
    print(f"models: {n} {'checked' if args.check else 'written'}")


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------

def sample(rng: np.random.Generator, shape, offset: float) -> np.ndarray:
    """Activations: N(offset, 1) with a heavier right tail (a skewed range)."""
    x = rng.standard_normal(shape) + offset
    x = np.where(x > 0, 1.3 * x, x)
    return x.astype(np.float32)


def batch_arrays(c: Case, rng: np.random.Generator, rows: int) -> List[np.ndarray]:
    out = []
    for shape, off in zip(c.inputs, c.input_offsets):
        concrete = tuple(rows if d is None else d for d in shape)
        out.append(sample(rng, concrete, off))
    return out


def has_batch(c: Case) -> bool:
    return any(None in s for s in c.inputs)


def cal_sizes(c: Case) -> Sequence[int]:
    return CAL_BATCHES if has_batch(c) else (0,) * VEC_CAL_BATCHES


def data_seed(c: Case, seed: int):
    return [seed, sum(map(ord, model_name(c.name)))]


def cmd_data(args) -> None:
    os.makedirs(args.dir, exist_ok=True)
    for c in CASES.values():
        rng = np.random.default_rng(data_seed(c, CAL_SEED))
        for i, rows in enumerate(cal_sizes(c)):
            for j, a in enumerate(batch_arrays(c, rng, rows)):
                save_npy(os.path.join(args.dir, f"{c.name}.cal{i}.in{j}.npy"), a)
        rng = np.random.default_rng(data_seed(c, EVAL_SEED))
        for j, a in enumerate(batch_arrays(c, rng, EVAL_ROWS)):
            save_npy(os.path.join(args.dir, f"{c.name}.eval.in{j}.npy"), a)
    print(f"data: {len(CASES)} cases")


def cmd_batches(args) -> None:
    c = CASES[args.case]
    print(" ".join(",".join(os.path.join(args.dir, f"{c.name}.cal{i}.in{j}.npy")
                            for j in range(len(c.inputs)))
                   for i in range(len(cal_sizes(c)))))



# --------------------------------------------------------------------------
# Reading MLIR
# --------------------------------------------------------------------------

def closing(text: str, start: int) -> int:
    """Index just past the '>' matching the '<' at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "<":
            depth += 1
        elif text[i] == ">":
            depth -= 1
            if depth == 0:
                return i + 1
    raise CheckError(f"unbalanced '<' in {text[start:start + 80]!r}")


def tensor_types(text: str) -> List[str]:
    """Every tensor<...> type in text, in order (nested <> balanced)."""
    out, i = [], 0
    while True:
        j = text.find("tensor<", i)
        if j < 0:
            return out
        end = closing(text, j + len("tensor"))
        out.append(text[j:end])
        i = end


class TensorType:
    """tensor<d0 x d1 x ... x elem> with the element a plain type or !quant.uniform."""

    _UNIFORM = re.compile(r"^(?P<st>[iu]\d+)(?:<(?P<lo>-?\d+):(?P<hi>-?\d+)>)?:f32"
                          r"(?::(?P<axis>\d+))?,\s*(?P<params>.*)$", re.S)

    def __init__(self, text: str):
        self.text = text
        body = text[len("tensor<"):-1]
        if "!quant.uniform<" in body:
            k = body.index("!quant.uniform<")
            dims, elem = body[:k], body[k:]
        else:
            k = body.rfind("x")
            dims, elem = body[:k + 1], body[k + 1:]
        self.shape = tuple(None if d == "?" else int(d) for d in dims.split("x") if d)
        self.quant = elem.startswith("!quant.uniform<")
        self.elem = elem
        if not self.quant:
            return
        inner = elem[len("!quant.uniform<"):closing(elem, len("!quant.uniform")) - 1]
        m = self._UNIFORM.match(inner.strip())
        if not m:
            raise CheckError(f"cannot parse {elem}")
        self.storage = m.group("st")
        if m.group("lo") is not None:
            self.qrange = (int(m.group("lo")), int(m.group("hi")))
        else:
            self.qrange = nm.storage_range(self.storage)
        self.axis = None if m.group("axis") is None else int(m.group("axis"))
        params = m.group("params").strip()
        if self.axis is None:
            pairs = [params]
        else:
            if not (params.startswith("{") and params.endswith("}")):
                raise CheckError(f"per-axis parameters expected in {elem}")
            pairs = [p.strip() for p in params[1:-1].split(",")]
        scales, zps = [], []
        for p in pairs:
            s, _, z = p.partition(":")
            scales.append(float(s))
            zps.append(int(z) if z else 0)
        # Scales are printed as doubles; keep them as float64 (exact).
        self.scales = np.array(scales, dtype=np.float64)
        self.zps = np.array(zps, dtype=np.int64)

    def describe(self) -> str:
        if not self.quant:
            return self.elem
        if self.axis is None:
            return f"{self.storage} {self.qrange} scale {self.scales[0]!r} zp {self.zps[0]}"
        return f"{self.storage} {self.qrange} axis {self.axis} scales {list(self.scales)}"


def parse_dense(payload: str, ttext: str) -> np.ndarray:
    """The value of dense<payload> : ttext (nested lists, a splat, or hex bytes)."""
    t = TensorType(ttext)
    dtype = {"i8": np.int8, "i32": np.int32, "f32": np.float32}[t.elem]
    shape = tuple(t.shape)
    payload = payload.strip()
    if payload.startswith('"0x'):
        raw = bytes.fromhex(payload[3:-1])
        arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
        if arr.size == 1 and int(np.prod(shape)) != 1:
            arr = np.full(shape, arr[0])
        return arr.astype(dtype).reshape(shape)
    values = json.loads(payload.replace("true", "1").replace("false", "0"))
    arr = np.array(values, dtype=np.float64 if dtype == np.float32 else np.int64)
    if arr.ndim == 0:
        arr = np.full(shape, arr)
    if dtype != np.float32:
        info = np.iinfo(dtype)
        assert info.min <= arr.min() and arr.max() <= info.max
    return arr.astype(dtype).reshape(shape)


_CONST = re.compile(r"^\s*(%[\w.-]+) = arith\.constant dense<(.*)> : (tensor<.*>)\s*$")
_DEF = re.compile(r"^\s*(%[\w.-]+) = ([\w.]+)\b(.*)$")


class Module:
    """The ops of one func.func @forward, by result name (one op per line; ops
    with regions keep their first line)."""

    def __init__(self, path: str):
        self.path = path
        with open(path) as f:
            self.text = f.read()
        self.aliases = dict(re.findall(r"^(#map\d*) = affine_map<(.*)>$", self.text, re.M))
        self.defs: Dict[str, Tuple[str, str]] = {}
        self.ops: List[Tuple[Optional[str], str, str]] = []
        self.constants: Dict[str, np.ndarray] = {}
        for line in self.text.splitlines():
            s = line.strip()
            m = _DEF.match(line)
            if m:
                name, op, _ = m.groups()
                self.defs[name] = (op, line)
                self.ops.append((name, op, line))
                c = _CONST.match(line)
                if c:
                    self.constants[name] = parse_dense(c.group(2), c.group(3))
            elif s and not s.startswith(("}", "^", "//", "#", "module", "func.func")):
                self.ops.append((None, s.split()[0], line))

    def op_names(self) -> List[str]:
        return [op for _, op, _ in self.ops]

    def defining(self, value: str, what: str) -> Tuple[str, str]:
        if value not in self.defs:
            raise CheckError(f"{self.path}: {what} {value} is not defined by an op")
        return self.defs[value]

    def users(self, value: str) -> List[Tuple[Optional[str], str, str]]:
        pat = re.compile(re.escape(value) + r"(?![\w.-])")
        return [o for o in self.ops if pat.search(o[2].split("=", 1)[-1] if o[0] else o[2])]

    def expand_maps(self, line: str) -> List[str]:
        m = re.search(r"indexing_maps = \[([^\]]*)\]", line)
        if not m:
            return []
        out = []
        for item in m.group(1).split(", "):
            item = item.strip()
            if item.startswith("#"):
                item = self.aliases[item]
            elif item.startswith("affine_map<"):
                item = item[len("affine_map<"):-1]
            out.append(item.split("->", 1)[1].strip())
        return out


def float_constants(path: str) -> Dict[str, np.ndarray]:
    """The named f32 constants (%w, %b) of a float model as written by `models`."""
    out = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*%(\w+) = arith\.constant dense<(.*)> : (tensor<[^>]*xf32>)\s*$",
                         line)
            if m:
                out[m.group(1)] = parse_dense(m.group(2), m.group(3))
    return out


# --------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------

MODE_TAGS = {"fixed-point": "fp", "float": "float"}
MULT = {"fixed-point": "fixed_point", "float": "float"}
CONTRACTION_OPS = ("qlinalg.contract", "qlinalg.matmul")


def same_f32(a: float, b: float) -> bool:
    return np.float32(a).view(np.uint32) == np.float32(b).view(np.uint32)


def differences(got: np.ndarray, want: np.ndarray, what: str, limit: int = 4) -> str:
    bad = np.argwhere(got != want) if got.shape == want.shape else None
    if bad is None:
        return f"{what}: shape {got.shape}, expected {want.shape}"
    items = ", ".join(f"{tuple(int(i) for i in idx)}: {got[tuple(idx)]!r} vs {want[tuple(idx)]!r}"
                      for idx in bad[:limit])
    return f"{what}: {len(bad)} of {want.size} differ (quantized IR vs re-derived): {items}"


def activation_params(table: dict, tid: str) -> Tuple[np.float32, int]:
    e = table["tensors"].get(tid)
    if e is None:
        raise CheckError(f"the table has no entry {tid}")
    return nm.choose_asymmetric(np.float32(e["min"]), np.float32(e["max"]), QMIN, QMAX)


def tensor_id(line: str) -> Optional[str]:
    m = re.search(r'qlinalg\.tensor_id = "(t\d+)"', line)
    return m.group(1) if m else None


class Checker:
    def __init__(self, case: Case, work: str, mode: str, rounding: Optional[str],
                 models_dir: str):
        self.c, self.work, self.mode = case, work, mode
        self.rounding = rounding or nm.default_rounding(mode)
        self.tag = MODE_TAGS[mode] if rounding is None else f"{MODE_TAGS[mode]}-{rounding}"
        self.model_path = os.path.join(models_dir, f"{model_name(case.name)}.mlir")
        self.q_path = os.path.join(work, f"{case.name}.{self.tag}.mlir")
        self.out_path = os.path.join(work, f"{case.name}.{self.tag}.out.npy")
        with open(os.path.join(work, f"{case.name}.table.json")) as f:
            self.table = json.load(f)
        self.problems: List[str] = []   # structural / parameter failures
        self.notes: List[str] = []

    def fail(self, msg: str) -> None:
        self.problems.append(msg)

    # 1. Structure --------------------------------------------------------

    def structure(self, q: Module):
        c = self.c
        names = q.op_names()
        contractions = [o for o in q.ops if o[1] in CONTRACTION_OPS]
        if len(contractions) != 1:
            raise CheckError(f"{q.path}: expected one qlinalg.contract or qlinalg.matmul, "
                             f"found {len(contractions)}; ops: {sorted(set(names))}")
        left = sorted({op for op in names
                       if op.startswith("linalg.") and op != "linalg.yield"})
        if left:
            self.fail(f"float linalg ops left in the quantized module: {', '.join(left)}")
        for line in (o[2] for o in q.ops if o[1] == "tensor.pad"):
            if "xf32>" in line.split(":")[-1]:
                self.fail("a tensor.pad on f32 is left")
        res, op, line = contractions[0]
        if op != c.contract_op:
            self.fail(f"the contraction became {op}, expected {c.contract_op}")
        types = [TensorType(t) for t in tensor_types(line.split(":", 1)[1] if op ==
                                                     "qlinalg.matmul" else line)]
        if op == "qlinalg.matmul":
            m = re.match(r"\s*%\S+ = qlinalg\.matmul (%[\w.-]+), (%[\w.-]+)"
                         r"(?: bias (%[\w.-]+))?", line)
            lhs, rhs, bias = m.group(1), m.group(2), m.group(3)
            maps = []
        else:
            m = re.search(r"ins\((%[\w.-]+), (%[\w.-]+) :", line)
            lhs, rhs = m.group(1), m.group(2)
            mb = re.search(r"bias\((%[\w.-]+) :", line)
            bias = mb.group(1) if mb else None
            maps = q.expand_maps(line)
        if "multiplier(" in line or "clamp" in line:
            self.fail("the contraction has a fused epilogue; this test expects a separate "
                      "qlinalg.requantize")
        acc_t = types[-1]
        lhs_t, rhs_t = types[0], types[1]
        bias_t = types[2] if bias else None
        want_maps = list(c.maps) if c.maps else []
        if op == "qlinalg.contract" and want_maps:
            want = list(want_maps)
            if bias:
                want.insert(2, f"(d{c.channel_loop})")
            if maps != want:
                self.fail(f"indexing maps {maps}, expected {want}")
        iters = re.search(r"iterator_types = \[([^\]]*)\]", line)
        if op == "qlinalg.contract" and c.iters:
            got = "".join("P" if "parallel" in s else "R" for s in iters.group(1).split(","))
            if got != c.iters:
                self.fail(f"iterator types {got}, expected {c.iters}")
        return res, op, lhs, rhs, bias, lhs_t, rhs_t, bias_t, acc_t, maps

    def trace_activation(self, q: Module, value: str, what: str):
        """value <- [quant.scast <- tensor.pad <- quant.scast <-] qlinalg.quantize %argN."""
        op, line = q.defining(value, what)
        pad = None
        if op == "quant.scast":
            src = re.match(r"\s*%\S+ = quant\.scast (%[\w.-]+)", line).group(1)
            pop, pline = q.defining(src, what + " storage")
            if pop != "tensor.pad":
                raise CheckError(f"{q.path}: {what} {value} is a quant.scast of {pop}")
            pm = re.match(r"\s*%\S+ = tensor\.pad (%[\w.-]+) low\[([^\]]*)\] high\[([^\]]*)\]",
                          pline)
            low = [int(v) for v in pm.group(2).split(",")]
            high = [int(v) for v in pm.group(3).split(",")]
            pad = list(zip(low, high))
            # The pad value: the constant yielded in the region.
            k = q.text.index(pline)
            region = q.text[k:q.text.index("} :", k)]
            yv = re.search(r"tensor\.yield (%[\w.-]+) : (\w+)", region)
            if not yv or yv.group(2) != "i8":
                raise CheckError(f"{q.path}: the tensor.pad of {what} does not yield an i8")
            cop, cline = q.defining(yv.group(1), "pad value")
            pad_value = int(re.search(r"arith\.constant (-?\d+) : i8", cline).group(1))
            sop, sline = q.defining(pm.group(1), "padded storage")
            if sop != "quant.scast":
                raise CheckError(f"{q.path}: tensor.pad pads {sop}, not a quant.scast")
            value = re.match(r"\s*%\S+ = quant\.scast (%[\w.-]+)", sline).group(1)
            op, line = q.defining(value, what + " (unpadded)")
            pad = (pad, pad_value)
        if op != "qlinalg.quantize":
            raise CheckError(f"{q.path}: {what} {value} comes from {op}, not qlinalg.quantize")
        m = re.match(r"\s*%\S+ = qlinalg\.quantize %arg(\d+)\b", line)
        if not m:
            raise CheckError(f"{q.path}: {what} quantizes something other than an argument")
        t = TensorType(tensor_types(line)[-1])
        return int(m.group(1)), tensor_id(line), t, pad

    def check_argument_range(self, arg: int, tid: str, axis: Optional[int] = None) -> None:
        """The table's min/max of an argument are those of the calibration batches."""
        c = self.c
        batches = [load_npy(os.path.join(self.work, f"{c.name}.cal{i}.in{arg}.npy"), np.float32)
                   for i in range(len(cal_sizes(c)))]
        e = self.table["tensors"].get(tid, {})
        lo = min(float(b.min()) for b in batches)
        hi = max(float(b.max()) for b in batches)
        if e.get("min") != lo or e.get("max") != hi:
            self.fail(f"table {tid} (argument {arg}): min/max {e.get('min')!r} "
                      f"{e.get('max')!r}, the calibration batches give {lo!r} {hi!r}")
        if axis is not None:
            pc = e.get("per_channel", {})
            moved = [np.moveaxis(b, axis, 0).reshape(b.shape[axis], -1) for b in batches]
            lo = np.min([m.min(axis=1) for m in moved], axis=0).tolist()
            hi = np.max([m.max(axis=1) for m in moved], axis=0).tolist()
            if pc.get("axis") != axis or pc.get("min") != lo or pc.get("max") != hi:
                self.fail(f"table {tid}: per-channel ranges {pc}, the calibration batches "
                          f"give axis {axis} min {lo} max {hi}")

    def trace_constant(self, q: Module, value: str, what: str) -> np.ndarray:
        op, line = q.defining(value, what)
        if op != "quant.scast":
            raise CheckError(f"{q.path}: {what} {value} comes from {op}, not quant.scast")
        src = re.match(r"\s*%\S+ = quant\.scast (%[\w.-]+)", line).group(1)
        if src not in q.constants:
            raise CheckError(f"{q.path}: {what} is a quant.scast of {src}, not a dense constant")
        return q.constants[src]

    # 2 + 3. Parameters and the reference ---------------------------------

    def run(self) -> str:
        c = self.c
        q = Module(self.q_path)
        fw = float_constants(self.model_path)
        (res, op, lhs, rhs, bias, lhs_t, rhs_t, bias_t, acc_t,
         maps) = self.structure(q)

        # Activation (lhs) and its padding.
        arg, tid, act_t, pad = self.trace_activation(q, lhs, "the lhs")
        self.check_argument_range(arg, tid)
        if act_t.axis is not None or act_t.storage != "i8" or act_t.qrange != (QMIN, QMAX):
            self.fail(f"activation {tid}: {act_t.describe()}, expected i8 per tensor")
        sa, za = act_t.scales[0], int(act_t.zps[0])
        want_sa, want_za = activation_params(self.table, tid)
        if not same_f32(sa, want_sa) or za != want_za or np.float64(np.float32(sa)) != sa:
            self.fail(f"activation {tid}: scale {sa!r} zp {za}, the table gives "
                      f"{float(want_sa)!r} {want_za}")
        if c.pad:
            want_pad = [(0, 0)] + list(c.pad) + [(0, 0)]
            if pad is None:
                self.fail("the padded activation is not padded as i8 between quant.scast ops")
            else:
                pads, value = pad
                if pads != want_pad:
                    self.fail(f"padding {pads}, expected {want_pad}")
                if value != za:
                    self.fail(f"pads with {value}, not the zero point {za}")
        elif pad is not None:
            self.fail("unexpected padding")

        # Weights: constant or runtime.
        runtime_rhs = c.kind == "bmm"
        if runtime_rhs:
            rarg, rtid, w_t, rpad = self.trace_activation(q, rhs, "the rhs")
            if rpad is not None:
                self.fail("the runtime rhs is padded")
            # The rhs's output channel n is its last dimension.
            self.check_argument_range(rarg, rtid, axis=len(c.inputs[rarg]) - 1)
            entry = self.table["tensors"].get(rtid, {})
            if c.options == "weight-granularity=per-tensor":
                want_s = nm.choose_symmetric(np.float32(entry["min"]), np.float32(entry["max"]))[0]
                want_s = np.array([want_s], np.float32)
                want_axis = None
            else:
                pc = entry.get("per_channel")
                if pc is None:
                    raise CheckError(f"the table has no per-channel ranges of {rtid}")
                want_axis = pc["axis"]
                want_s, _ = nm.choose_symmetric_per_channel(np.float32(pc["min"]),
                                                            np.float32(pc["max"]))
            if w_t.axis != want_axis:
                self.fail(f"runtime rhs {rtid}: axis {w_t.axis}, expected {want_axis}")
            w_q = None
        else:
            w_q = self.trace_constant(q, rhs, "the weights")
            w_t = rhs_t
            w_f = fw["w"]
            want_axis = c.w_axis
            moved = np.moveaxis(w_f, c.w_axis, 0).reshape(w_f.shape[c.w_axis], -1)
            want_s, _ = nm.choose_symmetric_per_channel(moved.min(axis=1), moved.max(axis=1))
            want_wq = nm.quantize(w_f, want_s, np.zeros(want_s.shape, np.int64), WQMIN, WQMAX,
                                  axis=c.w_axis, dtype=np.int8)
            if w_t.axis != want_axis:
                self.fail(f"weights: axis {w_t.axis}, expected the output channel {want_axis}")
            if w_q.shape != want_wq.shape or not np.array_equal(w_q, want_wq):
                self.fail(differences(w_q, want_wq, "int8 weights"))
        if w_t.storage != "i8" or w_t.qrange != (WQMIN, WQMAX) or np.any(w_t.zps != 0):
            self.fail(f"weights: {w_t.describe()}, expected symmetric i8 [-127, 127]")
        sb = w_t.scales
        if sb.shape != want_s.shape or not all(same_f32(a, b) for a, b in zip(sb, want_s)):
            self.fail(f"weight scales {list(sb)}, re-derived {[float(v) for v in want_s]}")

        # Accumulator and bias.
        want_acc = np.float64(np.float32(sa)) * sb.astype(np.float32).astype(np.float64)
        if acc_t.storage != "i32" or not np.array_equal(acc_t.scales, want_acc) or \
                np.any(acc_t.zps != 0):
            self.fail(f"accumulator {acc_t.describe()}, expected i32 at f64(sa) * f64(sb)")
        if (acc_t.axis is None) != (w_t.axis is None) or \
                (acc_t.axis is not None and acc_t.axis != c.out_axis):
            self.fail(f"accumulator axis {acc_t.axis}, expected {c.out_axis}")
        bias_q = None
        if "b" in c.weights:
            if bias is None:
                self.fail("the bias is not folded into the contraction")
            else:
                bias_q = self.trace_constant(q, bias, "the bias")
                want_bq = nm.quantize_bias(fw["b"], acc_t.scales if acc_t.axis is not None
                                           else acc_t.scales[0])
                if not np.array_equal(bias_q, want_bq):
                    self.fail(differences(bias_q, want_bq, "int32 bias"))
                if bias_t is None or bias_t.storage != "i32" or \
                        not np.array_equal(bias_t.scales, acc_t.scales):
                    self.fail(f"bias type {bias_t and bias_t.describe()}, expected the "
                              f"accumulator's scales")

        # Requantize and dequantize.
        rq = [o for o in q.users(res) if o[1] == "qlinalg.requantize"]
        if len(rq) != 1:
            raise CheckError(f"{q.path}: the contraction result is not requantized")
        rres, _, rline = rq[0]
        mm = re.search(r"multiplier\((\w+)\) rounding\((\w+)\)", rline)
        if not mm or mm.group(1) != MULT[self.mode] or mm.group(2) != self.rounding:
            self.fail(f"requantize {mm and mm.groups()}, expected "
                      f"({MULT[self.mode]}, {self.rounding})")
        if "clamp" in rline:
            self.fail("unexpected clamp on the requantize")
        rtypes = [TensorType(t) for t in tensor_types(rline.split(" : ", 1)[1])]
        if not np.array_equal(rtypes[0].scales, acc_t.scales):
            self.fail("the requantize input type differs from the accumulator type")
        out_t = rtypes[-1]
        out_tid = tensor_id(rline)
        so, zo = out_t.scales[0], int(out_t.zps[0])
        want_so, want_zo = activation_params(self.table, out_tid)
        if out_t.axis is not None or out_t.qrange != (QMIN, QMAX) or \
                not same_f32(so, want_so) or zo != want_zo:
            self.fail(f"result {out_tid}: {out_t.describe()}, the table gives "
                      f"{float(want_so)!r} {want_zo}")
        dq = [o for o in q.users(rres) if o[1] == "qlinalg.dequantize"]
        if len(dq) != 1:
            raise CheckError(f"{q.path}: the requantized result is not dequantized")
        dres = dq[0][0]
        ret = [o for o in q.ops if o[1] == "return"]
        float_bias_after = None
        if not re.match(r"\s*return " + re.escape(dres) + r" :", ret[0][2]):
            # What follows the dequantize (a float bias add left in float) is
            # reproduced for the report, but it is a failure above.
            users = q.users(dres)
            if len(users) == 1 and users[0][1] == "linalg.generic" and bias is None:
                float_bias_after = fw["b"]
                self.fail("the bias add is left in float after the dequantize "
                          "(linalg.generic addf of the f32 bias)")
            else:
                raise CheckError(f"{q.path}: the dequantized result is not returned")

        # The int8 path in numpy from the parameters of the quantized IR.
        xs = [load_npy(os.path.join(self.work, f"{c.name}.eval.in{j}.npy"), np.float32)
              for j in range(len(c.inputs))]
        x_q = nm.quantize(xs[arg], np.float32(sa), za, *act_t.qrange)
        if pad is not None:
            x_q = nm.pad_with_zero_point(x_q, pad[0], pad[1])
        if runtime_rhs:
            s = sb.astype(np.float32)
            w_q = nm.quantize(xs[rarg], s if w_t.axis is not None else s[0],
                              np.zeros(s.shape, np.int64) if w_t.axis is not None else 0,
                              *w_t.qrange, axis=w_t.axis)
        acc = self.contract(x_q, za, w_q, bias_q)
        acc_s = acc_t.scales if acc_t.axis is not None else acc_t.scales[0]
        moved = np.moveaxis(acc, c.out_axis, -1)
        y_q = nm.requantize(moved, acc_s, np.float32(so), zo, *out_t.qrange, mode=self.mode,
                            rounding=self.rounding)
        y_q = np.ascontiguousarray(np.moveaxis(y_q, -1, c.out_axis))
        y = nm.dequantize(y_q, np.float32(so), zo)
        if float_bias_after is not None:
            y = (y + float_bias_after).astype(np.float32)

        got = load_npy(self.out_path, np.float32)
        if got.shape != y.shape:
            raise CheckError(f"{self.out_path}: shape {got.shape}, reference {y.shape}")
        same = got.view(np.uint32) == y.view(np.uint32)
        inside = float(np.mean((y_q > QMIN) & (y_q < QMAX)))
        summary = (f"{y.size} outputs, {np.unique(y_q).size} distinct int8 values, "
                   f"{inside:.0%} unsaturated")
        if not same.all():
            bad = np.argwhere(~same)
            items = "; ".join(
                f"{tuple(int(i) for i in idx)}: compiled {got[tuple(idx)]!r} "
                f"(q {int(np.rint(got[tuple(idx)] / np.float32(so))) + zo}), reference "
                f"{y[tuple(idx)]!r} (q {int(y_q[tuple(idx)])}, acc {int(acc[tuple(idx)])})"
                for idx in bad[:4])
            self.fail(f"NOT bit-exact: {len(bad)} of {y.size} outputs differ; {items}")
        elif float_bias_after is not None:
            self.notes.append("the rest is bit-exact with the bias added in float")
        if inside < 0.8 or np.unique(y_q).size < min(20, y.size // 2):
            self.fail(f"the data does not exercise the range well ({summary})")
        what = op if op == "qlinalg.matmul" else f"{op} maps {', '.join(maps)}"
        return f"{what}; {summary}"

    def contract(self, x_q, za, w_q, bias_q) -> np.ndarray:
        """The integer contraction of the case's kind (python/qlinalg)."""
        c, k = self.c, self.c.kind
        if k == "matmul":
            return nm.qmatmul(x_q, za, w_q, 0, bias_q)
        if k == "matmul_t":
            return nm.qmatmul(x_q, za, np.ascontiguousarray(w_q.T), 0, bias_q)
        if k == "bmm":
            return nm.qbatch_matmul(x_q, za, w_q, 0, bias_q)
        if k == "matvec":   # y[m] = sum_k A[m, k] v[k]  ==  (v^T A^T)[m]
            return nm.qmatmul(x_q[np.newaxis, :], za, np.ascontiguousarray(w_q.T), 0,
                              bias_q)[0]
        if k == "vecmat":   # y[n] = sum_k u[k] M[k, n]
            return nm.qmatmul(x_q[np.newaxis, :], za, w_q, 0, bias_q)[0]
        if k == "conv_nhwc":
            return nm.qconv2d_nhwc_hwcf(x_q, za, w_q, 0, c.strides, c.dilations, bias_q)
        if k == "conv_nchw":
            return nm.qconv2d_nchw_fchw(x_q, za, w_q, 0, c.strides, c.dilations, bias_q)
        if k == "dw":
            return nm.qdepthwise_conv2d_nhwc_hwc(x_q, za, w_q, 0, c.strides, c.dilations,
                                                 bias_q)
        raise AssertionError(k)


def cmd_check(args) -> None:
    models_dir = args.models or os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "quantize_kinds")
    failed = 0
    for name in args.cases or list(CASES):
        for mode in args.modes.split(","):
            rounding = None
            if "/" in mode:
                mode, rounding = mode.split("/")
                rounding = rounding.replace("-", "_")
            ch = Checker(CASES[name], args.work_dir, mode, rounding, models_dir)
            label = f"{name} {ch.tag}"
            try:
                summary = ch.run()
            except (CheckError, OSError, ValueError, OverflowError) as exc:
                ch.problems.append(str(exc))
                summary = ""
            if ch.problems:
                failed += 1
                print(f"{label}: FAIL")
                for p in ch.problems + ch.notes:
                    print(f"  {p}")
            else:
                print(f"{label}: ok ({summary})")
    sys.stdout.flush()
    if failed:
        raise CheckError(f"{failed} case(s) failed")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("models")
    p.add_argument("dir")
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_models)
    p = sub.add_parser("data")
    p.add_argument("dir")
    p.set_defaults(func=cmd_data)
    p = sub.add_parser("batches")
    p.add_argument("dir")
    p.add_argument("case", choices=sorted(CASES))
    p.set_defaults(func=cmd_batches)
    p = sub.add_parser("check")
    p.add_argument("--work-dir", required=True)
    p.add_argument("--models", help="directory of the float models (default Inputs/quantize_kinds)")
    p.add_argument("--modes", default="fixed-point,float",
                   help="comma-separated requantize modes, MODE or MODE/ROUNDING")
    p.add_argument("cases", nargs="*")
    p.set_defaults(func=cmd_check)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (CheckError, ValueError) as exc:
        sys.stdout.flush()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
