# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Helpers shared by the test/Calibration scripts (not a test; lit skips Inputs/).

- Reading quantized IR (qlinalg-opt output): the `!quant.uniform<...>` type of
  every tensor id, and per matmul its lhs type, its constant weights (i8 data
  and type) or the id of its non-constant weights, its i32 bias, its
  accumulator type and the requantize that follows it.
- Reading the f32 constants of a float model (to recover weights and biases).
- The canonical histogram of lib/Calibration/Statistics.cpp, written from its
  definition: the smallest e >= max(-160, ilogb(max|x|) - 52) such that
  floor(max / 2^e) - floor(min / 2^e) + 1 <= 4096 bins, offset =
  floor(min / 2^e), counts trimmed of trailing zeros.
- The int8 reference of a quantized module (python/qlinalg numerics driven by
  the parameters read from the IR).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys

sys.dont_write_bytecode = True
from typing import Dict, List, Optional

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from qlinalg import numerics as nm  # noqa: E402


class Failure(Exception):
    """A failed check: main() of each script prints it and exits with 1."""


def run_main(main) -> None:
    try:
        main()
    except Failure as exc:
        print(f"FAIL: {exc}")
        sys.exit(1)


def expect(cond: bool, message: str) -> None:
    if not cond:
        raise Failure(message)


def load_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


