# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Bit-exact numpy reference for qlinalg's int8 quantization arithmetic.

This module is the *contract* between the Python reference and the C++
compiler: every function here fixes the dtype of each intermediate value and
the rounding rule of each step, and the C++ lowering is expected to reproduce
the results bit for bit.

Conventions used throughout:

* "f32" arithmetic is done on ``np.float32`` scalars/arrays so that every
  operation rounds to float32 (numpy keeps float32 op float32 in float32).
* ``rint`` is round-half-to-even (``np.rint``).
* Integer fixed-point helpers operate on ``int64`` arrays holding values in
  int32 range and follow gemmlowp / TFLite semantics, including C++'s
  truncating integer division.

Contents: storage ranges, min/max parameter selection (PyTorch
MinMaxObserver style), quantize/dequantize, bias quantization, the quantized
matmul (direct and zero-point-decomposed), batch matmul, zero-point padding
and 2-D convolutions (linalg's nhwc/hwcf, nchw/fchw and depthwise nhwc/hwc
forms, plus float32 counterparts for building test cases), and two
requantization modes (fixed-point multiplier and float32 multiplier).
"""

from __future__ import annotations

import math
from typing import Optional, Tuple, Union

import numpy as np

ArrayLike = Union[np.ndarray, float, int, np.generic]

EPS = np.float32(np.finfo(np.float32).eps)  # 1.1920929e-07

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
# Largest float32 value that is <= INT32_MAX (2**31 - 128).
F32_BELOW_2_POW_31 = np.float32(2147483520.0)

_NATIVE_RANGES = {
    "i8": (-128, 127),
    "u8": (0, 255),
    "i16": (-32768, 32767),
    "i32": (INT32_MIN, INT32_MAX),
}

_STORAGE_DTYPES = tuple(np.dtype(t) for t in (np.int8, np.uint8, np.int16, np.int32))
# Storage types accepted by the quantized contractions (qmatmul, convolutions).
_QUANT_DTYPES = (np.dtype(np.int8), np.dtype(np.uint8))

ROUNDING_MODES = ("half_away_from_zero", "half_to_even")
REQUANT_MODES = ("fixed-point", "float")


# --------------------------------------------------------------------------
# Storage ranges
# --------------------------------------------------------------------------

def storage_range(dtype_name: str, bits: Optional[int] = None,
                  narrow: bool = False) -> Tuple[int, int]:
    """Return the (qmin, qmax) integer range of a storage type.

    ``dtype_name`` is one of 'i8', 'u8', 'i16', 'i32'. ``bits`` (2..8)
    restricts the range to a sub-byte width: signed gives
    (-2**(b-1), 2**(b-1)-1), unsigned gives (0, 2**b-1). ``narrow`` drops
    the most negative value of a signed range, making it symmetric
    (-(2**(b-1)-1), 2**(b-1)-1); it is rejected for unsigned types.
    """
    if dtype_name not in _NATIVE_RANGES:
        raise ValueError(f"unknown storage dtype {dtype_name!r}; expected one of "
                         f"{sorted(_NATIVE_RANGES)}")
    signed = dtype_name != "u8"
    if narrow and not signed:
        raise ValueError(f"narrow range is only defined for signed types, got {dtype_name!r}")
    if bits is None:
        qmin, qmax = _NATIVE_RANGES[dtype_name]
    else:
        if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 8:
            raise ValueError(f"bits must be an integer in 2..8, got {bits!r}")
        bits = int(bits)
        qmin, qmax = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if narrow:
        qmin = -qmax
    return int(qmin), int(qmax)


# --------------------------------------------------------------------------
# Choosing quantization parameters
# --------------------------------------------------------------------------

def _finite_f32(value: ArrayLike, name: str) -> np.float32:
    """Convert a scalar to float32, rejecting NaN/Inf before and after rounding."""
    v = np.asarray(value)
    if v.ndim != 0:
        raise ValueError(f"{name} must be a scalar, got shape {v.shape}")
    if not np.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v.item()!r}")
    with np.errstate(over="ignore"):
        f = np.float32(v)
    if not np.isfinite(f):
        raise ValueError(f"{name}={v.item()!r} overflows float32")
    return f


def _check_qrange(qmin: int, qmax: int) -> Tuple[int, int]:
    qmin, qmax = int(qmin), int(qmax)
    if qmin >= qmax:
        raise ValueError(f"invalid quantized range: qmin={qmin} must be < qmax={qmax}")
    return qmin, qmax


def _clamp_int(v: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, v))


def choose_asymmetric(rmin: ArrayLike, rmax: ArrayLike, qmin: int = -128,
                      qmax: int = 127) -> Tuple[np.float32, int]:
    """Affine (scale, zero_point) for an observed range, as PyTorch MinMaxObserver.

    The range is first widened to include 0. All arithmetic is f32:
    scale = max((rmax - rmin) / (qmax - qmin), EPS) and
    zp = clamp(qmin - rint(rmin / scale), qmin, qmax). A zero-width range
    (rmin == rmax == 0) gives scale 1.0 and zp = qmin.
    """
    qmin, qmax = _check_qrange(qmin, qmax)
    lo = _finite_f32(rmin, "rmin")
    hi = _finite_f32(rmax, "rmax")
    if lo > hi:
        raise ValueError(f"rmin ({lo}) must be <= rmax ({hi})")
    lo = np.float32(min(lo, np.float32(0.0)))
    hi = np.float32(max(hi, np.float32(0.0)))
    if lo == hi:
        scale = np.float32(1.0)
    else:
        with np.errstate(over="ignore"):
            width = np.float32(hi - lo)
        if not np.isfinite(width):
            raise ValueError(f"range width rmax - rmin = {hi} - {lo} overflows float32")
        scale = np.float32(width / np.float32(qmax - qmin))
        scale = max(scale, EPS)
    zp = qmin - int(np.rint(np.float32(lo / scale)))
    return np.float32(scale), _clamp_int(zp, qmin, qmax)


def choose_symmetric(rmin: ArrayLike, rmax: ArrayLike,
                     bits: int = 8) -> Tuple[np.float32, int]:
    """Symmetric (scale, 0) for an observed range, for the narrow range (-qmax, qmax).

    qmax = 2**(bits-1) - 1, amax = max(|rmin|, |rmax|) in f32,
    scale = max(amax / qmax, EPS) in f32, or 1.0 when amax == 0.
    """
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 32:
        raise ValueError(f"bits must be an integer in 2..32, got {bits!r}")
    lo = _finite_f32(rmin, "rmin")
    hi = _finite_f32(rmax, "rmax")
    if lo > hi:
        raise ValueError(f"rmin ({lo}) must be <= rmax ({hi})")
    qmax = np.float32(2 ** (int(bits) - 1) - 1)
    amax = np.float32(max(abs(lo), abs(hi)))
    if amax == 0:
        return np.float32(1.0), 0
    return np.float32(max(np.float32(amax / qmax), EPS)), 0


def _per_channel_inputs(mins: ArrayLike, maxs: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    lo = np.asarray(mins)
    hi = np.asarray(maxs)
    if lo.ndim != 1 or lo.shape != hi.shape:
        raise ValueError(f"per-channel mins/maxs must be 1-D of equal length, "
                         f"got shapes {lo.shape} and {hi.shape}")
    return lo, hi


def choose_asymmetric_per_channel(mins: ArrayLike, maxs: ArrayLike, qmin: int = -128,
                                  qmax: int = 127) -> Tuple[np.ndarray, np.ndarray]:
    """Elementwise :func:`choose_asymmetric`; returns (f32 scales, int64 zps)."""
    lo, hi = _per_channel_inputs(mins, maxs)
    pairs = [choose_asymmetric(a, b, qmin, qmax) for a, b in zip(lo, hi)]
    return (np.array([s for s, _ in pairs], dtype=np.float32),
            np.array([z for _, z in pairs], dtype=np.int64))


def choose_symmetric_per_channel(mins: ArrayLike, maxs: ArrayLike,
                                 bits: int = 8) -> Tuple[np.ndarray, np.ndarray]:
    """Elementwise :func:`choose_symmetric`; returns (f32 scales, int64 zeros)."""
    lo, hi = _per_channel_inputs(mins, maxs)
    scales = np.array([choose_symmetric(a, b, bits)[0] for a, b in zip(lo, hi)],
                      dtype=np.float32)
    return scales, np.zeros(lo.shape, dtype=np.int64)


# --------------------------------------------------------------------------
# Quantize / dequantize
# --------------------------------------------------------------------------

def _axis_param(value: ArrayLike, ndim: int, axis: Optional[int], length: Optional[int],
                dtype: type, name: str) -> np.ndarray:
    """Scalar param, or a 1-D per-axis param reshaped to broadcast along ``axis``."""
    v = np.asarray(value, dtype=dtype)
    if axis is None:
        if v.ndim != 0:
            raise ValueError(f"{name} must be a scalar when axis is None, got shape {v.shape}")
        return v
    if v.ndim == 0:
        v = np.full((length,), v, dtype=dtype)
    if v.shape != (length,):
        raise ValueError(f"{name} must have shape ({length},) for axis {axis}, got {v.shape}")
    shape = [1] * ndim
    shape[axis] = length
    return v.reshape(shape)


def _normalize_axis(axis: Optional[int], ndim: int) -> Optional[int]:
    if axis is None:
        return None
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} out of range for a {ndim}-D array")
    return axis % ndim


def _check_scale(scale: np.ndarray, name: str = "scale") -> None:
    if not np.all(np.isfinite(scale)) or not np.all(scale > 0):
        raise ValueError(f"{name} must be finite and > 0, got {scale}")


def _f32_clamp_bounds(qmin: int, qmax: int, dtype: np.dtype) -> Tuple[np.float32, np.float32]:
    """f32 clamp bounds: [qmin, qmax] intersected with what casts safely to dtype."""
    if np.dtype(dtype) not in _STORAGE_DTYPES:
        raise ValueError(f"unsupported storage dtype {np.dtype(dtype).name}; expected one of "
                         f"{[d.name for d in _STORAGE_DTYPES]}")
    info = np.iinfo(dtype)
    if qmin < info.min or qmax > info.max:
        raise ValueError(f"range [{qmin}, {qmax}] does not fit {np.dtype(dtype).name}")
    lo, hi = np.float32(qmin), np.float32(qmax)
    if np.dtype(dtype) == np.int32:
        # f32(2**31 - 1) == 2**31, which does not fit int32.
        hi = min(hi, F32_BELOW_2_POW_31)
        lo = max(lo, np.float32(INT32_MIN))
    return lo, hi


def _clamp_cast_f32(y: np.ndarray, qmin: int, qmax: int, dtype: type) -> np.ndarray:
    """Clamp an f32 array with fmax/fmin (NaN -> lower bound) and cast to dtype."""
    lo, hi = _f32_clamp_bounds(qmin, qmax, np.dtype(dtype))
    return np.fmin(np.fmax(y, lo), hi).astype(dtype)


def quantize(x: ArrayLike, scale: ArrayLike, zp: ArrayLike, qmin: int, qmax: int,
             axis: Optional[int] = None, dtype: type = np.int8) -> np.ndarray:
    """Quantize in f32: clamp(rint(x / scale) + zp, qmin, qmax) cast to ``dtype``.

    With ``axis`` given, ``scale`` and ``zp`` are 1-D arrays indexed along
    that axis. NaN inputs map to qmin, +/-Inf saturate.
    """
    qmin, qmax = _check_qrange(qmin, qmax)
    xf = np.asarray(x, dtype=np.float32)
    axis = _normalize_axis(axis, xf.ndim)
    length = xf.shape[axis] if axis is not None else None
    s = _axis_param(scale, xf.ndim, axis, length, np.float32, "scale")
    z = _axis_param(zp, xf.ndim, axis, length, np.float32, "zp")
    _check_scale(s)
    with np.errstate(over="ignore", invalid="ignore"):
        q = np.rint(xf / s) + z
    return _clamp_cast_f32(q.astype(np.float32, copy=False), qmin, qmax, dtype)


def dynamic_quantize(x: ArrayLike, signed: bool = False) -> Tuple[np.ndarray, np.float32, int]:
    """ONNX DynamicQuantizeLinear (``qlinalg.dynamic_quantize``), all in f32.

    With [qmin, qmax] = [0, 255] (uint8; [-128, 127] int8 when ``signed``),
    lo = min(0, min x), hi = max(0, max x):
    scale = (hi - lo) / (qmax - qmin), or 1 when hi == lo (x all zero);
    zp = rint(clamp(qmin - lo / scale, qmin, qmax));
    q = clamp(rint(x / scale) + zp, qmin, qmax). Returns (q, scale, zp).
    """
    qmin, qmax = (-128, 127) if signed else (0, 255)
    xf = np.asarray(x, dtype=np.float32)
    lo = np.float32(min(np.float32(0), xf.min())) if xf.size else np.float32(0)
    hi = np.float32(max(np.float32(0), xf.max())) if xf.size else np.float32(0)
    scale = np.float32(1) if hi == lo else np.float32((hi - lo) / np.float32(qmax - qmin))
    zp_f = np.float32(qmin) - lo / scale
    zp = int(np.rint(np.float32(min(max(zp_f, np.float32(qmin)), np.float32(qmax)))))
    q = quantize(xf, scale, zp, qmin, qmax, dtype=np.int8 if signed else np.uint8)
    return q, scale, zp


def dequantize_dynamic(acc: ArrayLike, x_scale: ArrayLike, w_scale: ArrayLike,
                       axis: Optional[int] = None) -> np.ndarray:
    """A contraction over a run-time quantized lhs, to f32 (qlinalg.contract
    with lhs_params): f32(acc) * f32(x_scale * w_scale), the scale product
    rounded to f32 first, as ONNX Runtime's dynamically quantized MatMul
    (MatMulInteger, Cast, Mul by the product of the scales). ``w_scale`` is a
    scalar or a 1-D array along ``axis`` of ``acc``.
    """
    a = np.asarray(acc)
    axis = _normalize_axis(axis, a.ndim)
    length = a.shape[axis] if axis is not None else None
    ws = _axis_param(w_scale, a.ndim, axis, length, np.float32, "w_scale")
    return a.astype(np.float32) * (np.float32(x_scale) * ws)


def dequantize(q: ArrayLike, scale: ArrayLike, zp: ArrayLike,
               axis: Optional[int] = None) -> np.ndarray:
    """Dequantize in f32: f32(q - zp) * f32(scale).

    ``q - zp`` is computed exactly (int64), so it cannot wrap; the result is
    then rounded once to f32 and multiplied in f32.
    """
    qi = np.asarray(q)
    if not np.issubdtype(qi.dtype, np.integer):
        raise ValueError(f"dequantize expects an integer array, got {qi.dtype}")
    axis = _normalize_axis(axis, qi.ndim)
    length = qi.shape[axis] if axis is not None else None
    s = _axis_param(scale, qi.ndim, axis, length, np.float32, "scale")
    z = _axis_param(zp, qi.ndim, axis, length, np.int64, "zp")
    centered = qi.astype(np.int32).astype(np.int64) - z
    return (centered.astype(np.float32) * s).astype(np.float32, copy=False)


# --------------------------------------------------------------------------
# Bias quantization
# --------------------------------------------------------------------------

def quantize_bias(bias: ArrayLike, acc_scale: ArrayLike) -> np.ndarray:
    """Quantize a bias to int32 in float64: clip(rint(bias / acc_scale), int32).

    ``acc_scale`` is float64(lhs_scale) * float64(rhs_scale), scalar or
    per-output-column (broadcast along the last axis of ``bias``).
    """
    b = np.asarray(bias, dtype=np.float64)
    s = np.asarray(acc_scale, dtype=np.float64)
    if not np.all(np.isfinite(b)):
        raise ValueError("bias contains NaN or Inf")
    _check_scale(s, "acc_scale")
    with np.errstate(over="ignore"):
        q = np.rint(b / s)
    return np.clip(q, float(INT32_MIN), float(INT32_MAX)).astype(np.int32)


# --------------------------------------------------------------------------
# Quantized matmul
# --------------------------------------------------------------------------

def _matmul_operands(a_q: ArrayLike, za: int, b_q: ArrayLike,
                     zb: ArrayLike) -> Tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    a = np.asarray(a_q)
    b = np.asarray(b_q)
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"qmatmul expects 2-D operands, got {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"qmatmul contraction mismatch: {a.shape} @ {b.shape}")
    if a.dtype not in _QUANT_DTYPES or b.dtype not in _QUANT_DTYPES:
        raise ValueError(f"qmatmul expects int8/uint8 operands, got {a.dtype}, {b.dtype}")
    zb_arr = np.asarray(zb, dtype=np.int64)
    if zb_arr.ndim == 0:
        zb_arr = np.full((b.shape[1],), zb_arr, dtype=np.int64)
    if zb_arr.shape != (b.shape[1],):
        raise ValueError(f"zb must be a scalar or shape ({b.shape[1]},), got {zb_arr.shape}")
    return a.astype(np.int64), int(za), b.astype(np.int64), zb_arr


def _add_bias_to_int32(acc: np.ndarray, bias_q: Optional[ArrayLike],
                       axis: int = -1) -> np.ndarray:
    """Add an int32 bias, indexed along ``axis`` of the exact accumulator, and
    narrow the sum to int32 (OverflowError if any element leaves int32).

    ``acc`` is int64, or an object array of Python ints (see
    :func:`_exact_dtype`); the bias must be an integer array of shape
    (acc.shape[axis],) with values in int32 range.
    """
    if bias_q is not None:
        axis = axis % acc.ndim
        length = acc.shape[axis]
        bias = np.asarray(bias_q)
        if bias.shape != (length,) or not np.issubdtype(bias.dtype, np.integer):
            raise ValueError(f"bias_q must be an integer array of shape ({length},), "
                             f"got {bias.dtype} {bias.shape}")
        bias = _as_int32_range_int64(bias, "bias_q")
        shape = [1] * acc.ndim
        shape[axis] = length
        acc = acc + bias.reshape(shape).astype(acc.dtype)
    if acc.size and (acc.min() < INT32_MIN or acc.max() > INT32_MAX):
        raise OverflowError(f"int32 accumulator overflow: range [{acc.min()}, {acc.max()}]")
    return acc.astype(np.int32)


def qmatmul(a_q: ArrayLike, za: int, b_q: ArrayLike, zb: ArrayLike,
            bias_q: Optional[ArrayLike] = None) -> np.ndarray:
    """int32 (a - za) @ (b - zb) + bias, computed exactly in int64.

    ``a_q`` is (M, K) and ``b_q`` is (K, N), each int8 or uint8 (ONNX
    QLinearMatMul / MatMulInteger allow u8 x u8); ``zb`` is a scalar or a
    per-column (N,) array. Raises OverflowError if a result leaves int32.
    """
    a, za_i, b, zb_arr = _matmul_operands(a_q, za, b_q, zb)
    acc = (a - za_i) @ (b - zb_arr[np.newaxis, :])
    return _add_bias_to_int32(acc, bias_q)


def qmatmul_decomposed(a_q: ArrayLike, za: int, b_q: ArrayLike, zb: ArrayLike,
                       bias_q: Optional[ArrayLike] = None) -> np.ndarray:
    """Same result as :func:`qmatmul` via the zero-point expansion.

    acc[m,n] = sum_k a*b - za*colsum_b[n] - zb[n]*rowsum_a[m] + K*za*zb[n] (+ bias).
    """
    a, za_i, b, zb_arr = _matmul_operands(a_q, za, b_q, zb)
    k = a.shape[1]
    col_b = b.sum(axis=0)
    row_a = a.sum(axis=1)
    acc = (a @ b
           - za_i * col_b[np.newaxis, :]
           - zb_arr[np.newaxis, :] * row_a[:, np.newaxis]
           + k * za_i * zb_arr[np.newaxis, :])
    return _add_bias_to_int32(acc, bias_q)


# --------------------------------------------------------------------------
# Batch matmul, zero-point padding and 2-D convolutions
# --------------------------------------------------------------------------
#
# Like qmatmul, these compute the exact sum of products of zero-point-centred
# operands and return it as int32, raising OverflowError when an element
# leaves int32. Operands are int8 or uint8 (either side, any combination);
# zero points are integers in int32 range. The convolutions follow linalg's
# named ops, which have no padding of their own: pad the input with
# pad_with_zero_point first, as the lowering pads with tensor.pad.

# An int64 accumulation is exact while its worst-case magnitude stays <= this.
_INT64_EXACT_LIMIT = 2**63 - 1


def _quant_operand(x: ArrayLike, name: str, ndim: int, fn: str) -> np.ndarray:
    """Check that ``x`` is an ``ndim``-D int8 or uint8 array; returns it unchanged."""
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{fn}: {name} must be an integer array, got {arr.dtype}")
    if arr.dtype not in _QUANT_DTYPES:
        raise ValueError(f"{fn}: {name} must be int8 or uint8, got {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{fn}: {name} must be {ndim}-D, got shape {arr.shape}")
    return arr


def _zero_point(z: ArrayLike, name: str, fn: str, length: Optional[int] = None) -> np.ndarray:
    """A zero point as int64, with every value an integer in int32 range.

    With ``length`` None it must be a scalar (0-d result); otherwise a scalar
    is broadcast to (length,) and an array must have shape (length,).
    """
    if isinstance(z, (int, np.integer)) and not isinstance(z, bool):
        if not INT32_MIN <= int(z) <= INT32_MAX:
            raise ValueError(f"{fn}: {name} = {int(z)} is outside int32 range")
    arr = np.asarray(z)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{fn}: {name} must be an integer or an integer array, got "
                         f"{arr.dtype}")
    if length is None:
        if arr.ndim != 0:
            raise ValueError(f"{fn}: {name} must be a scalar, got shape {arr.shape}")
    elif arr.ndim == 0:
        arr = np.full((length,), arr)
    elif arr.shape != (length,):
        raise ValueError(f"{fn}: {name} must be a scalar or have shape ({length},), "
                         f"got {arr.shape}")
    if arr.size and (arr.min() < INT32_MIN or arr.max() > INT32_MAX):
        raise ValueError(f"{fn}: {name} has values outside int32 range")
    return arr.astype(np.int64)


def _exact_dtype(k: int, lhs: np.ndarray, rhs: np.ndarray) -> type:
    """Accumulation dtype for k-term sums of products of lhs and rhs elements.

    int64 when k * max|lhs| * max|rhs| plus any int32 bias fits int64 (always
    so for storage-range zero points); otherwise ``object`` (Python ints), which
    is slow but keeps huge zero points exact.
    """
    bound = int(k)
    for arr in (lhs, rhs):
        bound *= int(np.abs(arr).max()) if arr.size else 0
    return np.int64 if bound - INT32_MIN <= _INT64_EXACT_LIMIT else object


def qbatch_matmul(a_q: ArrayLike, za: int, b_q: ArrayLike, zb: ArrayLike,
                  bias_q: Optional[ArrayLike] = None) -> np.ndarray:
    """int32 batched matmul (linalg.batch_matmul), computed exactly.

    out[i, m, n] = sum_k (a[i, m, k] - za) * (b[i, k, n] - zb[n]) + bias[n]

    ``a_q`` is (B, M, K) and ``b_q`` is (B, K, N), each int8 or uint8; ``za``
    is a scalar, ``zb`` a scalar or per-column (N,) array shared by all
    batches, ``bias_q`` an int32 (N,) array. Each batch equals
    :func:`qmatmul` of its slices. Raises OverflowError if a result leaves
    int32.
    """
    fn = "qbatch_matmul"
    a = _quant_operand(a_q, "a_q", 3, fn)
    b = _quant_operand(b_q, "b_q", 3, fn)
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise ValueError(f"{fn}: shape mismatch {a.shape} @ {b.shape}; expected "
                         f"(B, M, K) @ (B, K, N)")
    lhs = a.astype(np.int64) - _zero_point(za, "za", fn)
    rhs = b.astype(np.int64) - _zero_point(zb, "zb", fn, b.shape[2])
    dtype = _exact_dtype(a.shape[2], lhs, rhs)
    acc = lhs.astype(dtype) @ rhs.astype(dtype)
    return _add_bias_to_int32(acc, bias_q)


def pad_with_zero_point(x_q: ArrayLike, pads, zp: int) -> np.ndarray:
    """Pad a quantized tensor with its zero point (tensor.pad with value zp).

    ``pads`` holds one (lo, hi) pair of non-negative ints per dimension. The
    result has extent lo_d + x.shape[d] + hi_d along each dimension d, with
    out[i_0 + lo_0, ..., i_r + lo_r] = x[i_0, ..., i_r] and zp everywhere
    else; its dtype is x's. Because padded elements equal zp, they add
    (zp - zp) * w = 0 to a convolution, i.e. they are real zeros.
    """
    fn = "pad_with_zero_point"
    x = np.asarray(x_q)
    if not np.issubdtype(x.dtype, np.integer):
        raise ValueError(f"{fn}: x_q must be an integer array, got {x.dtype}")
    try:
        pairs = [tuple(p) for p in pads]
    except TypeError:
        raise ValueError(f"{fn}: pads must be a sequence of (lo, hi) pairs, "
                         f"got {pads!r}") from None
    if len(pairs) != x.ndim:
        raise ValueError(f"{fn}: pads has {len(pairs)} pairs but x_q is {x.ndim}-D")
    for p in pairs:
        if len(p) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                              or v < 0 for v in p):
            raise ValueError(f"{fn}: each pad must be a (lo, hi) pair of non-negative "
                             f"ints, got {p!r}")
    z = int(_zero_point(zp, "zp", fn))
    info = np.iinfo(x.dtype)
    if not info.min <= z <= info.max:
        raise ValueError(f"{fn}: zp = {z} does not fit the {x.dtype} elements")
    return np.pad(x, [(int(lo), int(hi)) for lo, hi in pairs], mode="constant",
                  constant_values=z)


def _pair(value, name: str, fn: str) -> Tuple[int, int]:
    """Validate a (height, width) pair of positive ints (strides, dilations)."""
    try:
        vals = tuple(value)
    except TypeError:
        vals = ()
    if len(vals) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                             or v < 1 for v in vals):
        raise ValueError(f"{fn}: {name} must be a pair of positive ints, got {value!r}")
    return int(vals[0]), int(vals[1])


def _conv_output_size(size: int, kernel: int, stride: int, dilation: int, dim: str,
                      fn: str) -> int:
    """linalg's unpadded output size (size - dilation * (kernel - 1) - 1) // stride + 1."""
    if kernel < 1:
        raise ValueError(f"{fn}: the kernel {dim} must be >= 1, got {kernel}")
    extent = dilation * (kernel - 1) + 1
    if size < extent:
        raise ValueError(f"{fn}: input {dim} {size} is smaller than the dilated kernel "
                         f"extent {extent} (pad the input first)")
    return (size - extent) // stride + 1


