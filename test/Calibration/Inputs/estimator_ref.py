# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Reference implementations of the range estimators, written from their
definitions (include/qlinalg/Calibration/Estimators.h), over a table entry
with a canonical histogram (bin j covers [j 2^e, (j+1) 2^e)).

- percentile: the (100 - coverage)% and coverage% quantiles, linear inside
  the bin, clamped to [min, max].
- mse: the range minimizing the expected squared error over the histogram
  (each bin at its centre; step^2/12 inside the representable range, squared
  distance to it outside). Symmetric: over the thresholds amax k / 1024,
  k = 1..1024. Asymmetric: exhaustively over [min + i d, max - j d],
  d = (max - min) / 1024 (the grid the implementation's search walks on).
- entropy: TensorRT's calibration on the histogram of |x| (negative bins
  folded onto positive ones, then merged by the smallest power of two that
  leaves at most 4096 bins up to max|x|): for each candidate of i bins (128 levels up to
  all bins), P = the first i bins with the clipped mass added to the last,
  Q = the first i bins merged into 128 groups (the last takes the rest) and
  spread evenly over each group's non-empty bins, KL(P || Q) with Q smoothed
  by eps = 1e-4; threshold (i + 0.5) * width for the best i, intersected with
  [min, max]. Computed on the non-empty bins only (a candidate that clips
  every value has no finite divergence), so its cost does not depend on how
  far from zero the values lie.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from qlinalg import numerics as nm  # noqa: E402

F32 = np.float32


def hist_arrays(entry: dict):
    h = entry["histogram"]
    counts = np.array(h["counts"], dtype=np.float64)
    width = 2.0 ** h["log2_width"]
    index = h["offset"] + np.arange(counts.size)
    return counts, width, index


def quantile(entry: dict, p: float) -> float:
    counts, width, index = hist_arrays(entry)
    target = min(max(p, 0.0), 1.0) * counts.sum()
    cumulative = 0.0
    for c, j in zip(counts, index):
        if not c:
            continue
        if cumulative + c >= target:
            value = math.ldexp(float(j), entry["histogram"]["log2_width"]) + \
                (target - cumulative) / c * width
            return min(max(value, entry["min"]), entry["max"])
        cumulative += c
    return entry["max"]


def percentile_range(entry: dict, coverage: float):
    tail = 1.0 - coverage / 100.0
    return quantile(entry, tail), quantile(entry, 1.0 - tail)