def f32_equal(a, b) -> bool:
    """Bit equality of f32 arrays (so -0.0 != 0.0 and NaN == NaN)."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    b = np.ascontiguousarray(b, dtype=np.float32)
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


# --------------------------------------------------------------------------
# Quantized types
# --------------------------------------------------------------------------

_TYPE_RE = re.compile(
    r"!quant\.uniform<(?P<storage>[iu]\d+)(?:<(?P<qmin>-?\d+):(?P<qmax>-?\d+)>)?:f32"
    r"(?::(?P<axis>\d+))?, (?P<params>\{[^}]*\}|[^>]*)>")


class QType:
    """A parsed !quant.uniform type: storage range, axis (None: per tensor),
    f32 scales and int zero points (lists, one entry when per tensor)."""

    def __init__(self, text: str):
        m = _TYPE_RE.search(text)
        if not m:
            raise Failure(f"no !quant.uniform type in: {text}")
        self.text = m.group(0)
        self.storage = m.group("storage")
        bits = int(self.storage[1:])
        if m.group("qmin") is not None:
            self.qmin, self.qmax = int(m.group("qmin")), int(m.group("qmax"))
        else:
            self.qmin, self.qmax = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        self.axis = None if m.group("axis") is None else int(m.group("axis"))
        params = m.group("params").strip("{}")
        self.scales_f64: List[float] = []
        self.zero_points: List[int] = []
        for item in params.split(","):
            scale, _, zp = item.strip().partition(":")
            self.scales_f64.append(float(scale))
            self.zero_points.append(int(zp) if zp else 0)
        # The scales of i8 types are f32 values printed as doubles: exact.
        self.scales = np.array(self.scales_f64, dtype=np.float32)

    @property
    def scale(self) -> np.float32:
        expect(len(self.scales) == 1, f"{self.text} is not per tensor")
        return self.scales[0]

    @property
    def zero_point(self) -> int:
        expect(len(self.zero_points) == 1, f"{self.text} is not per tensor")
        return self.zero_points[0]

    def real_range(self):
        """[lo, hi] of representable reals (per tensor), in f64."""
        s = float(self.scale)
        return s * (self.qmin - self.zero_point), s * (self.qmax - self.zero_point)

    def __repr__(self) -> str:
        return self.text


# --------------------------------------------------------------------------
# Dense constants
# --------------------------------------------------------------------------

def _shape_and_element(tensor: str):
    dims = tensor.split("x")
    return tuple(int(d) for d in dims[:-1]), dims[-1]


def parse_dense(body: str, tensor: str) -> np.ndarray:
    """The value of `dense<body> : tensor<tensor>` (list, splat or hex form)."""
    shape, element = _shape_and_element(tensor)
    dtype = {"i8": np.int8, "i32": np.int32, "f32": np.float32}[element]
    body = body.strip()
    if body.startswith('"0x'):
        raw = bytes.fromhex(body[3:-1])
        return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype) \
            .reshape(shape)
    value = json.loads(body)
    if not isinstance(value, list):
        return np.full(shape, value, dtype=dtype)
    # f32 literals go through f64 first, as MLIR's parser does.
    return np.array(value, dtype=np.float64).astype(dtype).reshape(shape)


_FLOAT_CONST_RE = re.compile(
    r"%(?P<name>[\w.$-]+)\s*=\s*arith\.constant\s+dense<(?P<body>[^>]*)>\s*:\s*"
    r"tensor<(?P<tensor>[^>]*xf32)>", re.S)


def float_constants(model_path: str) -> Dict[str, np.ndarray]:
    """The f32 dense constants of a float model, by SSA name (without %)."""
    with open(model_path) as f:
        text = f.read()
    return {m.group("name"): parse_dense(m.group("body"), m.group("tensor"))
            for m in _FLOAT_CONST_RE.finditer(text)}


# --------------------------------------------------------------------------
# Quantized modules
# --------------------------------------------------------------------------

_DEF_RE = re.compile(r"^\s*(%[\w.$-]+)\s*=\s*([\w.]+)\s*(.*)$")


class Matmul:
    def __init__(self):
        self.lhs_type: Optional[QType] = None
        self.lhs_id: Optional[str] = None      # set when the lhs is a qlinalg.quantize
        self.rhs_type: Optional[QType] = None
        self.rhs_const: Optional[np.ndarray] = None
        self.rhs_id: Optional[str] = None
        self.bias_type: Optional[QType] = None
        self.bias: Optional[np.ndarray] = None
        self.acc_type: Optional[QType] = None
        self.out_type: Optional[QType] = None  # the requantize result, if any
        self.out_id: Optional[str] = None
        self.multiplier: Optional[str] = None  # "fixed-point" or "float"
        self.rounding: Optional[str] = None


class QuantizedModule:
    """The parts of a --qlinalg-quantize result the tests need."""

    def __init__(self, path: str):
        self.path = path
        with open(path) as f:
            self.lines = f.read().splitlines()
        defs = {}
        for line in self.lines:
            m = _DEF_RE.match(line)
            if m:
                defs[m.group(1)] = (m.group(2), m.group(3))
        self.types: Dict[str, QType] = {}
        self.matmuls: List[Matmul] = []
        by_result: Dict[str, Matmul] = {}

        def tensor_id(rest: str) -> Optional[str]:
            m = re.search(r'qlinalg\.tensor_id = "([^"]+)"', rest)
            return m.group(1) if m else None

        def constant(name: str) -> np.ndarray:
            op, rest = defs[name]
            expect(op == "arith.constant", f"{name} is not an arith.constant")
            m = re.match(r"dense<(.*)>\s*:\s*tensor<([^>]*)>$", rest)
            expect(m is not None, f"cannot parse the constant {name}: {rest[:80]}")
            return parse_dense(m.group(1), m.group(2))

        for line in self.lines:
            m = _DEF_RE.match(line)
            if not m:
                continue
            result, op, rest = m.groups()
            if op == "qlinalg.quantize":
                tid = tensor_id(rest)
                qtype = QType(rest.split(" to ", 1)[1])
                if tid:
                    self.types[tid] = qtype
            elif op == "qlinalg.matmul":
                mm = Matmul()
                operands = rest.split(" : ", 1)[0]
                names = re.findall(r"%[\w.$-]+", operands)
                lhs, rhs = names[0], names[1]
                bias = names[2] if " bias " in operands else None
                lop, lrest = defs[lhs]
                if lop == "qlinalg.quantize":
                    mm.lhs_id = tensor_id(lrest)
                    mm.lhs_type = QType(lrest.split(" to ", 1)[1])
                else:  # a requantize of an earlier matmul
                    mm.lhs_type = QType(lrest.split(" -> ", 1)[1])
                    mm.lhs_id = tensor_id(lrest)
                rop, rrest = defs[rhs]
                if rop == "quant.scast":
                    src = re.match(r"(%[\w.$-]+)", rrest).group(1)
                    mm.rhs_const = constant(src)
                    mm.rhs_type = QType(rrest.split(" to ", 1)[1])
                else:
                    expect(rop == "qlinalg.quantize", f"unexpected rhs producer {rop}")
                    mm.rhs_id = tensor_id(rrest)
                    mm.rhs_type = QType(rrest.split(" to ", 1)[1])
                if bias:
                    bop, brest = defs[bias]
                    src = re.match(r"(%[\w.$-]+)", brest).group(1)
                    mm.bias = constant(src)
                    mm.bias_type = QType(brest.split(" to ", 1)[1])
                mm.acc_type = QType(rest.rsplit(" -> ", 1)[1])
                self.matmuls.append(mm)
                by_result[result] = mm
            elif op == "qlinalg.requantize":
                src = re.match(r"(%[\w.$-]+)", rest).group(1)
                mm = by_result[src]
                mm.out_id = tensor_id(rest)
                mm.out_type = QType(rest.rsplit(" -> ", 1)[1])
                mm.multiplier = "fixed-point" if "multiplier(fixed_point)" in rest else "float"
                mm.rounding = re.search(r"rounding\((\w+)\)", rest).group(1)
                if mm.out_id:
                    self.types[mm.out_id] = mm.out_type

    def all_scales(self) -> List[float]:
        """Every scale of an i8 type in the module (activations and weights)."""
        out = []
        for line in self.lines:
            for m in _TYPE_RE.finditer(line):
                if m.group("storage") == "i8":
                    out.extend(QType(m.group(0)).scales_f64)
        return out


def run_reference(qm: QuantizedModule, x: np.ndarray, weights: List[np.ndarray],
                  biases: List[Optional[np.ndarray]]) -> np.ndarray:
    """The int8 path of a chain of quantized matmuls with constant weights, in
    python/qlinalg, with the parameters read from the IR; returns the
    dequantized f32 output.

    Checks on the way that quantizing the float weights (weights[i]) with
    the IR's scales and zero points gives the IR's i8 constants, that these
    lie in the storage range, that the accumulator scales are f64(sa) *
    f64(sb[n]) and that the i32 bias constants are quantize_bias(biases[i],
    acc_scale).
    """
    t = qm.matmuls[0].lhs_type
    q = nm.quantize(x, t.scale, t.zero_point, t.qmin, t.qmax)
    out_type = t
    for i, mm in enumerate(qm.matmuls):
        lt, rt = mm.lhs_type, mm.rhs_type
        expect(lt.text == out_type.text, f"matmul {i}: lhs type {lt} is not the type "
               f"of the value it consumes ({out_type})")
        expect(mm.rhs_const is not None, f"matmul {i}: weights are not constant")
        w_q = mm.rhs_const
        expect(w_q.min() >= rt.qmin and w_q.max() <= rt.qmax,
               f"matmul {i}: i8 weights [{w_q.min()}, {w_q.max()}] outside {rt}")
        n = w_q.shape[1]
        if rt.axis is not None:
            expect(rt.axis == 1 and len(rt.scales) == n, f"matmul {i}: weight type {rt}")
            scales = rt.scales
            zps = np.array(rt.zero_points, dtype=np.int64)
            ref = nm.quantize(weights[i], scales, zps, rt.qmin, rt.qmax, axis=1)
        else:
            scales = np.full(n, rt.scale, dtype=np.float32)
            zps = np.full(n, rt.zero_point, dtype=np.int64)
            ref = nm.quantize(weights[i], rt.scale, rt.zero_point, rt.qmin, rt.qmax)
        expect(np.array_equal(ref, w_q), f"matmul {i}: python/qlinalg quantize of the "
               f"float weights with the IR's parameters differs from the IR's i8 "
               f"constants:\n{ref}\nvs\n{w_q}")
        acc_scale = np.float64(lt.scale) * scales.astype(np.float64)
        acc_ir = np.array(mm.acc_type.scales_f64 if mm.acc_type.axis is not None
                          else mm.acc_type.scales_f64 * n, dtype=np.float64)
        expect(np.array_equal(acc_ir, acc_scale),
               f"matmul {i}: accumulator scales {acc_ir} != sa * sb {acc_scale}")
        bias_q = None
        if biases[i] is not None:
            expect(mm.bias is not None, f"matmul {i}: the bias is missing")
            bias_q = nm.quantize_bias(biases[i], acc_scale)
            expect(np.array_equal(bias_q, mm.bias), f"matmul {i}: IR bias {mm.bias} != "
                   f"quantize_bias {bias_q}")
        acc = nm.qmatmul(q, lt.zero_point, w_q, zps, bias_q)
        expect(mm.out_type is not None, f"matmul {i} has no requantize")
        ot = mm.out_type
        q = nm.requantize(acc, acc_scale, ot.scale, ot.zero_point, ot.qmin, ot.qmax,
                          mode=mm.multiplier, rounding=mm.rounding)
        out_type = ot
    return nm.dequantize(q, out_type.scale, out_type.zero_point)


# --------------------------------------------------------------------------
# Canonical histograms and tables
# --------------------------------------------------------------------------

NUM_BINS = 4096
MIN_LOG2_WIDTH = -160


def _ilogb(x: float) -> int:
    return math.frexp(x)[1] - 1


def _bin(x: float, e: int) -> int:
    return math.floor(math.ldexp(x, -e))


def canonical_log2_width(lo: float, hi: float) -> int:
    e = MIN_LOG2_WIDTH
    magnitude = max(abs(lo), abs(hi))
    if magnitude > 0:
        e = max(e, _ilogb(magnitude) - 52)
    while _bin(hi, e) - _bin(lo, e) + 1 > NUM_BINS:
        e += 1
    return e


def canonical_histogram(values) -> dict:
    """{"log2_width", "offset", "counts"} of f32 values, canonical."""
    v = np.asarray(values, dtype=np.float32).astype(np.float64).ravel()
    lo, hi = float(v.min()), float(v.max())
    e = canonical_log2_width(lo, hi)
    offset = _bin(lo, e)
    # floor(x / 2^e), exact: scaling by a power of two is exact in f64.
    idx = np.floor(np.ldexp(v, -e)).astype(np.int64) - offset
    counts = np.bincount(idx)
    while counts.size and counts[-1] == 0:
        counts = counts[:-1]
    return {"log2_width": e, "offset": offset, "counts": [int(c) for c in counts]}


def table_entry(values, histogram: bool = True, **extra) -> dict:
    v = np.asarray(values, dtype=np.float32)
    entry = {"count": int(v.size), "min": float(v.min()), "max": float(v.max())}
    if histogram:
        entry["histogram"] = canonical_histogram(v)
    entry.update(extra)
    return entry


def make_table(tensors: dict, entry: str = "forward") -> dict:
    return {"format": "qlinalg-calibration", "version": 2, "model": "handwritten",
            "entry": entry, "batches": 1, "tensors": tensors}


def write_json(path: str, obj) -> None:
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