def _conv_nhwc_accumulate(x: np.ndarray, w: np.ndarray, strides: Tuple[int, int],
                          dilations: Tuple[int, int], depthwise: bool,
                          fn: str) -> np.ndarray:
    """out[n, oh, ow, f] = sum_{kh, kw} x[n, oh*sh + kh*dh, ow*sw + kw*dw, :] . w[kh, kw]

    where "." contracts the channel axis against w[kh, kw] (C, F), or, when
    ``depthwise``, multiplies elementwise with w[kh, kw] (C,). ``x`` (N, H, W, C)
    and ``w`` (KH, KW, C[, F]) are already centred and share the
    accumulation dtype (int64, object or float64), which the result keeps.
    """
    (sh, sw), (dh, dw) = strides, dilations
    kernel_h, kernel_w = w.shape[:2]
    oh = _conv_output_size(x.shape[1], kernel_h, sh, dh, "height", fn)
    ow = _conv_output_size(x.shape[2], kernel_w, sw, dw, "width", fn)
    acc = np.zeros((x.shape[0], oh, ow, w.shape[-1]), dtype=x.dtype)
    for kh in range(kernel_h):
        for kw in range(kernel_w):
            h0, w0 = kh * dh, kw * dw
            window = x[:, h0:h0 + sh * (oh - 1) + 1:sh, w0:w0 + sw * (ow - 1) + 1:sw, :]
            acc += window * w[kh, kw] if depthwise else window @ w[kh, kw]
    return acc


