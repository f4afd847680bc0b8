# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Reference quantized linear layer and two-layer model built on qlinalg.numerics.

The quantized path (``linear_q``, ``two_layer_q``) is bit exact with the
C++ compiler: per-output-channel symmetric int8 weights, int32 bias at
scale x_scale * w_scale[n] (float64), int32 accumulation and requantization
to int8 in [-128, 127]. The float helpers (``linear_f32``, ``two_layer_f32``,
``calibrate_two_layer``) are conveniences for building test cases; their
float32 matmuls are NOT part of the bit-exact contract (summation order
differs between BLAS and the compiler).
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple

import numpy as np

from . import numerics as nm

QParams = Tuple[np.float32, int]

OUT_QMIN, OUT_QMAX = -128, 127


def quantize_weights_per_channel(w_f32: np.ndarray, bits: int = 8) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric per-output-column weight quantization of a (K, N) matrix.

    Column n uses (scale_n, 0) = choose_symmetric(min(w[:, n]), max(w[:, n]), bits)
    and the narrow range [-qmax, qmax]. Returns (int8 (K, N), f32 scales (N,)).
    """
    w = np.asarray(w_f32, dtype=np.float32)
    if w.ndim != 2 or w.shape[0] == 0:
        raise ValueError(f"weights must be a non-empty (K, N) matrix, got shape {w.shape}")
    scales, _ = nm.choose_symmetric_per_channel(w.min(axis=0), w.max(axis=0), bits)
    qmax = 2 ** (bits - 1) - 1
    w_q = nm.quantize(w, scales, np.zeros(w.shape[1], dtype=np.int64), -qmax, qmax,
                      axis=1, dtype=np.int8)
    return w_q, scales


def linear_q(x_q: np.ndarray, x_scale: float, x_zp: int, w_f32: np.ndarray,
             b_f32: Optional[np.ndarray], out_scale: float, out_zp: int,
             mode: str = "fixed-point") -> Tuple[np.ndarray, Dict[str, Any]]:
    """Quantized y = x @ w + b with int8 output.

    ``x_q`` is (M, K) int8/uint8 with params (x_scale, x_zp); ``w_f32`` is
    (K, N) float32; ``b_f32`` is (N,) or None. Returns (y_q int8 (M, N),
    details) where details holds the intermediates: w_q, w_scales, acc_scale
    (float64 (N,)), bias_q, acc, and the fixed-point (mult, shift) per column.
    """
    w_q, w_scales = quantize_weights_per_channel(w_f32)
    acc_scale = np.float64(x_scale) * w_scales.astype(np.float64)
    bias_q = None if b_f32 is None else nm.quantize_bias(b_f32, acc_scale)
    acc = nm.qmatmul(x_q, x_zp, w_q, 0, bias_q)
    y_q = nm.requantize(acc, acc_scale, out_scale, out_zp, OUT_QMIN, OUT_QMAX, mode=mode)
    multipliers = acc_scale / np.float64(out_scale)
    details = {
        "w_q": w_q,
        "w_scales": w_scales,
        "acc_scale": acc_scale,
        "bias_q": bias_q,
        "acc": acc,
        "multipliers": multipliers,
        "mult_shift": [nm.quantize_multiplier(m) for m in multipliers],
    }
    return y_q, details


def linear_f32(x: np.ndarray, w: np.ndarray, b: Optional[np.ndarray]) -> np.ndarray:
    """Float32 reference x @ w + b (not bit-exact with the compiler)."""
    y = np.asarray(x, dtype=np.float32) @ np.asarray(w, dtype=np.float32)
    return y if b is None else (y + np.asarray(b, dtype=np.float32)).astype(np.float32)


def two_layer_f32(x: np.ndarray, w1: np.ndarray, b1: Optional[np.ndarray], w2: np.ndarray,
                  b2: Optional[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """Float32 two-layer model (no activation); returns (hidden, output)."""
    h = linear_f32(x, w1, b1)
    return h, linear_f32(h, w2, b2)


def _global_minmax(arrays: Iterable[np.ndarray]) -> Tuple[np.float32, np.float32]:
    lo, hi = np.float32(np.inf), np.float32(-np.inf)
    for a in arrays:
        lo = min(lo, np.float32(np.min(a)))
        hi = max(hi, np.float32(np.max(a)))
    if not lo <= hi:
        raise ValueError("calibration needs at least one non-empty batch")
    return lo, hi


def calibrate_two_layer(batches: Iterable[np.ndarray], w1: np.ndarray,
                        b1: Optional[np.ndarray], w2: np.ndarray,
                        b2: Optional[np.ndarray]) -> Dict[str, QParams]:
    """Min/max calibration of input, hidden and output tensors over float batches.

    Runs :func:`two_layer_f32` on each batch and applies choose_asymmetric
    (int8, [-128, 127]) to the global min/max of each tensor. Returns
    {'x': (scale, zp), 'h': ..., 'y': ...}.
    """
    xs, hs, ys = [], [], []
    for x in batches:
        h, y = two_layer_f32(x, w1, b1, w2, b2)
        xs.append(np.asarray(x, dtype=np.float32))
        hs.append(h)
        ys.append(y)
    return {name: nm.choose_asymmetric(*_global_minmax(vals), OUT_QMIN, OUT_QMAX)
            for name, vals in (("x", xs), ("h", hs), ("y", ys))}


def two_layer_q(x_q: np.ndarray, x_scale: float, x_zp: int, w1: np.ndarray,
                b1: Optional[np.ndarray], h_scale: float, h_zp: int, w2: np.ndarray,
                b2: Optional[np.ndarray], out_scale: float, out_zp: int,
                mode: str = "fixed-point") -> Tuple[np.ndarray, Dict[str, Any]]:
    """Two chained :func:`linear_q` layers (no activation) with an int8 hidden tensor.

    Returns (y_q int8, {'h_q': hidden int8, 'layer1': details, 'layer2': details}).
    """
    h_q, d1 = linear_q(x_q, x_scale, x_zp, w1, b1, h_scale, h_zp, mode)
    y_q, d2 = linear_q(h_q, h_scale, h_zp, w2, b2, out_scale, out_zp, mode)
    return y_q, {"h_q": h_q, "layer1": d1, "layer2": d2}


# --------------------------------------------------------------------------
# Whole-network helpers: a model's int8 path from its calibration table
# --------------------------------------------------------------------------

def load_table(path: str) -> Dict[str, Any]:
    """A calibration table (qlinalg-calibrate's JSON) as a dict."""
    import json
    with open(path) as f:
        return json.load(f)


def table_params(table: Dict[str, Any], tid: str) -> QParams:
    """The asymmetric int8 (scale, zero point) of tensor id `tid`, from its
    table range, as --qlinalg-quantize chooses them (estimator minmax)."""
    e = table["tensors"][tid]
    return nm.choose_asymmetric(np.float32(e["min"]), np.float32(e["max"]), OUT_QMIN, OUT_QMAX)


def quantize_weights_along(w: np.ndarray, axis: int) -> Tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 [-127, 127] weights of any rank, one scale per slice
    along `axis` (the output channel), as the quantizer quantizes constant
    weights. Returns (int8 values, f32 scales)."""
    moved = np.moveaxis(w, axis, 0)
    flat = moved.reshape(moved.shape[0], -1)
    scales, _ = nm.choose_symmetric_per_channel(flat.min(axis=1), flat.max(axis=1))
    q = nm.quantize(w, scales, np.zeros(scales.shape, np.int64), -127, 127, axis=axis,
                    dtype=np.int8)
    return q, scales


def requantize_along(acc: np.ndarray, acc_scale: np.ndarray, axis: int, out: QParams,
                     lo: int, mode: str, hi: int = OUT_QMAX) -> np.ndarray:
    """The int32 accumulator requantized to `out` with one accumulator scale
    per slice along `axis`, clamped to [lo, hi] (lo above qmin: a fused ReLU)."""
    moved = np.moveaxis(acc, axis, -1)
    y = nm.requantize(moved, acc_scale, out[0], out[1], lo, hi, mode=mode)
    return np.ascontiguousarray(np.moveaxis(y, -1, axis))


def report_bitexact(what: str, got: np.ndarray, ref: np.ndarray) -> int:
    """Print whether `got` equals `ref` bit for bit; return 1 if not."""
    if got.shape != ref.shape or not np.array_equal(got.view(np.uint32), ref.view(np.uint32)):
        bad = int(np.sum(got != ref)) if got.shape == ref.shape else -1
        print(f"{what}: FAIL, {bad} of {ref.size} outputs differ")
        return 1
    print(f"{what}: bit-exact ({ref.size} outputs)")
    return 0
