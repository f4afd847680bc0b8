#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Random float linalg programs pushed through the whole pipeline.

    random_programs.py --bin DIR --work DIR [--seed S] [--count N]
                       [--targets generic,host] [--keep]

Generates N verifier-valid float programs from seed S (one @forward each): a
chain of one to three layers drawn from every contraction kind the quantizer
takes (matmul with plain, transposed or argument weights, batch_matmul,
matvec, vecmat, 2-D NHWC and NCHW convolutions with strides, dilations and a
tensor.pad, depthwise convolutions), with or without a bias (an add or a
broadcast init) and a ReLU, odd sizes, a static or dynamic batch, and flatten
steps between convolutions and matmuls. Each program goes through

  qlinalg-opt --qlinalg-instrument, qlinalg-calibrate, qlinalg-opt
  --qlinalg-quantize (and the same pass in stock mlir-opt with the plugin),
  --qlinalg-fuse, --qlinalg-lower for each target, --qlinalg-to-llvm, and
  qlinalg-run of the float and the quantized module on the calibration data

and must: end no tool with a signal or an assertion; leave IR that every
later tool parses and verifies (each stage's output is re-read); produce
finite outputs; and stay within the documented error bound of float:
relative RMS error ||y_q - y_f|| / ||y_f|| <= 0.05 per layer, on the data it
was calibrated on. Prints one line per program and a summary; exits 1 on any
failure (the failing program and its stages stay in the work directory).
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from typing import List, Optional, Tuple

import numpy as np


def fmt(a: np.ndarray) -> str:
    """An f32 dense literal that parses back to the same values."""
    return "dense<" + np.array2string(a.astype(np.float32), separator=", ",
                                      threshold=1 << 30, floatmode="unique",
                                      max_line_width=1 << 30) + ">"


def ttype(shape) -> str:
    return "tensor<" + "x".join("?" if d is None else str(d) for d in shape) + \
        ("x" if shape else "") + "f32>"


class Program:
    """Builds one @forward as text: SSA values with their (possibly dynamic)
    shapes, and the function's arguments."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.lines: List[str] = []
        self.args: List[Tuple[str, list]] = []
        self.arg_data: List[np.ndarray] = []
        self.count = 0
        self.layers: List[str] = []

    def fresh(self, stem="v") -> str:
        self.count += 1
        return f"%{stem}{self.count}"

    def arg(self, shape, data: np.ndarray) -> str:
        name = f"%arg{len(self.args)}"
        self.args.append((name, shape))
        self.arg_data.append(data)
        return name

    def const(self, a: np.ndarray) -> str:
        v = self.fresh("w")
        self.lines.append(f"  {v} = arith.constant {fmt(a)} : {ttype(a.shape)}")
        return v

    def weights(self, shape, as_arg: bool) -> str:
        w = self.rng.uniform(-1, 1, shape).astype(np.float32) / np.sqrt(
            np.prod(shape[:-1]) if len(shape) > 1 else 1)
        return self.arg(list(shape), w) if as_arg else self.const(w)

    def empty(self, shape, like: Optional[str], like_shape) -> str:
        """tensor.empty of `shape`; a dynamic dim i takes dim i of `like`."""
        dyn = []
        for i, d in enumerate(shape):
            if d is None:
                c = self.fresh("c")
                self.lines.append(f"  {c} = arith.constant {i} : index")
                dim = self.fresh("n")
                self.lines.append(f"  {dim} = tensor.dim {like}, {c} : {ttype(like_shape)}")
                dyn.append(dim)
        e = self.fresh("e")
        self.lines.append(f"  {e} = tensor.empty({', '.join(dyn)}) : {ttype(shape)}")
        return e

    def init(self, shape, like, like_shape, bias: Optional[np.ndarray], channel_dims):
        """The accumulator init: zeros, or the bias broadcast along the
        output channel (a bias init)."""
        e = self.empty(shape, like, like_shape)
        if bias is not None:
            b = self.const(bias)
            v = self.fresh("init")
            dims = [i for i in range(len(shape)) if i not in channel_dims]
            self.lines.append(f"  {v} = linalg.broadcast ins({b} : {ttype(bias.shape)}) "
                              f"outs({e} : {ttype(shape)}) dimensions = [{', '.join(map(str, dims))}]")
            return v
        z = self.fresh("z")
        self.lines.append(f"  {z} = arith.constant 0.0 : f32")
        v = self.fresh("init")
        self.lines.append(f"  {v} = linalg.fill ins({z} : f32) outs({e} : {ttype(shape)}) -> {ttype(shape)}")
        return v

    def elementwise(self, x, shape, body, extra=None, extra_map=None):
        """A linalg.generic applying `body` (a list of lines using %a, %b
        and yielding %r) elementwise, optionally with a broadcast operand."""
        rank = len(shape)
        ident = "affine_map<(" + ", ".join(f"d{i}" for i in range(rank)) + ") -> (" + \
            ", ".join(f"d{i}" for i in range(rank)) + ")>"
        e = self.empty(shape, x, shape)
        v = self.fresh("y")
        ins = [x] + ([extra[0]] if extra else [])
        types = [ttype(shape)] + ([ttype(extra[1])] if extra else [])
        maps = [ident] + ([extra_map] if extra else []) + [ident]
        args = ["%a: f32"] + (["%b: f32"] if extra else []) + ["%o: f32"]
        iterators = ", ".join(['"parallel"'] * rank)
        self.lines.append(
            f"  {v} = linalg.generic {{indexing_maps = [{', '.join(maps)}], iterator_types = "
            f"[{iterators}]}} ins({', '.join(ins)} : {', '.join(types)}) "
            f"outs({e} : {ttype(shape)}) {{")
        self.lines.append(f"  ^bb0({', '.join(args)}):")
        self.lines.extend("    " + b for b in body)
        self.lines.append(f"    linalg.yield %r : f32")
        self.lines.append(f"  }} -> {ttype(shape)}")
        return v

    def bias_add(self, x, shape, channel: int):
        n = shape[channel]
        b = self.const(self.rng.uniform(-0.5, 0.5, (n,)).astype(np.float32))
        rank = len(shape)
        bmap = "affine_map<(" + ", ".join(f"d{i}" for i in range(rank)) + f") -> (d{channel})>"
        return self.elementwise(x, shape, ["%r = arith.addf %a, %b : f32"],
                                extra=(b, [n]), extra_map=bmap)

    def relu(self, x, shape):
        return self.elementwise(x, shape, ["%zr = arith.constant 0.0 : f32",
                                           "%r = arith.maximumf %a, %zr : f32"])

    def text(self, result, shape) -> str:
        sig = ", ".join(f"{n}: {ttype(s)}" for n, s in self.args)
        body = "\n".join(self.lines)
        return (f"// random program: {'; '.join(self.layers)}\n"
                f"func.func @forward({sig}) -> {ttype(shape)} {{\n{body}\n"
                f"  return {result} : {ttype(shape)}\n}}\n")


def odd(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


def layer_matmul(p: Program, x, shape):
    """x: [B, K] -> [B, N]: linalg.matmul, or a generic with the weights
    transposed ([N, K]); weights constant or an argument."""
    rng = p.rng
    k, n = shape[1], odd(rng, 1, 37)
    as_arg = rng.random() < 0.25
    transposed = not as_arg and rng.random() < 0.3
    bias_kind = rng.choice(["none", "add", "init"])
    bias = rng.uniform(-0.5, 0.5, (n,)).astype(np.float32) if bias_kind == "init" else None
    out = [shape[0], n]
    init = p.init(out, x, shape, bias, channel_dims=[1])
    v = p.fresh("mm")
    if transposed:
        w = p.weights((n, k), False)
        p.lines.append(
            f"  {v} = linalg.generic {{indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
            f"affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = "
            f"[\"parallel\", \"parallel\", \"reduction\"]}} ins({x}, {w} : {ttype(shape)}, "
            f"{ttype([n, k])}) outs({init} : {ttype(out)}) {{")
        p.lines.append("  ^bb0(%a: f32, %b: f32, %acc: f32):")
        p.lines.append("    %p = arith.mulf %a, %b : f32")
        p.lines.append("    %s = arith.addf %acc, %p : f32")
        p.lines.append("    linalg.yield %s : f32")
        p.lines.append(f"  }} -> {ttype(out)}")
    else:
        w = p.weights((k, n), as_arg)
        p.lines.append(f"  {v} = linalg.matmul ins({x}, {w} : {ttype(shape)}, {ttype([k, n])}) "
                       f"outs({init} : {ttype(out)}) -> {ttype(out)}")
    if bias_kind == "add":
        v = p.bias_add(v, out, 1)
    p.layers.append(f"matmul {k}x{n}" + (" transposed" if transposed else "") +
                    (" weights-arg" if as_arg else "") + f" bias={bias_kind}")
    return v, out


def layer_conv(p: Program, x, shape, depthwise: bool):
    """x: [B, H, W, C] NHWC -> NHWC, optional tensor.pad, stride, dilation."""
    rng = p.rng
    b, h, w_, c = shape
    kh, kw = odd(rng, 1, 3), odd(rng, 1, 3)
    s, d = odd(rng, 1, 2), odd(rng, 1, 2)
    pad = odd(rng, 0, 1)
    if pad:
        xp = p.fresh("xp")
        ps = [b, h + 2 * pad, w_ + 2 * pad, c]
        zero = p.fresh("z")
        p.lines.append(f"  {zero} = arith.constant 0.0 : f32")
        p.lines.append(f"  {xp} = tensor.pad {x} low[0, {pad}, {pad}, 0] high[0, {pad}, {pad}, 0] {{")
        p.lines.append("  ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):")
        p.lines.append(f"    tensor.yield {zero} : f32")
        p.lines.append(f"  }} : {ttype(shape)} to {ttype(ps)}")
        x, shape = xp, ps
    oh = (shape[1] - d * (kh - 1) - 1) // s + 1
    ow = (shape[2] - d * (kw - 1) - 1) // s + 1
    if oh < 1 or ow < 1:
        return None
    f = c if depthwise else odd(rng, 1, 9)
    out = [b, oh, ow, f]
    bias_kind = rng.choice(["none", "add", "init"])
    bias = rng.uniform(-0.5, 0.5, (f,)).astype(np.float32) if bias_kind == "init" else None
    init = p.init(out, x, shape, bias, channel_dims=[3])
    v = p.fresh("conv")
    attrs = (f"{{dilations = dense<[{d}, {d}]> : tensor<2xi64>, "
             f"strides = dense<[{s}, {s}]> : tensor<2xi64>}}")
    if depthwise:
        wt = p.weights((kh, kw, c), False)
        p.lines.append(f"  {v} = linalg.depthwise_conv_2d_nhwc_hwc {attrs} ins({x}, {wt} : "
                       f"{ttype(shape)}, {ttype([kh, kw, c])}) outs({init} : {ttype(out)}) -> {ttype(out)}")
    else:
        wt = p.weights((kh, kw, c, f), False)
        p.lines.append(f"  {v} = linalg.conv_2d_nhwc_hwcf {attrs} ins({x}, {wt} : "
                       f"{ttype(shape)}, {ttype([kh, kw, c, f])}) outs({init} : {ttype(out)}) -> {ttype(out)}")
    if bias_kind == "add":
        v = p.bias_add(v, out, 3)
    p.layers.append(("depthwise" if depthwise else "conv") +
                    f" {kh}x{kw} s{s} d{d} pad{pad} -> {oh}x{ow}x{f} bias={bias_kind}")
    return v, out


def flatten(p: Program, x, shape):
    b, h, w, c = shape
    v = p.fresh("flat")
    out = [b, h * w * c]
    p.lines.append(f"  {v} = tensor.collapse_shape {x} [[0], [1, 2, 3]] : {ttype(shape)} into {ttype(out)}")
    p.layers.append("flatten")
    return v, out


def single_layer(p: Program, kind: str, dynamic: bool):
    """The kinds that take no chain: batch_matmul, matvec, vecmat, NCHW conv."""
    rng = p.rng
    if kind == "batch_matmul":
        nb, m, k, n = odd(rng, 1, 4), odd(rng, 1, 9), odd(rng, 1, 19), odd(rng, 1, 17)
        xs = [None if dynamic else nb, m, k]
        x = p.arg(xs, rng.normal(0, 1, (nb, m, k)).astype(np.float32))
        w = p.weights((nb, k, n), rng.random() < 0.3)
        out = [xs[0], m, n]
        init = p.init(out, x, xs, None, channel_dims=[2])
        v = p.fresh("bmm")
        p.lines.append(f"  {v} = linalg.batch_matmul ins({x}, {w} : {ttype(xs)}, {ttype([nb, k, n])}) "
                       f"outs({init} : {ttype(out)}) -> {ttype(out)}")
        p.layers.append(f"batch_matmul {nb}x{m}x{k}x{n}")
        return v, out
    if kind in ("matvec", "vecmat"):
        m, k = odd(rng, 1, 23), odd(rng, 1, 29)
        x = p.arg([k], rng.normal(0, 1, (k,)).astype(np.float32))
        wshape = (m, k) if kind == "matvec" else (k, m)
        w = p.weights(wshape, False)
        init = p.init([m], None, None, None, channel_dims=[0])
        v = p.fresh(kind)
        ins = f"{w}, {x} : {ttype(list(wshape))}, {ttype([k])}" if kind == "matvec" else \
            f"{x}, {w} : {ttype([k])}, {ttype(list(wshape))}"
        p.lines.append(f"  {v} = linalg.{kind} ins({ins}) outs({init} : {ttype([m])}) -> {ttype([m])}")
        p.layers.append(f"{kind} {m}x{k}")
        return v, [m]
    # NCHW convolution.
    nb, c, h, w_ = odd(rng, 1, 2), odd(rng, 1, 5), odd(rng, 4, 9), odd(rng, 4, 9)
    f, kh, kw, s = odd(rng, 1, 6), odd(rng, 1, 3), odd(rng, 1, 3), odd(rng, 1, 2)
    xs = [None if dynamic else nb, c, h, w_]
    x = p.arg(xs, rng.normal(0, 1, (nb, c, h, w_)).astype(np.float32))
    wt = p.weights((f, c, kh, kw), False)
    oh, ow = (h - kh) // s + 1, (w_ - kw) // s + 1
    out = [xs[0], f, oh, ow]
    init = p.init(out, x, xs, None, channel_dims=[1])
    v = p.fresh("nchw")
    p.lines.append(f"  {v} = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, "
                   f"strides = dense<[{s}, {s}]> : tensor<2xi64>}} ins({x}, {wt} : {ttype(xs)}, "
                   f"{ttype([f, c, kh, kw])}) outs({init} : {ttype(out)}) -> {ttype(out)}")
    p.layers.append(f"conv_nchw {kh}x{kw} s{s} -> {f}x{oh}x{ow}")
    return v, out


def make_program(seed: int) -> Program:
    rng = np.random.default_rng(seed)
    p = Program(rng)
    dynamic = rng.random() < 0.5
    kind = rng.choice(["chain2d", "chain4d", "chain4d", "batch_matmul", "matvec",
                       "vecmat", "conv_nchw"], p=[0.3, 0.2, 0.15, 0.1, 0.08, 0.07, 0.1])
    if kind in ("batch_matmul", "matvec", "vecmat", "conv_nchw"):
        v, shape = single_layer(p, kind, dynamic)
        p.result = (v, shape)
        return p
    batch = odd(rng, 1, 5)
    if kind == "chain2d":
        k = odd(rng, 1, 41)
        shape = [None if dynamic else batch, k]
        v = p.arg(shape, rng.normal(0, 1, (batch, k)).astype(np.float32))
    else:
        h, w, c = odd(rng, 3, 9), odd(rng, 3, 9), odd(rng, 1, 6)
        shape = [None if dynamic else batch, h, w, c]
        v = p.arg(shape, rng.normal(0, 1, (batch, h, w, c)).astype(np.float32))
    for i in range(odd(rng, 1, 3)):
        if len(shape) == 4 and rng.random() < 0.75:
            r = layer_conv(p, v, shape, depthwise=rng.random() < 0.35)
            if r is None:
                break
            v, shape = r
        else:
            if len(shape) == 4:
                v, shape = flatten(p, v, shape)
            v, shape = layer_matmul(p, v, shape)
        if i + 1 < 3 and rng.random() < 0.5:
            v = p.relu(v, shape)
            p.layers.append("relu")
    p.result = (v, shape)
    return p


class Failure(Exception):
    pass


def run(cmd: List[str], what: str, expect_ok: bool = True) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode < 0 or r.returncode >= 128 or "Assertion" in r.stderr or \
            "Stack dump" in r.stderr or "runtime error" in r.stderr:
        raise Failure(f"{what}: crashed (code {r.returncode})\n{r.stderr[-2000:]}")
    if expect_ok and r.returncode != 0:
        raise Failure(f"{what}: failed\n{r.stderr[-2000:]}")
    return r


def check_program(seed: int, bin_dir: str, work: str, targets: List[str],
                  plugin: Optional[str], mlir_opt: Optional[str]) -> str:
    p = make_program(seed)
    d = os.path.join(work, f"p{seed}")
    os.makedirs(d, exist_ok=True)
    model = os.path.join(d, "model.mlir")
    with open(model, "w") as f:
        f.write(p.text(*p.result))
    opt, run_tool, cal = (os.path.join(bin_dir, t) for t in
                          ("qlinalg-opt", "qlinalg-run", "qlinalg-calibrate"))
    inputs = []
    for i, a in enumerate(p.arg_data):
        path = os.path.join(d, f"in{i}.npy")
        np.save(path, a)
        inputs.append(path)

    def stage(src: str, name: str, *flags: str) -> str:
        out = os.path.join(d, name)
        run([opt, src, *flags, "-o", out], f"{name}: qlinalg-opt {' '.join(flags)}")
        run([opt, out, "-o", os.devnull], f"{name}: re-parse")
        return out

    run([opt, model, "-o", os.devnull], "the float model verifies")
    stage(model, "instrumented.mlir", "--qlinalg-instrument")
    table = os.path.join(d, "table.json")
    run([cal, model, "--entry=forward", "-o", table, "--quiet", ",".join(inputs)],
        "qlinalg-calibrate")
    quantized = stage(model, "quantized.mlir", f"--qlinalg-quantize=calibration={table}")
    if plugin and mlir_opt:
        out = os.path.join(d, "quantized_plugin.mlir")
        run([*shlex.split(mlir_opt), model, f"--load-dialect-plugin={plugin}", f"--load-pass-plugin={plugin}",
             f"--pass-pipeline=builtin.module(qlinalg-quantize{{calibration={table}}})", "-o", out],
            "stock mlir-opt with the plugin")
        if open(out).read() != open(quantized).read():
            raise Failure("stock mlir-opt with the plugin quantized differently")
    fused = stage(quantized, "fused.mlir", "--qlinalg-fuse")
    float_out = os.path.join(d, "float.npy")
    run([run_tool, model, "--entry=forward", f"--inputs={','.join(inputs)}",
         f"--outputs={float_out}"], "qlinalg-run float")
    ref = np.load(float_out).astype(np.float64)
    if not np.isfinite(ref).all():
        raise Failure("the float model's output is not finite")
    worst = 0.0
    for t in targets:
        lowered = stage(fused, f"lowered_{t}.mlir", f"--qlinalg-lower=target={t}")
        stage(lowered, f"llvm_{t}.mlir", "--qlinalg-vectorize=target=" + t, "--qlinalg-to-llvm")
        out = os.path.join(d, f"int8_{t}.npy")
        run([run_tool, quantized, "--entry=forward", f"--inputs={','.join(inputs)}",
             f"--outputs={out}", f"--target={t}"], f"qlinalg-run int8 target={t}")
        y = np.load(out).astype(np.float64)
        if y.shape != ref.shape or not np.isfinite(y).all():
            raise Failure(f"target {t}: output {y.shape}, finite {np.isfinite(y).all()}")
        norm = np.linalg.norm(ref)
        err = np.linalg.norm(y - ref) / norm if norm > 0 else np.linalg.norm(y)
        worst = max(worst, err)
    layers = sum(1 for l in p.layers if l not in ("relu", "flatten"))
    if worst > 0.05 * layers:
        raise Failure(f"relative RMS error {worst:.4f} above {0.05 * layers:.2f} "
                      f"({layers} layers)")
    return f"seed {seed}: ok, error {worst:.4f} ({'; '.join(p.layers)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=24)
    ap.add_argument("--targets", default="generic,host")
    ap.add_argument("--plugin")
    ap.add_argument("--mlir-opt", help="stock mlir-opt (a command line: it may "
                    "start with env LD_PRELOAD=...)")
    args = ap.parse_args()
    failures = 0
    for seed in range(args.seed, args.seed + args.count):
        try:
            print(check_program(seed, args.bin, args.work, args.targets.split(","),
                                args.plugin, args.mlir_opt), flush=True)
        except Failure as e:
            failures += 1
            print(f"seed {seed}: FAIL {e}", flush=True)
    print(f"{args.count} programs, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