def _check_channels(x_channels: int, w_channels: int, fn: str) -> None:
    if x_channels != w_channels:
        raise ValueError(f"{fn}: the input has {x_channels} channels but the filter "
                         f"expects {w_channels}")


def _qconv_nhwc(fn: str, x_q: ArrayLike, zx: int, w_q: ArrayLike, zw: ArrayLike,
                strides, dilations, bias_q: Optional[ArrayLike],
                depthwise: bool) -> np.ndarray:
    """Shared body of the NHWC quantized convolutions (filter HWCF, or HWC)."""
    x = _quant_operand(x_q, "x_q", 4, fn)
    w = _quant_operand(w_q, "w_q", 3 if depthwise else 4, fn)
    _check_channels(x.shape[3], w.shape[2], fn)
    strides = _pair(strides, "strides", fn)
    dilations = _pair(dilations, "dilations", fn)
    lhs = x.astype(np.int64) - _zero_point(zx, "zx", fn)
    rhs = w.astype(np.int64) - _zero_point(zw, "zw", fn, w.shape[-1])
    k = w.shape[0] * w.shape[1] * (1 if depthwise else w.shape[2])
    dtype = _exact_dtype(k, lhs, rhs)
    acc = _conv_nhwc_accumulate(lhs.astype(dtype), rhs.astype(dtype), strides, dilations,
                                depthwise, fn)
    return _add_bias_to_int32(acc, bias_q)


