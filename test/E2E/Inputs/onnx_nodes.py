#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""ONNX's own node test cases for its quantized operators, run by qlinalg.

    onnx_nodes.py gen DIR       write DIR/<case>.mlir, its inputs
                                <case>.in<i>.npy and ONNX's expected output
                                <case>.expected0.npy; print one line per case
                                with its qlinalg-run arguments, and one per
                                case that qlinalg does not express
    onnx_nodes.py compare DIR   compare every <case>.out0.npy (written by
                                qlinalg-run) with ONNX's output, bit for bit
    onnx_nodes.py list          print the cases

The cases are those that python3-onnx ships in
onnx/backend/test/case/node/: each module's export functions are called
with `expect` replaced by a collector, so the inputs, attributes and
expected outputs are ONNX's own. Each node becomes the equivalent qlinalg
module, with the node's scales and zero points on the !quant.uniform types:

  QuantizeLinear     qlinalg.quantize (per tensor; per axis with `axis`)
  DequantizeLinear   qlinalg.dequantize (u8 per tensor and per axis)
  MatMulInteger      qlinalg.matmul with unit scales, the i32 accumulator
  ConvInteger        qlinalg.contract with the NCHW/FCHW window maps, the i32
                     accumulator; `pads` as an i8 tensor.pad with the zero
                     point
  QLinearConv        the same, requantized: multiplier(float)
                     rounding(half_to_even)
  QLinearMatMul      qlinalg.contract (2-D and batched), requantized in float

  DynamicQuantizeLinear  qlinalg.dynamic_quantize (u8), its scale and zero
                     point returned as 0-d tensors (the zero point as i32)
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Dict, List, Optional, Sequence

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matmul_bitexact import Case, QType, case_main, gen_cases, tensor  # noqa: E402

MODULES = ("quantizelinear", "dequantizelinear", "matmulinteger", "convinteger",
           "qlinearconv", "qlinearmatmul", "dynamicquantizelinear")


def collect() -> List[tuple]:
    """(name, node, inputs, outputs) of every export of MODULES."""
    found = []
    for name in MODULES:
        module = importlib.import_module(f"onnx.backend.test.case.node.{name}")

        def expect(node, inputs, outputs, name, **kwargs):
            found.append((name, node, list(inputs), list(outputs)))

        module.expect = expect
        for cls in vars(module).values():
            if isinstance(cls, type) and cls.__module__ == module.__name__:
                for attr in sorted(vars(cls)):
                    if attr.startswith("export"):
                        getattr(cls, attr)()
    return found


def storage(a: np.ndarray) -> str:
    return {np.dtype(np.uint8): "u8", np.dtype(np.int8): "i8",
            np.dtype(np.int32): "i32"}[np.asarray(a).dtype]


def qtype(a: np.ndarray, scale, zp, axis: Optional[int] = None) -> QType:
    scales = np.atleast_1d(np.asarray(scale, np.float32)).astype(np.float64)
    zps = np.atleast_1d(np.asarray(zp)).astype(np.int64)
    if axis is None and scales.size > 1:
        axis = 1
    if axis is not None and scales.size == 1:
        axis = None
    return QType(storage(a), scales, zps, axis=axis)


def attrs(node) -> Dict[str, object]:
    import onnx
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def func(args: List[str], body: List[str], result: str) -> str:
    lines = [f"func.func @main({', '.join(args)}) -> {result} {{"]
    lines += ["  " + line for line in body]
    lines += [f"  return %y : {result}", "}", ""]
    return "\n".join(lines)


def contract(name: str, lhs: str, rhs: str, t_lhs: str, t_rhs: str, t_out: str, loops: str,
             maps: Sequence[str], iters: str, epilogue: str = "") -> List[str]:
    maps_text = ", ".join(f"affine_map<({loops}) -> ({m})>" for m in maps)
    ep = f" {epilogue}" if epilogue else ""
    return [f"%init = tensor.empty() : {t_out}",
            f"%{name} = qlinalg.contract ins({lhs}, {rhs} : {t_lhs}, {t_rhs}) "
            f"outs(%init : {t_out}){ep}",
            f"    {{indexing_maps = [{maps_text}], iterator_types = [{iters}]}} -> {t_out}"]