def scheme(lo, hi, symmetric: bool, bits: int = 8):
    if symmetric:
        s, z = nm.choose_symmetric(lo, hi, bits)
        return s, z, -(2 ** (bits - 1) - 1), 2 ** (bits - 1) - 1
    s, z = nm.choose_asymmetric(lo, hi, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    return s, z, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def expected_squared_error(entry: dict, scale, zp, qmin, qmax) -> float:
    counts, width, index = hist_arrays(entry)
    centre = index * width + 0.5 * width
    s = float(scale)
    lo, hi = s * (qmin - zp), s * (qmax - zp)
    d = np.where(centre < lo, centre - lo, np.where(centre > hi, centre - hi, 0.0))
    err = np.where(d != 0.0, d * d, s * s / 12.0)
    m = counts > 0
    return float((counts[m] * err[m]).sum() / counts.sum())


def _asymmetric_params(a: np.ndarray, b: np.ndarray, qmin: int = -128, qmax: int = 127):
    """numerics.choose_asymmetric, vectorized (the same f32 operations)."""
    lo = np.minimum(a.astype(F32), F32(0))
    hi = np.maximum(b.astype(F32), F32(0))
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.maximum(((hi - lo) / F32(qmax - qmin)).astype(F32), nm.EPS)
        s = np.where(lo == hi, F32(1), s).astype(F32)
        zp = qmin - np.rint((lo / s).astype(F32)).astype(np.int64)
    return s, np.clip(zp, qmin, qmax)


def _costs(entry: dict, s: np.ndarray, zp: np.ndarray, qmin: int, qmax: int) -> np.ndarray:
    """expected_squared_error for many (s, zp) at once, through prefix sums."""
    counts, width, index = hist_arrays(entry)
    m = counts > 0
    c, n = (index * width + 0.5 * width)[m], counts[m]
    n0 = np.concatenate([[0.0], np.cumsum(n)])
    n1 = np.concatenate([[0.0], np.cumsum(n * c)])
    n2 = np.concatenate([[0.0], np.cumsum(n * c * c)])
    s64 = s.astype(np.float64)
    lo, hi = s64 * (qmin - zp), s64 * (qmax - zp)
    k1 = np.searchsorted(c, lo, side="left")    # bins below lo: [0, k1)
    k2 = np.searchsorted(c, hi, side="right")   # bins above hi: [k2, end)
    below = n2[k1] - 2 * lo * n1[k1] + lo * lo * n0[k1]
    above = (n2[-1] - n2[k2]) - 2 * hi * (n1[-1] - n1[k2]) + hi * hi * (n0[-1] - n0[k2])
    inside = (n0[k2] - n0[k1]) * s64 * s64 / 12.0
    return (below + above + inside) / n0[-1]


def mse_range(entry: dict, symmetric: bool):
    """(expected squared error, lo, hi) of the best range."""
    lo, hi = entry["min"], entry["max"]
    best = (expected_squared_error(entry, *scheme(lo, hi, symmetric)), lo, hi)
    if symmetric:
        amax = max(abs(lo), abs(hi))
        for k in range(1023, 0, -1):
            t = amax * k / 1024
            c = expected_squared_error(entry, *scheme(-t, t, True))
            if c < best[0]:
                best = (c, max(lo, -t), min(hi, t))
        return best
    step = (hi - lo) / 1024.0
    j = np.arange(1025)
    for i in range(0, 1025):
        a = lo + i * step
        if i and a - step >= 0.0:
            break
        b = hi - j * step
        ok = ((j == 0) | (b + step > 0.0)) & (b - a >= step * 0.999)
        if not ok.any():
            break
        s, zp = _asymmetric_params(np.full(int(ok.sum()), a), b[ok])
        costs = _costs(entry, s, zp, -128, 127)
        k = int(np.argmin(costs))
        if costs[k] < best[0] * (1 - 1e-9):
            bb = float(b[ok][k])
            best = (expected_squared_error(entry, *scheme(a, bb, False)), a, bb)
    return best


def _fold(entry: dict, max_bins: int = 4096):
    """Non-empty bins of |x| on at most max_bins bins (bins of the histogram
    merged by the smallest power of two for which max|x| fits, as TensorRT
    works on a fixed number of |x| bins): sorted indices, counts, width."""
    counts, width, index = hist_arrays(entry)
    span = max(abs(int(index[0])), abs(int(index[-1]))) + 1
    shift = 0
    while (span >> shift) + 1 > max_bins:
        shift += 1
    width = width * 2.0 ** shift
    folded = {}
    for c, j in zip(counts, index):
        if c:
            k = (int(j) if j >= 0 else int(-j - 1)) >> shift
            folded[k] = folded.get(k, 0.0) + c
    keys = sorted(folded)
    return np.array(keys, dtype=np.int64), np.array([folded[k] for k in keys]), width


def entropy_threshold(entry: dict, bits: int = 8) -> float:
    idx, cnt, width = _fold(entry)
    n = int(idx[-1]) + 1  # bins of |x| up to the last non-empty one
    levels = 2 ** (bits - 1)
    if n <= levels:
        return n * width
    eps = 1e-4
    total = cnt.sum()
    best, best_i = math.inf, n
    # Candidates i <= idx[0] clip every value: Q is all zero, no finite KL.
    for i in range(max(levels, int(idx[0]) + 1), n + 1):
        inside = idx < i
        ki, ci = idx[inside], cnt[inside]
        p = ci.copy()
        clipped = total - ci.sum()
        if ki[-1] == i - 1:
            p[-1] += clipped
        else:  # the last bin is empty but gets the clipped mass
            p = np.append(p, clipped)
        merged = i // levels
        group = np.minimum(ki // merged, levels - 1)
        gsum = np.bincount(group, weights=ci, minlength=levels)
        gnz = np.bincount(group, minlength=levels)
        q_nonempty = gsum[group] / gnz[group]          # q on the non-empty bins
        zeros = i - len(ki)                               # q == 0 elsewhere
        taken = eps * zeros / len(ki)
        q_sum = (q_nonempty - taken).sum() + eps * zeros
        q = q_nonempty - taken
        if len(p) > len(q):                               # the appended clipped bin
            q = np.append(q, eps)
        m = p > 0
        pi = p[m] / p.sum()
        qi = np.maximum(q[m], eps * 1e-3) / q_sum
        kl = float((pi * np.log(pi / qi)).sum())
        if kl < best:
            best, best_i = kl, i
    return (best_i + 0.5) * width


def entropy_range(entry: dict, bits: int = 8):
    t = entropy_threshold(entry, bits)
    return max(entry["min"], -t), min(entry["max"], t)