def qconv2d_nhwc_hwcf(x_q: ArrayLike, zx: int, w_q: ArrayLike, zw: ArrayLike,
                      strides=(1, 1), dilations=(1, 1),
                      bias_q: Optional[ArrayLike] = None) -> np.ndarray:
    """int32 2-D convolution with linalg.conv_2d_nhwc_hwcf semantics, computed exactly.

    out[n, oh, ow, f] = sum_{kh, kw, c} (x[n, oh*sh + kh*dh, ow*sw + kw*dw, c] - zx)
                                        * (w[kh, kw, c, f] - zw[f]) + bias[f]

    ``x_q`` is (N, H, W, C) and ``w_q`` is (KH, KW, C, F), each int8 or uint8;
    ``zx`` is a scalar, ``zw`` a scalar or per-output-channel (F,) array,
    ``bias_q`` an int32 (F,) array; (sh, sw) = ``strides`` and (dh, dw) =
    ``dilations``. The output is (N, OH, OW, F) int32 with
    OH = (H - dh*(KH - 1) - 1) // sh + 1 and likewise OW. There is no
    implicit padding: use :func:`pad_with_zero_point` first. Raises
    OverflowError if a result leaves int32.
    """
    return _qconv_nhwc("qconv2d_nhwc_hwcf", x_q, zx, w_q, zw, strides, dilations, bias_q,
                       depthwise=False)