def padded(x: np.ndarray, qt: QType, pads, body: List[str]) -> tuple:
    """%x padded by ONNX `pads` ([top, left, bottom, right]) with the zero
    point, in storage; returns (value, type text)."""
    if not pads or not any(pads):
        return "%x", tensor(x.shape, qt.text())
    top, left, bottom, right = pads
    shape = (x.shape[0], x.shape[1], x.shape[2] + top + bottom, x.shape[3] + left + right)
    st = qt.storage if qt.storage != "u8" else "i8"
    raw_in, raw_out = tensor(x.shape, "i8"), tensor(shape, "i8")
    zp = int(qt.zps[0]) if qt.storage != "u8" else int(np.int8(np.uint8(qt.zps[0])))
    del st
    body += [f"%xs = quant.scast %x : {tensor(x.shape, qt.text())} to {raw_in}",
             f"%zp = arith.constant {zp} : i8",
             f"%xp = tensor.pad %xs low[0, 0, {top}, {left}] high[0, 0, {bottom}, {right}] {{",
             "^bb0(%i0: index, %i1: index, %i2: index, %i3: index):",
             "  tensor.yield %zp : i8",
             f"}} : {raw_in} to {raw_out}",
             f"%xq = quant.scast %xp : {raw_out} to {tensor(shape, qt.text())}"]
    return "%xq", tensor(shape, qt.text())


CONV_LOOPS = "n, f, oh, ow, c, kh, kw"
CONV_MAPS = ("n, c, oh + kh, ow + kw", "f, c, kh, kw", "n, f, oh, ow")
CONV_ITERS = ", ".join(['"parallel"'] * 4 + ['"reduction"'] * 3)


