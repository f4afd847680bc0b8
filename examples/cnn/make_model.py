#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Generate the bundled small CNN: examples/cnn/model.mlir.

    x: ?x3x12x12 (NCHW, dynamic batch)
    conv1 3->8, 3x3, stride 1, padding 1 (tensor.pad) + bias -> relu   ?x8x12x12
    conv2 8->16, 3x3, stride 2, no padding + bias -> relu             ?x16x5x5
    flatten (tensor.collapse_shape)                                    ?x400
    dense 400->10 (transposed 10x400 weight, as torch's nn.Linear) + bias

The float linalg is written the way torch-mlir emits it:

- padding: ``tensor.pad`` with a constant 0.0 yielded from the region;
- a convolution's bias: the accumulator init is the 1-D bias broadcast by a
  ``linalg.generic`` (map ``(d0, d1, d2, d3) -> (d1)``), and
  ``linalg.conv_2d_nchw_fchw`` accumulates into it;
- relu: an elementwise ``linalg.generic`` with ``arith.maximumf`` against 0.0;
- the dense layer: ``linalg.fill(0)`` + ``linalg.matmul`` whose
  ``indexing_maps`` read the (out, in) = 10x400 weight transposed, then an
  elementwise ``linalg.generic`` adding the bias through ``(d0, d1) -> (d1)``.

The weights are drawn from a seeded numpy generator (He init: N(0,
sqrt(2 / fan_in)) for the convolutions, N(0, sqrt(1 / fan_in)) for the
dense layer; biases N(0, 0.1)), so running this script again writes the same
file. Every float is printed with the shortest decimal string that reads
back as the same float32 (through a double, as MLIR's parser does).
``--check`` regenerates the text and requires model.mlir to equal it byte
for byte, and re-parses the constants of model.mlir and requires them to
equal the generated weights bit for bit.

Usage:
    make_model.py [--out-dir DIR] [--check]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Dict, List

import numpy as np

SEED = 20260202
BATCH = "?"
IN_C, IN_HW = 3, 12
C1, C2, K = 8, 16, 3
C1_HW = IN_HW                        # stride 1, padding 1
C2_STRIDE = 2
C2_HW = (C1_HW - K) // C2_STRIDE + 1  # 5
FLAT = C2 * C2_HW * C2_HW            # 400
OUT = 10
HERE = os.path.dirname(os.path.abspath(__file__))

SHAPES = {"conv1_w": (C1, IN_C, K, K), "conv1_b": (C1,),
          "conv2_w": (C2, C1, K, K), "conv2_b": (C2,),
          "fc_w": (OUT, FLAT), "fc_b": (OUT,)}


def make_weights(seed: int = SEED) -> Dict[str, np.ndarray]:
    """The float32 weights of the model (deterministic). fc_w is (out, in)."""
    rng = np.random.default_rng(seed)

    def draw(shape, std):
        return rng.normal(0.0, std, size=shape).astype(np.float32)

    w = {}
    w["conv1_w"] = draw(SHAPES["conv1_w"], np.sqrt(2.0 / (IN_C * K * K)))
    w["conv1_b"] = draw(SHAPES["conv1_b"], 0.1)
    w["conv2_w"] = draw(SHAPES["conv2_w"], np.sqrt(2.0 / (C1 * K * K)))
    w["conv2_b"] = draw(SHAPES["conv2_b"], 0.1)
    w["fc_w"] = draw(SHAPES["fc_w"], np.sqrt(1.0 / FLAT))
    w["fc_b"] = draw(SHAPES["fc_b"], 0.1)
    return w


def format_f32(value: np.float32) -> str:
    """Shortest decimal text that MLIR reads back as exactly this float32."""
    v = np.float32(value)
    if not np.isfinite(v):
        raise ValueError(f"non-finite weight {v!r}")
    text = str(v)  # numpy's shortest round-trip repr of the float32
    if "." not in text:  # MLIR's float literals need a '.': 3e-05 -> 3.0e-05
        mantissa, _, exponent = text.partition("e")
        text = mantissa + ".0" + ("e" + exponent if exponent else "")
    if np.float32(np.float64(text)).tobytes() != v.tobytes():
        text = repr(float(v))
    assert np.float32(np.float64(text)).tobytes() == v.tobytes()
    return text


def dense(array: np.ndarray, indent: str) -> str:
    """`dense<...>` body of a float32 array of any rank (innermost rows on a line)."""
    if array.ndim == 1:
        return "[" + ", ".join(format_f32(v) for v in array) + "]"
    inner = indent + " "
    return "[" + (",\n" + inner).join(dense(a, inner) for a in array) + "]"


def tensor(shape) -> str:
    return "tensor<" + "x".join(str(d) for d in shape) + "xf32>"


def forward_header(t_x: str, t_y: str, ninf: bool = False) -> List[str]:
    """`module {`, `@forward(%x) -> t_y` and the constants every layer uses:
    index 0, 0.0, -inf with `ninf` (a max pooling's fill), and the batch
    size %n read from %x."""
    lines = ["module {",
             f"  func.func @forward(%x: {t_x}) -> {t_y} {{",
             "    %c0 = arith.constant 0 : index",
             "    %zero = arith.constant 0.000000e+00 : f32"]
    if ninf:
        lines.append("    %ninf = arith.constant 0xFF800000 : f32")
    return lines + [f"    %n = tensor.dim %x, %c0 : {t_x}"]


def constant(name: str, w: Dict[str, np.ndarray]) -> str:
    return (f"    %{name} = arith.constant dense<{dense(w[name], ' ' * 6)}> : "
            f"{tensor(w[name].shape)}")


MAP4_ID = "affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>"
MAP4_CH = "affine_map<(d0, d1, d2, d3) -> (d1)>"
PAR4 = '["parallel", "parallel", "parallel", "parallel"]'
MAP2_ID = "affine_map<(d0, d1) -> (d0, d1)>"
MAP2_COL = "affine_map<(d0, d1) -> (d1)>"
PAR2 = '["parallel", "parallel"]'


def conv_layer(name: str, x: str, t_in: str, t_out: str, stride: int,
               w: Dict[str, np.ndarray]) -> List[str]:
    """Bias broadcast (torch-mlir style) + linalg.conv_2d_nchw_fchw into it."""
    t_w, t_b = tensor(w[f"{name}_w"].shape), tensor(w[f"{name}_b"].shape)
    return [
        constant(f"{name}_w", w),
        constant(f"{name}_b", w),
        f"    %{name}_empty = tensor.empty(%n) : {t_out}",
        f"    %{name}_init = linalg.generic {{indexing_maps = [{MAP4_CH}, {MAP4_ID}], "
        f"iterator_types = {PAR4}}}",
        f"        ins(%{name}_b : {t_b}) outs(%{name}_empty : {t_out}) {{",
        "    ^bb0(%in: f32, %out: f32):",
        "      linalg.yield %in : f32",
        f"    }} -> {t_out}",
        f"    %{name} = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : vector<2xi64>, "
        f"strides = dense<{stride}> : vector<2xi64>}}",
        f"        ins({x}, %{name}_w : {t_in}, {t_w}) outs(%{name}_init : {t_out}) -> {t_out}",
    ]


def relu(name: str, x: str, t: str, rank: int = 4) -> List[str]:
    """Elementwise max(x, 0) of a rank-4 (default) or rank-2 tensor."""
    m, par = {4: (MAP4_ID, PAR4), 2: (MAP2_ID, PAR2)}[rank]
    return [
        f"    %{name}_empty = tensor.empty(%n) : {t}",
        f"    %{name} = linalg.generic {{indexing_maps = [{m}, {m}], "
        f"iterator_types = {par}}}",
        f"        ins({x} : {t}) outs(%{name}_empty : {t}) {{",
        "    ^bb0(%in: f32, %out: f32):",
        "      %m = arith.maximumf %in, %zero : f32",
        "      linalg.yield %m : f32",
        f"    }} -> {t}",
    ]


def dense_layer(x: str, t_x: str, t_y: str, w: Dict[str, np.ndarray],
                name: str = "fc", result: str = "%y") -> List[str]:
    """result = x @ <name>_w^T + <name>_b: a transposed-weight linalg.matmul
    from a zero fill, then the bias added by an elementwise generic (as
    torch-mlir writes nn.Linear). The weight is (out, in)."""
    t_fw, t_fb = tensor(w[f"{name}_w"].shape), tensor(w[f"{name}_b"].shape)
    return [
        constant(f"{name}_w", w),
        constant(f"{name}_b", w),
        f"    %{name}_empty = tensor.empty(%n) : {t_y}",
        f"    %{name}_zero = linalg.fill ins(%zero : f32) outs(%{name}_empty : {t_y}) -> {t_y}",
        f"    %{name}_mm = linalg.matmul indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, "
        "affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]",
        f"        ins({x}, %{name}_w : {t_x}, {t_fw}) outs(%{name}_zero : {t_y}) -> {t_y}",
        f"    %{name}_bempty = tensor.empty(%n) : {t_y}",
        f"    {result} = linalg.generic {{indexing_maps = [{MAP2_ID}, {MAP2_COL}, {MAP2_ID}], "
        f"iterator_types = {PAR2}}}",
        f"        ins(%{name}_mm, %{name}_b : {t_y}, {t_fb}) outs(%{name}_bempty : {t_y}) {{",
        "    ^bb0(%a: f32, %b: f32, %out: f32):",
        "      %s = arith.addf %a, %b : f32",
        "      linalg.yield %s : f32",
        f"    }} -> {t_y}",
    ]


def pad(name: str, x: str, t_in: str, t_out: str) -> List[str]:
    """Zero padding of 1 on both sides of H and W (NCHW), a tensor.pad."""
    return [f"    %{name} = tensor.pad {x} low[0, 0, 1, 1] high[0, 0, 1, 1] {{",
            "    ^bb0(%i0: index, %i1: index, %i2: index, %i3: index):",
            "      tensor.yield %zero : f32",
            f"    }} : {t_in} to {t_out}"]


def max_pool(name: str, x: str, t_in: str, t_out: str, size: int) -> List[str]:
    """size x size max pooling with stride size (NCHW): linalg.pooling_nchw_max
    into a -inf fill (the function defines %ninf = 0xFF800000)."""
    t_win = tensor((size, size))
    return [f"    %{name}_win = tensor.empty() : {t_win}",
            f"    %{name}_empty = tensor.empty(%n) : {t_out}",
            f"    %{name}_init = linalg.fill ins(%ninf : f32) outs(%{name}_empty : {t_out}) "
            f"-> {t_out}",
            f"    %{name} = linalg.pooling_nchw_max {{dilations = dense<1> : vector<2xi64>, "
            f"strides = dense<{size}> : vector<2xi64>}}",
            f"        ins({x}, %{name}_win : {t_in}, {t_win}) outs(%{name}_init : {t_out}) "
            f"-> {t_out}"]


def model_text(w: Dict[str, np.ndarray]) -> str:
    t_x = tensor((BATCH, IN_C, IN_HW, IN_HW))
    t_p = tensor((BATCH, IN_C, IN_HW + 2, IN_HW + 2))
    t_1 = tensor((BATCH, C1, C1_HW, C1_HW))
    t_2 = tensor((BATCH, C2, C2_HW, C2_HW))
    t_f = tensor((BATCH, FLAT))
    t_y = tensor((BATCH, OUT))
    lines = [
        f"// Generated by examples/cnn/make_model.py (seed {SEED}); do not edit.",
        "// A small CNN in NCHW, written as torch-mlir emits it: pad -> conv 3->8 (3x3,",
        "// stride 1) + bias -> relu -> conv 8->16 (3x3, stride 2) + bias -> relu ->",
        "// flatten -> dense 400->10 (transposed weight) + bias.",
    ] + forward_header(t_x, t_y) + [
        "    // conv1: 3 -> 8 channels, 3x3, stride 1, padding 1",
    ]
    lines += pad("padded", "%x", t_x, t_p)
    lines += conv_layer("conv1", "%padded", t_p, t_1, 1, w)
    lines += relu("relu1", "%conv1", t_1)
    lines += ["    // conv2: 8 -> 16 channels, 3x3, stride 2, no padding (12 -> 5)"]
    lines += conv_layer("conv2", "%relu1", t_1, t_2, C2_STRIDE, w)
    lines += relu("relu2", "%conv2", t_2)
    lines += [
        "    // flatten, then dense 400 -> 10: y = flat @ fc_w^T + fc_b",
        f"    %flat = tensor.collapse_shape %relu2 [[0], [1, 2, 3]] : {t_2} into {t_f}",
    ]
    lines += dense_layer("%flat", t_f, t_y, w)
    lines += [
        f"    return %y : {t_y}",
        "  }",
        "}",
        "",
    ]
    return "\n".join(lines)


_CONST_RE = re.compile(r"%(\w+) = arith\.constant dense<(\[.*?\])> : tensor<([0-9x]+)xf32>",
                       re.S)


def read_model_constants(path: str) -> Dict[str, np.ndarray]:
    """Parse the dense float constants of model.mlir back (as MLIR would)."""
    with open(path) as f:
        text = f.read()
    found = {}
    for name, body, shape in _CONST_RE.findall(text):
        numbers = re.findall(r"[-+0-9.eE]+", body)
        values = np.array([np.float32(np.float64(t)) for t in numbers], dtype=np.float32)
        dims = tuple(int(d) for d in shape.split("x"))
        found[name] = values.reshape(dims)
    return found


def check(out_dir: str) -> None:
    path = os.path.join(out_dir, "model.mlir")
    weights = make_weights()
    with open(path) as f:
        if f.read() != model_text(weights):
            raise SystemExit(f"error: {path} is not what make_model.py (seed {SEED}) "
                             f"writes; rerun it")
    parsed = read_model_constants(path)
    if sorted(parsed) != sorted(weights):
        raise SystemExit(f"error: model.mlir constants {sorted(parsed)} != "
                         f"{sorted(weights)}")
    for name, w in weights.items():
        if parsed[name].shape != w.shape or parsed[name].tobytes() != w.tobytes():
            raise SystemExit(f"error: constant {name} of model.mlir differs from the "
                             f"generated weights")
    print(f"ok: model.mlir is the seed {SEED} model, {len(weights)} constants bit for bit")


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=HERE)
    parser.add_argument("--check", action="store_true",
                        help="verify the existing model.mlir instead of writing it")
    args = parser.parse_args(argv)
    if not args.check:
        os.makedirs(args.out_dir, exist_ok=True)
        with open(os.path.join(args.out_dir, "model.mlir"), "w") as f:
            f.write(model_text(make_weights()))
    check(args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