def qconv2d_nchw_fchw(x_q: ArrayLike, zx: int, w_q: ArrayLike, zw: ArrayLike,
                      strides=(1, 1), dilations=(1, 1),
                      bias_q: Optional[ArrayLike] = None) -> np.ndarray:
    """int32 2-D convolution with linalg.conv_2d_nchw_fchw semantics, computed exactly.

    out[n, f, oh, ow] = sum_{c, kh, kw} (x[n, c, oh*sh + kh*dh, ow*sw + kw*dw] - zx)
                                        * (w[f, c, kh, kw] - zw[f]) + bias[f]

    ``x_q`` is (N, C, H, W) and ``w_q`` is (F, C, KH, KW), each int8 or uint8;
    ``zw`` is a scalar or per-output-channel (F,) array and ``bias_q`` an
    int32 (F,) array. The output is (N, F, OH, OW) int32, sizes as in
    :func:`qconv2d_nhwc_hwcf`, which this equals up to the layout transposes.
    """
    fn = "qconv2d_nchw_fchw"
    x = _quant_operand(x_q, "x_q", 4, fn)
    w = _quant_operand(w_q, "w_q", 4, fn)
    out = _qconv_nhwc(fn, x.transpose(0, 2, 3, 1), zx, w.transpose(2, 3, 1, 0), zw,
                      strides, dilations, bias_q, depthwise=False)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def qdepthwise_conv2d_nhwc_hwc(x_q: ArrayLike, zx: int, w_q: ArrayLike, zw: ArrayLike,
                               strides=(1, 1), dilations=(1, 1),
                               bias_q: Optional[ArrayLike] = None) -> np.ndarray:
    """int32 depthwise 2-D convolution, linalg.depthwise_conv_2d_nhwc_hwc semantics.

    out[n, oh, ow, c] = sum_{kh, kw} (x[n, oh*sh + kh*dh, ow*sw + kw*dw, c] - zx)
                                     * (w[kh, kw, c] - zw[c]) + bias[c]

    ``x_q`` is (N, H, W, C) and ``w_q`` is (KH, KW, C) (channel multiplier 1),
    each int8 or uint8; ``zw`` is a scalar or per-channel (C,) array and
    ``bias_q`` an int32 (C,) array. The output is (N, OH, OW, C) int32, sizes
    as in :func:`qconv2d_nhwc_hwcf`.
    """
    return _qconv_nhwc("qdepthwise_conv2d_nhwc_hwc", x_q, zx, w_q, zw, strides, dilations,
                       bias_q, depthwise=True)


# Float32 counterparts, for building test cases. They are not bit-exact
# contracts: the sums are accumulated in float64 from the float32-rounded
# inputs and rounded once to float32, whereas compiled f32 code rounds at
# every step in its own order.

def _f32_operand(x: ArrayLike, name: str, ndim: int, fn: str) -> np.ndarray:
    """``x`` rounded to float32, returned as float64 for accumulation."""
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim != ndim:
        raise ValueError(f"{fn}: {name} must be {ndim}-D, got shape {arr.shape}")
    return arr.astype(np.float64)


def _conv_f32(fn: str, x: ArrayLike, w: ArrayLike, strides, dilations,
              bias: Optional[ArrayLike], depthwise: bool) -> np.ndarray:
    """Shared body of the NHWC float convolutions (filter HWCF, or HWC)."""
    xf = _f32_operand(x, "x", 4, fn)
    wf = _f32_operand(w, "w", 3 if depthwise else 4, fn)
    _check_channels(xf.shape[3], wf.shape[2], fn)
    acc = _conv_nhwc_accumulate(xf, wf, _pair(strides, "strides", fn),
                                _pair(dilations, "dilations", fn), depthwise, fn)
    if bias is not None:
        b = _f32_operand(bias, "bias", 1, fn)
        if b.shape != (acc.shape[3],):
            raise ValueError(f"{fn}: bias must have shape ({acc.shape[3]},), got {b.shape}")
        acc = acc + b
    return acc.astype(np.float32)


def conv2d_nhwc_hwcf_f32(x: ArrayLike, w: ArrayLike, strides=(1, 1), dilations=(1, 1),
                         bias: Optional[ArrayLike] = None) -> np.ndarray:
    """Float linalg.conv_2d_nhwc_hwcf: x (N, H, W, C), w (KH, KW, C, F) -> (N, OH, OW, F).

    out[n, oh, ow, f] = sum_{kh, kw, c} x[n, oh*sh + kh*dh, ow*sw + kw*dw, c]
                                        * w[kh, kw, c, f] + bias[f]
    """
    return _conv_f32("conv2d_nhwc_hwcf_f32", x, w, strides, dilations, bias,
                     depthwise=False)