def to_case(name: str, node, inputs, outputs) -> Optional[Case]:
    op = node.op_type
    a = attrs(node)
    y = np.asarray(outputs[0])
    about = f"ONNX {op} ({name})"
    if op == "QuantizeLinear":
        x, s, z = inputs
        qt = qtype(y, s, z, a.get("axis", 1) if np.asarray(s).size > 1 else None)
        t_x, t_y = tensor(x.shape, "f32"), tensor(y.shape, qt.text())
        mlir = func([f"%x: {t_x}"], [f"%y = qlinalg.quantize %x : {t_x} to {t_y}"], t_y)
        return Case(name, mlir, [x.astype(np.float32)], [y], about)
    if op == "DequantizeLinear":
        x, s = inputs[0], inputs[1]
        z = inputs[2] if len(inputs) > 2 else np.zeros_like(np.asarray(s), dtype=x.dtype)
        qt = qtype(x, s, z, a.get("axis", 1) if np.asarray(s).size > 1 else None)
        t_x, t_y = tensor(x.shape, qt.text()), tensor(y.shape, "f32")
        mlir = func([f"%x: {t_x}"], [f"%y = qlinalg.dequantize %x : {t_x} to {t_y}"], t_y)
        return Case(name, mlir, [x], [y.astype(np.float32)], about)
    if op == "MatMulInteger":
        A, B = inputs[0], inputs[1]
        za = inputs[2] if len(inputs) > 2 else 0
        zb = inputs[3] if len(inputs) > 3 else 0
        ta, tb = qtype(A, 1.0, za), qtype(B, 1.0, zb)
        t_a, t_b = tensor(A.shape, ta.text()), tensor(B.shape, tb.text())
        t_y = tensor(y.shape, "!quant.uniform<i32:f32, 1.0>")
        mlir = func([f"%a: {t_a}", f"%b: {t_b}"],
                    [f"%y = qlinalg.matmul %a, %b : {t_a}, {t_b} -> {t_y}"], t_y)
        return Case(name, mlir, [A, B], [y], about)
    if op in ("ConvInteger", "QLinearConv"):
        if any(v != 1 for v in a.get("strides", [1, 1])) or a.get("group", 1) != 1:
            return None
        if op == "ConvInteger":
            x, w = inputs[0], inputs[1]
            zx = inputs[2] if len(inputs) > 2 else 0
            zw = inputs[3] if len(inputs) > 3 else 0
            tx, tw = qtype(x, 1.0, zx), qtype(w, 1.0, zw, 0)
            out, epilogue = "!quant.uniform<i32:f32, 1.0>", ""
        else:
            x, sx, zx, w, sw, zw, sy, zy = inputs[:8]
            tx, tw = qtype(x, sx, zx), qtype(w, sw, zw, 0)
            out = qtype(y, sy, zy).text()
            epilogue = "multiplier(float) rounding(half_to_even)"
        body: List[str] = []
        lhs, t_lhs = padded(x, tx, a.get("pads"), body)
        t_w, t_y = tensor(w.shape, tw.text()), tensor(y.shape, out)
        body += contract("y", lhs, "%w", t_lhs, t_w, t_y, CONV_LOOPS, CONV_MAPS, CONV_ITERS,
                         epilogue)
        mlir = func([f"%x: {tensor(x.shape, tx.text())}", f"%w: {t_w}"], body, t_y)
        return Case(name, mlir, [x, w], [y], about)
    if op == "QLinearMatMul":
        A, sa, za, B, sb, zb, sy, zy = inputs
        ta, tb, ty = qtype(A, sa, za), qtype(B, sb, zb), qtype(y, sy, zy)
        t_a, t_b, t_y = (tensor(v.shape, q.text()) for v, q in ((A, ta), (B, tb), (y, ty)))
        if A.ndim == 2:
            loops, maps, iters = "m, n, k", ("m, k", "k, n", "m, n"), \
                '"parallel", "parallel", "reduction"'
        else:
            loops, maps, iters = "b, m, n, k", ("b, m, k", "b, k, n", "b, m, n"), \
                '"parallel", "parallel", "parallel", "reduction"'
        body = contract("y", "%a", "%b", t_a, t_b, t_y, loops, maps, iters,
                        "multiplier(float) rounding(half_to_even)")
        mlir = func([f"%a: {t_a}", f"%b: {t_b}"], body, t_y)
        return Case(name, mlir, [A, B], [y], about)
    if op == "DynamicQuantizeLinear":
        x = np.asarray(inputs[0], np.float32)
        t_x, t_y = tensor(x.shape, "f32"), tensor(y.shape, "ui8")
        results = f"{t_y}, tensor<f32>, tensor<i32>"
        mlir = "\n".join([
            f"func.func @main(%x: {t_x}) -> ({results}) {{",
            f"  %y, %s, %z = qlinalg.dynamic_quantize %x : {t_x} -> {t_y}, f32, i32",
            "  %ts = tensor.from_elements %s : tensor<f32>",
            "  %tz = tensor.from_elements %z : tensor<i32>",
            f"  return %y, %ts, %tz : {results}", "}", ""])
        # ONNX's zero point is a uint8 scalar; qlinalg's an i32.
        expected = [y, np.asarray(outputs[1], np.float32),
                    np.asarray(outputs[2]).astype(np.int32)]
        return Case(name, mlir, [x], expected, about)
    return None


def all_cases(skipped: Optional[List[str]] = None) -> List[Case]:
    cases = []
    for name, node, inputs, outputs in collect():
        case = to_case(name, node, [np.asarray(v) for v in inputs], outputs)
        if case is None:
            if skipped is not None:
                skipped.append(f"{name}: ONNX {node.op_type} not expressed")
            continue
        cases.append(case)
    return cases


def main(argv: Sequence[str]) -> int:
    if len(argv) == 2 and argv[0] == "gen":
        skipped: List[str] = []
        gen_cases(argv[1], all_cases(skipped))
        for line in skipped:
            print(line)
        return 0
    return case_main(argv, all_cases, __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
