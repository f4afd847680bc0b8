# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Per-group weights, end to end: a float linear layer is calibrated, quantized
with weight-granularity=per-group and run by qlinalg-run; its f32 output must
equal, bit for bit, python/qlinalg's reference fed the same float weights,
the same table and the same scheme.

  per_group.py gen DIR                       model.mlir, cal.npy, eval.npy
  per_group.py check DIR OUT.npy G BITS SCHEME POW2
  per_group.py check-weight-only DIR OUT.npy G BITS SCHEME
"""

import json
import os
import sys

import numpy as np

import qlinalg as ql

K, N = 64, 24


def weights():
    rng = np.random.default_rng(1234)
    w = (rng.normal(size=(K, N)) / 8.0).astype(np.float32)
    w[:16, 3] *= 20.0  # one group of one column far larger: per-group pays
    b = (rng.normal(size=(N,)) / 10.0).astype(np.float32)
    return w, b


def dense(a):
    return "dense<" + np.array2string(
        a, separator=", ", threshold=10**9, max_line_width=10**9,
        floatmode="unique").replace("\n", "") + ">"


def gen(out):
    w, b = weights()
    model = f"""func.func @forward(%x: tensor<?x{K}xf32>) -> tensor<?x{N}xf32> {{
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x{K}xf32>
  %w = arith.constant {dense(w)} : tensor<{K}x{N}xf32>
  %b = arith.constant {dense(b)} : tensor<{N}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%d) : tensor<?x{N}xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x{N}xf32>) -> tensor<?x{N}xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<?x{K}xf32>, tensor<{K}x{N}xf32>) outs(%f : tensor<?x{N}xf32>) -> tensor<?x{N}xf32>
  %bb = linalg.broadcast ins(%b : tensor<{N}xf32>) outs(%e : tensor<?x{N}xf32>) dimensions = [0]
  %y = linalg.add ins(%mm, %bb : tensor<?x{N}xf32>, tensor<?x{N}xf32>) outs(%e : tensor<?x{N}xf32>) -> tensor<?x{N}xf32>
  return %y : tensor<?x{N}xf32>
}}
"""
    with open(os.path.join(out, "model.mlir"), "w") as f:
        f.write(model)
    rng = np.random.default_rng(99)
    ql.save_npy(os.path.join(out, "cal.npy"), rng.normal(size=(40, K)).astype(np.float32))
    ql.save_npy(os.path.join(out, "eval.npy"), rng.normal(size=(33, K)).astype(np.float32) * 1.1)
    print("ok: model and data")


def quantize_groups(w, group, bits, scheme, pow2):
    """The weights quantized per group of `group` rows and per column."""
    symmetric = scheme == "symmetric"
    qmin, qmax = ql.storage_range("i8", bits, narrow=symmetric)
    groups = K // group
    scales = np.zeros((groups, N), np.float32)
    zps = np.zeros((groups, N), np.int64)
    wq = np.zeros((K, N), np.int8)
    for g in range(groups):
        rows = slice(g * group, (g + 1) * group)
        for n in range(N):
            blk = w[rows, n]
            lo, hi = min(blk.min(), 0.0), max(blk.max(), 0.0)
            if symmetric:
                s, z = ql.choose_symmetric(lo, hi, bits)
            else:
                s, z = ql.choose_asymmetric(lo, hi, qmin, qmax)
            if pow2:
                s, z = ql.to_power_of_two_scale(s, z, lo, qmin, qmax, symmetric)
            scales[g, n], zps[g, n] = s, z
            wq[rows, n] = ql.quantize(blk, s, z, qmin, qmax)
    return wq, scales, zps


def reference(out, group, bits, scheme, pow2):
    w, b = weights()
    table = json.load(open(os.path.join(out, "table.json")))["tensors"]["t0"]
    x = ql.load_npy(os.path.join(out, "eval.npy"))
    sx, zx = ql.choose_asymmetric(table["min"], table["max"], -128, 127)
    if pow2:
        sx, zx = ql.to_power_of_two_scale(sx, zx, table["min"], -128, 127, False)
    xq = ql.quantize(x, sx, zx, -128, 127)
    wq, scales, zps = quantize_groups(w, group, bits, scheme, pow2)
    y = ql.qmatmul_per_group(xq, zx, wq, zps, sx, scales, group)
    return (y + b).astype(np.float32), scales


def check_weight_only(out, result, group, bits, scheme):
    """mode=weight-only: float activations times the dequantized weights.

    The f32 sums are not bit-exact with numpy's (summation order), so each
    output must be within the recursive-summation bound of the exact float64
    result with the same quantized weights: |y - ref| <= K * 2^-24 *
    (|x| @ |w_dq| + |b|) (gamma_K, rounded up), plus one rounding of ref.
    """
    group, bits = int(group), int(bits)
    w, b = weights()
    x = ql.load_npy(os.path.join(out, "eval.npy")).astype(np.float64)
    wq, scales, zps = quantize_groups(w, group, bits, scheme, False)
    rows = np.arange(K) // group
    cols = np.arange(N)
    w_dq = ((wq.astype(np.int64) - zps[rows][:, cols]).astype(np.float32)
            * scales[rows][:, cols]).astype(np.float64)
    ref = x @ w_dq + b
    bound = (K + 1) * 2.0 ** -24 * (np.abs(x) @ np.abs(w_dq) + np.abs(b)) + 2.0 ** -149
    y = ql.load_npy(result).astype(np.float64)
    err = np.abs(y - ref)
    if not np.all(err <= bound):
        bad = np.argwhere(err > bound)[0]
        raise SystemExit(f"weight-only: FAIL at {tuple(bad)}: {y[tuple(bad)]!r} vs "
                         f"{ref[tuple(bad)]!r} (bound {bound[tuple(bad)]:.3g})")
    f = x @ w.astype(np.float64) + b
    rel = np.linalg.norm(y - f) / np.linalg.norm(f)
    print(f"weight-only: ok ({y.size} outputs within the f32 summation bound, "
          f"largest {float(np.max(err / bound)):.3f} of it, G={group}, {bits}-bit "
          f"{scheme}); relative error to float {rel:.4f}")


def check(out, result, group, bits, scheme, pow2):
    y_ref, scales = reference(out, int(group), int(bits), scheme, pow2 == "1")
    y = ql.load_npy(result)
    if not np.array_equal(y.view(np.int32), y_ref.view(np.int32)):
        bad = np.argwhere(y != y_ref)
        raise SystemExit(f"MISMATCH at {len(bad)} elements, first {bad[0]}: "
                         f"{y[tuple(bad[0])]!r} vs {y_ref[tuple(bad[0])]!r}")
    if pow2 == "1":
        assert all(np.frexp(s)[0] == 0.5 for s in scales.ravel()), "scale not 2^n"
    w, b = weights()
    x = ql.load_npy(os.path.join(out, "eval.npy"))
    f = x.astype(np.float64) @ w + b
    err = np.linalg.norm(y - f) / np.linalg.norm(f)
    print(f"bit-exact: ok ({y.size} outputs, G={group}, {bits}-bit {scheme}"
          f"{', power-of-two' if pow2 == '1' else ''}); relative error {err:.4f}")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif sys.argv[1] == "check-weight-only":
        check_weight_only(*sys.argv[2:])
    else:
        check(*sys.argv[2:])