def conv2d_nchw_fchw_f32(x: ArrayLike, w: ArrayLike, strides=(1, 1), dilations=(1, 1),
                         bias: Optional[ArrayLike] = None) -> np.ndarray:
    """Float linalg.conv_2d_nchw_fchw: x (N, C, H, W), w (F, C, KH, KW) -> (N, F, OH, OW).

    out[n, f, oh, ow] = sum_{c, kh, kw} x[n, c, oh*sh + kh*dh, ow*sw + kw*dw]
                                        * w[f, c, kh, kw] + bias[f]
    """
    fn = "conv2d_nchw_fchw_f32"
    xf = _f32_operand(x, "x", 4, fn)
    wf = _f32_operand(w, "w", 4, fn)
    out = _conv_f32(fn, xf.transpose(0, 2, 3, 1), wf.transpose(2, 3, 1, 0), strides,
                    dilations, bias, depthwise=False)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def depthwise_conv2d_nhwc_hwc_f32(x: ArrayLike, w: ArrayLike, strides=(1, 1),
                                  dilations=(1, 1),
                                  bias: Optional[ArrayLike] = None) -> np.ndarray:
    """Float linalg.depthwise_conv_2d_nhwc_hwc: x (N, H, W, C), w (KH, KW, C) -> (N, OH, OW, C).

    out[n, oh, ow, c] = sum_{kh, kw} x[n, oh*sh + kh*dh, ow*sw + kw*dw, c]
                                     * w[kh, kw, c] + bias[c]
    """
    return _conv_f32("depthwise_conv2d_nhwc_hwc_f32", x, w, strides, dilations, bias,
                     depthwise=True)


# --------------------------------------------------------------------------
# Fixed-point primitives (TFLite / gemmlowp)
# --------------------------------------------------------------------------

def _round_half_away_from_zero_exact(v: float) -> int:
    """Round a float to the nearest int, ties away from zero, without error."""
    t = int(v)  # truncates toward zero, exact for floats
    frac = abs(v - t)  # exact: the fractional part of a double is representable
    if frac >= 0.5:
        t += 1 if v > 0 else -1
    return t


def quantize_multiplier(m: float) -> Tuple[int, int]:
    """TFLite QuantizeMultiplier: m ~= mult * 2**(shift - 31), mult in [2**30, 2**31).

    Returns (0, 0) for m == 0 or when m is too small to represent
    (shift < -31). Raises ValueError for negative/non-finite m or when
    shift > 30.
    """
    m = float(m)
    if not math.isfinite(m) or m < 0:
        raise ValueError(f"multiplier must be finite and >= 0, got {m!r}")
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = _round_half_away_from_zero_exact(q * 2.0**31)
    if q_fixed == 2**31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift = 0
        q_fixed = 0
    if shift > 30:
        raise ValueError(f"multiplier {m!r} too large (shift {shift} > 30)")
    return q_fixed, shift


