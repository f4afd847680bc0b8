#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Calibration batches for Inputs/calib_model.mlir, and the check of the table.

    calib_data.py gen OUTDIR
        x{i}.npy (rows 5, 17, 1, 32: batches of different sizes) and w{i}.npy
        (8x4). The global minimum of x is in batch 0 and its maximum in batch
        3, so the statistics must accumulate over batches. Also writes
        x_nan.npy / x_huge.npy (finite, but x @ w overflows to Inf).
    calib_data.py check TABLE OUTDIR
        Compares the table with numpy over the 4 batches: format, version,
        entry, batch count, ids, counts, and min/max (t0 and t1 exactly,
        t2 = x @ w and t3 = 2 (x @ w), the quantized doubling add, within
        1e-6 relative since summation orders differ).
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

ROWS = (5, 17, 1, 32)


def batches(out):
    return [(np.load(os.path.join(out, f"x{i}.npy")), np.load(os.path.join(out, f"w{i}.npy")))
            for i in range(len(ROWS))]


def gen(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(11)
    for i, rows in enumerate(ROWS):
        x = rng.uniform(-2.0, 3.0, size=(rows, 8)).astype(np.float32)
        if i == 0:
            x[3, 5] = np.float32(-7.3125001)  # the global minimum
        if i == 3:
            x[30, 1] = np.float32(9.8765432)  # the global maximum
        w = rng.normal(0.0, 0.5, size=(8, 4)).astype(np.float32)
        np.save(os.path.join(out, f"x{i}.npy"), x)
        np.save(os.path.join(out, f"w{i}.npy"), w)
    x = np.load(os.path.join(out, "x1.npy"))
    x_nan = x.copy()
    x_nan[2, 3] = np.nan  # element 19
    np.save(os.path.join(out, "x_nan.npy"), x_nan)
    x_huge = x.copy()
    x_huge[4, :] = 3e38
    np.save(os.path.join(out, "x_huge.npy"), x_huge)


def check(table_path: str, out: str) -> int:
    with open(table_path) as f:
        table = json.load(f)
    data = batches(out)
    xs = np.concatenate([x for x, _ in data])
    ws = np.stack([w for _, w in data])
    ys = np.concatenate([x @ w for x, w in data])
    problems = []

    def expect(what, got, want):
        if got != want:
            problems.append(f"{what}: got {got!r}, expected {want!r}")

    expect("format", table.get("format"), "qlinalg-calibration")
    expect("version", table.get("version"), 2)
    expect("entry", table.get("entry"), "forward")
    expect("batches", table.get("batches"), len(ROWS))
    tensors = table.get("tensors", {})
    expect("tensor ids", sorted(tensors), ["t0", "t1", "t2", "t3"])
    for tid, values, rtol in (("t0", xs, 0.0), ("t1", ws, 0.0), ("t2", ys, 1e-6),
                              ("t3", ys + ys, 1e-6)):
        e = tensors.get(tid, {})
        expect(f"{tid} count", e.get("count"), int(values.size))
        for key, want in (("min", float(values.min())), ("max", float(values.max()))):
            got = e.get(key)
            if rtol == 0.0:
                expect(f"{tid} {key}", got, want)
            elif not isinstance(got, float) or abs(got - want) > rtol * abs(want):
                problems.append(f"{tid} {key}: got {got!r}, expected {want!r} (rtol {rtol})")
    if problems:
        print("table mismatch:\n  " + "\n  ".join(problems))
        return 1
    print(f"table ok: {len(ROWS)} batches of {list(ROWS)} rows; t0 count {xs.size} "
          f"min {xs.min()!r} max {xs.max()!r}; t1 count {ws.size}; t2 count {ys.size}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