def _as_int32_range_int64(x: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be an integer array, got {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.size and (arr.min() < INT32_MIN or arr.max() > INT32_MAX):
        raise ValueError(f"{name} has values outside int32 range")
    return arr


def _trunc_div_pow2(x: np.ndarray, e: int) -> np.ndarray:
    """C++ integer division x / 2**e (truncates toward zero) on int64 arrays."""
    d = np.int64(1) << np.int64(e)
    q = np.floor_divide(x, d)
    return q + ((x < 0) & (np.remainder(x, d) != 0)).astype(np.int64)


def saturating_rounding_doubling_high_mul(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """gemmlowp SaturatingRoundingDoublingHighMul, vectorised; returns int32.

    (a*b + nudge) / 2**31 with C++ truncating division, nudge = 2**30 for
    a*b >= 0 else 1 - 2**30; a == b == INT32_MIN saturates to INT32_MAX.
    Note: exact halves round away from zero for positive products but
    toward zero for negative ones (a property of gemmlowp's nudge).
    """
    a64 = _as_int32_range_int64(a, "a")
    b64 = _as_int32_range_int64(b, "b")
    a64, b64 = np.broadcast_arrays(a64, b64)
    overflow = (a64 == INT32_MIN) & (b64 == INT32_MIN)
    ab = a64 * b64  # |ab| <= 2**62: exact in int64
    nudge = np.where(ab >= 0, np.int64(2**30), np.int64(1 - 2**30))
    high = _trunc_div_pow2(ab + nudge, 31)
    return np.where(overflow, np.int64(INT32_MAX), high).astype(np.int32)


def _check_rounding(rounding: str) -> None:
    if rounding not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding {rounding!r}; expected one of {ROUNDING_MODES}")


def rounding_divide_by_pot(x: ArrayLike, exponent: ArrayLike,
                           rounding: str = "half_away_from_zero") -> np.ndarray:
    """Divide by 2**exponent with rounding to nearest; returns int64.

    'half_away_from_zero' is gemmlowp's RoundingDivideByPOT; 'half_to_even'
    rounds exact halves to the even neighbour. ``exponent`` (0..31) may be
    an array broadcastable against ``x`` (e.g. per column).
    """
    _check_rounding(rounding)
    x64 = np.asarray(x)
    if not np.issubdtype(x64.dtype, np.integer):
        raise ValueError(f"x must be an integer array, got {x64.dtype}")
    x64 = x64.astype(np.int64)
    e = np.asarray(exponent, dtype=np.int64)
    if e.size and (e.min() < 0 or e.max() > 31):
        raise ValueError(f"exponent must be in 0..31, got {exponent}")
    mask = (np.int64(1) << e) - 1
    rem = x64 & mask
    floor = x64 >> e  # arithmetic shift
    if rounding == "half_away_from_zero":
        threshold = (mask >> 1) + (x64 < 0).astype(np.int64)
        return floor + (rem > threshold).astype(np.int64)
    half = np.where(e > 0, np.int64(1) << np.maximum(e - 1, 0), np.int64(1))
    round_up = (rem > half) | ((rem == half) & ((floor & 1) == 1))
    return floor + round_up.astype(np.int64)


def multiply_by_quantized_multiplier(x: ArrayLike, mult: ArrayLike, shift: ArrayLike,
                                     rounding: str = "half_away_from_zero") -> np.ndarray:
    """TFLite MultiplyByQuantizedMultiplier with a saturating left shift; returns int32.

    x * 2**max(shift, 0) is saturated to int32, multiplied by ``mult`` with
    SRDHM, then divided by 2**max(-shift, 0) with ``rounding``. ``mult`` and
    ``shift`` may be arrays broadcastable against ``x``.
    """
    _check_rounding(rounding)
    x64 = _as_int32_range_int64(x, "x")
    s = np.asarray(shift, dtype=np.int64)
    if s.size and (s.min() < -31 or s.max() > 30):
        raise ValueError(f"shift must be in -31..30, got {shift}")
    left = np.maximum(s, 0)
    right = np.maximum(-s, 0)
    xl = np.clip(x64 * (np.int64(1) << left), INT32_MIN, INT32_MAX)
    r = saturating_rounding_doubling_high_mul(xl, mult)
    return rounding_divide_by_pot(r, right, rounding).astype(np.int32)


# --------------------------------------------------------------------------
# Requantization
# --------------------------------------------------------------------------

def _acc_scale_per_column(acc: np.ndarray, acc_scale: ArrayLike) -> np.ndarray:
    """float64 acc_scale as a scalar, or (N,) broadcast over the last axis of acc."""
    s = np.asarray(acc_scale, dtype=np.float64)
    if s.ndim == 1 and (acc.ndim == 0 or s.shape[0] != acc.shape[-1]):
        raise ValueError(f"per-column acc_scale has {s.shape[0]} entries but acc has shape "
                         f"{acc.shape}")
    if s.ndim > 1:
        raise ValueError(f"acc_scale must be a scalar or 1-D, got shape {s.shape}")
    _check_scale(s, "acc_scale")
    return s


def _float64_multiplier(acc_scale: np.ndarray, out_scale: ArrayLike) -> np.ndarray:
    o = np.float64(out_scale)
    _check_scale(np.asarray(o), "out_scale")
    return acc_scale / o


def requantize_fixed_point(acc: ArrayLike, acc_scale: ArrayLike, out_scale: ArrayLike,
                           out_zp: int, qmin: int, qmax: int,
                           rounding: str = "half_away_from_zero",
                           dtype: type = np.int8) -> np.ndarray:
    """Requantize int32 accumulators with a per-column (mult, shift) fixed-point multiplier.

    Per column: (mult, shift) = quantize_multiplier(acc_scale[n] / out_scale)
    (float64), y = multiply_by_quantized_multiplier(acc, mult, shift) + out_zp,
    clamped to [qmin, qmax] and cast to ``dtype``.
    """
    qmin, qmax = _check_qrange(qmin, qmax)
    acc64 = _as_int32_range_int64(acc, "acc")
    m = _float64_multiplier(_acc_scale_per_column(acc64, acc_scale), out_scale)
    pairs = [quantize_multiplier(v) for v in np.atleast_1d(m)]
    mult = np.array([p[0] for p in pairs], dtype=np.int64).reshape(m.shape)
    shift = np.array([p[1] for p in pairs], dtype=np.int64).reshape(m.shape)
    y = multiply_by_quantized_multiplier(acc64, mult, shift, rounding).astype(np.int64)
    y = y + int(out_zp)
    _f32_clamp_bounds(qmin, qmax, np.dtype(dtype))  # validates the range fits dtype
    return np.clip(y, qmin, qmax).astype(dtype)


def _round_half_away_f32(y: np.ndarray) -> np.ndarray:
    """Exact round-half-away-from-zero on f32 (correct for 0.49999997)."""
    t = np.trunc(y)
    away = np.abs(y - t) >= np.float32(0.5)
    return np.where(away, t + np.sign(y), t).astype(np.float32)


def requantize_float(acc: ArrayLike, acc_scale: ArrayLike, out_scale: ArrayLike,
                     out_zp: int, qmin: int, qmax: int,
                     rounding: str = "half_to_even",
                     dtype: type = np.int8) -> np.ndarray:
    """Requantize int32 accumulators with one f32 multiply per element.

    M32 = f32(acc_scale) / f32(out_scale), divided in f32 (per column): the
    multiplier ONNX's reference and ONNX Runtime compute from f32 scales,
    since acc_scale = sa * sb of two f32 scales is exact in float64 and its
    f32 rounding is the f32 product sa * sb;
    y = round(f32(acc) * M32) with ``rounding``; y = f32(y + zp); clamp with
    fmax/fmin in f32; cast to ``dtype``.
    """
    _check_rounding(rounding)
    qmin, qmax = _check_qrange(qmin, qmax)
    acc64 = _as_int32_range_int64(acc, "acc")
    _check_scale(np.asarray(np.float64(out_scale)), "out_scale")
    m32 = (_acc_scale_per_column(acc64, acc_scale).astype(np.float32)
           / np.float32(out_scale)).astype(np.float32)
    with np.errstate(over="ignore"):
        y = (acc64.astype(np.int32).astype(np.float32) * m32).astype(np.float32)
    y = np.rint(y) if rounding == "half_to_even" else _round_half_away_f32(y)
    y = (y + np.float32(out_zp)).astype(np.float32)
    return _clamp_cast_f32(y, qmin, qmax, dtype)


def default_rounding(mode: str) -> str:
    """Default rounding of a requantization mode."""
    if mode == "fixed-point":
        return "half_away_from_zero"
    if mode == "float":
        return "half_to_even"
    raise ValueError(f"unknown requantization mode {mode!r}; expected one of {REQUANT_MODES}")


def requantize(acc: ArrayLike, acc_scale: ArrayLike, out_scale: ArrayLike, out_zp: int,
               qmin: int, qmax: int, mode: str = "fixed-point",
               rounding: Optional[str] = None, dtype: type = np.int8) -> np.ndarray:
    """Dispatch to :func:`requantize_fixed_point` or :func:`requantize_float`.

    ``rounding=None`` picks the mode's default: half_away_from_zero for
    'fixed-point', half_to_even for 'float'.
    """
    rounding = default_rounding(mode) if rounding is None else rounding
    impl = requantize_fixed_point if mode == "fixed-point" else requantize_float
    return impl(acc, acc_scale, out_scale, out_zp, qmin, qmax, rounding=rounding, dtype=dtype)


# --------------------------------------------------------------------------
# Elementwise arithmetic on quantized tensors
# --------------------------------------------------------------------------

ADD_LEFT_SHIFT = 20


def add_multipliers(a_scale: ArrayLike, b_scale: ArrayLike,
                    out_scale: ArrayLike) -> Tuple[float, float, float]:
    """TFLite's real multipliers of a quantized add, in float64 from f32 scales.

    Both inputs are brought to twice the larger input scale, with
    ADD_LEFT_SHIFT bits of headroom: (sa / 2max, sb / 2max,
    2max / (2**ADD_LEFT_SHIFT * so)).
    """
    a, b, o = (float(np.float32(v)) for v in (a_scale, b_scale, out_scale))
    for name, v in (("a_scale", a), ("b_scale", b), ("out_scale", o)):
        _check_scale(np.asarray(v), name)
    twice_max = 2.0 * max(a, b)
    return a / twice_max, b / twice_max, twice_max / (float(1 << ADD_LEFT_SHIFT) * o)


def _centered(x_q: ArrayLike, zp: int, name: str, fn: str) -> np.ndarray:
    x = np.asarray(x_q)
    if not np.issubdtype(x.dtype, np.integer) or x.dtype.itemsize != 1:
        raise ValueError(f"{fn}: {name} must be int8 or uint8, got {x.dtype}")
    return x.astype(np.int64) - int(zp)


def _round_f32(y: np.ndarray, rounding: str) -> np.ndarray:
    return np.rint(y) if rounding == "half_to_even" else _round_half_away_f32(y)


def qadd(a_q: ArrayLike, a_scale: float, a_zp: int, b_q: ArrayLike, b_scale: float, b_zp: int,
         out_scale: float, out_zp: int, qmin: int, qmax: int, mode: str = "fixed-point",
         rounding: Optional[str] = None, dtype: type = np.int8) -> np.ndarray:
    """Elementwise sum of two quantized tensors of one shape (qlinalg.add).

    'fixed-point' is TFLite's reference Add: x = (q - zp) << 20 per input,
    scaled by multiply_by_quantized_multiplier to the common scale, summed
    in int32, scaled to the output, + out_zp, clamped. 'float' is ONNX
    Runtime's QLinearAdd: round(f32(qa - za) * ma + f32(qb - zb) * mb) +
    out_zp in f32 (ma = f32(sa) / f32(so), each product and the sum rounded
    to f32), clamped.
    """
    rounding = default_rounding(mode) if rounding is None else rounding
    _check_rounding(rounding)
    qmin, qmax = _check_qrange(qmin, qmax)
    a = _centered(a_q, a_zp, "a_q", "qadd")
    b = _centered(b_q, b_zp, "b_q", "qadd")
    if a.shape != b.shape:
        raise ValueError(f"qadd: shapes differ: {a.shape} vs {b.shape}")
    if mode == "fixed-point":
        ma, mb, mo = (quantize_multiplier(m) for m in add_multipliers(a_scale, b_scale, out_scale))
        sa = multiply_by_quantized_multiplier(a << ADD_LEFT_SHIFT, ma[0], ma[1], rounding)
        sb = multiply_by_quantized_multiplier(b << ADD_LEFT_SHIFT, mb[0], mb[1], rounding)
        total = sa.astype(np.int64) + sb.astype(np.int64)
        y = multiply_by_quantized_multiplier(total, mo[0], mo[1], rounding).astype(np.int64)
        _f32_clamp_bounds(qmin, qmax, np.dtype(dtype))
        return np.clip(y + int(out_zp), qmin, qmax).astype(dtype)
    if mode != "float":
        raise ValueError(f"unknown mode {mode!r}; expected one of {REQUANT_MODES}")
    so = np.float32(out_scale)
    ma = (np.float32(a_scale) / so).astype(np.float32)
    mb = (np.float32(b_scale) / so).astype(np.float32)
    y = (a.astype(np.float32) * ma).astype(np.float32) + (b.astype(np.float32) * mb).astype(np.float32)
    y = _round_f32(y.astype(np.float32), rounding)
    y = (y + np.float32(out_zp)).astype(np.float32)
    return _clamp_cast_f32(y, qmin, qmax, dtype)


def qmul(a_q: ArrayLike, a_scale: float, a_zp: int, b_q: ArrayLike, b_scale: float, b_zp: int,
         out_scale: float, out_zp: int, qmin: int, qmax: int, mode: str = "fixed-point",
         rounding: Optional[str] = None, dtype: type = np.int8) -> np.ndarray:
    """Elementwise product of two quantized tensors of one shape (qlinalg.mul).

    (qa - za) * (qb - zb) exactly in int32, requantized from the scale
    sa * sb (float64) to the output, as :func:`requantize` does (TFLite's
    Mul in fixed point; ONNX Runtime's QLinearMul in float).
    """
    a = _centered(a_q, a_zp, "a_q", "qmul")
    b = _centered(b_q, b_zp, "b_q", "qmul")
    if a.shape != b.shape:
        raise ValueError(f"qmul: shapes differ: {a.shape} vs {b.shape}")
    acc = (a * b).astype(np.int32)
    acc_scale = np.float64(np.float32(a_scale)) * np.float64(np.float32(b_scale))
    return requantize(acc, acc_scale, out_scale, out_zp, qmin, qmax, mode=mode,
                      rounding=rounding, dtype=dtype)


def rounding_divide(acc: ArrayLike, count: int) -> np.ndarray:
    """acc / count to nearest, ties away from zero, as TFLite's int8 average
    pooling divides a window sum: (acc + count // 2) / count for acc > 0,
    (acc - count // 2) / count otherwise, in C's truncating division."""
    a = np.asarray(acc).astype(np.int64)
    h = int(count) // 2
    return np.where(a > 0, (a + h) // count, -((h - a) // count))


def qavg_pool2d_nchw(x_q: ArrayLike, window: Tuple[int, int],
                     strides: Tuple[int, int]) -> np.ndarray:
    """Average pooling of quantized NCHW values (padding done by the caller
    with the zero point): each window's int32 sum, rounding_divide by the
    window size; the result keeps the input's dtype, scale and zero point."""
    x = np.asarray(x_q)
    n, c, h, w = x.shape
    (kh, kw), (sh, sw) = window, strides
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    acc = np.zeros((n, c, oh, ow), np.int64)
    for i in range(kh):
        for j in range(kw):
            acc += x[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw].astype(np.int64)
    return rounding_divide(acc, kh * kw).astype(x.dtype)


def to_power_of_two_scale(scale: ArrayLike, zp: int, rmin: ArrayLike, qmin: int, qmax: int,
                          symmetric: bool) -> Tuple[np.float32, int]:
    """The scale rounded up to a power of two (the range stays covered); for
    asymmetric schemes the zero point is recomputed from the range's lower end
    (numerics::toPowerOfTwoScale)."""
    s = np.float32(scale)
    mantissa, exponent = math.frexp(float(s))
    if mantissa != 0.5:
        s = np.float32(math.ldexp(1.0, exponent))
    if symmetric:
        return s, int(zp)
    lo = np.float32(min(np.float32(rmin), np.float32(0.0)))
    shifted = int(np.rint(np.float32(lo / s)))
    return s, _clamp_int(qmin - shifted, qmin, qmax)


def qmatmul_per_group(a_q: ArrayLike, za: int, b_q: ArrayLike, zb: ArrayLike,
                      a_scale: ArrayLike, b_scales: ArrayLike, group: int) -> np.ndarray:
    """Matmul with per-group weights (qlinalg.matmul with a sub-channel rhs of
    blocks {0:G, 1:1}): for each group g of `group` rows, the exact int32 sum
    acc_g = (a - za) @ (b - zb[g]) over the group's rows, then the f32
    combination y = sum_g f32(f32(acc_g) * f32(f64(sa) * f64(s[g, n]))),
    accumulated in f32 in increasing g. zb and b_scales have shape (K/G, N)."""
    a = np.asarray(a_q).astype(np.int64) - int(za)
    b = np.asarray(b_q).astype(np.int64)
    k = b.shape[0]
    if k % group:
        raise ValueError(f"group size {group} does not divide K = {k}")
    zb = np.asarray(zb, dtype=np.int64)
    scales = (np.float64(np.float32(a_scale)) *
              np.asarray(b_scales, dtype=np.float32).astype(np.float64)).astype(np.float32)
    y = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)
    for g in range(k // group):
        rows = slice(g * group, (g + 1) * group)
        acc = a[:, rows] @ (b[rows, :] - zb[g])
        if acc.min(initial=0) < INT32_MIN or acc.max(initial=0) > INT32_MAX:
            raise OverflowError("group accumulator exceeds int32")
        y = (y + (acc.astype(np.int32).astype(np.float32) * scales[g])).astype(np.float32)
    return y
